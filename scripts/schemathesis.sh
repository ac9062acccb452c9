#!/usr/bin/env bash
# Schemathesis over the served OpenAPI document: every operation (but
# logout, which would end the run's own session), authenticated as each
# role of a seeded demo region with real tickets and changes, with every
# check Schemathesis has: no server errors, no status code, content type,
# header or body the document does not promise, requests the document calls
# valid taken (refused only for the rules the document states in words,
# which schemathesis_passes.py lists per operation) and invalid ones
# refused, authentication enforced, deleted resources gone. Zero failures
# required; the operations that create and move tickets and changes must
# have succeeded, and the stateful phase must have followed the document's
# links from a creation to a move of what it created.
#
# Usage: scripts/schemathesis.sh [BINARY] [MAX_EXAMPLES]
#   BINARY        the spbe-desk binary (default: target/debug/spbe-desk)
#   MAX_EXAMPLES  examples per operation and phase in the positive passes
#                 (default: 10), half in the broad ones; four times as many
#                 for the operations the judge requires
# SCHEMATHESIS_SEED overrides the fixed seed, to try other runs.
# Needs Schemathesis 4.32.5 (`pip install schemathesis==4.32.5`, as .ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/debug/spbe-desk}
examples=${2:-10}
work=$(mktemp -d)
# The server is waited for before its folder goes: its notice lanes may still be writing mail files.
trap 'kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT
cp -r config "$work/config"
export APP_CONFIG_DIR="$work/config" APP__DATA__DIR="$work/data" APP__DATABASE__URL="sqlite://$work/data/desk.db"
# A long access token: the run must not outlive its own session.
export APP__AUTH__ACCESS_TOKEN_SECONDS=7200
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export APP__SERVER__LISTEN="127.0.0.1:$port"

# The demo region gives the run real units, services, calendars and people.
"$binary" seed --demo > "$work/seed.txt"
password=$(awk '$2 == "admin@majenekab.go.id" { print $3 }' "$work/seed.txt")
"$binary" serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null && break
    sleep 0.2
done
mkdir -p "$work/passes"
python3 scripts/schemathesis_passes.py prepare "http://127.0.0.1:$port" "$work/seed.txt" "$work/passes" "$examples"

# One pass per role over the paths that role works on, with real ids most
# of the time (always in the positive passes), every check Schemathesis
# has. The passes run in lanes at once against the one server
# (schemathesis_passes.LANES and STAGES say which, and why they do not get
# in each other's way).
# Hypothesis's "data generation too slow" health check is off: on a loaded
# 2-core machine it stopped a run once without any finding; the checks
# themselves all run. Every pass runs even after one fails, so one run
# shows every finding.
run_pass() {
    local role=$1 paths=$2
    schemathesis --config-file "$work/passes/$role.toml" run "http://127.0.0.1:$port/api/v1/openapi.json" \
        --include-path-regex "$paths" \
        --exclude-path /api/v1/auth/logout \
        --checks "${SCHEMATHESIS_CHECKS:-all}" \
        --workers 1 --seed "${SCHEMATHESIS_SEED:-20261202}" \
        --suppress-health-check too_slow \
        --report har --report-dir "$work/passes/reports/$role" > "$work/passes/$role.log" 2>&1
}
run_lane() {
    local failed=0 role paths result
    while read -r role paths; do
        if run_pass "$role" "$paths"; then result=passed; else result=FAILED; failed=1; fi
        echo "== Schemathesis as $role ($result): $paths"
        [ "$result" = passed ] || cat "$work/passes/$role.log"
        grep -E '^(=+ .* in [0-9.]+s =+|  [0-9]+ generated.*)$' "$work/passes/$role.log" || true
    done < <(python3 -c "import sys; sys.path.insert(0, 'scripts'); import schemathesis_passes as p; [print(r, x) for r, x in p.lane('$1')]")
    return $failed
}
failed=0
while read -r -a stage; do
    lanes=()
    for name in "${stage[@]}"; do
        run_lane "$name" > "$work/passes/lane$name.out" &
        lanes+=("$!")
    done
    for pid in "${lanes[@]}"; do wait "$pid" || failed=1; done
    for name in "${stage[@]}"; do cat "$work/passes/lane$name.out"; done
done < <(python3 -c 'import sys; sys.path.insert(0, "scripts"); import schemathesis_passes as p; [print(*s) for s in p.STAGES]')
[ "$failed" = 0 ] || { echo "Schemathesis found failures (above)" >&2; exit 1; }

# The success paths were reached, not only the refusals.
python3 scripts/schemathesis_passes.py judge "$work/passes"
