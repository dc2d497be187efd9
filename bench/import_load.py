"""Drives bench/import.sh: sets up a running exercise (36 blue teams, EXISTING challenges, one service
per team checked every 5 s against a loopback listener), writes a ctfcli tree of IMPORTED challenges,
then, while the teams submit flags (two threads per team, one submission each in flight), runs
`rampart challenge import --dry-run` and `rampart challenge import` under /usr/bin/time and reports.
Usage: import_load.py URL BINARY DATA EXISTING IMPORTED BIG_MIB"""
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

url, binary, data = sys.argv[1], sys.argv[2], sys.argv[3]
existing, imported, big = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
TEAMS = 36


def call(method, path, body=None, token=None, content_type="application/json"):
    data_ = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url + path, data=data_, method=method)
    if data_ is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=120) as response:
        text = response.read()
        return json.loads(text) if text else None


# A listener every team's service check reaches.
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1024)
port = listener.getsockname()[1]
threading.Thread(target=lambda: [listener.accept()[0].close() for _ in iter(int, 1)], daemon=True).start()

admin = call("POST", "/api/v1/auth/login", {"username": "bench-admin", "password": "bench-admin-password"})["token"]
for i in range(TEAMS):
    call("POST", "/api/v1/users", {"username": f"t{i:02}", "password": "bench-team-password"}, admin)
lines = ["rampart: 1", "exercise:", "  slug: bench", '  name: "Import benchmark"', "  attempts_per_minute: 1000000",
         "  tick_seconds: 5", "teams:"]
for i in range(TEAMS):
    lines += [f"  - slug: t{i:02}", "    kind: blue", f'    name: "Team {i:02}"', f"    number: {i + 1}", f"    members: [t{i:02}]"]
lines.append("challenges:")
for c in range(existing):
    lines += [f'  - name: "Existing {c:03}"', f'    category: "cat{c % 8}"', f'    flags: ["FLAG{{{c:03}}}"]',
              "    type: dynamic", "    extra: {initial: 500, decay: 20, minimum: 100}"]
lines += ["services:", "  - name: web", "    check: tcp", f'    address: "127.0.0.1:{port}"', "    points: 1", "    timeout: 3"]
started = time.time()
call("PUT", "/api/v1/exercise-file", "\n".join(lines).encode(), admin, "application/yaml")
print(f"setup: exercise file with {existing} challenges applied in {time.time() - started:.1f} s")
call("POST", "/api/v1/exercises/bench/state", {"state": "running"}, admin)
ids = [c["id"] for c in call("GET", "/api/v1/exercises/bench/challenges", token=admin)]
tokens = [call("POST", "/api/v1/auth/login", {"username": f"t{i:02}", "password": "bench-team-password"})["token"] for i in range(TEAMS)]

tree = os.path.join(data, "tree")
for c in range(imported):
    folder = os.path.join(tree, f"cat{c % 6}", f"imported-{c:03}")
    os.makedirs(os.path.join(folder, "dist"), exist_ok=True)
    size = (big << 20) if c == 0 else 100 << 10
    with open(os.path.join(folder, "dist", "file.bin"), "wb") as f:
        block = os.urandom(1 << 20)
        for _ in range(size >> 20):
            f.write(block)
        f.write(os.urandom(size & ((1 << 20) - 1)))
    with open(os.path.join(folder, "challenge.yml"), "w") as f:
        f.write(f'name: "Imported {c:03}"\ncategory: "imported"\nvalue: 100\nflags: ["IMP{{{c:03}}}"]\nfiles: [dist/file.bin]\n')

samples = []  # (start, seconds, status)
stop = threading.Event()
lock = threading.Lock()


def team(index):
    rng = random.Random(index)
    while not stop.is_set():
        challenge = rng.choice(ids)
        body = json.dumps({"flag": "FLAG{%03d}" % rng.randrange(existing) if rng.random() < 0.3 else "wrong"}).encode()
        request = urllib.request.Request(f"{url}/api/v1/exercises/bench/challenges/{challenge}/attempts", data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", "Bearer " + tokens[index])
        t0 = time.time()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except Exception:
            status = 0
        with lock:
            samples.append((t0, time.time() - t0, status))


def ticks():
    status = call("GET", "/api/v1/exercises/bench/services/status", token=admin)
    return status["current_tick"], status["tick"]


def run_import(*extra):
    command = ["/usr/bin/time", "-v", binary, "challenge", "import", "--exercise", "bench", tree, "--log", "warning", *extra]
    t0 = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))
    seconds = time.time() - t0
    rss = next((int(line.split()[-1]) for line in result.stderr.splitlines() if "Maximum resident set size" in line), 0)
    last = [line for line in result.stdout.splitlines() if line.startswith("bench:")]
    return t0, seconds, rss, result.returncode, (last[-1] if last else result.stdout[-300:] + result.stderr[-300:])


threads = [threading.Thread(target=team, args=(i,), daemon=True) for i in range(TEAMS) for _ in range(2)]
for thread in threads:
    thread.start()
time.sleep(10)  # a steady state before the import
tick_before = ticks()
dry = run_import("--dry-run")
real = run_import()
tick_after = ticks()
time.sleep(5)
stop.set()
for thread in threads:
    thread.join()
listener.close()


def report(name, window):
    start, end = window
    during = [s for s in samples if start <= s[0] <= end]
    latencies = sorted(s[1] for s in during)
    statuses = {}
    for s in during:
        statuses[s[2]] = statuses.get(s[2], 0) + 1
    if not latencies:
        print(f"{name}: no submissions")
        return
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"{name}: {len(during)} submissions ({len(during) / (end - start):.0f}/s), p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms, statuses {dict(sorted(statuses.items()))}")


print(f"dry run: {dry[1]:.1f} s, peak RSS {dry[2] / 1024:.0f} MiB, exit {dry[3]}: {dry[4]}")
print(f"import:  {real[1]:.1f} s, peak RSS {real[2] / 1024:.0f} MiB, exit {real[3]}: {real[4]}")
first = samples[0][0] if samples else time.time()
report("before the import", (first, dry[0]))
report("during the dry run", (dry[0], dry[0] + dry[1]))
report("during the import", (real[0], real[0] + real[1]))
due = tick_after[0] - tick_before[0]
recorded_through = tick_after[1]
print(f"ticks: {tick_before[0]} → {tick_after[0]} under way during the imports ({due} fell due); last scored {recorded_through}")
