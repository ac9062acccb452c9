-- Sorts no index served without a unit or tier to lead (the combination
-- walk, docs/benchmarks.md, issue 25): a supervisor's list by update or by
-- priority, and tier 2's part of a scope (tickets tier 2 has held), read
-- every ticket and sorted them all for one page. With these the list walks
-- an index in the sort's order and stops at a full page.
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_priority ON tickets (priority_rank, id);
CREATE INDEX tickets_tier2_involved ON tickets (tier2_involved, id);
