-- Refused while any entry is stored compactly: dropping the columns would
-- lose its states. `spbe-desk audit store-whole` rewrites them whole first.
CREATE TEMP TABLE compact_audit_guard (compact_audit_rows_left INTEGER CHECK (compact_audit_rows_left = 0));
INSERT INTO compact_audit_guard
    SELECT COUNT(*) FROM audit_log WHERE before_position IS NOT NULL OR after_edits IS NOT NULL OR before_edits IS NOT NULL;
DROP TABLE compact_audit_guard;
ALTER TABLE audit_log DROP COLUMN before_edits;
ALTER TABLE audit_log DROP COLUMN after_edits;
ALTER TABLE audit_log DROP COLUMN before_position;
