#!/usr/bin/env python3
"""Service checks at scale (issue 4's benchmark), driven by bench/defence.sh.

Starts loopback target services, writes an exercise file with TEAMS blue teams × SERVICES services,
applies it, starts the exercise, lets TICKS ticks run, then reads every check from the database:

  checks/s        checks finished ÷ the time from the first tick's start to the last check's end
  start lateness  how long after its due time each check started (p50/p99/max) — the tick start jitter
                  (JITTER spreads due times over the tick's first JITTER seconds on purpose; lateness is
                  measured from each check's own due time)
  tick creation   how long after its due time each tick's jobs existed
  tick done       how long after its start each tick's last check finished (must be < the tick)
  cpu / rss       the server process, sampled every second (CPU as a share of one core)

The services per team (20 by default) mix what real ranges have: mostly quick TCP banners and HTTP
pages, plus 10 % slow (answer after 2 s), 5 % down (connection refused) and 5 % timing out (accept,
never answer; 5 s timeout). Targets listen on every 127.0.0.0/8 address, team N at 127.0.N%256.1.

FLAG_SERVICES=K (environment) makes each team's first K services flag-round services instead: an
`external` checker with `flags:`, so every check is a round of four checker processes (check, put, get,
get of an older flag). The checker is a minimal shell script that answers 101 at once, so the numbers
are Rampart's own cost of a round — process start-up and flag bookkeeping — the floor under a real one.
"""
import asyncio
import json
import multiprocessing
import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

url, binary, data, teams, services, tick, ticks, jitter = sys.argv[1:9]
teams, services, tick, ticks, jitter = int(teams), int(services), int(tick), int(ticks), int(jitter)
base = 41000 + (os.getpid() % 1000) * 10
PORTS = {"banner": base, "http": base + 1, "slow": base + 2, "silent": base + 3, "closed": base + 4}
flag_services = int(os.environ.get("FLAG_SERVICES", "0"))
# The server runs checkers only from its checker folder (RAMPART_CHECKER_DIR, default DATA_DIR/checkers).
CHECKER = os.path.join(data, "checkers", "checker.sh")


async def banner(reader, writer):
    writer.write(b"220 ready\r\n")
    await writer.drain()
    writer.close()


async def http(reader, writer):
    await reader.read(4096)
    body = b"<h1>Range shop</h1>"
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    writer.close()


async def slow(reader, writer):
    await asyncio.sleep(2)
    writer.write(b"220 slow\r\n")
    await writer.drain()
    writer.close()


async def silent(reader, writer):
    await asyncio.sleep(30)
    writer.close()


def targets():
    async def main():
        for handler, port in ((banner, PORTS["banner"]), (http, PORTS["http"]), (slow, PORTS["slow"]), (silent, PORTS["silent"])):
            await asyncio.start_server(handler, "0.0.0.0", port, backlog=65535, reuse_port=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def service(index):
    """The index-th service of a team: 16 quick (12 banner, 4 http), 2 slow, 1 down, 1 timing out per 20."""
    slot = index % 20
    address = "127.0.{team.number}.1"
    if index < flag_services:
        return {"check": "external", "address": f"{address}:{PORTS['banner']}", "parameters": {"checker": "checker.sh"}, "timeout": 5,
                "flags": {"lifetime": 5}}
    if slot < 12:
        return {"check": "tcp", "address": f"{address}:{PORTS['banner']}", "parameters": {"expect": "^220"}, "timeout": 5}
    if slot < 16:
        return {"check": "http", "address": f"{address}:{PORTS['http']}", "parameters": {"contains": "Range shop"}, "timeout": 5}
    if slot < 18:
        return {"check": "tcp", "address": f"{address}:{PORTS['slow']}", "parameters": {"expect": "^220"}, "timeout": 5}
    if slot < 19:
        return {"check": "tcp", "address": f"{address}:{PORTS['closed']}", "timeout": 5}
    return {"check": "tcp", "address": f"{address}:{PORTS['silent']}", "parameters": {"expect": "^220"}, "timeout": 5}


def exercise_file():
    os.makedirs(os.path.dirname(CHECKER), exist_ok=True)
    with open(CHECKER, "w") as f:
        f.write('#!/bin/sh\n[ "$1" = put ] && echo "note-$$"\nexit 101\n')
    os.chmod(CHECKER, 0o755)
    lines = [
        "rampart: 1",
        f"exercise: {{slug: defence-bench, name: Defence bench, tick_seconds: {tick}, jitter_seconds: {jitter}}}",
        "teams:",
    ]
    for n in range(1, teams + 1):
        lines.append(f"  - {{slug: t{n}, kind: blue, name: Team {n}, number: {n}}}")
    lines.append("services:")
    for s in range(services):
        spec = dict(name=f"s{s}", points=1, **service(s))
        # 127.0.{team.number}.1 runs out at team 255: later teams get 127.1.N.1 by override.
        port = spec["address"].rsplit(":", 1)[1]
        overrides = {f"t{n}": f"127.1.{n - 255}.1:{port}" for n in range(256, teams + 1)}
        if overrides:
            spec["overrides"] = overrides
        lines.append("  - " + json.dumps(spec))
    path = os.path.join(data, "defence-bench.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def api(method, path, token=None, body=None):
    request = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def sample(pid, samples, stop):
    ticks_per_s = os.sysconf("SC_CLK_TCK")
    last = None
    while not stop.is_set():
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().split(")")[-1].split()
        cpu = (int(fields[11]) + int(fields[12])) / ticks_per_s
        children = (int(fields[13]) + int(fields[14])) / ticks_per_s  # checker processes it waited for
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
        now = time.time()
        if last:
            samples.append(((cpu - last[1]) / (now - last[0]), rss, (children - last[2]) / (now - last[0])))
        last = (now, cpu, children)
        stop.wait(1)


def rows(query):
    if os.environ.get("DATABASE_URL"):
        out = subprocess.run(["psql", os.environ["DATABASE_URL"], "-At", "-F", ",", "-c", query], capture_output=True, text=True, check=True)
        return [line.split(",") for line in out.stdout.strip().splitlines() if line]
    connection = sqlite3.connect(os.path.join(data, "rampart.sqlite"))
    return [[str(v) for v in row] for row in connection.execute(query).fetchall()]


def seconds(column):
    return f"EXTRACT(EPOCH FROM {column})" if os.environ.get("DATABASE_URL") else column


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def main():
    # Two target processes share each port (SO_REUSEPORT), so the targets keep up with the checks.
    for _ in range(2):
        multiprocessing.Process(target=targets, daemon=True).start()
    time.sleep(2)
    path = exercise_file()
    subprocess.run([binary, "exercise", "apply", path, "--log", "warning"], check=True, stdout=subprocess.DEVNULL)
    token = api("POST", "/api/v1/auth/login", body={"username": "bench-admin", "password": "bench-admin-password"})["token"]
    pid = int(open(os.path.join(data, "server.pid")).read())
    samples, stop = [], threading.Event()
    threading.Thread(target=sample, args=(pid, samples, stop), daemon=True).start()
    api("POST", "/api/v1/exercises/defence-bench/state", token, {"state": "running"})
    # The last tick's checks may take up to the timeout, plus scoring.
    time.sleep(ticks * tick + 8)
    api("POST", "/api/v1/exercises/defence-bench/state", token, {"state": "paused"})
    time.sleep(8)
    stop.set()
    jobs = rows(
        f"SELECT j.tick, {seconds('j.due_at')}, {seconds('j.started_at')}, {seconds('j.finished_at')}, j.status, {seconds('t.starts_at')} "
        "FROM check_jobs j JOIN ticks t ON t.exercise_id = j.exercise_id AND t.number = j.tick WHERE j.state = 'done'")
    pending = rows("SELECT COUNT(*) FROM check_jobs WHERE state <> 'done'")[0][0]
    reasons = rows(
        "SELECT status || ' ' || check_type || ' ' || SUBSTR(target, INSTR(target, ':') + 1), message, COUNT(*) FROM check_jobs "
        "WHERE state = 'done' AND status <> 'up' GROUP BY 1, 2 ORDER BY 3 DESC") if not os.environ.get("DATABASE_URL") else []
    flags = rows("SELECT COUNT(*), COUNT(placed_at) FROM service_flags")[0] if flag_services else None
    rounds = [float(r[0]) for r in rows(
        f"SELECT {seconds('finished_at')} - {seconds('started_at')} FROM check_jobs WHERE state = 'done' AND check_type = 'external'")]
    made = rows(f"SELECT number, {seconds('created_at')} - {seconds('starts_at')}, scored_at IS NOT NULL FROM ticks ORDER BY number")
    late = [float(j[2]) - float(j[1]) for j in jobs]
    by_tick, late_by_tick = {}, {}
    for j in jobs:
        by_tick.setdefault(int(j[0]), []).append(float(j[3]) - float(j[5]))
        late_by_tick.setdefault(int(j[0]), []).append(float(j[2]) - float(j[1]))
    first = min(float(j[5]) for j in jobs)
    last = max(float(j[3]) for j in jobs)
    statuses = {}
    for j in jobs:
        statuses[j[4]] = statuses.get(j[4], 0) + 1
    done_in = [max(v) for v in by_tick.values()]
    cpu = [s[0] for s in samples]
    rss = [s[1] for s in samples]
    print(f"checks per tick     {teams * services} ({teams} teams × {services} services), tick {tick} s, jitter {jitter} s, {len(made)} ticks")
    print(f"checks done         {len(jobs)} ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}); not done {pending}")
    print("  not up             " + "; ".join(f"{r[0]} '{r[1]}' {r[2]}" for r in reasons[:8]))
    print(f"checks/s            {len(jobs) / (last - first):.0f} sustained over {last - first:.0f} s")
    print(f"start lateness      p50 {pct(late, 50) * 1000:.0f} ms, p99 {pct(late, 99) * 1000:.0f} ms, max {max(late) * 1000:.0f} ms")
    print("  per tick p99       " + ", ".join(f"{pct(v, 99) * 1000:.0f}" for _, v in sorted(late_by_tick.items())) + " ms (tick 1 is made when the exercise starts; later ticks ahead of time)")
    print(f"tick creation late  " + ", ".join(f"{float(m[1]) * 1000:.0f}" for m in made) + " ms")
    print(f"tick done after     " + ", ".join(f"{d:.1f}" for d in done_in) + f" s (of {tick} s); scored {sum(1 for m in made if m[2] in ('1', 't', 'True'))}/{len(made)}")
    print(f"server cpu          mean {statistics.mean(cpu) * 100:.0f} %, max {max(cpu) * 100:.0f} % of one core; rss max {max(rss):.0f} MiB")
    if flag_services:
        children = [s[2] for s in samples]
        print(f"flag rounds         {flag_services} of {services} services per team; flags made {flags[0]}, placed {flags[1]}")
        print(f"round duration      p50 {pct(rounds, 50) * 1000:.0f} ms, p99 {pct(rounds, 99) * 1000:.0f} ms, max {max(rounds) * 1000:.0f} ms (4 checker runs)")
        print(f"checker processes   cpu mean {statistics.mean(children) * 100:.0f} %, max {max(children) * 100:.0f} % of one core")


main()
