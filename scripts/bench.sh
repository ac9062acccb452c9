#!/usr/bin/env bash
# The performance run of issue 12, side by side with the database's own
# figure: a private PostgreSQL 15 cluster (default durability) or a SQLite
# file, pgbench tpcb-like on that cluster at the creation concurrency and
# duration, then `admin generate --tickets N`, the server (release build)
# and the load harness (benches/load.rs) over every scenario.
#
# Usage: scripts/bench.sh [--postgres] [--tickets N] [--clients N]
#                         [--create-clients N] [--seconds S] [--smoke]
#   --clients         queue views, reads, search, summary, report, moves (default 8)
#   --create-clients  ticket creation, pgbench and the mixed workload (default 32)
#   --smoke           a few seconds on small data with the debug build: checks
#                     the generator, the server and the harness work together
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite tickets=1000000 clients=8 create_clients=32 seconds=15 profile=release
while [ $# -gt 0 ]; do
    case "$1" in
        --postgres) backend=postgres ;;
        --tickets) tickets="$2"; shift ;;
        --clients) clients="$2"; shift ;;
        --create-clients) create_clients="$2"; shift ;;
        --seconds) seconds="$2"; shift ;;
        --smoke) tickets=3000 clients=2 create_clients=4 seconds=2 profile=dev ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
cargo build -q --profile "$profile"
cargo bench -q --profile "$profile" --bench load --no-run 2>/dev/null
harness() { cargo bench -q --profile "$profile" --bench load -- "$@"; }
bin=./target/$([ "$profile" = dev ] && echo debug || echo release)/spbe-desk

work=$(mktemp -d /tmp/spbe-bench.XXXXXX)
chmod 755 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    # Wait for the server to stop: its notice lanes may still be writing mail files.
    [ -n "${server:-}" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; } || true
    [ -n "${pgdir:-}" ] && as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$pgdir" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

export APP__SERVER__LISTEN="127.0.0.1:$port" APP__DATA__DIR="$work/data" APP__LOG__LEVEL=warn
export APP__AUTH__JWT_SECRET="bench-secret-bench-secret-bench-secret" APP__AUTH__ACCESS_TOKEN_SECONDS=7200
echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $backend, $tickets tickets"
if [ "$backend" = postgres ]; then
    pgdir="$work/pg" pgport=$((port + 1))
    mkdir -p "$pgdir" && { [ "$(id -u)" != 0 ] || chown postgres "$pgdir"; }
    as_pg /usr/lib/postgresql/15/bin/initdb -D "$pgdir" -A trust -U postgres >/dev/null
    as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$pgdir" -o "-p $pgport -k $pgdir -c max_connections=200" \
        -l "$pgdir/log" start >/dev/null
    as_pg /usr/lib/postgresql/15/bin/createdb -h 127.0.0.1 -p "$pgport" -U postgres desk
    as_pg /usr/lib/postgresql/15/bin/createdb -h 127.0.0.1 -p "$pgport" -U postgres pgb
    as_pg /usr/lib/postgresql/15/bin/pgbench -h 127.0.0.1 -p "$pgport" -U postgres -i -s 10 -q pgb >/dev/null 2>&1
    echo "== pgbench tpcb-like, $create_clients clients, ${seconds}s"
    as_pg /usr/lib/postgresql/15/bin/pgbench -h 127.0.0.1 -p "$pgport" -U postgres -c "$create_clients" -j 2 \
        -T "$seconds" -b tpcb-like pgb 2>/dev/null | grep -E "^(tps|latency average)" | tee "$work/pgbench.txt"
    export APP__DATABASE__URL="postgres://postgres@127.0.0.1:$pgport/desk"
else
    export APP__DATABASE__URL="sqlite://$work/data/desk.db"
fi

echo "== admin generate --tickets $tickets"
"$bin" admin generate --tickets "$tickets" >"$work/accounts.txt" 2>"$work/generate.log" \
    || { cat "$work/generate.log"; exit 1; }
grep "^generated" "$work/accounts.txt"

"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "the server did not start" >&2; cat "$work/server.log"; exit 1; }
base="http://127.0.0.1:$port"
status=0
harness --base "$base" --accounts "$work/accounts.txt" --server-pid "$server" --clients "$clients" \
    --seconds "$seconds" --scenario idle --scenario tier2_new_by_due --scenario tier2_by_priority \
    --scenario pd_in_progress_by_due --scenario supervisor_due_before --scenario newest_first \
    --scenario read_one --scenario search --scenario summary --scenario sla_report_month --scenario sla_report_30_days --scenario move || status=1
harness --base "$base" --accounts "$work/accounts.txt" --server-pid "$server" --clients "$create_clients" \
    --mixed-clients "$create_clients" --seconds "$seconds" --scenario create --scenario mixed \
    | tee "$work/create.txt" || status=1
if [ -f "$work/pgbench.txt" ]; then
    awk 'NR == FNR && /^tps/ { tps = $3 } NR != FNR && $1 == "create" { rate = $4 }
         END { if (tps > 0) printf "creation: %.0f/s against pgbench %.0f tps: %.0f %%\n", rate, tps, 100 * rate / tps }' \
        "$work/pgbench.txt" "$work/create.txt"
fi
exit "$status"
