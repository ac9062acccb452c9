-- SQLite gains its trigram index for text search here (PostgreSQL has had
-- pg_trgm's since migration 000011); kept in step so both backends have
-- the same migration versions.
SELECT 1;
