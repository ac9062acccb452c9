-- Units, users, sessions, API keys, login throttling and the audit log.
-- Ids are UUID v7 stored as 16 bytes (time-ordered, so b-tree inserts stay local).

CREATE TABLE units (
    id BYTEA PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('perangkat_daerah', 'dinas')),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    mandiri_tik BOOLEAN NOT NULL DEFAULT FALSE,
    time_zone TEXT NOT NULL,
    mailbox TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Exactly one Dinas hosts tier 2.
CREATE UNIQUE INDEX units_one_dinas ON units (kind) WHERE kind = 'dinas';

CREATE TABLE users (
    id BYTEA PRIMARY KEY,
    unit_id BYTEA NOT NULL REFERENCES units (id),
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    roles TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_unit_id ON users (unit_id, id);

CREATE TABLE sessions (
    id BYTEA PRIMARY KEY,
    user_id BYTEA NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE refresh_tokens (
    id BYTEA PRIMARY KEY,
    session_id BYTEA NOT NULL REFERENCES sessions (id),
    token_hash BYTEA NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

CREATE TABLE api_keys (
    id BYTEA PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash BYTEA NOT NULL UNIQUE,
    unit_id BYTEA NOT NULL REFERENCES units (id),
    roles TEXT NOT NULL,
    created_by BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

CREATE TABLE audit_log (
    id BYTEA PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
    actor_id BYTEA,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BYTEA NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
