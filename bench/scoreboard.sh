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
source bench/lib.sh
serve_fresh
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

echo "| route        |      req/s |      p50 |      p99 |"
echo "|--------------|-----------:|---------:|---------:|"
run livez "$url/livez"
run healthz "$url/healthz"
run submissions -s "$data/submit.lua" "$url"
run scoreboard -H "Authorization: Bearer $token" "$url/api/v1/exercises/bench/scoreboard"
run "board page" -H "Authorization: Bearer $token" "$url/exercises/bench/scoreboard"
curl -sf "$url/api/v1/exercises/bench/scoreboard" -H "Authorization: Bearer $token" | python3 -c '
import json, sys; d = json.load(sys.stdin); print("leader:", d["standings"][0]["team"], d["standings"][0]["score"])'
summary "$teams teams × $challenges challenges"
