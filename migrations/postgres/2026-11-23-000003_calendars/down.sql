ALTER TABLE services DROP COLUMN calendar_id;
ALTER TABLE units DROP COLUMN calendar_id;
DROP TABLE calendar_versions;
DROP TABLE calendar_specials;
DROP TABLE calendar_holidays;
DROP TABLE calendars;
