#!/usr/bin/env bash
# The README's five-minute walk, run the way a newcomer runs it: the seed
# line of "First steps" (the debug binary standing in for `cargo run
# --release --`), a server of its own (a temporary folder, a free port),
# then every `sh` block of "A five-minute walk" exactly as written, in one
# shell, in that folder. It passes when the walk ran without an error and
# left a resolved ticket and a mail file about it.
#
# Usage: scripts/readme_walk.sh
#   SPBE_WALK_AT='2026-12-05 23:30:00'  run the seed and the server from that
#                                      UTC instant on (needs faketime), to
#                                      see the walk work outside office hours
#   KEEP_WORK=1                        keep the temporary folder
# Needs curl and jq (as the walk does) and python3 (a free port).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in curl jq python3; do
    command -v "$tool" > /dev/null || { echo "readme_walk: $tool is needed" >&2; exit 1; }
done
# The profile `cargo test` builds with: after the tests, nothing is compiled again.
cargo build --quiet --profile test
binary="$PWD/target/debug/spbe-desk"
work=$(mktemp -d)
server=
# The server is waited for before its folder goes: its notice lanes may still be writing mail files.
trap 'if [ -n "$server" ]; then kill "$server" 2> /dev/null && wait "$server" 2> /dev/null; fi; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT

# The lines of the `sh` blocks of one README section, in order.
blocks() {
    awk -v section="$1" '
        /^## / { inside = ($0 == "## " section) }
        inside && /^```/ { if (fence) fence = 0; else if ($0 == "```sh") fence = 1; next }
        inside && fence { print }
    ' README.md
}

seed=$(blocks "First steps" | grep -m 1 -- ' seed --demo' || true)
case "$seed" in
    "cargo run --release -- "*) ;;
    *) echo "readme_walk: no 'cargo run --release -- seed --demo' line in README's First steps" >&2; exit 1 ;;
esac
walk=$(blocks "A five-minute walk")
[ -n "$walk" ] || { echo "readme_walk: no sh blocks under README's 'A five-minute walk'" >&2; exit 1; }

at=()
if [ -n "${SPBE_WALK_AT:-}" ]; then
    # libfaketime preloaded into the program itself (not the `faketime`
    # wrapper, which dies of the TERM that stops the server and leaves the
    # server running): time starts at the instant and runs on; timers keep
    # the real monotonic clock.
    faketime_lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2> /dev/null | head -n 1)
    [ -n "$faketime_lib" ] || { echo "readme_walk: SPBE_WALK_AT needs libfaketime (apt install faketime)" >&2; exit 1; }
    at=(env TZ=UTC LD_PRELOAD="$faketime_lib" FAKETIME="@$SPBE_WALK_AT" FAKETIME_DONT_FAKE_MONOTONIC=1)
fi

# The folder stands in for the repository's: ./config, ./data as the README's.
cp -r config "$work/config"
cd "$work"
unset APP_ENV APP_CONFIG_DIR
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export APP__SERVER__LISTEN="127.0.0.1:$port" APP__LOG__LEVEL=warn
export DESK="http://127.0.0.1:$port"

echo "== First steps: $(echo "$seed" | sed "s/ *#.*//")"
eval "set -- ${seed#cargo run --release -- }"
"${at[@]}" "$binary" "$@" > seed.txt
"${at[@]}" "$binary" serve > serve.log 2>&1 &
server=$!
for _ in $(seq 1 100); do
    curl -sf "$DESK/health/ready" > /dev/null && break
    sleep 0.2
done
curl -sf "$DESK/health/ready" > /dev/null || { cat serve.log >&2; echo "readme_walk: the server did not start" >&2; exit 1; }

echo "== The walk, against $DESK"
printf '%s\n' "$walk" > walk.sh
# Every login of the walk must have given a token, even where a later step
# would tolerate an empty one: checked in the walk's own shell at its end.
logins=$(printf '%s\n' "$walk" | sed -n 's/^\([A-Z0-9_]*\)=\$(login .*/\1/p')
[ -n "$logins" ] || { echo "readme_walk: the walk logs in nobody (no NAME=\$(login ...) line)" >&2; exit 1; }
for name in $logins; do
    printf 'case "${%s:-}" in ""|null) echo "readme_walk: the login into %s gave no token" >&2; exit 1 ;; esac\n' "$name" "$name"
done >> walk.sh
if ! bash -eo pipefail walk.sh; then
    tail -n 30 serve.log >&2
    echo "readme_walk: the walk failed (above)" >&2
    exit 1
fi

# Checked apart from the walk's own variables: as the admin the seed printed.
password=$(awk '$2 == "admin@majenekab.go.id" { print $3 }' seed.txt)
token=$(curl -s "$DESK/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"admin@majenekab.go.id\",\"password\":\"$password\"}" | jq -r .access_token)
resolved=$(curl -s "$DESK/api/v1/tickets?status=resolved" -H "authorization: Bearer $token" | jq -r '.items[].number')
[ -n "$resolved" ] || { echo "readme_walk: the walk left no resolved ticket" >&2; exit 1; }
mails=$(grep -l -F -e "$resolved" data/mail/*.eml 2> /dev/null | wc -l)
[ "$mails" -gt 0 ] || { echo "readme_walk: no mail file in data/mail names $resolved" >&2; exit 1; }
# The reporter is told of the resolution at any hour (the ticket is critical).
told=$(grep -l -F -e "$resolved" data/mail/*.eml | xargs grep -l -i '^X-SPBE-Event: ticket.resolved' | wc -l)
[ "$told" -gt 0 ] || { echo "readme_walk: no mail file tells of $resolved's resolution" >&2; exit 1; }
echo "readme_walk: passed${SPBE_WALK_AT:+ at $SPBE_WALK_AT UTC} (resolved $(echo "$resolved" | tr '\n' ' ')with $mails mail file(s) about it, logins: $(echo $logins))"
