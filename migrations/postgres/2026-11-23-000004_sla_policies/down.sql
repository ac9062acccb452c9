ALTER TABLE services DROP COLUMN sla_policy_id;
DROP TABLE sla_policy_versions;
DROP TABLE sla_policies;
