#!/usr/bin/env bash
# Ticket creation over HTTP against the real server (release build):
# 32 concurrent clients for 15 s with wrk, on SQLite (default) or on a
# throwaway PostgreSQL 15 cluster (`--postgres`), where pgbench (tpcb-like,
# same client count, same cluster, same run) gives the baseline.
# Prints requests/s and latency percentiles. Usage:
#   benches/ticket_create.sh [--postgres] [--clients N] [--seconds S] [--binary PATH [--config-dir DIR]]
# (--binary: measure that build instead of building this tree, e.g. an
# earlier commit's, to compare before and after in one sitting.)
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite clients=32 seconds=15 binary=./target/release/spbe-desk build=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --postgres) backend=postgres ;;
        --clients) clients="$2"; shift ;;
        --seconds) seconds="$2"; shift ;;
        --binary) binary="$2" build=no; shift ;;
        --config-dir) export APP_CONFIG_DIR="$2"; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
[ "$build" = yes ] && cargo build --release -q

work=$(mktemp -d /tmp/spbe-bench.XXXXXX)
chmod 755 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
    [ -n "${pgdir:-}" ] && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pgdir" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

export APP__SERVER__LISTEN="127.0.0.1:$port" APP__DATA__DIR="$work/data" APP__LOG__LEVEL=warn
export APP__DATABASE__POOL_SIZE=16 APP__AUTH__JWT_SECRET="bench-secret-bench-secret-bench-secret"
if [ "$backend" = postgres ]; then
    pgdir="$work/pg" pgport=$((port + 1))
    as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    mkdir -p "$pgdir" && [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
    as_pg /usr/lib/postgresql/15/bin/initdb -D "$pgdir" -A trust -U postgres >/dev/null
    as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$pgdir" -o "-p $pgport -k $pgdir -c max_connections=200" -l "$pgdir/log" start >/dev/null
    as_pg /usr/lib/postgresql/15/bin/createdb -h 127.0.0.1 -p "$pgport" -U postgres desk
    as_pg /usr/lib/postgresql/15/bin/createdb -h 127.0.0.1 -p "$pgport" -U postgres pgb
    as_pg pgbench -h 127.0.0.1 -p "$pgport" -U postgres -i -s 10 -q pgb >/dev/null 2>&1
    echo "== pgbench tpcb-like, $clients clients, ${seconds}s"
    as_pg pgbench -h 127.0.0.1 -p "$pgport" -U postgres -c "$clients" -j 2 -T "$seconds" -b tpcb-like pgb 2>/dev/null \
        | grep -E "^(tps|latency average)"
    export APP__DATABASE__URL="postgres://postgres@127.0.0.1:$pgport/desk"
else
    export APP__DATABASE__URL="sqlite://$work/data/bench.db"
fi

"$binary" seed --demo >"$work/seed.txt"
password=$(awk '$2 == "fitriani@majenekab.go.id" { print $3 }' "$work/seed.txt")
"$binary" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
token=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"fitriani@majenekab.go.id\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
service=$(curl -sf "http://127.0.0.1:$port/api/v1/services?q=SIMPEG" -H "authorization: Bearer $token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
cat >"$work/create.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $token"
wrk.body = '{"type":"incident","title":"SIMPEG lambat","description":"Halaman daftar pegawai lambat dibuka.","service_id":"$service","impact":"medium","urgency":"high"}'
LUA
echo "== POST /api/v1/tickets on $backend, $clients clients, ${seconds}s"
cpu_before=$(awk '{print $14 + $15}' "/proc/$server/stat")
wrk -t2 -c"$clients" -d"${seconds}s" --latency -s "$work/create.lua" "http://127.0.0.1:$port/api/v1/tickets" \
    >"$work/wrk.txt"
grep -E "Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors" "$work/wrk.txt"
# Server CPU time per request: steadier than requests/s when the machine is shared.
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
cpu_after=$(awk '{print $14 + $15}' "/proc/$server/stat")
echo "server CPU per request: $(awk -v t="$((cpu_after - cpu_before))" -v n="$requests" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%.3f ms", t * 1000 / hz / n}')"
echo "server RSS after load: $(ps -o rss= -p "$server" | awk '{printf "%.1f MiB", $1/1024}')"
