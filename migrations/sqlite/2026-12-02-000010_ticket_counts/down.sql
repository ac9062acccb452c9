DROP TRIGGER ticket_counts_on_move;
DROP TRIGGER ticket_counts_on_delete;
DROP TRIGGER ticket_counts_on_insert;
DROP TABLE ticket_count_deltas;
DROP TABLE ticket_counts;
