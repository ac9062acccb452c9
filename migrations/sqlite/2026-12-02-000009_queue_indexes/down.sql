DROP INDEX tickets_unit_status_due;
DROP INDEX tickets_status_tier_due;
DROP INDEX tickets_tier_priority;
DROP INDEX tickets_unit_priority;
