DROP TABLE counters;
DROP SEQUENCE ticket_number_seq;
DROP TABLE idempotency_keys;
DROP TABLE attachments;
DROP TABLE ticket_comments;
DROP TABLE ticket_events;
DROP TABLE tickets;
DROP TABLE services;
