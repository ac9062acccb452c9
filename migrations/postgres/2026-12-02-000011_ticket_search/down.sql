DROP INDEX tickets_number_trgm;
DROP INDEX tickets_description_trgm;
DROP INDEX tickets_title_trgm;
