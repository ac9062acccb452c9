#!/usr/bin/env python3
"""An independent verifier of an spbe-desk audit export, written from
docs/audit.md alone (hashlib and the `cryptography` package; none of the
service's code).

Usage: verify_export.py EXPORT.jsonl PUBLIC_KEY_HEX [PUBLIC_KEY_HEX ...] [--witness FILE]
Exit status 0 when the export is intact, 1 when anything is broken. With
--witness, the export is also held against the checkpoints of a witness
file (docs/audit.md, "Witnesses").
"""
import hashlib
import json
import sys
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = bytes(32)


def field(value):
    """One field: 0x00 when absent, else 0x01, a 4-byte big-endian length and the bytes."""
    if value is None:
        return b"\x00"
    if isinstance(value, str):
        value = value.encode("utf-8")
    elif isinstance(value, int):
        value = str(value).encode("ascii")
    return b"\x01" + len(value).to_bytes(4, "big") + value


def instant(text):
    """RFC 3339 UTC with exactly six fractional digits."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(e):
    parts = [
        "spbe-desk/audit-entry/v1", e["chain"], e["position"], instant(e["occurred_at"]),
        e["actor_kind"], e["actor_id"], e["action"], e["entity_type"], e["entity_id"],
        e["before_json"], e["after_json"], e["request_id"], bytes.fromhex(e["prev_hash"]),
    ]
    return hashlib.sha256(b"".join(field(p) for p in parts)).digest()


def apply_edits(old, edits):
    """The state after from the state before and its edits: for each
    [keep, drop, insert], keep `keep` characters, skip `drop`, write
    `insert`; the rest of the state before follows the last edit."""
    out, at = [], 0
    for keep, drop, insert in json.loads(edits):
        if at + keep + drop > len(old):
            raise ValueError("edits past the end of the state before")
        out += [old[at:at + keep], insert]
        at += keep + drop
    out.append(old[at:])
    return "".join(out)


def unfold(chain_entries):
    """Gives each entry of one chain its whole states (docs/audit.md,
    "Stored compactly"); returns the problems of those that do not unfold."""
    last, problems = {}, []
    for e in chain_entries:
        previous = last.pop(e["entity_id"], None)
        try:
            if e.get("before_position") is not None:
                if e.get("before_json") is not None:
                    raise ValueError("the state before is stored both whole and by reference")
                if previous is None or previous[0] != e["before_position"] or previous[1] is None:
                    raise ValueError(f"refers to position {e['before_position']}, not the record's previous entry")
                e["before_json"] = previous[1]
                if e.get("before_edits") is not None:
                    e["before_json"] = apply_edits(previous[1], e["before_edits"])
            elif e.get("before_edits") is not None:
                raise ValueError("edits a state before that it does not refer to")
            if e.get("after_edits") is not None:
                if e.get("after_json") is not None:
                    raise ValueError("the state after is stored both whole and as edits")
                if e.get("before_json") is None:
                    raise ValueError("edits a state before that it does not have")
                e["after_json"] = apply_edits(e["before_json"], e["after_edits"])
        except (ValueError, TypeError) as error:
            problems.append(f"chain {e['chain']} position {e['position']}: {error}")
            continue
        last[e["entity_id"]] = (e["position"], e.get("after_json"))
    return problems


def checkpoint_message(c):
    parts = [
        "spbe-desk/audit-checkpoint/v1", c["seq"], instant(c["taken_at"]), c["key_id"],
        bytes.fromhex(c["prev_hash"]), c["head_count"], bytes.fromhex(c["heads_digest"]),
    ]
    return b"".join(field(p) for p in parts)


def heads_digest(heads):
    digest = hashlib.sha256()
    for h in sorted(heads, key=lambda h: h["chain"]):
        digest.update(field(h["chain"]) + field(h["position"]) + field(bytes.fromhex(h["hash"])))
    return digest.digest(), len(heads)


def key_id(raw):
    return hashlib.sha256(raw).hexdigest()[:16]


def heads_problems(c, chains, stored, partial, whose):
    """The chains held against the heads checkpoint `c` signed."""
    problems = []
    for h in c["heads"]:
        if partial and h["chain"] not in chains:
            continue  # the chain's entries lie before the period exported
        entries_of_chain = chains.get(h["chain"], [])
        last = entries_of_chain[-1]["position"] if entries_of_chain else 0
        found = stored.get((h["chain"], h["position"]))
        if found is not None and found.hex() != h["hash"]:
            problems.append(f"chain {h['chain']} position {h['position']}: differs from {whose} {c['seq']}")
        elif found is None and h["position"] > last:
            problems.append(f"chain {h['chain']}: truncated before position {h['position']} ({whose} {c['seq']})")
    return problems


def checkpoint_problems(c, keys):
    """What is wrong with a checkpoint line by itself: its hash, its heads, its signature."""
    problems = []
    message = checkpoint_message(c)
    if hashlib.sha256(message).hexdigest() != c["hash"]:
        problems.append(f"checkpoint {c['seq']}: does not match its hash")
    if heads_digest(c["heads"]) != (bytes.fromhex(c["heads_digest"]), c["head_count"]):
        problems.append(f"checkpoint {c['seq']}: its heads do not match its digest")
    key = keys.get(c["key_id"])
    try:
        if key is None:
            raise InvalidSignature()
        key.verify(bytes.fromhex(c["signature"]), message)
    except InvalidSignature:
        problems.append(f"checkpoint {c['seq']}: bad signature")
    return problems


def against_witness(lines, witness, public_keys):
    """Witnessed checkpoints missing from the export's period or differing
    from it, and chains that no longer reach a witnessed head."""
    keys = {key_id(raw): Ed25519PublicKey.from_public_bytes(raw) for raw in public_keys}
    header = lines[0]
    bounds = [None if header.get(b) is None else instant(header[b]) for b in ("from", "to")]
    exported = {l["seq"]: l for l in lines if l["record"] == "checkpoint"}
    chains, stored = {}, {}
    for e in (l for l in lines if l["record"] == "entry"):
        chains.setdefault(e["chain"], []).append(e)
        stored[(e["chain"], e["position"])] = bytes.fromhex(e["hash"])
    problems, seen = [], set()
    for w in witness:
        if w["seq"] in seen:
            continue
        if checkpoint_problems(w, keys):
            problems.append(f"witnessed checkpoint {w['seq']}: bad signature, hash or heads")
            continue
        seen.add(w["seq"])
        found = exported.get(w["seq"])
        taken = instant(w["taken_at"])
        in_period = (bounds[0] is None or taken >= bounds[0]) and (bounds[1] is None or taken < bounds[1])
        if found is None:
            if in_period:
                problems.append(f"checkpoint {w['seq']}: witnessed but missing")
            if bounds[0] is not None:
                continue
        elif found["hash"] != w["hash"] or sorted(found["heads"], key=str) != sorted(w["heads"], key=str):
            problems.append(f"checkpoint {w['seq']}: differs from the witnessed one")
        problems += heads_problems(w, chains, stored, bounds[0] is not None, "witnessed checkpoint")
    return problems


def verify(lines, public_keys):
    keys = {key_id(raw): Ed25519PublicKey.from_public_bytes(raw) for raw in public_keys}
    problems = []
    header = lines[0] if lines and lines[0].get("record") == "export" else None
    if header is None:
        return ["the export does not start with its header"]
    partial = header.get("from") is not None
    end = lines[-1]
    entries = [l for l in lines if l["record"] == "entry"]
    checkpoints = [l for l in lines if l["record"] == "checkpoint"]
    if end.get("record") != "end" or (end["entries"], end["checkpoints"]) != (len(entries), len(checkpoints)):
        problems.append("the export is incomplete (its end line is missing or does not count its lines)")

    stored = {}
    chains = {}
    for e in entries:
        chains.setdefault(e["chain"], []).append(e)
    for chain, chain_entries in chains.items():
        problems += unfold(chain_entries)
        first = chain_entries[0]
        expected = first["position"] if partial else 1
        prev = bytes.fromhex(first["prev_hash"]) if partial else GENESIS
        for e in chain_entries:
            h = bytes.fromhex(e["hash"])
            if entry_hash(e) != h:
                problems.append(f"chain {chain} position {e['position']}: content does not match its hash")
            if e["position"] != expected:
                problems.append(f"chain {chain}: position {e['position']} where {expected} was expected")
            elif bytes.fromhex(e["prev_hash"]) != prev:
                problems.append(f"chain {chain} position {e['position']}: does not follow the entry before it")
            stored[(chain, e["position"])] = h
            prev, expected = h, e["position"] + 1

    prev_checkpoint = None
    for c in checkpoints:
        if prev_checkpoint is not None:
            if c["seq"] != prev_checkpoint["seq"] + 1 or c["prev_hash"] != prev_checkpoint["hash"]:
                problems.append(f"checkpoint {c['seq']}: does not follow checkpoint {prev_checkpoint['seq']}")
        elif not partial and (c["seq"] != 1 or bytes.fromhex(c["prev_hash"]) != GENESIS):
            problems.append(f"checkpoint {c['seq']}: the first checkpoint is missing")
        problems += checkpoint_problems(c, keys)
        problems += heads_problems(c, chains, stored, partial, "checkpoint")
        prev_checkpoint = c
    return problems


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    args = sys.argv[1:]
    witness_file = None
    if "--witness" in args:
        at = args.index("--witness")
        witness_file = args[at + 1]
        del args[at:at + 2]
    with open(args[0], encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    keys = [bytes.fromhex(k) for k in args[1:]]
    problems = verify(lines, keys)
    if witness_file is not None:
        witness = []
        with open(witness_file, encoding="utf-8") as f:
            for line in f:
                try:
                    parsed = json.loads(line)
                except ValueError:
                    continue  # a greeting of a digest mail, an append cut short
                if isinstance(parsed, dict) and parsed.get("record") == "checkpoint":
                    witness.append(parsed)
        problems += against_witness(lines, witness, keys)
    for p in problems:
        print(p)
    entries = sum(1 for l in lines if l.get("record") == "entry")
    print(f"{'intact' if not problems else 'BROKEN'}: {entries} entries, {len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
