-- SQLite cannot drop a column that holds a foreign key; rolling this
-- migration back on SQLite needs a table rebuild (not done here).
ALTER TABLE services DROP COLUMN calendar_id;
ALTER TABLE units DROP COLUMN calendar_id;
DROP TABLE calendar_versions;
DROP TABLE calendar_specials;
DROP TABLE calendar_holidays;
DROP TABLE calendars;
