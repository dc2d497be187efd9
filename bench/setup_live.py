"""Sets up the live benchmark on a running Rampart: TEAMS blue teams (a member each), 20 challenges,
SERVICES services per team checked every 5 s (TCP to the node itself: up; to port 9: down), the
exercise running, incorrect-flag limit raised. Writes to OUT/teams.txt one line per team for wrk
(`token challenge-id,correct-flag …`), and OUT/tokens.txt the tokens viewers connect with (the
teams' and the white team's).
Usage: setup_live.py URL ADMIN_PASSWORD TEAMS SERVICES NODE_ADDRESS OUT"""
import sys
from concurrent.futures import ThreadPoolExecutor

from api import client

url, admin_password, teams, services, node, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
challenges = 20
call = client(url)
admin = call("POST", "/api/v1/auth/login", {"username": "bench-admin", "password": admin_password})["token"]
password = "bench-team-password"
with ThreadPoolExecutor(8) as pool:
    list(pool.map(lambda i: call("POST", "/api/v1/users", {"username": f"t{i:03}", "password": password}, admin), range(teams)))
lines = ["rampart: 1", "exercise:", "  slug: bench", '  name: "Live benchmark"', "  attempts_per_minute: 1000000", "  tick_seconds: 5",
         "teams:"]
for i in range(teams):
    lines += [f"  - slug: t{i:03}", "    kind: blue", f'    name: "Team {i:03}"', f"    members: [t{i:03}]"]
lines.append("challenges:")
for c in range(challenges):
    lines += [f'  - name: "Challenge {c:02}"', f'    category: "cat{c % 5}"', f'    flags: ["FLAG{{{c:02}}}"]', "    value: 100"]
lines.append("services:")
for s in range(services):
    address = node if s % 4 else "127.0.0.1:9"
    lines.append(f'  - {{name: svc{s:02}, check: tcp, address: "{address}", points: 1, timeout: 2}}')
call("PUT", "/api/v1/exercise-file", "\n".join(lines).encode(), admin, "application/yaml")
call("POST", "/api/v1/exercises/bench/state", {"state": "running"}, admin)
ids = {c["name"]: c["id"] for c in call("GET", "/api/v1/exercises/bench/challenges", token=admin)}
tokens = list(ThreadPoolExecutor(8).map(
    lambda i: call("POST", "/api/v1/auth/login", {"username": f"t{i:03}", "password": password})["token"], range(teams)))
with open(out + "/teams.txt", "w") as f:
    for token in tokens:
        f.write(token + " " + " ".join(f"{ids[f'Challenge {c:02}']},FLAG{{{c:02}}}" for c in range(challenges)) + "\n")
with open(out + "/tokens.txt", "w") as f:
    f.write("\n".join(tokens + [admin]) + "\n")
print(f"{teams} teams, {challenges} challenges, {services} services each, ready")
