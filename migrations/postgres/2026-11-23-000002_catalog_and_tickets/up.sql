-- The Layanan SPBE catalog and tickets with their timeline, comments,
-- attachments, and idempotency records.

CREATE TABLE services (
    id BYTEA PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL CHECK (category IN ('administrasi_pemerintahan', 'publik')),
    owner_unit_id BYTEA NOT NULL REFERENCES units (id),
    platform TEXT NOT NULL CHECK (platform IN ('aplikasi_umum', 'aplikasi_khusus', 'pusat_data', 'jaringan_intra', 'sistem_penghubung_layanan')),
    application_name TEXT,
    direct_tier2 BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE tickets (
    id BYTEA PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    ticket_type TEXT NOT NULL CHECK (ticket_type IN ('complaint', 'incident', 'problem', 'service_request', 'change_request')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    service_id BYTEA NOT NULL REFERENCES services (id),
    unit_id BYTEA NOT NULL REFERENCES units (id),
    reporter_id BYTEA REFERENCES users (id),
    reporter_name TEXT,
    reporter_email TEXT,
    reporter_phone TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('web', 'email', 'phone', 'walk_in', 'api')),
    impact TEXT NOT NULL CHECK (impact IN ('high', 'medium', 'low')),
    urgency TEXT NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
    priority TEXT NOT NULL CHECK (priority IN ('critical', 'high', 'medium', 'low')),
    -- 0 critical … 3 low, for sorting by priority.
    priority_rank SMALLINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed')),
    tier SMALLINT NOT NULL CHECK (tier IN (1, 2)),
    assignee_id BYTEA REFERENCES users (id),
    tier2_involved BOOLEAN NOT NULL DEFAULT FALSE,
    escalation_count INTEGER NOT NULL DEFAULT 0,
    last_escalated_at TIMESTAMP,
    pending_reason TEXT,
    external_source TEXT,
    external_ref TEXT,
    complaint_ref TEXT,
    problem_id BYTEA REFERENCES tickets (id),
    resolution_code TEXT,
    resolution TEXT,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    reopen_count INTEGER NOT NULL DEFAULT 0,
    rating SMALLINT CHECK (rating BETWEEN 1 AND 5),
    rating_remark TEXT,
    created_by_kind TEXT NOT NULL,
    created_by BYTEA NOT NULL,
    event_seq INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (external_source, external_ref)
);
CREATE INDEX tickets_unit ON tickets (unit_id, id);
CREATE INDEX tickets_tier_status ON tickets (tier, status, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id);
CREATE INDEX tickets_reporter ON tickets (reporter_id);
CREATE INDEX tickets_problem ON tickets (problem_id);
CREATE INDEX tickets_created_at ON tickets (created_at);

CREATE TABLE ticket_events (
    id BYTEA PRIMARY KEY,
    ticket_id BYTEA NOT NULL REFERENCES tickets (id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BYTEA,
    from_status TEXT,
    to_status TEXT,
    from_tier SMALLINT,
    to_tier SMALLINT,
    data_json TEXT,
    -- Internal-comment events are hidden from reporters like the comment.
    internal BOOLEAN NOT NULL DEFAULT FALSE,
    occurred_at TIMESTAMP NOT NULL,
    UNIQUE (ticket_id, seq)
);

CREATE TABLE ticket_comments (
    id BYTEA PRIMARY KEY,
    ticket_id BYTEA NOT NULL REFERENCES tickets (id),
    author_kind TEXT NOT NULL,
    author_id BYTEA NOT NULL,
    body TEXT NOT NULL,
    internal BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id);

CREATE TABLE attachments (
    id BYTEA PRIMARY KEY,
    ticket_id BYTEA NOT NULL REFERENCES tickets (id),
    comment_id BYTEA REFERENCES ticket_comments (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by_kind TEXT NOT NULL,
    uploaded_by BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, id);

CREATE TABLE idempotency_keys (
    actor_id BYTEA NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    status SMALLINT NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (actor_id, idem_key)
);

-- Ticket numbers: PostgreSQL hands them out from a sequence (no row lock
-- shared by every creation); SQLite, single-writer anyway, uses a counter row.
CREATE SEQUENCE ticket_number_seq;
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
