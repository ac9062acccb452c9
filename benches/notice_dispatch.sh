#!/usr/bin/env bash
# One dispatcher's sending rate (release build), on SQLite: the demo region,
# N tickets filed through the API with the dispatcher off (each queues two
# mails and, in the second phase, one webhook delivery), then
# `spbe-desk notices dispatch --kind mail` against a local SMTP server
# (aiosmtpd) and `--kind webhook` against a local receiver that verifies
# every signature (standardwebhooks). The receivers skip fsync so that they
# are not what is measured. Usage:
#   benches/notice_dispatch.sh [--tickets N]
set -euo pipefail
cd "$(dirname "$0")/.."
tickets=2000
while [ $# -gt 0 ]; do
    case "$1" in
        --tickets) tickets="$2"; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
cargo build --release -q
bin=./target/release/spbe-desk
work=$(mktemp -d /tmp/spbe-notices.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

start_receiver() { # script, dir -> prints the port
    mkdir -p "$2"
    RECEIVER_FSYNC=0 python3 "$1" --out "$2" >"$2/port" 2>"$2/log" &
    pids+=($!)
    for _ in $(seq 100); do grep -q PORT "$2/port" 2>/dev/null && break; sleep 0.05; done
    awk '/PORT/ {print $2}' "$2/port"
}
smtp_port=$(start_receiver tests/receivers/smtp_sink.py "$work/smtp")
hook_port=$(start_receiver tests/receivers/webhook_receiver.py "$work/hook")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

export APP__SERVER__LISTEN="127.0.0.1:$port" APP__DATA__DIR="$work/data" APP__LOG__LEVEL=warn
export APP__DATABASE__URL="sqlite://$work/data/bench.db" APP__AUTH__JWT_SECRET="bench-secret-bench-secret-bench-secret"
export APP__NOTICES__DISPATCH_INTERVAL_SECONDS=0 APP__NOTICES__HOLD_UNTIL_WORKING_HOURS=false
export APP__NOTICES__MAIL__TRANSPORT=smtp APP__NOTICES__MAIL__SMTP_HOST=127.0.0.1 APP__NOTICES__MAIL__SMTP_PORT="$smtp_port"
export APP__NOTICES__MAIL__SMTP_SECURITY=none APP__NOTICES__BATCH=5000
export APP__NOTICES__WEBHOOKS__ALLOW_HTTP=true APP__NOTICES__WEBHOOKS__ALLOWED_HOSTS='["127.0.0.1"]'

"$bin" seed --demo >"$work/seed.txt"
login() {
    local password; password=$(awk -v e="$1" '$2 == e { print $3 }' "$work/seed.txt")
    curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
serve_and_file() { # $1: run before filing (with the server up)
    "$bin" >"$work/server.log" 2>&1 &
    local server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
    if [ -n "${1:-}" ]; then "$1"; fi
    local token service
    token=$(login fitriani@majenekab.go.id)
    service=$(curl -sf "http://127.0.0.1:$port/api/v1/services?q=SIMPEG" -H "authorization: Bearer $token" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
    python3 - "$port" "$token" "$service" "$tickets" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
port, token, service, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
body = json.dumps({"type": "incident", "title": "SIMPEG lambat", "description": "Daftar pegawai lambat dibuka.",
                   "service_id": service, "impact": "medium", "urgency": "high"}).encode()
def post(_):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tickets", data=body, method="POST",
                                 headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
    urllib.request.urlopen(req).read()
with ThreadPoolExecutor(16) as pool:
    list(pool.map(post, range(n)))
PY
    kill "$server"; wait "$server" 2>/dev/null || true
}
subscribe() {
    local token; token=$(login admin@majenekab.go.id)
    curl -sf "http://127.0.0.1:$port/api/v1/webhooks" -H "authorization: Bearer $token" -H 'content-type: application/json' \
        -d "{\"url\":\"http://127.0.0.1:$hook_port/hook\",\"events\":[\"ticket.created\"]}" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])' >"$work/hook/secrets"
}

echo "== $tickets tickets filed; mails to aiosmtpd on 127.0.0.1:$smtp_port"
serve_and_file
if [ -n "${FANOUT_ONLY:-}" ]; then time "$bin" notices dispatch --kind webhook; exit 0; fi
"$bin" notices dispatch --kind mail
echo "   received by the SMTP server: $(wc -l <"$work/smtp/messages.jsonl")"

echo "== $tickets more tickets, each with a webhook delivery to 127.0.0.1:$hook_port (signatures verified)"
serve_and_file subscribe
"$bin" notices dispatch --kind webhook
echo "   received: $(wc -l <"$work/hook/deliveries.jsonl"), verified: $(grep -c '"verified": true' "$work/hook/deliveries.jsonl")"
