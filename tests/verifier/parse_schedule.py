#!/usr/bin/env python3
"""An independent check of spbe-desk's change schedule feed, written from
docs/changes.md alone (the PyPI `icalendar` package; none of the service's
code).

Reads an iCalendar (RFC 5545) document on stdin, parses it with
icalendar.Calendar.from_ical and prints one JSON document:
{"method": …, "events": [{"uid", "sequence", "summary", "status", "dtstart",
"dtend", "dtstamp"}]} with the events in document order and times as
ISO 8601 UTC.
Exit status 2, with a message on stderr, if parsing fails or an event lacks
UID, DTSTART, DTEND or DTSTAMP (or has a time that is not a fixed instant).
"""
import json
import sys
from datetime import datetime, timezone

from icalendar import Calendar


def fail(message):
    print(f"parse_schedule: {message}", file=sys.stderr)
    sys.exit(2)


def utc(event, name):
    value = event.decoded(name)
    if not isinstance(value, datetime) or value.tzinfo is None:
        fail(f"event {event.get('UID')}: {name} is not a UTC or zoned date-time: {value!r}")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def main():
    try:
        calendar = Calendar.from_ical(sys.stdin.buffer.read())
    except Exception as e:  # icalendar raises ValueError and others on bad input
        fail(f"cannot parse the document: {e}")
    events = []
    for event in calendar.walk("VEVENT"):
        missing = [p for p in ("UID", "DTSTART", "DTEND", "DTSTAMP") if p not in event]
        if missing:
            fail(f"event {event.get('UID')}: missing {', '.join(missing)}")
        try:
            status = event.get("STATUS")
            events.append({
                "uid": str(event["UID"]),
                "sequence": int(event.get("SEQUENCE", 0)),
                "summary": str(event.get("SUMMARY", "")),
                "status": None if status is None else str(status),
                "dtstart": utc(event, "DTSTART"),
                "dtend": utc(event, "DTEND"),
                "dtstamp": utc(event, "DTSTAMP"),
            })
        except (ValueError, TypeError, KeyError) as e:
            fail(f"event {event.get('UID')}: {e}")
    method = calendar.get("METHOD")
    print(json.dumps({"method": None if method is None else str(method), "events": events}))


if __name__ == "__main__":
    main()
