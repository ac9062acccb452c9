-- Audit entries store their states compactly (docs/audit.md, "Stored
-- compactly"): the state before as the position of the record's previous
-- entry whose state after it is (with edits when a field changed in
-- between), the state after as edits of the state before. The hash still covers the full texts. Rows written before stay
-- whole.
ALTER TABLE audit_log ADD COLUMN before_position BIGINT;
ALTER TABLE audit_log ADD COLUMN after_edits TEXT;
ALTER TABLE audit_log ADD COLUMN before_edits TEXT;
