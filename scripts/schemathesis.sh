#!/usr/bin/env bash
# Schemathesis over the served OpenAPI document: every operation (but
# logout, which would end the run's own session), authenticated as each
# role of a seeded demo region with real tickets and changes, checking for
# server errors, for status codes, content types and bodies the document
# does not promise, and that requests the document calls valid are taken
# (refused only for the rules the document states in words, which
# schemathesis_passes.py lists per operation). Zero failures required, and
# the operations that create and move tickets and changes must have
# succeeded.
#
# Usage: scripts/schemathesis.sh [BINARY] [MAX_EXAMPLES]
#   BINARY        the spbe-desk binary (default: target/debug/spbe-desk)
#   MAX_EXAMPLES  examples per operation and phase (default: 10; four times
#                 as many for the operations the judge requires)
# SCHEMATHESIS_SEED overrides the fixed seed, to try other runs.
# Needs `pip install schemathesis`.
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
# of the time (always in the positive passes: movers first, creators last;
# the admin passes before the creators, as they may edit the other passes'
# users). The order is schemathesis_passes.PASSES. Hypothesis's "data
# generation too slow" health check is off: on a loaded 2-core machine it
# stopped a run once without any finding; the checks themselves all run.
while read -r role paths; do
    echo "== Schemathesis as $role: $paths"
    schemathesis --config-file "$work/passes/$role.toml" run "http://127.0.0.1:$port/api/v1/openapi.json" \
        --include-path-regex "$paths" \
        --exclude-path /api/v1/auth/logout \
        --checks ${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,positive_data_acceptance} \
        --workers 1 --seed "${SCHEMATHESIS_SEED:-20261202}" \
        --suppress-health-check too_slow \
        --report har --report-dir "$work/passes/reports/$role"
done < <(python3 -c 'import sys; sys.path.insert(0, "scripts"); import schemathesis_passes as p; [print(r, x) for r, _, x in p.PASSES]')

# The success paths were reached, not only the refusals.
python3 scripts/schemathesis_passes.py judge "$work/passes"
