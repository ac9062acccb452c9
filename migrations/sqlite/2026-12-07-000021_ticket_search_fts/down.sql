DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_delete;
DROP TRIGGER ticket_search_insert;
DROP TABLE ticket_search;
