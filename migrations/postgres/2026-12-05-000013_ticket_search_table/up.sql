-- Text search (`q=`) reads a table of its own. A ticket's row is written
-- again at every move, clock summary and event; with the trigram indexes on
-- `tickets`, each new row version entered every trigram of its title and
-- description into them (nine tenths of the cost of such an update, and the
-- GIN pending-list cleanups that stalled whichever request crossed the
-- limit). The searched text changes only when a ticket is filed or its
-- title or description is edited, so only then is this table written.
-- The text is kept lowered, as the search compares it.
CREATE TABLE ticket_search (
    id BYTEA PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL
);
INSERT INTO ticket_search (id, number, title, description)
    SELECT id, lower(number), lower(title), lower(description) FROM tickets;

-- One call per inserting statement (intake writes its batch in one).
CREATE FUNCTION ticket_search_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_search (id, number, title, description)
        SELECT id, lower(number), lower(title), lower(description) FROM new_tickets;
    RETURN NULL;
END $$;
CREATE TRIGGER ticket_search_on_insert AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_tickets FOR EACH STATEMENT EXECUTE FUNCTION ticket_search_add();

CREATE FUNCTION ticket_search_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ticket_search
        SET number = lower(NEW.number), title = lower(NEW.title), description = lower(NEW.description)
        WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER ticket_search_on_edit AFTER UPDATE OF number, title, description ON tickets FOR EACH ROW
    WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.title IS DISTINCT FROM NEW.title
          OR OLD.description IS DISTINCT FROM NEW.description)
    EXECUTE FUNCTION ticket_search_edit();

DROP INDEX tickets_title_trgm;
DROP INDEX tickets_description_trgm;
DROP INDEX tickets_number_trgm;
CREATE INDEX ticket_search_title_trgm ON ticket_search USING gin (title gin_trgm_ops);
CREATE INDEX ticket_search_description_trgm ON ticket_search USING gin (description gin_trgm_ops);
CREATE INDEX ticket_search_number_trgm ON ticket_search USING gin (number gin_trgm_ops);
ANALYZE ticket_search;
