DROP INDEX tickets_unit_status_due;
DROP INDEX tickets_status_tier_due;
DROP INDEX tickets_tier_priority;
DROP INDEX tickets_unit_priority;
DROP INDEX tickets_created_by;
DROP INDEX tickets_reporter;
CREATE INDEX tickets_reporter ON tickets (reporter_id);
