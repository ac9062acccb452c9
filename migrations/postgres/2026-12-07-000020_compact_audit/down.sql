-- Refused while any entry is stored compactly: dropping the columns would
-- lose its states. `spbe-desk audit store-whole` rewrites them whole first.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_log WHERE before_position IS NOT NULL OR after_edits IS NOT NULL OR before_edits IS NOT NULL) THEN
        RAISE EXCEPTION 'audit entries are stored compactly: run spbe-desk audit store-whole before reverting';
    END IF;
END $$;
ALTER TABLE audit_log DROP COLUMN before_edits;
ALTER TABLE audit_log DROP COLUMN after_edits;
ALTER TABLE audit_log DROP COLUMN before_position;
