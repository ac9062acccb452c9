-- Units, users, sessions, API keys, login throttling and the audit log.
-- Ids are UUID v7 stored as 16 bytes (time-ordered, so b-tree inserts stay local).

CREATE TABLE units (
    id BLOB PRIMARY KEY,
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
    id BLOB PRIMARY KEY,
    unit_id BLOB NOT NULL REFERENCES units (id),
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
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE refresh_tokens (
    id BLOB PRIMARY KEY,
    session_id BLOB NOT NULL REFERENCES sessions (id),
    token_hash BLOB NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

CREATE TABLE api_keys (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash BLOB NOT NULL UNIQUE,
    unit_id BLOB NOT NULL REFERENCES units (id),
    roles TEXT NOT NULL,
    created_by BLOB NOT NULL,
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
    id BLOB PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
    actor_id BLOB,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BLOB NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);

-- SQLite only: every write transaction first touches this row, so it takes the
-- write lock before reading and never fails with SQLITE_BUSY on lock upgrade.
CREATE TABLE write_gate (id INTEGER PRIMARY KEY CHECK (id = 1), writes INTEGER NOT NULL);
INSERT INTO write_gate (id, writes) VALUES (1, 0);
