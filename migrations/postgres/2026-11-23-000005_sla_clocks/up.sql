-- SLA clocks on tickets. Calendar and policy versions outlive their
-- calendar or policy: clocks that ran under them must stay explainable.
ALTER TABLE calendar_versions DROP CONSTRAINT calendar_versions_calendar_id_fkey;
ALTER TABLE sla_policy_versions DROP CONSTRAINT sla_policy_versions_policy_id_fkey;

-- One row per clock of a ticket. Start, target and pauses define it; the
-- due and warning instants are kept only so the sweeper can find them.
CREATE TABLE sla_clocks (
    ticket_id BYTEA NOT NULL REFERENCES tickets (id),
    kind TEXT NOT NULL CHECK (kind IN ('response', 'resolution', 'tier2_resolution')),
    calendar_id BYTEA NOT NULL,
    calendar_version BIGINT NOT NULL,
    policy_id BYTEA NOT NULL,
    policy_version BIGINT NOT NULL,
    target_json TEXT NOT NULL,
    warning_percent SMALLINT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    pauses_json TEXT NOT NULL DEFAULT '[]',
    stopped_at TIMESTAMP,
    -- NULL while a pause holds the clock.
    due_at TIMESTAMP,
    warn_at TIMESTAMP,
    warned_at TIMESTAMP,
    breached_at TIMESTAMP,
    -- Business (or, for calendar-hour targets, wall) seconds run when stopped.
    elapsed_seconds BIGINT,
    PRIMARY KEY (ticket_id, kind),
    FOREIGN KEY (calendar_id, calendar_version) REFERENCES calendar_versions (calendar_id, version),
    FOREIGN KEY (policy_id, policy_version) REFERENCES sla_policy_versions (policy_id, version)
);

-- Per ticket: the earliest due instant of its running clocks (queues sort
-- on it), when the sweeper must next look, and which clocks breached.
ALTER TABLE tickets ADD COLUMN sla_due_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN sla_check_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN response_breached BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tickets ADD COLUMN resolution_breached BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tickets ADD COLUMN tier2_breached BOOLEAN NOT NULL DEFAULT FALSE;
-- The sweeper's range scan: only tickets with something still to check.
CREATE INDEX tickets_sla_check ON tickets (sla_check_at) WHERE sla_check_at IS NOT NULL;
CREATE INDEX tickets_sla_due ON tickets (sla_due_at, id);
