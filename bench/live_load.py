"""The live benchmark's two runs, after bench/live.sh has started two nodes and bench/setup_live.py has
set the exercise up:

1. without viewers: wrk posts wrong flags to node A for SECONDS while correct solves are paced at
   SOLVES per second (alternating nodes) and ticks run every 5 s;
2. with VIEWERS WebSocket viewers (half on each node, each with a team's or the white team's token,
   from one driver process per node): the same load again, while every viewer records each
   `challenge.solved` message it receives.

Delivery time is a message's arrival at the viewer minus its `at`, which the writer stamps before its
transaction commits (so it is an upper bound on commit-to-delivery). Memory per connection is the
growth of both nodes' resident memory (VmRSS) from before the viewers connect to after, divided by the
viewers. Everything is bounded: connections by VIEWERS, time by SECONDS plus set-up.

Usage: live_load.py --nodes URL_A,URL_B --pids PID_A,PID_B --data DIR [--viewers N] [--seconds S]
       [--solves PER_SECOND] [--wrk-connections C]
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime

SLUG = "bench"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# ---- The viewers: one process per node, asyncio inside ---------------------------------------------

def viewers_process(url, tokens, count, pipe):
    """Opens `count` viewers on one node, reports, records solve messages between `measure` and
    `stop`, and sends back delivery times and what each viewer saw."""
    from websockets.asyncio.client import connect

    state = {"window": None}  # (start, stop) of the measured window, by the events' `at`
    latencies, per_viewer, closes, errors = [], [], {}, []
    sockets = []

    async def one(index, gate):
        seen = set()
        per_viewer.append(seen)
        token = tokens[index % len(tokens)]
        async with gate:
            try:
                ws = await connect(
                    url, additional_headers={"Authorization": "Bearer " + token}, open_timeout=120, ping_interval=None,
                    max_queue=None, compression=None)
            except Exception as error:  # noqa: BLE001 — counted and reported
                errors.append(repr(error)[:120])
                return
        sockets.append(ws)
        try:
            async for text in ws:
                now = time.time()
                if '"challenge.solved"' not in text:
                    continue
                message = json.loads(text)
                at = datetime.fromisoformat(message["at"]).timestamp()
                window = state["window"]
                if window and window[0] <= at <= window[1]:
                    latencies.append(now - at)
                    seen.add(message["seq"])
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error)[:120])
        code = ws.close_code
        closes[code] = closes.get(code, 0) + 1

    async def main():
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(64)
        tasks = [asyncio.create_task(one(i, gate)) for i in range(count)]
        while len(sockets) + len(errors) < count:
            await asyncio.sleep(0.2)
        pipe.send(("connected", len(sockets), errors[:3]))
        command = await loop.run_in_executor(None, pipe.recv)
        assert command[0] == "measure"
        state["window"] = (command[1], float("inf"))
        command = await loop.run_in_executor(None, pipe.recv)
        assert command[0] == "stop"
        state["window"] = (state["window"][0], command[1])
        await asyncio.sleep(5)  # what is still in flight
        open_now = sum(1 for ws in sockets if ws.close_code is None)
        for ws in sockets:
            await ws.close()
        for task in tasks:
            task.cancel()
        pipe.send(("result", latencies, [len(s) for s in per_viewer], open_now, closes, errors[:5]))

    asyncio.run(main())


# ---- The load: paced correct solves and wrk's wrong flags ------------------------------------------

def read_teams(path):
    teams = []
    with open(path) as f:
        for line in f:
            token, *pairs = line.split()
            teams.append((token, [pair.split(",", 1) for pair in pairs]))
    return teams


class Solver(threading.Thread):
    """Correct flags at a steady rate, alternating nodes; each (team, challenge) once."""

    def __init__(self, nodes, queue, per_second, seconds):
        super().__init__(daemon=True)
        self.nodes, self.queue, self.interval, self.seconds = nodes, queue, 1 / per_second, seconds
        self.answers, self.failures = [], 0

    def run(self):
        start = time.time()
        index = 0
        while time.time() - start < self.seconds and self.queue:
            token, (challenge, flag) = self.queue.pop()
            node = self.nodes[index % len(self.nodes)]
            index += 1
            body = json.dumps({"flag": flag}).encode()
            request = urllib.request.Request(
                f"{node}/api/v1/exercises/{SLUG}/challenges/{challenge}/attempts", data=body, method="POST",
                headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
            sent = time.time()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = json.load(response)["status"]
                self.answers.append(time.time() - sent)
                if status != "correct":
                    self.failures += 1
            except (urllib.error.URLError, OSError):
                self.failures += 1
            time.sleep(max(0, start + index * self.interval - time.time()))


def wrk(node, lua, seconds, connections):
    out = subprocess.run(
        ["wrk", "--latency", "--timeout", "10s", "-d", f"{seconds}s", "-c", str(connections), "-t", "1", "-s", lua, node],
        capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p50, p99, int(non2xx.group(1)) if non2xx else 0


def load(nodes, lua, queue, arguments):
    solver = Solver(nodes, queue, arguments.solves, arguments.seconds)
    started = time.time()
    solver.start()
    result = wrk(nodes[0], lua, arguments.seconds, arguments.wrk_connections)
    solver.join()
    return result, solver, started


def metric(node, name):
    with urllib.request.urlopen(node + "/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", required=True)
    parser.add_argument("--pids", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--viewers", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--solves", type=float, default=3)
    parser.add_argument("--wrk-connections", type=int, default=16)
    arguments = parser.parse_args()
    nodes = arguments.nodes.split(",")
    pids = [int(p) for p in arguments.pids.split(",")]
    teams = read_teams(os.path.join(arguments.data, "teams.txt"))
    with open(os.path.join(arguments.data, "tokens.txt")) as f:
        tokens = f.read().split()

    queue = [(token, pair) for token, pairs in teams for pair in pairs]
    random.Random(7).shuffle(queue)
    lua = os.path.join(arguments.data, "wrong.lua")
    with open(lua, "w") as f:
        f.write(f'local teams = {{}}\nfor line in io.lines("{arguments.data}/teams.txt") do\n'
                '  local token, rest = line:match("^(%S+) (.*)$")\n  local ids = {}\n'
                '  for id in rest:gmatch("([%w-]+),%S+") do ids[#ids + 1] = id end\n'
                '  teams[#teams + 1] = {token, ids}\nend\n'
                'math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))\n'
                'request = function()\n  local team = teams[math.random(#teams)]\n'
                f'  return wrk.format("POST", "/api/v1/exercises/{SLUG}/challenges/" .. team[2][math.random(#team[2])] .. "/attempts",\n'
                '    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. team[1]},\n'
                '    \'{"flag":"wrong-\' .. math.random(1000000) .. \'"}\')\nend\n')

    print(f"run 1: no viewers, {arguments.seconds} s", flush=True)
    (rate0, p50_0, p99_0, bad0), solver0, _ = load(nodes, lua, queue, arguments)

    rss_before = [rss_kib(pid) for pid in pids]
    print(f"connecting {arguments.viewers} viewers", flush=True)
    pipes, processes = [], []
    share = arguments.viewers // len(nodes)
    for i, node in enumerate(nodes):
        parent, child = multiprocessing.Pipe()
        count = share + (arguments.viewers % len(nodes) if i == 0 else 0)
        url = node.replace("http://", "ws://") + f"/api/v1/exercises/{SLUG}/live"
        process = multiprocessing.Process(target=viewers_process, args=(url, tokens, count, child), daemon=True)
        process.start()
        pipes.append(parent)
        processes.append(process)
    connected_at = time.time()
    connected = [pipe.recv() for pipe in pipes]
    connect_seconds = time.time() - connected_at
    opened = sum(c[1] for c in connected)
    for c in connected:
        if c[2]:
            print("connection errors:", c[2], flush=True)
    time.sleep(5)
    rss_after = [rss_kib(pid) for pid in pids]
    print(f"{opened} viewers connected in {connect_seconds:.1f} s; run 2: {arguments.seconds} s", flush=True)

    start = time.time()
    for pipe in pipes:
        pipe.send(("measure", start))
    (rate1, p50_1, p99_1, bad1), solver1, _ = load(nodes, lua, queue, arguments)
    stop = time.time()
    for pipe in pipes:
        pipe.send(("stop", stop))
    results = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join(timeout=30)

    latencies = [x for r in results for x in r[1]]
    seen = [x for r in results for x in r[2]]
    still_open = sum(r[3] for r in results)
    closes = {}
    for r in results:
        for code, n in r[4].items():
            closes[code] = closes.get(code, 0) + n
    solves = len(solver1.answers) - solver1.failures
    expected = solves * opened
    delivered = len(latencies)
    complete = sum(1 for n in seen if n >= solves)
    dropped = [metric(node, "rampart_live_drops_total") for node in nodes]

    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    print()
    print("| run | wrong flags/s (wrk, node A) | p50 | p99 | non-2xx | correct solves (paced) | solve p50 | solve p99 |")
    print("|-----|---:|---:|---:|---:|---:|---:|---:|")
    for name, rate, p50, p99, bad, solver in (("no viewers", rate0, p50_0, p99_0, bad0, solver0),
                                              (f"{opened} viewers", rate1, p50_1, p99_1, bad1, solver1)):
        print(f"| {name} | {rate:.0f} | {p50} | {p99} | {bad} | {len(solver.answers) - solver.failures} "
              f"| {ms(percentile(solver.answers, 50))} | {ms(percentile(solver.answers, 99))} |")
    print()
    print("| viewers | solves | deliveries / expected | viewers with every solve | delivery p50 | p99 | max | still open | drops (metric) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {opened} | {solves} | {delivered} / {expected} | {complete} / {opened} | {ms(percentile(latencies, 50))} "
          f"| {ms(percentile(latencies, 99))} | {ms(max(latencies) if latencies else float('nan'))} | {still_open} "
          f"| {', '.join(str(int(d)) if d is not None else '?' for d in dropped)} |")
    print()
    per = [(after - before) / (share or 1) for before, after in zip(rss_before, rss_after)]
    print("memory: " + "; ".join(
        f"node {chr(65 + i)} {before / 1024:.0f} → {after / 1024:.0f} MiB ({p:.1f} KiB per connection)"
        for i, (before, after, p) in enumerate(zip(rss_before, rss_after, per))))
    print(f"connected {opened} in {connect_seconds:.1f} s; closes seen by the driver: {closes or 'none'}")


if __name__ == "__main__":
    main()
