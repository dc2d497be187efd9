# Sourced by the wrk benchmarks (scoreboard.sh, judging.sh): a fresh server and one table row per route.

# Builds release unless RAMPART_BIN names another build, then starts `rampart serve` on a fresh SQLite
# file (or PostgreSQL with DATABASE_URL, whose database should be empty) with the administrator
# `bench-admin` (password `bench-admin-password`); sets `bin`, `data`, `url` and stops it on exit.
serve_fresh() {
  command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
  # RAMPART_BIN: another build to measure (an older commit's, for an A/B on the same machine).
  bin=${RAMPART_BIN:-.build/release/rampart}
  [ -n "${RAMPART_BIN:-}" ] || swift build -c release --product rampart >/dev/null 2>&1
  data=$(mktemp -d /tmp/rampart-bench.XXXXXX)
  local port=$((30000 + RANDOM % 20000))
  export RAMPART_DATA_DIR=$data RAMPART_BCRYPT_COST=4 RAMPART_AUTO_MIGRATE=true
  (yes || true) | "$bin" migrate --log warning >/dev/null
  echo "bench-admin-password" | "$bin" user create bench-admin --admin --password-stdin --log warning >/dev/null
  "$bin" serve --port "$port" --log warning >"$data/server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 120); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.5; done
}

# One row of the results table: `run name wrk-arguments…`, for `duration` seconds at `connections`.
run() {
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

# The server's warnings and errors, most frequent first, and what ran where.
summary() {
  if [ -s "$data/server.log" ]; then
    echo "server log (warnings and errors, most frequent first):"
    sed -E 's/^\[ ([A-Z]+) \] ([^[]*).*/\1 \2/' "$data/server.log" | sort | uniq -c | sort -rn | head -5
  fi
  echo
  echo "($(nproc) cores, ${duration}s per route, $connections connections, $1, $(if [ -n "${DATABASE_URL:-}" ]; then echo PostgreSQL; else echo SQLite; fi))"
}
