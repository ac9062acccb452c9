-- Text search (`q=`) on SQLite: a trigram index of the number, title and
-- description, so that a fragment nobody wrote is answered from the index
-- instead of by reading every ticket of the scope. Trigrams answer any
-- substring of three characters or more, as PostgreSQL's pg_trgm indexes
-- do (migration 000011); shorter text is still matched with LIKE. The
-- index reads the text from `tickets` (external content): it holds only
-- the trigrams, not a second copy of the text. The triggers keep it in
-- step with every write path, the generator's included.
CREATE VIRTUAL TABLE ticket_search USING fts5(
    number, title, description,
    content = 'tickets', tokenize = 'trigram'
);
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search (rowid, number, title, description)
    VALUES (new.rowid, new.number, new.title, new.description);
END;
CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, number, title, description)
    VALUES ('delete', old.rowid, old.number, old.title, old.description);
END;
-- Most updates (every move) leave the text alone: only a change of it
-- touches the index.
CREATE TRIGGER ticket_search_update AFTER UPDATE OF number, title, description ON tickets
WHEN old.number IS NOT new.number OR old.title IS NOT new.title OR old.description IS NOT new.description
BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, number, title, description)
    VALUES ('delete', old.rowid, old.number, old.title, old.description);
    INSERT INTO ticket_search (rowid, number, title, description)
    VALUES (new.rowid, new.number, new.title, new.description);
END;
-- The tickets filed before this migration.
INSERT INTO ticket_search (ticket_search) VALUES ('rebuild');
