#!/usr/bin/env bash
# The combination walk (benches/plans.rs): generates a history, then asks
# the database for the plan of every filter and sort combination of the
# ticket list, for each role's scope, and prints the worst.
#
# Usage: scripts/plans.sh [--postgres] [--tickets N] [--top N] [--bound ROWS]
#                         [--check] [--smoke] [--keep DIR | --reuse DIR]
#   --smoke   3 000 tickets with the debug build (the profile `cargo test`
#             builds with): the walk runs every combination end to end
#   --check   exit 1 when a combination breaks the bound
#   --debug   the debug build (`--profile test`), as `cargo test` builds it:
#             the plans and rows read are the database's, whichever build asks
#   --keep DIR   generate into DIR and leave it there (a million tickets
#                take most of an hour to generate; walk them many times)
#   --reuse DIR  walk the history kept in DIR: no generation; pending
#                migrations (new indexes) are applied first
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite tickets=1000000 profile=release walk=() keep="" reuse=""
while [ $# -gt 0 ]; do
    case "$1" in
        --postgres) backend=postgres ;;
        --tickets) tickets="$2"; shift ;;
        --top | --bound | --limit) walk+=("$1" "$2"); shift ;;
        --check) walk+=("$1") ;;
        --smoke) tickets=3000 profile=test ;;
        --debug) profile=test ;;
        --keep) keep="$2"; shift ;;
        --reuse) reuse="$2"; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
. scripts/bench-common.sh
cargo bench -q --profile "$profile" --bench plans --no-run 2>/dev/null
if [ -n "$keep$reuse" ]; then
    # The kept folder outlives the script; only the database server stops.
    rm -rf "$work"
    work=$(realpath -m "${keep:-$reuse}")
    mkdir -p "$work" && chmod 755 "$work"
    export APP__DATA__DIR="$work/data"
    trap '[ -n "${pgdir:-}" ] && as_pg $pg/pg_ctl -D "$pgdir" -m fast stop >/dev/null 2>&1 || true' EXIT
fi
if [ -n "$reuse" ]; then
    if [ "$backend" = postgres ]; then
        pgdir="$work/pg" pgport=$((port + 1))
        as_pg $pg/pg_ctl -D "$pgdir" -o "-p $pgport -k $pgdir -c max_connections=200" -l "$pgdir/log" start >/dev/null
        export APP__DATABASE__URL="postgres://postgres@127.0.0.1:$pgport/desk"
    else
        export APP__DATABASE__URL="sqlite://$work/data/desk.db"
    fi
    "$bin" migrate
else
    start_database
    generate
fi
echo "== the combination walk"
cargo bench -q --profile "$profile" --bench plans -- --database-url "$APP__DATABASE__URL" "${walk[@]}"
