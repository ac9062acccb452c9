-- PostgreSQL moves its text search to a table of its own here; SQLite
-- reads the scope's tickets in order and stops at a full page (kept in step
-- so both backends have the same migration versions).
SELECT 1;
