#!/usr/bin/env bash
# The SLA sweep at 10 000 and 1 000 000 open tickets (benches/sla_sweep.rs),
# on SQLite (default) or on a throwaway PostgreSQL 15 cluster (`--postgres`,
# default settings, stopped and removed on exit). Other options go to the
# bench. Usage:
#   benches/sla_sweep.sh [--postgres] [--open 10000,1000000] [--due 1000] [--reps 5]
set -euo pipefail
cd "$(dirname "$0")/.."
backend=sqlite
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --postgres) backend=postgres ;;
        *) args+=("$1") ;;
    esac
    shift
done
cargo bench --bench sla_sweep --no-run -q

if [ "$backend" = postgres ]; then
    work=$(mktemp -d /tmp/spbe-sweep.XXXXXX)
    chmod 755 "$work"
    pgdir="$work/pg"
    pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    cleanup() {
        as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$pgdir" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$work"
    }
    trap cleanup EXIT
    mkdir -p "$pgdir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$pgdir"; fi
    as_pg /usr/lib/postgresql/15/bin/initdb -D "$pgdir" -A trust -U postgres >/dev/null
    as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$pgdir" -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1" \
        -l "$pgdir/log" -w start >/dev/null
    args+=(--postgres "postgres://postgres@127.0.0.1:$pgport/postgres")
fi
cargo bench --bench sla_sweep -q -- "${args[@]}"
