-- Ticket counts for dashboards, kept by the database itself: every insert,
-- delete or move of a ticket appends its -1/+1 to `ticket_count_deltas`
-- (append-only, so writers never wait on one another), and the sweeper
-- folds the deltas into `ticket_counts` now and then. A summary is the sum
-- of both: a few hundred rows instead of every ticket.
-- No ticket may be written between the backfill and the triggers.
LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE ticket_counts (
    unit_id BYTEA NOT NULL,
    tier SMALLINT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    tier2_involved BOOLEAN NOT NULL,
    unassigned BOOLEAN NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (unit_id, tier, status, priority, tier2_involved, unassigned)
);
CREATE TABLE ticket_count_deltas (
    id BIGSERIAL PRIMARY KEY,
    unit_id BYTEA NOT NULL,
    tier SMALLINT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    tier2_involved BOOLEAN NOT NULL,
    unassigned BOOLEAN NOT NULL,
    n BIGINT NOT NULL
);
INSERT INTO ticket_counts
    SELECT unit_id, tier, status, priority, tier2_involved, assignee_id IS NULL, COUNT(*)
    FROM tickets GROUP BY 1, 2, 3, 4, 5, 6;

CREATE FUNCTION ticket_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO ticket_count_deltas (unit_id, tier, status, priority, tier2_involved, unassigned, n)
        VALUES (OLD.unit_id, OLD.tier, OLD.status, OLD.priority, OLD.tier2_involved, OLD.assignee_id IS NULL, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO ticket_count_deltas (unit_id, tier, status, priority, tier2_involved, unassigned, n)
        VALUES (NEW.unit_id, NEW.tier, NEW.status, NEW.priority, NEW.tier2_involved, NEW.assignee_id IS NULL, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER ticket_counts_on_insert_or_delete AFTER INSERT OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_counts_track();
CREATE TRIGGER ticket_counts_on_move AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.tier IS DISTINCT FROM NEW.tier
          OR OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority
          OR OLD.tier2_involved IS DISTINCT FROM NEW.tier2_involved
          OR (OLD.assignee_id IS NULL) IS DISTINCT FROM (NEW.assignee_id IS NULL))
    EXECUTE FUNCTION ticket_counts_track();
