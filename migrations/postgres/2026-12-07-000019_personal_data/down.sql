DROP INDEX tickets_by_reporter_email;
DROP TABLE personal_data;
