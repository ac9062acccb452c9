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
-- No ticket or clock may be written between the backfill and the triggers.
LOCK TABLE tickets, sla_clocks IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE sla_report_cells (
    month TEXT NOT NULL,
    unit_id BYTEA NOT NULL,
    service_id BYTEA NOT NULL,
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
    times BYTEA NOT NULL,
    PRIMARY KEY (month, unit_id, service_id, tier, priority, tier2_involved, fact)
);
-- One row: `n` facts of the cell, each with `elapsed_seconds` (if stopped).
CREATE TABLE sla_report_deltas (
    id BIGSERIAL PRIMARY KEY,
    month TEXT NOT NULL,
    unit_id BYTEA NOT NULL,
    service_id BYTEA NOT NULL,
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

INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact,
                               n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT to_char(created_at + INTERVAL '8 hours', 'YYYY-MM'), unit_id, service_id, tier, priority, tier2_involved, 'ticket',
           COUNT(*), SUM((escalation_count > 0)::int), SUM((reopen_count > 0)::int), 0, 0, 0, NULL
    FROM tickets GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact,
                               n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT to_char(t.created_at + INTERVAL '8 hours', 'YYYY-MM'), t.unit_id, t.service_id, t.tier, t.priority, t.tier2_involved, c.kind,
           COUNT(*), 0, 0, SUM((c.breached_at IS NULL AND c.stopped_at IS NOT NULL)::int),
           SUM((c.breached_at IS NOT NULL)::int), SUM((c.breached_at IS NULL AND c.stopped_at IS NULL)::int),
           c.elapsed_seconds
    FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id GROUP BY 1, 2, 3, 4, 5, 6, 7, c.elapsed_seconds;

-- A ticket's facts under its dimensions, `sign` 1 or -1; with its clocks
-- when `with_clocks` (the ticket moved to other dimensions).
CREATE FUNCTION sla_report_ticket_delta(t tickets, sign INT, with_clocks BOOLEAN) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact,
                                   n, escalated, reopened, met, breached, open, elapsed_seconds)
    VALUES (to_char(t.created_at + INTERVAL '8 hours', 'YYYY-MM'), t.unit_id, t.service_id, t.tier, t.priority, t.tier2_involved,
            'ticket', sign, sign * (t.escalation_count > 0)::int, sign * (t.reopen_count > 0)::int, 0, 0, 0, NULL);
    IF with_clocks THEN
        INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact,
                                       n, escalated, reopened, met, breached, open, elapsed_seconds)
        SELECT to_char(t.created_at + INTERVAL '8 hours', 'YYYY-MM'), t.unit_id, t.service_id, t.tier, t.priority, t.tier2_involved,
               c.kind, sign, 0, 0, sign * (c.breached_at IS NULL AND c.stopped_at IS NOT NULL)::int,
               sign * (c.breached_at IS NOT NULL)::int, sign * (c.breached_at IS NULL AND c.stopped_at IS NULL)::int,
               c.elapsed_seconds
        FROM sla_clocks c WHERE c.ticket_id = t.id;
    END IF;
END
$$;

CREATE FUNCTION sla_report_track_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved BOOLEAN := FALSE;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        moved := (OLD.unit_id, OLD.service_id, OLD.tier, OLD.priority, OLD.tier2_involved, OLD.created_at)
            IS DISTINCT FROM (NEW.unit_id, NEW.service_id, NEW.tier, NEW.priority, NEW.tier2_involved, NEW.created_at);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM sla_report_ticket_delta(OLD, -1, moved);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM sla_report_ticket_delta(NEW, 1, moved);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER sla_report_on_ticket_delete AFTER DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION sla_report_track_ticket();
CREATE TRIGGER sla_report_on_ticket_move AFTER UPDATE ON tickets FOR EACH ROW
    WHEN ((OLD.unit_id, OLD.service_id, OLD.tier, OLD.priority, OLD.tier2_involved,
           OLD.escalation_count > 0, OLD.reopen_count > 0, OLD.created_at)
          IS DISTINCT FROM (NEW.unit_id, NEW.service_id, NEW.tier, NEW.priority, NEW.tier2_involved,
           NEW.escalation_count > 0, NEW.reopen_count > 0, NEW.created_at))
    EXECUTE FUNCTION sla_report_track_ticket();

-- A clock's outcome under its ticket's current dimensions, `sign` 1 or -1.
CREATE FUNCTION sla_report_clock_delta(c sla_clocks, sign INT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact,
                                   n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT to_char(t.created_at + INTERVAL '8 hours', 'YYYY-MM'), t.unit_id, t.service_id, t.tier, t.priority, t.tier2_involved,
           c.kind, sign, 0, 0, sign * (c.breached_at IS NULL AND c.stopped_at IS NOT NULL)::int,
           sign * (c.breached_at IS NOT NULL)::int, sign * (c.breached_at IS NULL AND c.stopped_at IS NULL)::int,
           c.elapsed_seconds
    FROM tickets t WHERE t.id = c.ticket_id;
END
$$;

CREATE FUNCTION sla_report_track_clock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM sla_report_clock_delta(OLD, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM sla_report_clock_delta(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER sla_report_on_clock_delete AFTER DELETE ON sla_clocks
    FOR EACH ROW EXECUTE FUNCTION sla_report_track_clock();
CREATE TRIGGER sla_report_on_clock_change AFTER UPDATE ON sla_clocks FOR EACH ROW
    WHEN ((OLD.ticket_id, OLD.kind, OLD.stopped_at IS NULL, OLD.breached_at IS NULL, OLD.elapsed_seconds)
          IS DISTINCT FROM (NEW.ticket_id, NEW.kind, NEW.stopped_at IS NULL, NEW.breached_at IS NULL, NEW.elapsed_seconds))
    EXECUTE FUNCTION sla_report_track_clock();

-- New tickets and clocks a statement at a time, from its transition table:
-- intake writes both clocks in one statement, the generator thousands.
CREATE FUNCTION sla_report_track_new_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact,
                                   n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT to_char(t.created_at + INTERVAL '8 hours', 'YYYY-MM'), t.unit_id, t.service_id, t.tier, t.priority,
           t.tier2_involved, 'ticket', 1, (t.escalation_count > 0)::int, (t.reopen_count > 0)::int, 0, 0, 0, NULL
    FROM new_tickets t;
    RETURN NULL;
END
$$;
CREATE TRIGGER sla_report_on_ticket_insert AFTER INSERT ON tickets REFERENCING NEW TABLE AS new_tickets
    FOR EACH STATEMENT EXECUTE FUNCTION sla_report_track_new_tickets();

CREATE FUNCTION sla_report_track_new_clocks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sla_report_deltas (month, unit_id, service_id, tier, priority, tier2_involved, fact,
                                   n, escalated, reopened, met, breached, open, elapsed_seconds)
    SELECT to_char(t.created_at + INTERVAL '8 hours', 'YYYY-MM'), t.unit_id, t.service_id, t.tier, t.priority,
           t.tier2_involved, c.kind, 1, 0, 0, (c.breached_at IS NULL AND c.stopped_at IS NOT NULL)::int,
           (c.breached_at IS NOT NULL)::int, (c.breached_at IS NULL AND c.stopped_at IS NULL)::int, c.elapsed_seconds
    FROM new_clocks c JOIN tickets t ON t.id = c.ticket_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER sla_report_on_clock_insert AFTER INSERT ON sla_clocks REFERENCING NEW TABLE AS new_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION sla_report_track_new_clocks();
