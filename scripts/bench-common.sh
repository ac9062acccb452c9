# Shared by scripts/bench.sh and scripts/backup_drill.sh (sourced after
# they set backend, tickets and profile): the builds, a work folder and a
# free port, the database (a private PostgreSQL 15 cluster with database
# `desk`, or a SQLite file), the generated history, and the server.
cargo build -q --profile "$profile"
cargo bench -q --profile "$profile" --bench load --no-run 2>/dev/null
harness() { cargo bench -q --profile "$profile" --bench load -- "$@"; }
bin=./target/$([ "$profile" = release ] && echo release || echo debug)/spbe-desk
pg=/usr/lib/postgresql/15/bin

work=$(mktemp -d /tmp/spbe-bench.XXXXXX)
chmod 755 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    # Wait for the server to stop: its notice lanes may still be writing mail files.
    [ -n "${server:-}" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; } || true
    [ -n "${pgdir:-}" ] && as_pg $pg/pg_ctl -D "$pgdir" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

export APP__SERVER__LISTEN="127.0.0.1:$port" APP__DATA__DIR="$work/data" APP__LOG__LEVEL=warn
export APP__AUTH__JWT_SECRET="bench-secret-bench-secret-bench-secret" APP__AUTH__ACCESS_TOKEN_SECONDS=7200
echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $backend, $tickets tickets"

# The database: sets APP__DATABASE__URL (and pgport on PostgreSQL).
start_database() {
    if [ "$backend" = postgres ]; then
        pgdir="$work/pg" pgport=$((port + 1))
        mkdir -p "$pgdir" && { [ "$(id -u)" != 0 ] || chown postgres "$pgdir"; }
        as_pg $pg/initdb -D "$pgdir" -A trust -U postgres >/dev/null
        as_pg $pg/pg_ctl -D "$pgdir" -o "-p $pgport -k $pgdir -c max_connections=200" -l "$pgdir/log" start >/dev/null
        as_pg $pg/createdb -h 127.0.0.1 -p "$pgport" -U postgres desk
        export APP__DATABASE__URL="postgres://postgres@127.0.0.1:$pgport/desk"
    else
        export APP__DATABASE__URL="sqlite://$work/data/desk.db"
    fi
}

# The region's history; the accounts the harness logs in with.
generate() {
    echo "== admin generate --tickets $tickets --articles ${articles:-0}"
    "$bin" admin generate --tickets "$tickets" --articles "${articles:-0}" >"$work/accounts.txt" 2>"$work/generate.log" \
        || { cat "$work/generate.log"; exit 1; }
    grep "^generated" "$work/accounts.txt"
}

# The server, until the script ends; sets server and base.
serve() {
    "$bin" serve >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "the server did not start" >&2; cat "$work/server.log"; exit 1; }
    base="http://127.0.0.1:$port"
}
