#!/usr/bin/env bash
# How fast a healthy webhook receiver hears of events while another
# subscription's receiver never answers (issue 23's isolation figure): the
# demo region, two subscriptions to ticket.created (one receiver healthy,
# one holding every request unanswered), tickets filed at a steady rate
# through the API, the server's own dispatcher loops. Prints the healthy
# receiver's delivery latency (filed -> received) p50/p99/max and how often
# the silent one was tried. The tests (tests/api/notice_isolation.rs) only
# count and order; this measures. Usage:
#   scripts/isolation_bench.sh [--postgres] [--rate N] [--seconds S] [--release]
#     --rate     tickets filed per second (default 10)
#     --seconds  how long to file (default 60)
#     --release  the release build (default: the profile `cargo test` builds with)
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite rate=10 seconds=60 profile=test tickets=0
while [ $# -gt 0 ]; do
    case "$1" in
        --postgres) backend=postgres ;;
        --rate) rate="$2"; shift ;;
        --seconds) seconds="$2"; shift ;;
        --release) profile=release ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
. scripts/bench-common.sh
receivers=()
trap 'for p in "${receivers[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT

start_receiver() { # dir -> prints the port
    mkdir -p "$1"
    RECEIVER_FSYNC=0 python3 tests/receivers/webhook_receiver.py --out "$1" >"$1/port" 2>"$1/log" &
    receivers+=($!)
    for _ in $(seq 100); do grep -q PORT "$1/port" 2>/dev/null && break; sleep 0.05; done
    awk '/PORT/ {print $2}' "$1/port"
}
healthy_port=$(start_receiver "$work/healthy")
silent_port=$(start_receiver "$work/silent")
echo "hang 3600" >"$work/silent/mode"

# As the issue's probe: a time-out and back-offs short enough to matter.
export APP__NOTICES__WEBHOOKS__TIMEOUT_SECONDS=2 APP__NOTICES__FIRST_RETRY_SECONDS=5
export APP__NOTICES__HOLD_UNTIL_WORKING_HOURS=false
export APP__NOTICES__WEBHOOKS__ALLOW_HTTP=true APP__NOTICES__WEBHOOKS__ALLOWED_HOSTS='["127.0.0.1"]'
start_database
"$bin" seed --demo --password bench-isolation-2026 >"$work/seed.txt"
serve
echo "== $rate tickets/s for ${seconds}s; receivers: healthy :$healthy_port, silent :$silent_port (never answers)"

python3 - "$base" "$work" "$healthy_port" "$silent_port" "$rate" "$seconds" <<'PY'
import json, os, sys, time, urllib.request
base, work, healthy, silent, rate, seconds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])

def call(path, token=None, body=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers, method="GET" if body is None else "POST")
    with urllib.request.urlopen(request) as response:
        return json.load(response)

def login(name):
    return call("/api/v1/auth/login", body={"email": f"{name}@majenekab.go.id", "password": "bench-isolation-2026"})["access_token"]

def lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.endswith("\n")]
    except FileNotFoundError:
        return []

admin, reporter = login("admin"), login("fitriani")
for name, port in (("silent", silent), ("healthy", healthy)):
    created = call("/api/v1/webhooks", admin, {"url": f"http://127.0.0.1:{port}/hook", "events": ["ticket.created"]})
    with open(os.path.join(work, name, "secrets"), "w") as f:
        f.write(created["secret"] + "\n")
service = call("/api/v1/services?q=simpeg", reporter)["items"][0]["id"]
ticket = {"type": "incident", "title": "SIMPEG lambat", "description": "Daftar pegawai lambat dibuka.",
          "service_id": service, "impact": "medium", "urgency": "high"}

filed, started = {}, time.monotonic()
for n in range(rate * seconds):
    time.sleep(max(0.0, started + n / rate - time.monotonic()))
    filed[call("/api/v1/tickets", reporter, ticket)["id"]] = time.time()
deadline = time.monotonic() + 30
while len(lines(os.path.join(work, "healthy", "deliveries.jsonl"))) < len(filed) and time.monotonic() < deadline:
    time.sleep(0.2)

deliveries = lines(os.path.join(work, "healthy", "deliveries.jsonl"))
latencies = sorted(d["received_at"] - filed[d["data"]["ticket"]["id"]] for d in deliveries if d["data"]["ticket"]["id"] in filed)
tried = len(lines(os.path.join(work, "silent", "deliveries.jsonl")))
if not latencies:
    sys.exit("the healthy receiver got nothing")
at = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))]
print(f"filed {len(filed)}, healthy receiver got {len(deliveries)}: "
      f"p50 {at(0.5):.3f} s, p99 {at(0.99):.3f} s, max {latencies[-1]:.3f} s; "
      f"the silent receiver was tried {tried} times for its {len(filed)} deliveries")
sys.exit(0 if len(deliveries) == len(filed) else 1)
PY
