-- The knowledge report (docs/knowledge.md) counts the tickets resolved in
-- each month of its period, per unit and service: without this index every
-- month read every ticket. Only resolved tickets have a `resolved_at`;
-- the index's entries are written once per resolution.
CREATE INDEX tickets_resolved ON tickets (resolved_at) WHERE resolved_at IS NOT NULL;
