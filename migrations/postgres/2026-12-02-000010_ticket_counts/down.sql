DROP TRIGGER ticket_counts_on_move ON tickets;
DROP TRIGGER ticket_counts_on_insert_or_delete ON tickets;
DROP FUNCTION ticket_counts_track();
DROP TABLE ticket_count_deltas;
DROP TABLE ticket_counts;
