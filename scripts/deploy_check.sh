#!/usr/bin/env bash
# The files under deploy/ tried for real, on this machine:
# 1. the systemd units pass `systemd-analyze verify` without a warning;
# 2. the backup unit's command, as systemd would run it, backs up a
#    running desk into a dated folder and checks that backup;
# 3. the nginx example, with a self-signed certificate, in front of the
#    desk: plain HTTP redirects, HTTPS serves, /metrics is hidden, and the
#    desk throttles logins by the address the proxy saw (trusted_proxies),
#    which a client cannot forge with its own X-Forwarded-For;
# 4. the container file installs the package of every library the program
#    links.
# No container engine runs here, so the image itself is not built.
#
# Usage: scripts/deploy_check.sh     (needs systemd-analyze, nginx, openssl,
#                                     curl, readelf, dpkg; about 10 s)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in systemd-analyze nginx openssl curl readelf dpkg-query python3; do
    command -v "$tool" > /dev/null || { echo "deploy_check: $tool is needed" >&2; exit 1; }
done
# The profile `cargo test` builds with: after the tests, nothing is compiled again.
cargo build --quiet --profile test
binary="$PWD/target/debug/spbe-desk"
work=$(mktemp -d)
chmod 0755 "$work"
server= proxy=
trap 'for p in $proxy $server; do kill "$p" 2> /dev/null && wait "$p" 2> /dev/null; done; rm -rf "$work"' EXIT
fail() { echo "deploy_check: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "== systemd units"
mkdir "$work/units"
for unit in deploy/systemd/*; do
    sed "s|/opt/spbe-desk/spbe-desk|$binary|g" "$unit" > "$work/units/$(basename "$unit")"
done
# An unknown key is only a warning to systemd: any output fails the check.
found=$(cd "$work/units" && systemd-analyze verify ./* 2>&1) || fail "systemd-analyze verify: $found"
[ -z "$found" ] || fail "systemd-analyze verify warned: $found"

echo "== the desk, behind nginx"
cp -r config "$work/config"
port=$(free_port) http=$(free_port) https=$(free_port)
export APP__SERVER__LISTEN="127.0.0.1:$port" APP__LOG__LEVEL=warn \
    APP__DATA__DIR="$work/data" APP__DATABASE__URL="sqlite://$work/data/spbe-desk.db" \
    APP__NOTICES__TEMPLATES_DIR="$work/config/templates" \
    APP__SERVER__TRUSTED_PROXIES='["127.0.0.1"]' APP__AUTH__MAX_FAILURES_PER_ADDRESS=3
"$binary" --config-dir "$work/config" serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null && break
    sleep 0.2
done
curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null || { cat "$work/serve.log" >&2; fail "the desk did not start"; }

name=layanan.example.go.id
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$name" -addext "subjectAltName=DNS:$name" \
    -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2> /dev/null
# The example as written, but for this run's ports and files.
sed -e "s|listen 80;|listen 127.0.0.1:$http;|; s|listen 443 ssl http2;|listen 127.0.0.1:$https ssl http2;|" \
    -e '/listen \[::\]/d' -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$port;|" \
    -e "s|/etc/ssl/spbe-desk/|$work/|" deploy/nginx/spbe-desk.conf > "$work/site.conf"
cat > "$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    include $work/site.conf;
}
EOF
nginx -t -q -c "$work/nginx.conf" -p "$work" || fail "nginx refused the example configuration"
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' &
proxy=$!
via=(--silent --output /dev/null --write-out '%{http_code}' --resolve "$name:$https:127.0.0.1" --resolve "$name:$http:127.0.0.1" --cacert "$work/fullchain.pem")
for _ in $(seq 1 50); do
    [ "$(curl "${via[@]}" "https://$name:$https/health/ready")" = 200 ] && break
    sleep 0.1
done
code=$(curl "${via[@]}" "https://$name:$https/health/ready")
[ "$code" = 200 ] || fail "HTTPS through nginx answered $code, not 200 (nginx: $(cat "$work/nginx-error.log"))"
code=$(curl "${via[@]}" "http://$name:$http/health/ready")
[ "$code" = 301 ] || fail "plain HTTP answered $code, not a redirect to HTTPS"
code=$(curl "${via[@]}" "https://$name:$https/metrics")
[ "$code" = 404 ] || fail "/metrics through the proxy answered $code, not 404"

# A failed login from a client address; the fourth from one address is
# throttled (auth.max_failures_per_address = 3), whatever it forwards.
login() {
    local from=$1 n=$2
    shift 2
    curl "${via[@]}" --interface "$from" "$@" -H 'content-type: application/json' \
        -d "{\"email\":\"nobody$n@example.go.id\",\"password\":\"wrong password\"}" "https://$name:$https/api/v1/auth/login"
}
for n in 1 2 3; do
    code=$(login 127.0.0.2 "$n")
    [ "$code" = 401 ] || fail "failed login $n from 127.0.0.2 answered $code, not 401"
done
code=$(login 127.0.0.2 4 -H 'X-Forwarded-For: 203.0.113.7')
[ "$code" = 429 ] || fail "the fourth failed login from 127.0.0.2 (forging X-Forwarded-For) answered $code, not 429"
code=$(login 127.0.0.3 5)
[ "$code" = 401 ] || fail "a failed login from another address (127.0.0.3) answered $code, not 401: the desk does not see client addresses"

echo "== the backup unit's command"
mkdir -p "$work/backups"
# ExecStart as systemd runs it: continuation lines joined, $$ and %% unescaped.
command=$(awk '/^ExecStart=/ { on = 1; sub(/^ExecStart=/, "") } on { line = line $0; if (!/\\$/) exit; sub(/\\$/, "", line) } END { print line }' \
    deploy/systemd/spbe-desk-backup.service)
command=$(printf '%s' "$command" | sed -e 's/\$\$/$/g; s/%%/%/g' -e "s|/opt/spbe-desk/spbe-desk|$binary|g" \
    -e "s|/etc/spbe-desk|$work/config|g; s|/srv/backup/spbe-desk|$work/backups|g")
eval "$command" > "$work/backup.log" 2>&1 || { cat "$work/backup.log" >&2; fail "the backup unit's command failed"; }
taken=$(ls "$work/backups")
[[ "$taken" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{4}Z$ ]] || fail "the backup unit wrote '$taken', not one dated folder"
[ -f "$work/backups/$taken/manifest.json" ] || fail "the backup in $taken has no manifest"

echo "== container file"
packages=$(sed -n 's/.*apt-get install -y --no-install-recommends \(.*\)$/\1/p' deploy/Containerfile | tr -d '\\')
[ -n "$packages" ] || fail "no apt-get install line in deploy/Containerfile"
for library in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    path=$(ldconfig -p | awk -v lib="$library" '$1 == lib && !found { print $NF; found = 1 }')
    [ -n "$path" ] || fail "$library, which the program links, is not installed here"
    # Packages name the file under /lib or /usr/lib (Debian 12 merged them).
    owner=$(dpkg-query -S "$path" 2> /dev/null || dpkg-query -S "$(readlink -f "$path")" 2> /dev/null) \
        || fail "no package owns $library ($path)"
    package=${owner%%:*}
    case "$package" in
        libc6 | libgcc-s1) ;; # in every Debian image
        *) [[ " $packages " == *" $package "* ]] || fail "the program links $library ($package), which deploy/Containerfile does not install" ;;
    esac
done
echo "deploy_check: passed (units verified, backup $taken, nginx with TLS and forwarded addresses, container libraries: $packages)"
