-- SLA report cells, kept by the database itself: per month of filing in
-- UTC+8 (WITA, the middle one of Indonesia's three zones, so that a month
-- in WIB or WIT is one of these give or take an hour) and per ticket dimension the report filters or groups by, the
-- tickets (how many, escalated, reopened) and each clock kind's outcomes
-- and stopped times. Every insert, delete or move of a ticket or a clock
-- appends its -1/+1 to `sla_report_deltas` (append-only, so writers never
-- wait on one another); the sweeper folds the deltas into the cells, whose
-- `times` hold the stopped clocks' times as a multiset (exact means and
-- medians). A month's report reads a few thousand cells instead of every
-- ticket and clock filed in it.
-- The month is taken from the timestamp cut to the second: datetime()
-- rounds fractions to the millisecond, which would put a ticket filed in the
-- last half millisecond of a month into the next.
CREATE TABLE sla_report_cells (
    month TEXT NOT NULL,
    unit_id BLOB NOT NULL,
    service_id BLOB NOT NULL,
    tier SMALLINT NOT NULL,
    priority TEXT NOT NULL,
    tier2_involved BOOLEAN NOT NULL,
    -- 'ticket', or the clock kind.
    fact TEXT NOT NULL,
    n BIGINT NOT NULL,
    escalated BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    met BIGINT NOT NULL,
    breached BIGINT NOT NULL,
    open BIGINT NOT NULL,
    times BLOB NOT NULL,
    PRIMARY KEY (month, unit_id, service_id, tier, priority, tier2_involved, fact)
);
-- One row: `n` facts of the cell, each with `elapsed_seconds` (if stopped).
CREATE TABLE sla_report_deltas (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,
    unit_id BLOB NOT NULL,
    service_id BLOB NOT NULL,
    tier SMALLINT NOT NULL,
    priority TEXT NOT NULL,
    tier2_involved BOOLEAN NOT NULL,
    fact TEXT NOT NULL,
    n BIGINT NOT NULL,
    escalated BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    met BIGINT NOT NULL,
    breached BIGINT NOT NULL,
    open BIGINT NOT NULL,
    elapsed_seconds BIGINT
);
CREATE INDEX sla_report_deltas_month ON sla_report_deltas (month);

INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT substr(datetime(substr(created_at, 1, 19), '+8 hours'), 1, 7), unit_id, service_id, tier, priority, tier2_involved, 'ticket',
           COUNT(*), SUM(escalation_count > 0), SUM(reopen_count > 0), 0, 0, 0, NULL
    FROM tickets GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT substr(datetime(substr(t.created_at, 1, 19), '+8 hours'), 1, 7), t.unit_id, t.service_id, t.tier, t.priority, t.tier2_involved, c.kind,
           COUNT(*), 0, 0, SUM(c.breached_at IS NULL AND c.stopped_at IS NOT NULL),
           SUM(c.breached_at IS NOT NULL), SUM(c.breached_at IS NULL AND c.stopped_at IS NULL), c.elapsed_seconds
    FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id GROUP BY 1, 2, 3, 4, 5, 6, 7, c.elapsed_seconds;

CREATE TRIGGER sla_report_on_ticket_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    VALUES (substr(datetime(substr(NEW.created_at, 1, 19), '+8 hours'), 1, 7), NEW.unit_id, NEW.service_id, NEW.tier, NEW.priority, NEW.tier2_involved,
            'ticket', 1, 1 * (NEW.escalation_count > 0), 1 * (NEW.reopen_count > 0), 0, 0, 0, NULL);
END;
CREATE TRIGGER sla_report_on_ticket_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    VALUES (substr(datetime(substr(OLD.created_at, 1, 19), '+8 hours'), 1, 7), OLD.unit_id, OLD.service_id, OLD.tier, OLD.priority, OLD.tier2_involved,
            'ticket', -1, -1 * (OLD.escalation_count > 0), -1 * (OLD.reopen_count > 0), 0, 0, 0, NULL);
END;
-- A move to other dimensions takes the ticket's clocks along.
CREATE TRIGGER sla_report_on_ticket_move AFTER UPDATE ON tickets
    WHEN OLD.unit_id IS NOT NEW.unit_id OR OLD.service_id IS NOT NEW.service_id OR OLD.tier IS NOT NEW.tier
        OR OLD.priority IS NOT NEW.priority OR OLD.tier2_involved IS NOT NEW.tier2_involved
        OR OLD.created_at IS NOT NEW.created_at
BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    VALUES (substr(datetime(substr(OLD.created_at, 1, 19), '+8 hours'), 1, 7), OLD.unit_id, OLD.service_id, OLD.tier, OLD.priority, OLD.tier2_involved,
            'ticket', -1, -1 * (OLD.escalation_count > 0), -1 * (OLD.reopen_count > 0), 0, 0, 0, NULL);
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT substr(datetime(substr(OLD.created_at, 1, 19), '+8 hours'), 1, 7), OLD.unit_id, OLD.service_id, OLD.tier, OLD.priority, OLD.tier2_involved,
           c.kind, -1, 0, 0, -1 * (c.breached_at IS NULL AND c.stopped_at IS NOT NULL),
           -1 * (c.breached_at IS NOT NULL), -1 * (c.breached_at IS NULL AND c.stopped_at IS NULL), c.elapsed_seconds
    FROM sla_clocks c WHERE c.ticket_id = OLD.id;
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    VALUES (substr(datetime(substr(NEW.created_at, 1, 19), '+8 hours'), 1, 7), NEW.unit_id, NEW.service_id, NEW.tier, NEW.priority, NEW.tier2_involved,
            'ticket', 1, 1 * (NEW.escalation_count > 0), 1 * (NEW.reopen_count > 0), 0, 0, 0, NULL);
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT substr(datetime(substr(NEW.created_at, 1, 19), '+8 hours'), 1, 7), NEW.unit_id, NEW.service_id, NEW.tier, NEW.priority, NEW.tier2_involved,
           c.kind, 1, 0, 0, 1 * (c.breached_at IS NULL AND c.stopped_at IS NOT NULL),
           1 * (c.breached_at IS NOT NULL), 1 * (c.breached_at IS NULL AND c.stopped_at IS NULL), c.elapsed_seconds
    FROM sla_clocks c WHERE c.ticket_id = NEW.id;
END;
CREATE TRIGGER sla_report_on_ticket_flags AFTER UPDATE ON tickets
    WHEN NOT (OLD.unit_id IS NOT NEW.unit_id OR OLD.service_id IS NOT NEW.service_id OR OLD.tier IS NOT NEW.tier
        OR OLD.priority IS NOT NEW.priority OR OLD.tier2_involved IS NOT NEW.tier2_involved
        OR OLD.created_at IS NOT NEW.created_at)
        AND ((OLD.escalation_count > 0) IS NOT (NEW.escalation_count > 0)
             OR (OLD.reopen_count > 0) IS NOT (NEW.reopen_count > 0))
BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    VALUES (substr(datetime(substr(OLD.created_at, 1, 19), '+8 hours'), 1, 7), OLD.unit_id, OLD.service_id, OLD.tier, OLD.priority, OLD.tier2_involved,
            'ticket', -1, -1 * (OLD.escalation_count > 0), -1 * (OLD.reopen_count > 0), 0, 0, 0, NULL);
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    VALUES (substr(datetime(substr(NEW.created_at, 1, 19), '+8 hours'), 1, 7), NEW.unit_id, NEW.service_id, NEW.tier, NEW.priority, NEW.tier2_involved,
            'ticket', 1, 1 * (NEW.escalation_count > 0), 1 * (NEW.reopen_count > 0), 0, 0, 0, NULL);
END;
CREATE TRIGGER sla_report_on_clock_insert AFTER INSERT ON sla_clocks BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT substr(datetime(substr(t.created_at, 1, 19), '+8 hours'), 1, 7), t.unit_id, t.service_id, t.tier, t.priority, t.tier2_involved,
           NEW.kind, 1, 0, 0, 1 * (NEW.breached_at IS NULL AND NEW.stopped_at IS NOT NULL),
           1 * (NEW.breached_at IS NOT NULL), 1 * (NEW.breached_at IS NULL AND NEW.stopped_at IS NULL),
           NEW.elapsed_seconds
    FROM tickets t WHERE t.id = NEW.ticket_id;
END;
CREATE TRIGGER sla_report_on_clock_delete AFTER DELETE ON sla_clocks BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT substr(datetime(substr(t.created_at, 1, 19), '+8 hours'), 1, 7), t.unit_id, t.service_id, t.tier, t.priority, t.tier2_involved,
           OLD.kind, -1, 0, 0, -1 * (OLD.breached_at IS NULL AND OLD.stopped_at IS NOT NULL),
           -1 * (OLD.breached_at IS NOT NULL), -1 * (OLD.breached_at IS NULL AND OLD.stopped_at IS NULL),
           OLD.elapsed_seconds
    FROM tickets t WHERE t.id = OLD.ticket_id;
END;
CREATE TRIGGER sla_report_on_clock_change AFTER UPDATE ON sla_clocks
    WHEN OLD.ticket_id IS NOT NEW.ticket_id OR OLD.kind IS NOT NEW.kind
        OR (OLD.stopped_at IS NULL) IS NOT (NEW.stopped_at IS NULL)
        OR (OLD.breached_at IS NULL) IS NOT (NEW.breached_at IS NULL)
        OR OLD.elapsed_seconds IS NOT NEW.elapsed_seconds
BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT substr(datetime(substr(t.created_at, 1, 19), '+8 hours'), 1, 7), t.unit_id, t.service_id, t.tier, t.priority, t.tier2_involved,
           OLD.kind, -1, 0, 0, -1 * (OLD.breached_at IS NULL AND OLD.stopped_at IS NOT NULL),
           -1 * (OLD.breached_at IS NOT NULL), -1 * (OLD.breached_at IS NULL AND OLD.stopped_at IS NULL),
           OLD.elapsed_seconds
    FROM tickets t WHERE t.id = OLD.ticket_id;
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact, n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT substr(datetime(substr(t.created_at, 1, 19), '+8 hours'), 1, 7), t.unit_id, t.service_id, t.tier, t.priority, t.tier2_involved,
           NEW.kind, 1, 0, 0, 1 * (NEW.breached_at IS NULL AND NEW.stopped_at IS NOT NULL),
           1 * (NEW.breached_at IS NOT NULL), 1 * (NEW.breached_at IS NULL AND NEW.stopped_at IS NULL),
           NEW.elapsed_seconds
    FROM tickets t WHERE t.id = NEW.ticket_id;
END;
