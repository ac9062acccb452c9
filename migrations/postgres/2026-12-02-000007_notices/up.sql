-- Notices: mails and webhook deliveries through one transactional outbox.
--
-- The journal writes one `notice_events` row per ticket event, in the
-- transaction of the change (cheap: one insert, into the primary key only).
-- A dispatcher fans each event out, in one transaction, into `notices`: one
-- row per mail recipient or webhook subscription, rendered, with its stable
-- id (the Message-ID or webhook-id), and deletes the event; it then
-- delivers the notices with retries.

CREATE TABLE notice_events (
    id BYTEA PRIMARY KEY,
    event TEXT NOT NULL,
    ticket_id BYTEA NOT NULL,
    actor_id BYTEA,
    occurred_at TIMESTAMP NOT NULL,
    -- The event's details and the ticket as it stood after the change.
    payload_json TEXT NOT NULL
);

CREATE TABLE notices (
    id BYTEA PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('mail', 'webhook')),
    event_id BYTEA NOT NULL,
    event TEXT NOT NULL,
    ticket_id BYTEA,
    -- The rule's audience (reporter, tier2_mailbox, …) or `subscription:<id>`.
    audience TEXT NOT NULL,
    subscription_id BYTEA,
    -- Mail: the address and name; webhook: the URL.
    recipient TEXT NOT NULL,
    recipient_name TEXT,
    template TEXT,
    subject TEXT,
    body_text TEXT NOT NULL,
    body_html TEXT,
    critical BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- The current round of retries (a retry by hand starts a new one):
    -- its first attempt and its attempts, for the back-off and the limit.
    round_started_at TIMESTAMP,
    round_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A dispatcher that claimed the row holds it until then.
    leased_until TIMESTAMP,
    last_error TEXT,
    last_status_code INTEGER,
    last_latency_ms INTEGER,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    -- One notice per audience member per event, even if fanned out twice.
    UNIQUE (event_id, audience, recipient)
);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status IN ('pending', 'failed');
CREATE INDEX notices_by_status ON notices (status, kind, id);
CREATE INDEX notices_by_subscription ON notices (subscription_id, id) WHERE subscription_id IS NOT NULL;

CREATE TABLE notice_attempts (
    notice_id BYTEA NOT NULL,
    attempt INTEGER NOT NULL,
    at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'dead')),
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    error TEXT,
    PRIMARY KEY (notice_id, attempt)
);

CREATE TABLE webhook_subscriptions (
    id BYTEA PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    -- JSON array of event types; ["*"] for all.
    events TEXT NOT NULL,
    -- Only this unit's tickets; NULL: every ticket (admins only).
    unit_id BYTEA REFERENCES units (id),
    -- Who owns it: a user (admin) or an API key (a front end's service account).
    owner_user_id BYTEA REFERENCES users (id),
    owner_api_key_id BYTEA REFERENCES api_keys (id),
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    consecutive_dead INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Non-essential notices a user turned off (JSON array of event types).
ALTER TABLE users ADD COLUMN notice_opt_outs TEXT NOT NULL DEFAULT '[]';
-- The head of the unit (Kepala Perangkat Daerah), told of SLA breaches.
ALTER TABLE units ADD COLUMN head_name TEXT;
ALTER TABLE units ADD COLUMN head_email TEXT;
