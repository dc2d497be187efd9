#!/usr/bin/env bash
# The whole test suite, as the README says: Swift tests on SQLite and on a real, throwaway PostgreSQL
# cluster, then the browser tests against `rampart demo` in headless Chromium and the API contract
# test (Schemathesis against the OpenAPI document, on a demo of its own).
#
# Installs what is missing when it can (root with apt-get): postgresql, chromium, chromium-driver,
# fonts-noto-cjk, fonts-noto-color-emoji, and from PyPI Selenium, axe-selenium-python (axe-core), Schemathesis, checklib, enochecker3, uvicorn (real A/D checkers run in the check tests) and
# asyncssh (the SSH check logs in to a real SSH server). Set
# RAMPART_SKIP_BROWSER=1 to skip the browser test. websockets (PyPI) drives the two-node test.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }
as_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  if as_root; then
    if [ -z "${RAMPART_APT_UPDATED:-}" ]; then apt-get update -qq; export RAMPART_APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "missing: $* (install them, or run as root to let this script do it)" >&2; exit 1
  fi
}

# --- PostgreSQL: a cluster of our own in a temporary directory, on a loopback port ---------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ]; then
  log "installing postgresql"
  apt_install postgresql
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
pg_dir=$(mktemp -d /tmp/rampart-pg.XXXXXX)
pg_port=${RAMPART_TEST_PG_PORT:-$((20000 + RANDOM % 20000))}
run_pg() {
  # PostgreSQL refuses to run as root; use the postgres account the Debian package creates.
  if as_root; then runuser -u postgres -- "$@"; else "$@"; fi
}
as_root && chown postgres "$pg_dir"
stop_pg() {
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
log "starting PostgreSQL ($pg_bin) on 127.0.0.1:$pg_port"
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U rampart >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c full_page_writes=off" >/dev/null
export RAMPART_TEST_POSTGRES_URL="postgres://rampart@127.0.0.1:$pg_port/postgres?sslmode=disable"

# --- Checker libraries: the external-checker tests run real checklib checkers ---------------------
python3 -c "import checklib" 2>/dev/null || { log "installing checklib"; python3 -m pip install -q checklib; }
python3 -c "import enochecker3, uvicorn" 2>/dev/null || { log "installing enochecker3"; python3 -m pip install -q enochecker3 uvicorn; }
python3 -c "import asyncssh" 2>/dev/null || { log "installing asyncssh"; python3 -m pip install -q asyncssh; }
export RAMPART_REQUIRE_PYTHON_CHECKERS=1

# --- Swift tests: every server test runs on SQLite and on PostgreSQL -----------------------------
# The executable first: a PostgreSQL test runs `rampart worker` as a separate process and kills it.
log "swift build --product rampart"
swift build --product rampart
log "swift test (SQLite and PostgreSQL)"
swift_log="$pg_dir/swift-test.log"
swift test 2>&1 | tee "$swift_log"
swift_tests=$(sed -n 's/.*Test run with \([0-9]*\) tests.* passed.*/\1/p' "$swift_log" | tail -n 1)

# --- Several nodes: two rampart processes on one PostgreSQL of their own (restarted mid-test) -------
python3 -c "import websockets, pytest" 2>/dev/null || { log "installing websockets"; python3 -m pip install -q websockets pytest; }
log "two nodes on one PostgreSQL (live events across nodes, a node killed, PostgreSQL restarted)"
nodes_log="$pg_dir/nodes-test.log"
RAMPART_TEST_PG_BIN="$pg_bin" python3 -m pytest -q tests/live 2>&1 | tee "$nodes_log"
nodes_tests=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' "$nodes_log" | tail -n 1)

# --- Browser test ---------------------------------------------------------------------------------
if [ "${RAMPART_SKIP_BROWSER:-}" = 1 ]; then
  log "browser test skipped (RAMPART_SKIP_BROWSER=1)"
  echo "$(( ${swift_tests:-0} + ${nodes_tests:-0} )) passed, 0 failed"
  exit 0
fi
command -v chromium >/dev/null && command -v chromedriver >/dev/null || { log "installing chromium"; apt_install chromium chromium-driver; }
# Fonts for Korean text and flags, so the screenshots show what a person sees (not empty boxes).
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || { log "installing CJK fonts"; apt_install fonts-noto-cjk; }
fc-list 2>/dev/null | grep -q "Noto Color Emoji" || { log "installing emoji fonts"; apt_install fonts-noto-color-emoji; }
python3 -c "import selenium" 2>/dev/null || { log "installing selenium"; python3 -m pip install -q selenium; }
python3 -c "import axe_selenium_python" 2>/dev/null || { log "installing axe-selenium-python"; python3 -m pip install -q axe-selenium-python; }
python3 -c "import schemathesis" 2>/dev/null || { log "installing schemathesis"; python3 -m pip install -q schemathesis; }
log "browser tests (headless Chromium, Selenium) and the API contract test (Schemathesis), against rampart demo"
browser_log="$pg_dir/browser-test.log"
python3 -m pytest -q tests/browser 2>&1 | tee "$browser_log"
browser_tests=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' "$browser_log" | tail -n 1)

# One closing line for the whole suite (Swift test cases counted as Swift Testing counts them).
echo
echo "$(( ${swift_tests:-0} + ${nodes_tests:-0} + ${browser_tests:-0} )) passed, 0 failed"
