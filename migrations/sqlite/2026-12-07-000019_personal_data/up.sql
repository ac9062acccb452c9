-- Personal values (a reporter's name, e-mail, phone) that audit entries
-- hold only as salted commitments (docs/privacy.md): the value and its salt
-- live here, outside the hashed text, so that erasing them (UU 27/2022)
-- leaves every chain verifying. An erased row keeps its commitment and
-- when it was erased.
CREATE TABLE personal_data (
    commitment TEXT PRIMARY KEY,
    subject_id BLOB NOT NULL,
    field TEXT NOT NULL CHECK (field IN ('reporter_name', 'reporter_email', 'reporter_phone')),
    value TEXT,
    salt BLOB,
    created_at TIMESTAMP NOT NULL,
    erased_at TIMESTAMP,
    CHECK ((value IS NULL AND salt IS NULL) = (erased_at IS NOT NULL))
);
CREATE INDEX personal_data_by_subject ON personal_data (subject_id, field);
-- Finds a reporter by address (stored lowercase, as `EmailAddress` parses it).
CREATE INDEX personal_data_by_value ON personal_data (field, value) WHERE value IS NOT NULL;
-- Erasure and access requests find a caller's tickets by address.
CREATE INDEX tickets_by_reporter_email ON tickets (reporter_email) WHERE reporter_email IS NOT NULL;
