#!/usr/bin/env bash
# Baseline: what one Rampart process on this machine serves, before any feature's hot path exists.
# Builds release, starts `rampart demo` (SQLite, or PostgreSQL with DATABASE_URL), and measures with wrk:
#   healthz          trivial route with one `SELECT 1`: the machine's ceiling
#   me (API)         bearer-token authentication + one query: the cost every API call pays
#   exercise page    session cookie + a server-rendered page with several queries
#   login (API)      Bcrypt verification, cost 12 (RAMPART_BCRYPT_COST), on its own thread pool
#   me, 16 logins    the me route again while 16 connections keep logging in
# Usage: bench/baseline.sh [duration-seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
swift build -c release --product rampart >/dev/null 2>&1
data=$(mktemp -d /tmp/rampart-bench.XXXXXX)
port=$((30000 + RANDOM % 20000))
RAMPART_DATA_DIR=$data RAMPART_DEMO_PASSWORD=bench-password-1 .build/release/rampart demo --port "$port" --log warning >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 1 120); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.5; done

token=$(curl -sf -X POST "$url/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"kr-lead","password":"bench-password-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
cookie=$(curl -si -X POST "$url/login" -H "Cookie: rampart_csrf=b" -d "username=kr-lead&password=bench-password-1&_csrf=b" \
  | sed -n 's/^set-cookie: rampart_session=\([^;]*\).*/\1/ip' | tr -d '\r')

cat > "$data/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"kr-lead","password":"bench-password-1"}'
LUA

run() { # name, connections, wrk arguments…
  local name=$1 conns=$2; shift 2
  local out
  out=$(wrk --latency --timeout 10s -d "${duration}s" -c "$conns" -t 2 "$@")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '| %-14s | %10s | %8s | %8s |\n' "$name" "$rps" "$p50" "$p99"
}

echo "| route          |      req/s |      p50 |      p99 |"
echo "|----------------|-----------:|---------:|---------:|"
run healthz "$connections" "$url/healthz"
run "me (API)" "$connections" -H "Authorization: Bearer $token" "$url/api/v1/me"
run "exercise page" "$connections" -H "Cookie: rampart_session=$cookie" "$url/exercises/marvel-demo"
# Bcrypt is meant to be slow: a few connections show its latency; more only queue.
run "login (API)" 2 -s "$data/login.lua" "$url/api/v1/auth/login"
# The start of an exercise: a storm of logins while everyone else keeps working.
wrk --timeout 10s -d "$((duration + 2))s" -c 16 -t 1 -s "$data/login.lua" "$url/api/v1/auth/login" >/dev/null &
storm=$!
sleep 1
run "me, 16 logins" "$connections" -H "Authorization: Bearer $token" "$url/api/v1/me"
wait $storm
echo
echo "($(nproc) cores, ${duration}s per route, $connections connections (login: 2), $(if [ -n "${DATABASE_URL:-}" ]; then echo PostgreSQL; else echo SQLite; fi))"
