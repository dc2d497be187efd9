#!/usr/bin/env bash
# Service checks at scale (issue 4's benchmark): TEAMS blue teams × SERVICES services checked every
# TICK seconds against loopback targets (some slow, some down, some timing out), for TICKS ticks.
# Builds release, starts `rampart serve` (its in-process worker runs every check) on a fresh SQLite
# file — or PostgreSQL with DATABASE_URL, whose database should be empty — and prints checks per
# second, start lateness (tick start jitter) p50/p99, when each tick's last check finished, and the
# server's CPU and memory. See bench/defence.py for the target mix.
# Usage: bench/defence.sh [teams] [services] [tick-seconds] [ticks] [jitter-seconds]   (default 100 20 30 4 0)
# FLAG_SERVICES=K: each team's first K services run flag rounds with a minimal shell checker.
set -euo pipefail
cd "$(dirname "$0")/.."
teams=${1:-100}
services=${2:-20}
tick=${3:-30}
ticks=${4:-4}
jitter=${5:-0}
swift build -c release --product rampart >/dev/null 2>&1
data=$(mktemp -d /tmp/rampart-defence.XXXXXX)
port=$((30000 + RANDOM % 20000))
export RAMPART_DATA_DIR=$data RAMPART_BCRYPT_COST=4 RAMPART_AUTO_MIGRATE=true
ulimit -n 65536 2>/dev/null || true
(yes || true) | .build/release/rampart migrate --log warning >/dev/null
echo "bench-admin-password" | .build/release/rampart user create bench-admin --admin --password-stdin --log warning >/dev/null
.build/release/rampart serve --port "$port" --log warning >"$data/server.log" 2>&1 &
server=$!
echo "$server" >"$data/server.pid"
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
python3 bench/defence.py "http://127.0.0.1:$port" .build/release/rampart "$data" "$teams" "$services" "$tick" "$ticks" "$jitter"
