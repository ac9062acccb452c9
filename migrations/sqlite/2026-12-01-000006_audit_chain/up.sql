-- The audit log becomes hash-chained per aggregate (a ticket with its
-- comments and attachments, or one administered resource). Existing rows
-- are given their chain and position here; their hashes are computed by
-- the application right after migrating (SQL cannot compute the canonical
-- encoding on both backends), before anything else is written.
ALTER TABLE audit_log ADD COLUMN chain_id BLOB;
ALTER TABLE audit_log ADD COLUMN position BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_log ADD COLUMN hash BLOB;
UPDATE audit_log SET chain_id = entity_id;
UPDATE audit_log SET chain_id = (SELECT ticket_id FROM ticket_comments WHERE ticket_comments.id = audit_log.entity_id)
    WHERE entity_type = 'comment';
UPDATE audit_log SET chain_id = (SELECT ticket_id FROM attachments WHERE attachments.id = audit_log.entity_id)
    WHERE entity_type = 'attachment';
UPDATE audit_log SET position = numbered.n
    FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY chain_id ORDER BY id) AS n FROM audit_log) AS numbered
    WHERE numbered.id = audit_log.id;
CREATE UNIQUE INDEX audit_log_chain ON audit_log (chain_id, position);
CREATE INDEX audit_log_unhashed ON audit_log (chain_id, position) WHERE hash IS NULL;

-- Each chain's head moves in the transaction of the change; checkpoints
-- sign the heads that moved since the previous one. No index on `signed`:
-- every change would write it, and the checkpointer's scan of one small row
-- per aggregate every few minutes costs less. (WITHOUT ROWID: the
-- key is the table, one B-tree to write per head instead of two.)
CREATE TABLE audit_heads (
    chain_id BLOB PRIMARY KEY,
    position BIGINT NOT NULL,
    hash BLOB NOT NULL,
    -- The head entry's instant: a later entry is never stamped earlier, so
    -- a period of the log holds a run of positions of each chain.
    written_at TIMESTAMP NOT NULL,
    signed BOOLEAN NOT NULL DEFAULT FALSE
) WITHOUT ROWID;

-- No foreign key from heads to checkpoints: the verifier, not the
-- database, is what a tamperer has to get past.
CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY,
    taken_at TIMESTAMP NOT NULL,
    key_id TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    head_count BIGINT NOT NULL,
    heads_digest BLOB NOT NULL,
    hash BLOB NOT NULL,
    signature BLOB NOT NULL
);
CREATE TABLE audit_checkpoint_heads (
    chain_id BLOB NOT NULL,
    checkpoint_seq BIGINT NOT NULL,
    position BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (chain_id, checkpoint_seq)
) WITHOUT ROWID;
CREATE INDEX audit_checkpoint_heads_seq ON audit_checkpoint_heads (checkpoint_seq, chain_id);

-- Reporters see their ticket's public events numbered without gaps.
ALTER TABLE ticket_events ADD COLUMN public_seq INTEGER;
UPDATE ticket_events SET public_seq = numbered.n
    FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY ticket_id ORDER BY seq) AS n
          FROM ticket_events WHERE NOT internal) AS numbered
    WHERE numbered.id = ticket_events.id;
ALTER TABLE tickets ADD COLUMN public_event_seq INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET public_event_seq =
    (SELECT COUNT(*) FROM ticket_events WHERE ticket_events.ticket_id = tickets.id AND NOT ticket_events.internal);
