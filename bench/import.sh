#!/usr/bin/env bash
# An organiser's import into a running exercise (issue 12, findings 14 and 15): 36 teams submit flags
# and the tick loop checks their services every 5 s while `rampart challenge import` brings a ctfcli
# tree of IMPORTED challenges (100 KiB attachments, one of BIG MiB) into an exercise that already has
# EXISTING challenges. Prints the import's time and peak memory (dry run and real), and what the
# teams saw meanwhile: submissions answered, their latency and statuses, ticks recorded against
# ticks due. Builds release, starts `rampart serve` on a fresh SQLite file (or PostgreSQL with
# DATABASE_URL, whose database should be empty). See bench/import_load.py.
# Usage: [RAMPART_BIN=path] bench/import.sh [existing] [imported] [big-MiB]   (default 380 66 200)
set -euo pipefail
cd "$(dirname "$0")/.."
existing=${1:-380}
imported=${2:-66}
big=${3:-200}
# RAMPART_BIN: another build to measure (an older commit's, for an A/B on the same machine).
bin=${RAMPART_BIN:-.build/release/rampart}
[ -n "${RAMPART_BIN:-}" ] || swift build -c release --product rampart >/dev/null 2>&1
data=$(mktemp -d /tmp/rampart-import.XXXXXX)
port=$((30000 + RANDOM % 20000))
export RAMPART_DATA_DIR=$data RAMPART_BCRYPT_COST=4 RAMPART_AUTO_MIGRATE=true RAMPART_MAX_UPLOAD_BYTES=$(( (big + 1) << 20 ))
(yes || true) | "$bin" migrate --log warning >/dev/null
echo "bench-admin-password" | "$bin" user create bench-admin --admin --password-stdin --log warning >/dev/null
"$bin" serve --port "$port" --log warning >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
python3 bench/import_load.py "http://127.0.0.1:$port" "$bin" "$data" "$existing" "$imported" "$big"
echo "server warnings and errors: $(grep -c -E 'warning|error' "$data/server.log" || true)"
