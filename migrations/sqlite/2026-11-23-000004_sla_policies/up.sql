-- SLA policies: targets per priority stored as JSON, one default policy,
-- and a snapshot per version for the clocks that run under it.

CREATE TABLE sla_policies (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    policy_json TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- At most one default policy.
CREATE UNIQUE INDEX sla_policies_one_default ON sla_policies (is_default) WHERE is_default;

CREATE TABLE sla_policy_versions (
    policy_id BLOB NOT NULL REFERENCES sla_policies (id),
    version BIGINT NOT NULL,
    snapshot_json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (policy_id, version)
);

ALTER TABLE services ADD COLUMN sla_policy_id BLOB REFERENCES sla_policies (id);
