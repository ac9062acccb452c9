DROP INDEX tickets_tier2_involved;
DROP INDEX tickets_priority;
DROP INDEX tickets_updated;
