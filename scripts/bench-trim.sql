-- Takes a benchmark database back to what `admin generate` wrote: deletes the
-- tickets the load harness filed (`benches/load.rs` files them all with the
-- title 'SIMPEG lambat dibuka'), with their comments, attachments, events,
-- clocks, audit chains and notices, and the idempotency keys. The summary
-- counts and report cells follow through their triggers.
--
--   psql -v ON_ERROR_STOP=1 -f scripts/bench-trim.sql URL && psql -c 'VACUUM (ANALYZE)' URL
--   sqlite3 -cmd 'PRAGMA foreign_keys = ON' data/desk.db < scripts/bench-trim.sql
BEGIN;
CREATE TEMP TABLE gone AS SELECT id FROM tickets WHERE title = 'SIMPEG lambat dibuka';
CREATE INDEX gone_id ON gone (id);
ANALYZE gone;
DELETE FROM notices WHERE ticket_id IN (SELECT id FROM gone);
DELETE FROM notice_events WHERE subject_id IN (SELECT id FROM gone);
DELETE FROM ticket_comments WHERE ticket_id IN (SELECT id FROM gone);
DELETE FROM attachments WHERE ticket_id IN (SELECT id FROM gone);
DELETE FROM change_tickets WHERE ticket_id IN (SELECT id FROM gone);
DELETE FROM ticket_events WHERE ticket_id IN (SELECT id FROM gone);
DELETE FROM sla_clocks WHERE ticket_id IN (SELECT id FROM gone);
DELETE FROM audit_checkpoint_heads WHERE chain_id IN (SELECT id FROM gone);
DELETE FROM audit_log WHERE chain_id IN (SELECT id FROM gone);
DELETE FROM audit_heads WHERE chain_id IN (SELECT id FROM gone);
UPDATE tickets SET problem_id = NULL WHERE problem_id IN (SELECT id FROM gone);
DELETE FROM tickets WHERE id IN (SELECT id FROM gone);
DELETE FROM idempotency_keys;
DROP TABLE gone;
COMMIT;
