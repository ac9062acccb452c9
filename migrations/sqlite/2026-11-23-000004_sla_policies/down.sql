-- SQLite cannot drop a column that holds a foreign key; rolling this
-- migration back on SQLite needs a table rebuild (not done here).
DROP TABLE sla_policy_versions;
DROP TABLE sla_policies;
