-- Text search (`q=`) looks for a fragment anywhere in the number, title or
-- description: trigram indexes let PostgreSQL find the few tickets that
-- hold a rare fragment without reading every ticket of the scope.
-- pg_trgm ships with PostgreSQL and is a trusted extension: the database
-- owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX tickets_title_trgm ON tickets USING gin (lower(title) gin_trgm_ops);
CREATE INDEX tickets_description_trgm ON tickets USING gin (lower(description) gin_trgm_ops);
CREATE INDEX tickets_number_trgm ON tickets USING gin (lower(number) gin_trgm_ops);
