DROP INDEX tickets_resolved;
