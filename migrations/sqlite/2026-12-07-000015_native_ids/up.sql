-- SQLite keeps ids as the 16-byte BLOBs they are (see the PostgreSQL
-- migration of the same name, which makes them native `uuid`).
SELECT 1;
