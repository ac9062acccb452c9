#!/usr/bin/env python3
"""An independent verifier of spbe-desk change-approval signatures, written
from docs/changes.md alone (hashlib and the `cryptography` package; none of
the service's code).

It recomputes a change's content hash from the API's change object, then for
each approval checks the Ed25519 signature over its approval statement (with
the public key its key_id names) and whether the approval's content_hash is
the recomputed one.

Usage: verify_change_approvals.py CHANGE.json APPROVALS.json
Prints one JSON line per approval; exit status 0 when every signature is
valid and every non-voided approval covers the current content, else 1.
"""
import hashlib
import json
import sys
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def field(value):
    """One field: 0x00 when absent, else 0x01, a 4-byte big-endian length and the bytes."""
    if value is None:
        return b"\x00"
    if isinstance(value, str):
        value = value.encode("utf-8")
    return b"\x01" + len(value).to_bytes(4, "big") + value


def encode(parts):
    return b"".join(field(p) for p in parts)


def instant(text):
    """RFC 3339 UTC with exactly six fractional digits."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def flag(value):
    return "true" if value else "false"


def content_hash(c):
    risk = c.get("risk")
    if risk is not None:
        risk = (
            f"users_affected={int(risk['users_affected'])};outage_needed={flag(risk['outage_needed'])};"
            f"rollback_possible={flag(risk['rollback_possible'])};tested={flag(risk['tested'])};"
            f"touches_special={flag(risk['touches_special'])}"
        )
    parts = [
        "spbe-desk/change-content/v1", c["id"], c["number"], c["change_type"], c["scope"],
        c["title"], c["description"], c["reason"], c["owner_unit_id"],
        ",".join(sorted(str(s) for s in c["service_ids"])), risk,
        c["impact_analysis"], c["implementation_plan"], c["test_plan"], c["rollback_plan"],
    ]
    return hashlib.sha256(encode(parts)).digest()


def statement(a):
    """The signed message (the encoding itself, not a hash of it)."""
    unit = a.get("unit_id") if a["capacity"] == "owner_unit" else None
    parts = [
        "spbe-desk/change-approval/v1", a["id"], a["change_id"], bytes.fromhex(a["content_hash"]),
        a["approver_id"], a["capacity"], unit, a["stage"], a["decision"],
        instant(a["decided_at"]), a["key_id"],
    ]
    return encode(parts)


def signature_valid(a, public_keys):
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_keys[a["key_id"]]))
        key.verify(bytes.fromhex(a["signature"]), statement(a))
        return True
    except (KeyError, ValueError, TypeError, InvalidSignature):
        return False


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        change = json.load(f)
    with open(argv[2], encoding="utf-8") as f:
        approvals = json.load(f)
    expected = content_hash(change).hex()
    public_keys = approvals.get("public_keys") or {}
    ok = True
    for a in approvals["items"]:
        valid = signature_valid(a, public_keys)
        matches = str(a.get("content_hash", "")).lower() == expected
        voided = a.get("voided_at") is not None
        print(json.dumps({"id": a["id"], "signature_valid": valid, "content_matches": matches, "voided": voided}))
        ok = ok and valid and (voided or matches)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
