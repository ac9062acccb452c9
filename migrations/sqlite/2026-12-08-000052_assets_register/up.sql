-- The register of TIK assets (docs/assets.md): one row per asset with its
-- kind's attributes as checked JSON, and the relations between assets,
-- each read "from needs to". Enumerations are text with a CHECK.

CREATE TABLE assets (
    id BLOB PRIMARY KEY,
    -- Normalised (domain::asset::inventory_code); unique in the region.
    inventory_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('server', 'pc', 'laptop', 'printer', 'perangkat_jaringan',
        'perangkat_lunak', 'lisensi', 'aplikasi', 'pusat_data', 'jaringan_intra', 'sistem_penghubung_layanan')),
    status TEXT NOT NULL CHECK (status IN ('perencanaan', 'pengadaan', 'digunakan', 'pemeliharaan', 'dihapuskan')),
    owner_unit_id BLOB NOT NULL REFERENCES units (id),
    -- The Layanan SPBE an aplikasi (or the infrastructure itself) provides.
    service_id BLOB REFERENCES services (id),
    location TEXT NOT NULL,
    -- The pemegang: who holds the asset.
    custodian TEXT NOT NULL,
    serial_number TEXT,
    acquired_on DATE,
    -- In rupiah.
    acquisition_value BIGINT,
    warranty_ends_on DATE,
    -- The kind's attributes, checked against the kind before they are written.
    attributes TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX assets_by_owner ON assets (owner_unit_id, id);
CREATE INDEX assets_by_kind ON assets (kind, id);
CREATE INDEX assets_by_status ON assets (status, id);
CREATE INDEX assets_by_service ON assets (service_id, id);

CREATE TABLE asset_relations (
    from_asset_id BLOB NOT NULL REFERENCES assets (id),
    to_asset_id BLOB NOT NULL REFERENCES assets (id),
    kind TEXT NOT NULL CHECK (kind IN ('runs_on', 'connected_to', 'depends_on', 'licensed_by')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (from_asset_id, to_asset_id, kind),
    CHECK (from_asset_id <> to_asset_id)
);
-- Impact walks the relations backwards: who needs this asset.
CREATE INDEX asset_relations_by_to ON asset_relations (to_asset_id, from_asset_id);
