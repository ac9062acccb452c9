-- Change management (Manajemen Perubahan): change records linked to the
-- Layanan SPBE they touch and the tickets behind them, signed approvals,
-- templates of standard changes, freeze windows, and each change's timeline.

-- The shared infrastructure a service runs on (pusat_data, jaringan_intra;
-- comma-separated), so changes on different services can still collide.
ALTER TABLE services ADD COLUMN depends_on TEXT NOT NULL DEFAULT '';

-- The queue of notice events carries change events too: its subject is a
-- ticket or a change.
ALTER TABLE notice_events RENAME COLUMN ticket_id TO subject_id;

CREATE TABLE change_templates (
    id BYTEA PRIMARY KEY,
    service_id BYTEA NOT NULL REFERENCES services (id),
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    implementation_plan TEXT NOT NULL,
    test_plan TEXT NOT NULL,
    rollback_plan TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE changes (
    id BYTEA PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    change_type TEXT NOT NULL,
    scope TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    reason TEXT NOT NULL,
    owner_unit_id BYTEA NOT NULL REFERENCES units (id),
    requester_id BYTEA NOT NULL REFERENCES users (id),
    template_id BYTEA REFERENCES change_templates (id),
    -- The structured risk assessment (JSON) and the level it yields.
    risk_json TEXT,
    risk_level TEXT,
    impact_analysis TEXT NOT NULL,
    implementation_plan TEXT NOT NULL,
    test_plan TEXT NOT NULL,
    rollback_plan TEXT NOT NULL,
    -- Touches an aplikasi khusus or the intra-government network.
    special BOOLEAN NOT NULL,
    planned_start TIMESTAMP,
    planned_end TIMESTAMP,
    -- Raised by every reschedule: the iCalendar SEQUENCE.
    schedule_sequence INTEGER NOT NULL,
    -- Scheduling despite conflicts: why, by whom, when, and what conflicted (JSON).
    override_json TEXT,
    -- The test with the Dinas before go-live (JSON: passed, notes, by, at).
    dinas_test_json TEXT,
    actual_start TIMESTAMP,
    actual_end TIMESTAMP,
    outcome TEXT,
    outcome_notes TEXT,
    review_findings TEXT,
    reviewed_at TIMESTAMP,
    review_due_at TIMESTAMP,
    -- An emergency change awaits the board's retrospective review.
    board_review_pending BOOLEAN NOT NULL,
    -- The statuses the change went through (comma-separated), for reports.
    statuses_visited TEXT NOT NULL,
    approval_requested_at TIMESTAMP,
    decided_at TIMESTAMP,
    -- Timed notices already told: the schedule sequence whose start was
    -- announced, and whether the overdue review was.
    window_notice_sequence INTEGER,
    review_overdue_told BOOLEAN NOT NULL,
    event_seq INTEGER NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX changes_by_status_window ON changes (status, planned_start);
CREATE INDEX changes_by_owner ON changes (owner_unit_id);
CREATE INDEX changes_by_requester ON changes (requester_id);
CREATE INDEX changes_by_review_due ON changes (review_due_at) WHERE review_due_at IS NOT NULL;

CREATE TABLE change_services (
    change_id BYTEA NOT NULL REFERENCES changes (id),
    service_id BYTEA NOT NULL REFERENCES services (id),
    PRIMARY KEY (change_id, service_id)
);
CREATE INDEX change_services_by_service ON change_services (service_id);

CREATE TABLE change_tickets (
    change_id BYTEA NOT NULL REFERENCES changes (id),
    ticket_id BYTEA NOT NULL REFERENCES tickets (id),
    -- `origin`: the ticket asked for or caused the change; `caused`: an
    -- incident the change caused.
    relation TEXT NOT NULL,
    PRIMARY KEY (change_id, ticket_id)
);
CREATE INDEX change_tickets_by_ticket ON change_tickets (ticket_id);

CREATE TABLE change_approvals (
    id BYTEA PRIMARY KEY,
    change_id BYTEA NOT NULL REFERENCES changes (id),
    approver_id BYTEA NOT NULL REFERENCES users (id),
    capacity TEXT NOT NULL,
    unit_id BYTEA,
    stage TEXT NOT NULL,
    decision TEXT NOT NULL,
    comment TEXT NOT NULL,
    -- SHA-256 of the approved content, and the Ed25519 signature of the
    -- statement (docs/changes.md) by the key `key_id` names.
    content_hash BYTEA NOT NULL,
    key_id TEXT NOT NULL,
    signature BYTEA NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    voided_at TIMESTAMP,
    void_reason TEXT
);
CREATE INDEX change_approvals_by_change ON change_approvals (change_id);
-- One live decision per person and stage.
CREATE UNIQUE INDEX change_approvals_once ON change_approvals (change_id, approver_id, stage) WHERE voided_at IS NULL;

CREATE TABLE change_follow_ups (
    change_id BYTEA NOT NULL REFERENCES changes (id),
    position INTEGER NOT NULL,
    action TEXT NOT NULL,
    owner_id BYTEA NOT NULL REFERENCES users (id),
    due_on TEXT NOT NULL,
    done BOOLEAN NOT NULL,
    done_at TIMESTAMP,
    PRIMARY KEY (change_id, position)
);

CREATE TABLE change_events (
    id BYTEA PRIMARY KEY,
    change_id BYTEA NOT NULL REFERENCES changes (id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BYTEA,
    from_status TEXT,
    to_status TEXT,
    data_json TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    UNIQUE (change_id, seq)
);

CREATE TABLE freeze_windows (
    id BYTEA PRIMARY KEY,
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- Local dates, inclusive (YYYY-MM-DD).
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    -- Minutes after local midnight; both absent: the whole day.
    daily_start INTEGER,
    daily_end INTEGER,
    working_days_only BOOLEAN NOT NULL,
    -- Whose working days and zone (absent: the time zone alone, every day working).
    calendar_id BYTEA REFERENCES calendars (id),
    time_zone TEXT NOT NULL,
    -- Limited to these services and units (comma-separated ids; empty: all).
    service_ids TEXT NOT NULL,
    unit_ids TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE SEQUENCE change_number_seq;
