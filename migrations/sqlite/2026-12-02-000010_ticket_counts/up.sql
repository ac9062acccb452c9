-- Ticket counts for dashboards, kept by the database itself: every insert,
-- delete or move of a ticket appends its -1/+1 to `ticket_count_deltas`,
-- and the sweeper folds the deltas into `ticket_counts` now and then. A
-- summary is the sum of both: a few hundred rows instead of every ticket.
CREATE TABLE ticket_counts (
    unit_id BLOB NOT NULL,
    tier SMALLINT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    tier2_involved BOOLEAN NOT NULL,
    unassigned BOOLEAN NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (unit_id, tier, status, priority, tier2_involved, unassigned)
);
CREATE TABLE ticket_count_deltas (
    id INTEGER PRIMARY KEY,
    unit_id BLOB NOT NULL,
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

CREATE TRIGGER ticket_counts_on_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_count_deltas (unit_id, tier, status, priority, tier2_involved, unassigned, n)
    VALUES (NEW.unit_id, NEW.tier, NEW.status, NEW.priority, NEW.tier2_involved, NEW.assignee_id IS NULL, 1);
END;
CREATE TRIGGER ticket_counts_on_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_count_deltas (unit_id, tier, status, priority, tier2_involved, unassigned, n)
    VALUES (OLD.unit_id, OLD.tier, OLD.status, OLD.priority, OLD.tier2_involved, OLD.assignee_id IS NULL, -1);
END;
CREATE TRIGGER ticket_counts_on_move AFTER UPDATE ON tickets
    WHEN OLD.unit_id IS NOT NEW.unit_id OR OLD.tier IS NOT NEW.tier OR OLD.status IS NOT NEW.status
        OR OLD.priority IS NOT NEW.priority OR OLD.tier2_involved IS NOT NEW.tier2_involved
        OR (OLD.assignee_id IS NULL) IS NOT (NEW.assignee_id IS NULL)
BEGIN
    INSERT INTO ticket_count_deltas (unit_id, tier, status, priority, tier2_involved, unassigned, n)
    VALUES (OLD.unit_id, OLD.tier, OLD.status, OLD.priority, OLD.tier2_involved, OLD.assignee_id IS NULL, -1);
    INSERT INTO ticket_count_deltas (unit_id, tier, status, priority, tier2_involved, unassigned, n)
    VALUES (NEW.unit_id, NEW.tier, NEW.status, NEW.priority, NEW.tier2_involved, NEW.assignee_id IS NULL, 1);
END;
