"""The live benchmark's three runs, after bench/live.sh has started two nodes and bench/setup_live.py
has set the exercise up. In each, correct solves are paced at SOLVES per second (alternating nodes),
ticks check every team's services every 5 s, and wrk posts wrong flags to node A:

1. without viewers, wrk as fast as node A answers: the submission rate this machine manages;
2. with VIEWERS WebSocket viewers (half on each node, each with a team's or the white team's token,
   from one driver process per node), the same: what the viewers cost the submission rate, and
   delivery while the machine has no idle CPU at all;
3. with the viewers, wrong flags paced at about 100 a second (a busy exercise): delivery with some
   CPU to spare.

Every viewer records each `challenge.solved` message it receives.
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


def cpu_seconds(pid):
    """User + system CPU time a process has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# ---- The viewers: one process per node, asyncio inside ---------------------------------------------

def viewers_process(url, tokens, count, pipe):
    """Opens `count` viewers on one node and reports; then, for each run (`measure` … `stop`), records
    the solve messages whose `at` falls in it and sends back their delivery times and how many each
    viewer saw; `finish` closes every socket."""
    from websockets.asyncio.client import connect

    state = {"window": None, "latencies": [], "seen": []}  # the run being measured
    closes, errors = {}, []
    sockets = []

    async def one(index, gate):
        token = tokens[index % len(tokens)]
        async with gate:
            try:
                ws = await connect(
                    url, additional_headers={"Authorization": "Bearer " + token}, open_timeout=120, ping_interval=None,
                    max_queue=None, compression=None)
            except Exception as error:  # noqa: BLE001 — counted and reported
                errors.append(repr(error)[:120])
                return
        slot = len(sockets)
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
                    state["latencies"].append(now - at)
                    state["seen"][slot] += 1
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
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            if command[0] == "finish":
                break
            state["latencies"], state["seen"] = [], [0] * len(sockets)
            state["window"] = (command[1], float("inf"))
            command = await loop.run_in_executor(None, pipe.recv)
            state["window"] = (state["window"][0], command[1])
            await asyncio.sleep(5)  # what is still in flight
            open_now = sum(1 for ws in sockets if ws.close_code is None)
            pipe.send(("result", state["latencies"], state["seen"], open_now, dict(closes), errors[:5]))
        for ws in sockets:
            await ws.close()
        for task in tasks:
            task.cancel()

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


def wrong_flags_script(path, data, delay_ms):
    """wrk's script: a random team's wrong flag on a random challenge; `delay_ms` between a
    connection's requests (0: as fast as the server answers)."""
    with open(path, "w") as f:
        f.write(f'local teams = {{}}\nfor line in io.lines("{data}/teams.txt") do\n'
                '  local token, rest = line:match("^(%S+) (.*)$")\n  local ids = {}\n'
                '  for id in rest:gmatch("([%w-]+),%S+") do ids[#ids + 1] = id end\n'
                '  teams[#teams + 1] = {token, ids}\nend\n'
                'math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))\n'
                + (f'delay = function() return {delay_ms} end\n' if delay_ms else '')
                + 'request = function()\n  local team = teams[math.random(#teams)]\n'
                f'  return wrk.format("POST", "/api/v1/exercises/{SLUG}/challenges/" .. team[2][math.random(#team[2])] .. "/attempts",\n'
                '    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. team[1]},\n'
                '    \'{"flag":"wrong-\' .. math.random(1000000) .. \'"}\')\nend\n')
    return path


def metric(node, name):
    with urllib.request.urlopen(node + "/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


class Run:
    """One run: wrk's wrong flags and the paced solves for `seconds`, the CPU each process used, and
    what the viewers (if any) received."""

    def __init__(self, name, nodes, pids, drivers, pipes, queue, arguments, lua, connections):
        self.name = name
        watched = pids + drivers
        before = ([cpu_seconds(pid) for pid in watched], machine_cpu_seconds())
        self.start = time.time()
        for pipe in pipes:
            pipe.send(("measure", self.start))
        self.solver = Solver(nodes, queue, arguments.solves, arguments.seconds)
        self.solver.start()
        self.rate, self.p50, self.p99, self.non2xx = wrk(nodes[0], lua, arguments.seconds, connections)
        self.solver.join()
        self.stop = time.time()
        seconds = self.stop - self.start
        self.cpu = [(cpu_seconds(pid) - c) / seconds for pid, c in zip(watched, before[0])]
        self.machine = (machine_cpu_seconds() - before[1]) / seconds
        self.nodes, self.drivers = len(pids), len(drivers)
        for pipe in pipes:
            pipe.send(("stop", self.stop))
        results = [pipe.recv() for pipe in pipes]
        self.latencies = [x for r in results for x in r[1]]
        self.seen = [x for r in results for x in r[2]]
        self.still_open = sum(r[3] for r in results)
        self.closes = {}
        for r in results:
            for code, n in r[4].items():
                self.closes[code] = self.closes.get(code, 0) + n
        self.solves = len(self.solver.answers) - self.solver.failures

    def cpu_line(self):
        parts = [f"node {chr(65 + i)} {c:.2f}" for i, c in enumerate(self.cpu[:self.nodes])]
        parts += [f"driver {i + 1} {c:.2f}" for i, c in enumerate(self.cpu[self.nodes:])]
        return f"machine {self.machine:.2f} ({', '.join(parts)})"


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
    flat_out = wrong_flags_script(os.path.join(arguments.data, "wrong.lua"), arguments.data, 0)
    # About 100 wrong flags a second: 10 connections, each waiting 100 ms between requests.
    paced = wrong_flags_script(os.path.join(arguments.data, "wrong-paced.lua"), arguments.data, 100)

    print(f"run 1: no viewers, wrong flags as fast as node A answers, {arguments.seconds} s", flush=True)
    runs = [Run("no viewers, flat out", nodes, pids, [], [], queue, arguments, flat_out, arguments.wrk_connections)]

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
    drivers = [process.pid for process in processes]
    print(f"{opened} viewers connected in {connect_seconds:.1f} s; run 2: the same with them", flush=True)
    runs.append(Run(f"{opened} viewers, flat out", nodes, pids, drivers, pipes, queue, arguments, flat_out, arguments.wrk_connections))
    print("run 3: the viewers, wrong flags paced at about 100 a second", flush=True)
    runs.append(Run(f"{opened} viewers, ~100 wrong flags/s", nodes, pids, drivers, pipes, queue, arguments, paced, 10))
    for pipe in pipes:
        pipe.send(("finish",))
    for process in processes:
        process.join(timeout=30)
    drops = [metric(node, "rampart_live_drops_total") for node in nodes]

    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    print()
    print("| run | wrong flags/s (node A) | p50 | p99 | correct solves | solve p50 | solve p99 "
          "| deliveries / expected | viewers with every solve | delivery p50 | p99 | max | cores busy |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for run in runs:
        answers = run.solver.answers
        row = (f"| {run.name} | {run.rate:.0f}{f' ({run.non2xx} non-2xx)' if run.non2xx else ''} | {run.p50} | {run.p99} "
               f"| {run.solves} | {ms(percentile(answers, 50))} | {ms(percentile(answers, 99))} ")
        if run.seen:
            complete = sum(1 for n in run.seen if n >= run.solves)
            row += (f"| {len(run.latencies)} / {run.solves * opened} | {complete} / {opened} | {ms(percentile(run.latencies, 50))} "
                    f"| {ms(percentile(run.latencies, 99))} | {ms(max(run.latencies) if run.latencies else float('nan'))} ")
        else:
            row += "| | | | | "
        print(row + f"| {run.cpu_line()} |")
    print()
    per = [(after - before) / (share or 1) for before, after in zip(rss_before, rss_after)]
    print("memory: " + "; ".join(
        f"node {chr(65 + i)} {before / 1024:.0f} → {after / 1024:.0f} MiB ({p:.1f} KiB per connection)"
        for i, (before, after, p) in enumerate(zip(rss_before, rss_after, per))))
    print(f"{opened} viewers connected in {connect_seconds:.1f} s; still open after the runs: {runs[-1].still_open}; "
          f"dropped for falling behind (rampart_live_drops_total): {', '.join(str(int(d)) if d is not None else '?' for d in drops)}; "
          f"closes seen by the driver: {runs[-1].closes or 'none'}")


if __name__ == "__main__":
    main()
