#!/usr/bin/env bash
# The judging queue with thousands of reports (issue 15's benchmark). Builds release, starts `rampart
# serve` on a fresh SQLite file (or PostgreSQL with DATABASE_URL, whose database should be empty), files
# REPORTS compromise reports (and a tenth as many incident reports) through the API (bench/setup_judging.py),
# then measures with wrk, one after the other, as a judge (the administrator's token):
#   queue api     GET …/judging/queue: the 100 items that have waited longest (the default)
#   queue team    GET …/judging/queue?team=b007: one team's
#   queue page    GET /exercises/bench/judging: the page, 100 rows
#   reports api   GET …/compromise-reports?limit=500: the newest 500 with their evidence lists
# Usage: [RAMPART_BIN=path] bench/judging.sh [duration-seconds] [connections] [teams] [reports]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
teams=${3:-36}
reports=${4:-5000}
source bench/lib.sh
serve_fresh
python3 bench/setup_judging.py "$url" bench-admin-password "$teams" "$reports"
token=$(curl -sf "$url/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"bench-admin","password":"bench-admin-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

auth=(-H "Authorization: Bearer $token")
echo "| route        |      req/s |      p50 |      p99 |"
echo "|--------------|-----------:|---------:|---------:|"
run "queue api" "${auth[@]}" "$url/api/v1/exercises/bench/judging/queue"
run "queue team" "${auth[@]}" "$url/api/v1/exercises/bench/judging/queue?team=b007"
run "queue page" "${auth[@]}" "$url/exercises/bench/judging"
run "reports api" "${auth[@]}" "$url/api/v1/exercises/bench/compromise-reports?limit=500"
curl -sf "$url/api/v1/exercises/bench/judging/queue?limit=5000" -H "Authorization: Bearer $token" | python3 -c '
import json, sys; d = json.load(sys.stdin); print("queue:", len(d), "items;", sum(1 for i in d if i.get("duplicate_of")), "flagged duplicate")'
echo "queue page: $(curl -sf "$url/exercises/bench/judging" -H "Authorization: Bearer $token" | wc -c) bytes"
summary "$teams teams, $reports reports"
