#!/usr/bin/env bash
# The combination walk (benches/plans.rs): generates a history, then asks
# the database for the plan of every filter and sort combination of the
# ticket list, for each role's scope, and prints the worst.
#
# Usage: scripts/plans.sh [--postgres] [--tickets N] [--top N] [--bound ROWS] [--smoke]
#   --smoke   3 000 tickets with the debug build (the profile `cargo test`
#             builds with): the walk runs every combination end to end
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite tickets=1000000 profile=release walk=()
while [ $# -gt 0 ]; do
    case "$1" in
        --postgres) backend=postgres ;;
        --tickets) tickets="$2"; shift ;;
        --top | --bound) walk+=("$1" "$2"); shift ;;
        --smoke) tickets=3000 profile=test ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
. scripts/bench-common.sh
cargo bench -q --profile "$profile" --bench plans --no-run 2>/dev/null
start_database
generate
echo "== the combination walk"
cargo bench -q --profile "$profile" --bench plans -- --database-url "$APP__DATABASE__URL" "${walk[@]}"
