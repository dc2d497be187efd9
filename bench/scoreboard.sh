#!/usr/bin/env bash
# Flag submissions and scoreboard reads for 200 teams × 50 challenges (issue 3's benchmark).
# Builds release, starts `rampart serve` on a fresh SQLite file (or PostgreSQL with DATABASE_URL, whose
# database should be empty), sets the exercise up through the API (bench/setup_scoreboard.py), then
# measures with wrk, one after the other at the same concurrency:
#   livez         the trivial route (no database, no authentication): this machine's ceiling
#   healthz       one `SELECT 1`, no authentication
#   submissions   POST …/attempts from random teams on random challenges, ~1 in 3 correct
#                 (incorrect-flag limit raised for the run); every one stored before it is answered
#   scoreboard    GET …/scoreboard with a team's token, while nothing else runs
#   board page    GET /exercises/bench/scoreboard, the HTML page with its chart, same token
# Usage: [RAMPART_BIN=path] bench/scoreboard.sh [duration-seconds] [connections] [teams] [challenges]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
teams=${3:-200}
challenges=${4:-50}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
# RAMPART_BIN: another build to measure (an older commit's, for an A/B on the same machine).
bin=${RAMPART_BIN:-.build/release/rampart}
[ -n "${RAMPART_BIN:-}" ] || swift build -c release --product rampart >/dev/null 2>&1
data=$(mktemp -d /tmp/rampart-bench.XXXXXX)
port=$((30000 + RANDOM % 20000))
export RAMPART_DATA_DIR=$data RAMPART_BCRYPT_COST=4 RAMPART_AUTO_MIGRATE=true
(yes || true) | "$bin" migrate --log warning >/dev/null
echo "bench-admin-password" | "$bin" user create bench-admin --admin --password-stdin --log warning >/dev/null
"$bin" serve --port "$port" --log warning >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 1 120); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.5; done
python3 bench/setup_scoreboard.py "$url" bench-admin-password "$teams" "$challenges" "$data/teams.txt"

cat > "$data/submit.lua" <<LUA
local teams = {}
for line in io.lines("$data/teams.txt") do
  local token, rest = line:match("^(%S+) (.*)$")
  local pairs = {}
  for id, flag in rest:gmatch("([%w-]+),(%S+)") do pairs[#pairs + 1] = {id, flag} end
  teams[#teams + 1] = {token, pairs}
end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local team = teams[math.random(#teams)]
  local pair = team[2][math.random(#team[2])]
  local flag = math.random(3) == 1 and pair[2] or ("wrong-" .. math.random(1000000))
  return wrk.format("POST", "/api/v1/exercises/bench/challenges/" .. pair[1] .. "/attempts",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. team[1]}, '{"flag":"' .. flag .. '"}')
end
LUA
token=$(head -1 "$data/teams.txt" | cut -d' ' -f1)

run() { # name, wrk arguments…
  local name=$1; shift
  local out
  out=$(wrk --latency --timeout 10s -d "${duration}s" -c "$connections" -t 2 "$@")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '| %-12s | %10s | %8s | %8s | %s\n' "$name" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
}

echo "| route        |      req/s |      p50 |      p99 |"
echo "|--------------|-----------:|---------:|---------:|"
run livez "$url/livez"
run healthz "$url/healthz"
run submissions -s "$data/submit.lua" "$url"
run scoreboard -H "Authorization: Bearer $token" "$url/api/v1/exercises/bench/scoreboard"
run "board page" -H "Authorization: Bearer $token" "$url/exercises/bench/scoreboard"
curl -sf "$url/api/v1/exercises/bench/scoreboard" -H "Authorization: Bearer $token" | python3 -c '
import json, sys; d = json.load(sys.stdin); print("leader:", d["standings"][0]["team"], d["standings"][0]["score"])'
if [ -s "$data/server.log" ]; then
  echo "server log (warnings and errors, most frequent first):"
  sed -E 's/^\[ ([A-Z]+) \] ([^[]*).*/\1 \2/' "$data/server.log" | sort | uniq -c | sort -rn | head -5
fi
echo
echo "($(nproc) cores, ${duration}s per route, $connections connections, $teams teams × $challenges challenges, $(if [ -n "${DATABASE_URL:-}" ]; then echo PostgreSQL; else echo SQLite; fi))"
