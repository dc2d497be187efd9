"""Two `rampart` nodes on one PostgreSQL, as behind a load balancer: an event made through one node
reaches WebSocket viewers on the other; a node killed with SIGKILL leaves the other serving; and
PostgreSQL restarted under connected viewers loses nothing and repeats nothing for a viewer that
resumes with `since`.

PostgreSQL here is a cluster of the test's own (initdb in a temporary directory, on a free port), so
restarting it cannot disturb any other test. Node A is `rampart demo --no-play` (it loads the demo
exercise into the database and serves); node B is `rampart serve` on the same database.
"""
import contextlib
import glob
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest
from websockets.sync.client import connect

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "rampart"
PASSWORD = "two-nodes-password"
SLUG = "marvel-demo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster (as the `postgres` account when run as root)."""

    def __init__(self):
        found = os.environ.get("RAMPART_TEST_PG_BIN") or (sorted(glob.glob("/usr/lib/postgresql/*/bin")) or [None])[-1]
        if not found:
            pytest.skip("no PostgreSQL binaries (apt-get install postgresql)")
        self.bin = found
        self.dir = tempfile.mkdtemp(prefix="rampart-nodes-pg-")
        self.port = free_port()
        self.root = os.getuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres")
        self.run("initdb", "-D", self.dir + "/data", "-A", "trust", "-U", "rampart")
        self.start()
        self.url = f"postgres://rampart@127.0.0.1:{self.port}/postgres?sslmode=disable"

    def run(self, tool, *arguments):
        command = [f"{self.bin}/{tool}", *arguments]
        if self.root:
            command = ["runuser", "-u", "postgres", "--"] + command
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off"
        self.run("pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/log", "-w", "start", "-o", options)

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", self.dir + "/data", "-m", mode, "-w", "stop")

    def remove(self):
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Node:
    def __init__(self, name, arguments, database_url):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = tempfile.mkdtemp(prefix=f"rampart-node-{name}-")
        env = dict(os.environ, DATABASE_URL=database_url, RAMPART_DATA_DIR=self.data, RAMPART_DEMO_PASSWORD=PASSWORD,
                   RAMPART_BCRYPT_COST="4", RAMPART_LOG_FORMAT="text")
        self.log_path = os.path.join(self.data, "server.log")
        self.process = subprocess.Popen(
            [str(BINARY), *arguments, "--hostname", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node {name} exited: {self.log()}")
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(self.url + "/healthz", timeout=2).status == 200:
                    return
            time.sleep(0.3)
        self.kill()
        raise RuntimeError(f"node {name} did not start: {self.log()}")

    def log(self):
        return open(self.log_path).read()[-3000:]

    def kill(self, sig=signal.SIGKILL):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def call(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return json.loads(text) if text else None

    def metric(self, name):
        with urllib.request.urlopen(self.url + "/metrics", timeout=5) as response:
            for line in response.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return None

    def login(self, username):
        return self.call("POST", "/api/v1/auth/login", {"username": username, "password": PASSWORD})["token"]


class Viewer:
    """A WebSocket client in a thread of its own that keeps every message it receives and, when its
    socket closes, reconnects with `since` = the last number it saw (to `nodes` in turn)."""

    def __init__(self, name, token, nodes, since=None):
        self.name, self.token, self.nodes = name, token, list(nodes)
        self.events, self.hellos, self.resyncs, self.connections = [], 0, 0, 0
        self.last = since
        self.lock = threading.Lock()
        self.stopping = False
        self.socket = None
        self.connected = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        assert self.connected.wait(20), f"{name} never connected"

    def run(self):
        attempt = 0
        while not self.stopping:
            node = self.nodes[attempt % len(self.nodes)]
            attempt += 1
            query = "" if self.last is None else f"?since={self.last}"
            try:
                with connect(node.url.replace("http", "ws") + f"/api/v1/exercises/{SLUG}/live{query}",
                             additional_headers={"Authorization": "Bearer " + self.token}, open_timeout=5) as ws:
                    self.socket = ws
                    for text in ws:
                        message = json.loads(text)
                        with self.lock:
                            if message["type"] == "hello":
                                self.hellos += 1
                                self.connections += 1
                                self.last = message["seq"] if self.last is None else self.last
                                self.connected.set()
                            elif message["type"] == "resync":
                                self.resyncs += 1
                            else:
                                self.events.append(message)
                                self.last = message["seq"]
            except Exception:  # noqa: BLE001 - closed, refused, timed out: try again, as the page does
                pass
            if not self.stopping:
                time.sleep(0.2)

    def seqs(self):
        with self.lock:
            return [event["seq"] for event in self.events]

    def wait_for(self, predicate, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [event for event in self.events if predicate(event)]
            if found:
                return found[0]
            time.sleep(0.01)
        return None

    def drop(self):
        """Closes the socket from this side, as a network blip would; the thread reconnects."""
        with contextlib.suppress(Exception):
            self.socket.close()

    def close(self):
        self.stopping = True
        self.drop()
        self.thread.join(10)


@pytest.fixture
def two_nodes():
    if not BINARY.exists():
        pytest.fail("build first: swift build --product rampart")
    cluster = Cluster()
    nodes = []
    try:
        nodes.append(Node("a", ["demo", "--no-play"], cluster.url))
        nodes.append(Node("b", ["serve"], cluster.url))
        yield cluster, nodes[0], nodes[1]
    finally:
        for node in nodes:
            node.kill()
        cluster.remove()


def start_exercise(node, admin):
    node.call("POST", f"/api/v1/exercises/{SLUG}/state", {"state": "running"}, admin)


def solve(node, token, name, flag):
    challenge = next(c for c in node.call("GET", f"/api/v1/exercises/{SLUG}/challenges", token=token) if c.get("name") == name)
    return node.call("POST", f"/api/v1/exercises/{SLUG}/challenges/{challenge['id']}/attempts", {"flag": flag}, token)


def test_an_event_on_one_node_reaches_viewers_on_the_other_and_survives_its_death(two_nodes):
    _, a, b = two_nodes
    admin = a.login("admin")
    start_exercise(a, admin)
    au_on_b = Viewer("au on B", b.login("au-lead"), [b])
    kr_on_b = Viewer("kr on B", b.login("kr-lead"), [b])
    white_on_b = Viewer("admin on B", b.login("admin"), [b])
    try:
        # A solve through node A: the viewers on node B see it, the solver's team and the white team whole.
        answer = solve(a, a.login("au-lead"), "Overdue invoice", "RAMPART{PHISH_KIT_0203}")
        answered = time.time()
        assert answer["status"] == "correct", answer
        solved = lambda e: e["type"] == "challenge.solved" and e["data"].get("challenge") == "Overdue invoice"
        seen = au_on_b.wait_for(solved, 10)
        assert seen is not None, "node B's viewer never saw node A's solve"
        delay = time.time() - answered
        print(f"node A's solve reached a viewer on node B {delay * 1000:.0f} ms after node A answered")
        # Solves are public outside a freeze (who may see what is tested route by route in LiveTests).
        assert white_on_b.wait_for(solved, 5) is not None and kr_on_b.wait_for(solved, 5) is not None
        assert au_on_b.wait_for(lambda e: e["type"] == "score.changed", 5) is not None

        # Node A dies without a goodbye; node B keeps serving pages, the API and its sockets.
        a.kill(signal.SIGKILL)
        assert urllib.request.urlopen(b.url + "/healthz", timeout=5).status == 200
        assert urllib.request.urlopen(b.url + f"/exercises/{SLUG}/scoreboard", timeout=5).status == 200
        admin_b = b.login("admin")
        b.call("POST", f"/api/v1/exercises/{SLUG}/announcements", {"title": "Node A is down", "body": "Carry on."}, admin_b)
        for viewer in (au_on_b, kr_on_b, white_on_b):
            assert viewer.wait_for(lambda e: e["type"] == "announcement.posted" and e["data"]["title"] == "Node A is down", 5), viewer.name
            assert viewer.connections == 1, f"{viewer.name} had to reconnect"
        # Every viewer's numbers only rise.
        for viewer in (au_on_b, kr_on_b, white_on_b):
            assert viewer.seqs() == sorted(set(viewer.seqs()))
    finally:
        for viewer in (au_on_b, kr_on_b, white_on_b):
            viewer.close()


def test_postgresql_restarted_under_viewers_every_viewer_has_every_event_exactly_once(two_nodes):
    cluster, a, b = two_nodes
    admin_a, admin_b = a.login("admin"), b.login("admin")
    start_exercise(a, admin_a)
    viewers = [Viewer(f"white {n}", admin_a if n % 2 else admin_b, [a, b] if n % 2 else [b, a]) for n in range(6)]
    posted, stop = [], threading.Event()

    def post_announcements():
        """Announcements through both nodes in turn, as fast as they are answered; refused ones
        (PostgreSQL down) are tried again, as a person would."""
        n = 0
        while not stop.is_set():
            node, token = (a, admin_a) if n % 2 else (b, admin_b)
            try:
                made = node.call("POST", f"/api/v1/exercises/{SLUG}/announcements", {"title": f"Update {n}", "body": f"Number {n}."}, token)
                posted.append(made["id"])
                n += 1
            except (urllib.error.URLError, OSError, TimeoutError):
                time.sleep(0.1)
            time.sleep(0.05)

    poster = threading.Thread(target=post_announcements, daemon=True)
    poster.start()
    try:
        time.sleep(2)
        before = len(posted)
        # PostgreSQL goes away under everyone (both nodes' LISTEN connections and pools break);
        # half the viewers also lose their sockets while it is down.
        cluster.stop("fast")
        for viewer in viewers[::2]:
            viewer.drop()
        time.sleep(3)
        cluster.start()
        # Both nodes answer again, and events made after the restart flow again.
        deadline = time.time() + 60
        while time.time() < deadline and len(posted) < before + 20:
            time.sleep(0.2)
        assert len(posted) >= before + 20, f"posting did not resume after PostgreSQL came back: {a.log()[-1500:]}"
        stop.set()
        poster.join(15)
        # Each node opened its LISTEN connection again by itself, and hears NOTIFY on it once more.
        for node in (a, b):
            deadline = time.time() + 30
            while time.time() < deadline and not (node.metric("rampart_live_listening") == 1 and node.metric("rampart_live_listen_reconnects_total") >= 1):
                time.sleep(0.2)
            assert node.metric("rampart_live_listening") == 1, f"node {node.name} is not listening again: {node.log()[-1500:]}"
            assert node.metric("rampart_live_listen_reconnects_total") >= 1
            heard = node.metric("rampart_live_notify_lag_seconds_count")
            a.call("POST", f"/api/v1/exercises/{SLUG}/announcements", {"title": "After the restart", "body": "Heard?"}, admin_a)
            deadline = time.time() + 10
            while time.time() < deadline and node.metric("rampart_live_notify_lag_seconds_count") <= heard:
                time.sleep(0.1)
            assert node.metric("rampart_live_notify_lag_seconds_count") > heard, f"node {node.name} hears no NOTIFY after the restart"

        # The truth: the events table, replayed from the start to a fresh viewer.
        truth = Viewer("replay", admin_b, [b], since=0)
        time.sleep(1)
        wanted = [s for s in truth.seqs() if s > 0]
        announcement_seqs = [e["seq"] for e in truth.events if e["type"] == "announcement.posted"]
        assert len(announcement_seqs) >= len(posted) + 2, "an acknowledged announcement has no event"
        last = wanted[-1]
        for viewer in viewers:
            deadline = time.time() + 20
            while time.time() < deadline and (not viewer.seqs() or viewer.seqs()[-1] < last):
                time.sleep(0.1)
            seqs = viewer.seqs()
            assert len(seqs) == len(set(seqs)), f"{viewer.name} received an event twice"
            first = seqs[0]
            assert seqs == [s for s in wanted if s >= first], f"{viewer.name} missed events: {sorted(set(wanted) - set(seqs))[:10]}"
            assert viewer.resyncs == 0
        assert all(v.connections >= 2 for v in viewers[::2]), "the dropped viewers did not reconnect"
        print(f"{len(posted)} announcements, {len(wanted)} events; every viewer had each once "
              f"(reconnections: {[v.connections - 1 for v in viewers]})")
        truth.close()
    finally:
        stop.set()
        for viewer in viewers:
            viewer.close()
