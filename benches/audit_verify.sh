#!/usr/bin/env bash
# Audit verification at scale on SQLite (release build): N audit rows (default
# 1 000 000) over chains of 10 entries are inserted unhashed, as rows from
# before the chain are; `spbe-desk migrate` chains them; `spbe-desk audit
# verify` then checks every one. Prints the time and peak memory of both.
# Usage: benches/audit_verify.sh [--rows N]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows="$2"; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
cargo build --release -q
work=$(mktemp -d /tmp/spbe-audit-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export APP__DATA__DIR="$work/data" APP__LOG__LEVEL=warn APP__DATABASE__URL="sqlite://$work/data/bench.db"
./target/release/spbe-desk migrate >/dev/null
python3 - "$work/data/bench.db" "$rows" <<'PY'
import sqlite3, sys, uuid, json
db, rows = sys.argv[1], int(sys.argv[2])
conn = sqlite3.connect(db)
def batch():
    for i in range(rows):
        chain = uuid.UUID(int=(i // 10) + 1).bytes
        after = json.dumps({"title": f"Tiket {i}", "status": "in_progress", "version": i % 10 + 1})
        yield (uuid.uuid4().bytes, "2026-11-30 03:00:00.000000", "system", None, "ticket.updated", "ticket",
               chain, None, after, None, chain, i % 10 + 1)
conn.executemany(
    "INSERT INTO audit_log (id, occurred_at, actor_kind, actor_id, action, entity_type, entity_id, before_json,"
    " after_json, request_id, chain_id, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch())
conn.commit()
PY
# Wall time and peak memory of one command.
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True)
print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{time.monotonic() - start:.2f} s, peak RSS {peak:.1f} MiB, exit {done.returncode}")
PY
}
echo "== chaining $rows unhashed audit rows (spbe-desk migrate)"
measure ./target/release/spbe-desk migrate
echo "== verifying $rows audit rows (spbe-desk audit verify)"
measure ./target/release/spbe-desk audit verify
