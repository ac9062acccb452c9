DROP TRIGGER ticket_search_on_edit ON tickets;
DROP TRIGGER ticket_search_on_insert ON tickets;
DROP FUNCTION ticket_search_edit();
DROP FUNCTION ticket_search_add();
DROP TABLE ticket_search;
CREATE INDEX tickets_title_trgm ON tickets USING gin (lower(title) gin_trgm_ops);
CREATE INDEX tickets_description_trgm ON tickets USING gin (lower(description) gin_trgm_ops);
CREATE INDEX tickets_number_trgm ON tickets USING gin (lower(number) gin_trgm_ops);
