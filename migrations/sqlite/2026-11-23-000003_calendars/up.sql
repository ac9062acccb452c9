-- Working calendars: hours per weekday, dated holidays, special schedules,
-- and an immutable snapshot per calendar version (SLA clocks record the
-- version they run under, so an edit never silently rewrites them).

CREATE TABLE calendars (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    time_zone TEXT NOT NULL,
    week_json TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE calendar_holidays (
    id BLOB PRIMARY KEY,
    calendar_id BLOB NOT NULL REFERENCES calendars (id),
    -- ISO date (YYYY-MM-DD) in the calendar's own zone.
    holiday_date TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('national_holiday', 'collective_leave', 'local')),
    name TEXT NOT NULL,
    source TEXT,
    UNIQUE (calendar_id, holiday_date)
);

CREATE TABLE calendar_specials (
    id BLOB PRIMARY KEY,
    calendar_id BLOB NOT NULL REFERENCES calendars (id),
    name TEXT NOT NULL,
    date_from TEXT NOT NULL,
    date_to TEXT NOT NULL,
    week_json TEXT NOT NULL
);
CREATE INDEX calendar_specials_calendar ON calendar_specials (calendar_id);

CREATE TABLE calendar_versions (
    calendar_id BLOB NOT NULL REFERENCES calendars (id),
    version BIGINT NOT NULL,
    snapshot_json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (calendar_id, version)
);

ALTER TABLE units ADD COLUMN calendar_id BLOB REFERENCES calendars (id);
ALTER TABLE services ADD COLUMN calendar_id BLOB REFERENCES calendars (id);
