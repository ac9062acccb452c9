-- The assets and relations the up migration made from the services'
-- words (their codes say so); the services kept their own data.
DELETE FROM asset_relations
WHERE from_asset_id IN (SELECT id FROM assets WHERE inventory_code LIKE 'SPBE-%' OR inventory_code LIKE 'APL-%')
   OR to_asset_id IN (SELECT id FROM assets WHERE inventory_code LIKE 'SPBE-%' OR inventory_code LIKE 'APL-%');
DELETE FROM assets WHERE inventory_code LIKE 'SPBE-%' OR inventory_code LIKE 'APL-%';
