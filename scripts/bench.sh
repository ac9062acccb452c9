#!/usr/bin/env bash
# The performance run of issue 12, side by side with the database's own
# figure: a private PostgreSQL 15 cluster (default durability) or a SQLite
# file, pgbench tpcb-like on that cluster at the creation concurrency and
# duration, then `admin generate --tickets N`, the server (release build)
# and the load harness (benches/load.rs) over every scenario.
#
# Usage: scripts/bench.sh [--postgres] [--tickets N] [--articles N] [--clients N]
#                         [--create-clients N] [--seconds S] [--raw-seconds S]
#                         [--creation] [--smoke]
#   --articles        knowledge articles generated beside the tickets, for the
#                     knowledge_* scenarios (default 100 000; 500 in --smoke)
#   --clients         queue views, reads, search, summary, report, moves (default 8)
#   --create-clients  ticket creation, pgbench and the mixed workload (default 32)
#   --raw-seconds     each scenario's raw run: the same requests through the
#                     store functions, without HTTP (default: --seconds)
#   --scenarios LIST  only these read scenarios (space-separated), not every one
#   --creation        only pgbench and creation (and the mixed workload), to
#                     try the intake's settings (APP__DATABASE__INTAKE_WRITERS,
#                     APP__DATABASE__POOL_SIZE) on one generated history
#   --smoke           a few seconds on small data with the debug build (the
#                     profile `cargo test` builds with): checks
#                     the generator, the server and the harness work together
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite tickets=1000000 articles=100000 clients=8 create_clients=32 seconds=15 raw_seconds= reads=yes only= profile=release
while [ $# -gt 0 ]; do
    case "$1" in
        --postgres) backend=postgres ;;
        --tickets) tickets="$2"; shift ;;
        --articles) articles="$2"; shift ;;
        --clients) clients="$2"; shift ;;
        --create-clients) create_clients="$2"; shift ;;
        --seconds) seconds="$2"; shift ;;
        --raw-seconds) raw_seconds="$2"; shift ;;
        --scenarios) only="$2"; shift ;;
        --creation) reads= ;;
        --smoke) tickets=3000 articles=500 clients=2 create_clients=4 seconds=1 raw_seconds=1 profile=test ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
raw_seconds=${raw_seconds:-$seconds}
. scripts/bench-common.sh
start_database
if [ "$backend" = postgres ]; then
    # The database's own figure, with its latencies logged for p50/p99.
    as_pg $pg/createdb -h 127.0.0.1 -p "$pgport" -U postgres pgb
    as_pg $pg/pgbench -h 127.0.0.1 -p "$pgport" -U postgres -i -s 10 -q pgb >/dev/null 2>&1
    echo "== pgbench tpcb-like, $create_clients clients, ${seconds}s"
    (cd "$pgdir" && as_pg $pg/pgbench -h 127.0.0.1 -p "$pgport" -U postgres -c "$create_clients" -j 2 \
        -T "$seconds" -b tpcb-like -l --log-prefix=pgbench-log pgb 2>/dev/null) | grep -E "^tps" >"$work/pgbench.txt"
    cat "$pgdir"/pgbench-log.* | awk '{ print $3 }' | sort -n | awk '{ t[NR] = $1 }
        END { printf "latency p50 = %.3f ms, p99 = %.3f ms\n", t[int(NR * 0.5 + 0.999)] / 1000, t[int(NR * 0.99 + 0.999)] / 1000 }' \
        >>"$work/pgbench.txt"
    rm -f "$pgdir"/pgbench-log.*
    cat "$work/pgbench.txt"
fi
generate
serve
status=0
# Knowledge search and suggestions (issue 27); the smoke run takes two of
# them (one search, one suggestion: the same code path as the others).
knowledge="knowledge_one_word_reporter knowledge_one_word_pd knowledge_words_reporter knowledge_words_pd
    knowledge_misspelt_reporter knowledge_misspelt_pd knowledge_no_match_reporter knowledge_no_match_pd
    knowledge_suggest_reporter knowledge_suggest_pd"
[ "$profile" = release ] || knowledge="knowledge_misspelt_pd knowledge_suggest_reporter"
# Each scenario's row has the raw column: the harness runs the same requests
# through the store functions on APP__DATABASE__URL, at the same concurrency.
views="tier2_new_by_due tier2_by_priority pd_in_progress_by_due pd_pending_by_priority supervisor_due_before
    newest_first read_one search search_vpn_supervisor search_vpn_pd search_two_words_supervisor
    search_two_words_pd search_printer_supervisor search_printer_pd search_number_supervisor search_number_pd
    search_misspelt_supervisor search_misspelt_pd summary sla_report_month sla_report_30_days move
    $knowledge"
views=${only:-$views}
[ -z "$reads" ] || harness --base "$base" --accounts "$work/accounts.txt" --server-pid "$server" \
    --clients "$clients" --seconds "$seconds" --raw-seconds "$raw_seconds" --scenario idle \
    $(printf -- '--scenario %s ' $views) || status=1
[ -n "$only" ] || harness --base "$base" --accounts "$work/accounts.txt" --server-pid "$server" --clients "$create_clients" \
    --mixed-clients "$create_clients" --seconds "$seconds" --scenario create --scenario mixed \
    | tee "$work/create.txt" || status=1
# The ratio to pgbench only when creation ran (not with --scenarios).
if [ -f "$work/pgbench.txt" ] && [ -f "$work/create.txt" ]; then
    awk 'NR == FNR && /^tps/ { tps = $3 } NR == FNR && /^latency p50/ { pgp99 = $8 }
         NR != FNR && $1 == "create" { rate = $4; p99 = $7 }
         END { if (tps > 0) printf "creation: %.0f/s against pgbench %.0f tps: %.0f %%; p99 %.1f ms against pgbench %.1f ms: %.1f×\n",
                   rate, tps, 100 * rate / tps, p99, pgp99, p99 / pgp99 }' \
        "$work/pgbench.txt" "$work/create.txt"
fi
exit "$status"
