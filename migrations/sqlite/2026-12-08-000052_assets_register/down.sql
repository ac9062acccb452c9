DROP TABLE asset_relations;
DROP TABLE assets;
