#!/usr/bin/env bash
# The backup drill's figures (issue 26): a generated history, the server,
# then the load harness's mixed workload (70 % reads, 15 % creations, 15 %
# moves) twice for the same time: once alone, once while backups are taken
# back to back (on PostgreSQL `pg_dump` into the folder first, then
# `spbe-desk backup`, as docs/operations.md says), so that every request of
# the second run is served during a backup. It prints both runs' latency
# percentiles (the target: p99 < 100 ms during a backup), each backup's time
# and size, then restores the last backup into a fresh place (`spbe-desk
# restore`: the audit verification and every attachment's hash) and times it.
#
# Usage: scripts/backup_drill.sh [--postgres] [--tickets N] [--clients N] [--seconds S] [--smoke]
#   --clients  clients of the mixed workload (default 8)
#   --smoke    3 000 tickets, a few seconds, the debug build
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite tickets=100000 clients=8 seconds=30 profile=release
while [ $# -gt 0 ]; do
    case "$1" in
        --postgres) backend=postgres ;;
        --tickets) tickets="$2"; shift ;;
        --clients) clients="$2"; shift ;;
        --seconds) seconds="$2"; shift ;;
        --smoke) tickets=3000 clients=4 seconds=4 profile=test ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
. scripts/bench-common.sh
start_database
generate
serve
mixed() {
    harness --base "$base" --accounts "$work/accounts.txt" --server-pid "$server" --clients 1 \
        --mixed-clients "$clients" --seconds "$seconds" --scenario mixed
}
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

# One whole backup into $1, as an operator takes it.
backup() {
    if [ "$backend" = postgres ]; then
        mkdir -p "$1/database"
        $pg/pg_dump --format=custom --file "$1/database/spbe-desk.dump" "$APP__DATABASE__URL"
    fi
    "$bin" backup --to "$1" >"$1.log"
}

# Backups back to back until $work/stop exists; the newest one is kept.
backups() {
    local n=0
    while [ ! -e "$work/stop" ]; do
        n=$((n + 1))
        local started; started=$(date +%s.%N)
        backup "$work/backup-$n"
        echo "backup $n: $(elapsed "$started" "$(date +%s.%N)") s, $(du -sh "$work/backup-$n" | cut -f1)"
        [ "$n" -gt 1 ] && rm -rf "$work/backup-$((n - 1))" "$work/backup-$((n - 1)).log"
        echo "$n" >"$work/last-backup"
    done
}

# A run with failed requests is reported (exit 1), and the drill goes on.
status=0
echo "== mixed workload alone, ${seconds}s"
mixed || status=1
echo "== mixed workload while backups are taken back to back, ${seconds}s"
backups >"$work/backups.txt" &
backup_loop=$!
mixed || status=1
touch "$work/stop"
wait "$backup_loop"
cat "$work/backups.txt"
last="$work/backup-$(cat "$work/last-backup")"
grep -E "^(taken|files|database)" "$last.log"

echo "== restore of the last backup into a fresh place"
target="$work/restored"
mkdir -p "$target"
if [ "$backend" = postgres ]; then
    as_pg $pg/createdb -h 127.0.0.1 -p "$pgport" -U postgres restored
    restored_url="postgres://postgres@127.0.0.1:$pgport/restored"
    started=$(date +%s.%N)
    $pg/pg_restore --no-owner --exit-on-error --dbname "$restored_url" "$last/database/spbe-desk.dump"
    echo "pg_restore: $(elapsed "$started" "$(date +%s.%N)") s"
else
    restored_url="sqlite://$target/data/desk.db"
fi
started=$(date +%s.%N)
APP__DATABASE__URL="$restored_url" APP__DATA__DIR="$target/data" \
    "$bin" --config-dir "$target/config" restore --from "$last" | tail -4
echo "restore with its checks: $(elapsed "$started" "$(date +%s.%N)") s"
exit "$status"
