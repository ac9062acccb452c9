DROP TABLE personal_data;
