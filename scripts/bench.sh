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
#   --smoke           a few seconds on small data with the debug build (the
#                     profile `cargo test` builds with): checks
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
        --smoke) tickets=3000 clients=2 create_clients=4 seconds=2 profile=test ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
. scripts/bench-common.sh
start_database
if [ "$backend" = postgres ]; then
    as_pg $pg/createdb -h 127.0.0.1 -p "$pgport" -U postgres pgb
    as_pg $pg/pgbench -h 127.0.0.1 -p "$pgport" -U postgres -i -s 10 -q pgb >/dev/null 2>&1
    echo "== pgbench tpcb-like, $create_clients clients, ${seconds}s"
    as_pg $pg/pgbench -h 127.0.0.1 -p "$pgport" -U postgres -c "$create_clients" -j 2 \
        -T "$seconds" -b tpcb-like pgb 2>/dev/null | grep -E "^(tps|latency average)" | tee "$work/pgbench.txt"
fi
generate
serve
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
