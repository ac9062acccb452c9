-- Queue views: each part of a caller's scope (a unit, tier 2, their own)
-- is read on its own with its filter and order, so that one of these
-- indexes serves both and a page reads about as many rows as it shows.
-- Soonest due first within a status: a unit's queue, and a tier's.
CREATE INDEX tickets_unit_status_due ON tickets (unit_id, status, sla_due_at, id);
CREATE INDEX tickets_status_tier_due ON tickets (status, tier, sla_due_at, id);
-- Most urgent first: a tier's queue and a unit's.
CREATE INDEX tickets_tier_priority ON tickets (tier, priority_rank, id);
CREATE INDEX tickets_unit_priority ON tickets (unit_id, priority_rank, id);
-- A caller's own tickets (as reporter, or a front end's key as filer) in
-- creation order: without these the planner may walk every ticket by id
-- looking for someone who has filed none.
DROP INDEX tickets_reporter;
CREATE INDEX tickets_reporter ON tickets (reporter_id, id);
CREATE INDEX tickets_created_by ON tickets (created_by, id);
