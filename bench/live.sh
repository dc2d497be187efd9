#!/usr/bin/env bash
# Live fan-out across two nodes on PostgreSQL (issue 16's benchmark). Builds release (unless RAMPART_BIN
# names another build), starts a PostgreSQL cluster of its own (initdb in a temporary directory, on a
# free port; or uses DATABASE_URL, whose database should be empty), two `rampart serve` nodes on it, sets
# up TEAMS teams × 20 challenges × SERVICES services checked every 5 s (bench/setup_live.py), then runs
# bench/live_load.py: paced correct solves and wrk's wrong flags, without viewers and then twice with
# VIEWERS WebSocket viewers (half on each node): the submission rate beside them, delivery time
# p50/p99, memory per connection and CPU by process.
# Usage: [RAMPART_BIN=path] [DATABASE_URL=…] bench/live.sh [viewers] [seconds] [teams] [services]
set -euo pipefail
cd "$(dirname "$0")/.."
viewers=${1:-5000}
seconds=${2:-30}
teams=${3:-36}
services=${4:-20}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
python3 -c 'import websockets' 2>/dev/null || python3 -m pip install -q websockets
ulimit -n "$(ulimit -Hn)"  # a socket per viewer, on each side
bin=${RAMPART_BIN:-.build/release/rampart}
[ -n "${RAMPART_BIN:-}" ] || swift build -c release --product rampart >/dev/null 2>&1
work=$(mktemp -d /tmp/rampart-live-bench.XXXXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pids=()
cluster=""
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "$cluster" ] || as_postgres "$cluster/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  cluster=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  [ -n "$cluster" ] || { echo "install PostgreSQL (apt-get install postgresql) or set DATABASE_URL"; exit 1; }
  pg_port=$(free_port)
  [ "$(id -u)" != 0 ] || chown postgres "$work"
  as_postgres "$cluster/initdb" -D "$work/pg" -A trust -U rampart >/dev/null
  as_postgres "$cluster/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w start \
    -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" >/dev/null
  export DATABASE_URL="postgres://rampart@127.0.0.1:$pg_port/postgres?sslmode=disable"
fi

# A participant's limit of 32 sockets would refuse a load driver that shares 37 tokens among 5,000.
export RAMPART_DATA_DIR=$work RAMPART_BCRYPT_COST=4 RAMPART_AUTO_MIGRATE=true \
  RAMPART_LIVE_MAX_PER_VIEWER=100000 RAMPART_LIVE_MAX_CONNECTIONS=100000
(yes || true) | "$bin" migrate --log warning >/dev/null
echo "bench-admin-password" | "$bin" user create bench-admin --admin --password-stdin --log warning >/dev/null
urls=()
for node in a b; do
  port=$(free_port)
  "$bin" serve --hostname 127.0.0.1 --port "$port" --log warning >"$work/node-$node.log" 2>&1 &
  pids+=($!)
  urls+=("http://127.0.0.1:$port")
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
done
node_a=${urls[0]#http://}
python3 bench/setup_live.py "${urls[0]}" bench-admin-password "$teams" "$services" "$node_a" "$work"
python3 bench/live_load.py --nodes "${urls[0]},${urls[1]}" --pids "${pids[0]},${pids[1]}" --data "$work" \
  --viewers "$viewers" --seconds "$seconds"
for node in a b; do
  if grep -qE '\[ (WARNING|ERROR|CRITICAL) \]' "$work/node-$node.log"; then
    echo "node $node log (warnings and errors, most frequent first):"
    sed -E 's/^\[ ([A-Z]+) \] ([^[]*).*/\1 \2/' "$work/node-$node.log" | sort | uniq -c | sort -rn | head -5
  fi
done
echo
echo "($(nproc) cores; two nodes on one PostgreSQL; wrk and the viewers' driver on the same machine; $teams teams, $services services checked every 5 s)"
