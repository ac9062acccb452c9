-- Today's service infrastructure words become assets (docs/assets.md):
-- one infrastructure asset per word a service depends on or runs on,
-- owned by the Dinas and in use; one aplikasi asset per application
-- service, owned by the service's unit; and a depends_on relation from
-- each aplikasi to each infrastructure asset its service named. The
-- services keep their data (depends_on included). A region without a
-- Dinas yet (a fresh database) gets nothing: its seed registers assets.

INSERT INTO assets (id, inventory_code, name, kind, status, owner_unit_id, service_id, location, custodian,
                    attributes, version, created_at, updated_at)
SELECT gen_random_uuid(),
       'SPBE-' || upper(replace(words.word, '_', '-')),
       words.label, words.word, 'digunakan', dinas.id,
       (SELECT s.id FROM services s WHERE s.platform = words.word ORDER BY s.code LIMIT 1),
       '', '', '{}', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')
FROM (SELECT 'pusat_data' AS word, 'Pusat Data' AS label
      UNION ALL SELECT 'jaringan_intra', 'Jaringan Intra Pemerintah'
      UNION ALL SELECT 'sistem_penghubung_layanan', 'Sistem Penghubung Layanan') AS words
JOIN units dinas ON dinas.kind = 'dinas'
WHERE EXISTS (SELECT 1 FROM services s
              WHERE s.platform = words.word OR ',' || s.depends_on || ',' LIKE '%,' || words.word || ',%');

INSERT INTO assets (id, inventory_code, name, kind, status, owner_unit_id, service_id, location, custodian,
                    attributes, version, created_at, updated_at)
SELECT gen_random_uuid(), 'APL-' || upper(replace(s.code, '_', '-')), COALESCE(s.application_name, s.name), 'aplikasi',
       CASE WHEN s.active THEN 'digunakan' ELSE 'dihapuskan' END,
       s.owner_unit_id, s.id, '', '', '{}', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')
FROM services s
WHERE s.platform IN ('aplikasi_umum', 'aplikasi_khusus')
  AND EXISTS (SELECT 1 FROM units WHERE kind = 'dinas');

INSERT INTO asset_relations (from_asset_id, to_asset_id, kind, created_at)
SELECT app.id, infra.id, 'depends_on', (now() AT TIME ZONE 'UTC')
FROM assets app
JOIN services s ON s.id = app.service_id AND app.kind = 'aplikasi'
JOIN assets infra ON infra.inventory_code = 'SPBE-' || upper(replace(infra.kind, '_', '-'))
WHERE ',' || s.depends_on || ',' LIKE '%,' || infra.kind || ',%';
