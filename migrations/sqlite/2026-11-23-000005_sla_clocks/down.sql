DROP INDEX tickets_sla_due;
DROP INDEX tickets_sla_check;
ALTER TABLE tickets DROP COLUMN tier2_breached;
ALTER TABLE tickets DROP COLUMN resolution_breached;
ALTER TABLE tickets DROP COLUMN response_breached;
ALTER TABLE tickets DROP COLUMN sla_check_at;
ALTER TABLE tickets DROP COLUMN sla_due_at;
DROP TABLE sla_clocks;
-- The version tables keep no foreign key to their parents on SQLite;
-- orphaned versions are removed.
DELETE FROM calendar_versions WHERE calendar_id NOT IN (SELECT id FROM calendars);
DELETE FROM sla_policy_versions WHERE policy_id NOT IN (SELECT id FROM sla_policies);
