#!/usr/bin/env bash
# Schemathesis over the served OpenAPI document: every operation (but
# logout, which would end the run's own session), authenticated as the demo
# admin, checking for server errors and for status codes, content types and
# bodies the document does not promise. Zero failures required.
#
# Usage: scripts/schemathesis.sh [BINARY] [MAX_EXAMPLES]
#   BINARY        the spbe-desk binary (default: target/debug/spbe-desk)
#   MAX_EXAMPLES  examples per operation and phase (default: 10)
# Needs `pip install schemathesis`.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/debug/spbe-desk}
examples=${2:-10}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
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
token=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"admin@majenekab.go.id\",\"password\":\"$password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --exclude-path /api/v1/auth/logout \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$examples" --workers 2 --seed 20261202
