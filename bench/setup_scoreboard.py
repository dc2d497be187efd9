"""Sets up the scoreboard benchmark on a running Rampart: TEAMS blue teams of one member each and
CHALLENGES challenges (half fixed, half decaying), the exercise running, incorrect-flag limit raised.
Writes one line per team to OUT for the wrk scripts: `token challenge-id correct-flag` pairs.
Usage: setup_scoreboard.py URL ADMIN_PASSWORD TEAMS CHALLENGES OUT"""
import sys
from concurrent.futures import ThreadPoolExecutor

from api import client

url, admin_password, teams, challenges, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
call = client(url)
admin = call("POST", "/api/v1/auth/login", {"username": "bench-admin", "password": admin_password})["token"]
password = "bench-team-password"
with ThreadPoolExecutor(8) as pool:
    list(pool.map(lambda i: call("POST", "/api/v1/users", {"username": f"t{i:03}", "password": password}, admin), range(teams)))
lines = ["rampart: 1", "exercise:", "  slug: bench", '  name: "Scoreboard benchmark"', "  attempts_per_minute: 1000000", "teams:"]
for i in range(teams):
    lines += [f"  - slug: t{i:03}", "    kind: blue", f'    name: "Team {i:03}"', f"    members: [t{i:03}]"]
lines.append("challenges:")
for c in range(challenges):
    lines += [f'  - name: "Challenge {c:02}"', f'    category: "cat{c % 5}"', f'    flags: ["FLAG{{{c:02}}}"]']
    lines += ["    type: dynamic", "    extra: {initial: 500, decay: 20, minimum: 100}"] if c % 2 else ["    value: 100"]
call("PUT", "/api/v1/exercise-file", "\n".join(lines).encode(), admin, "application/yaml")
call("POST", "/api/v1/exercises/bench/state", {"state": "running"}, admin)
ids = {c["name"]: c["id"] for c in call("GET", "/api/v1/exercises/bench/challenges", token=admin)}
tokens = list(ThreadPoolExecutor(8).map(
    lambda i: call("POST", "/api/v1/auth/login", {"username": f"t{i:03}", "password": password})["token"], range(teams)))
with open(out, "w") as f:
    for token in tokens:
        f.write(token + " " + " ".join(f"{ids[f'Challenge {c:02}']},FLAG{{{c:02}}}" for c in range(challenges)) + "\n")
print(f"{teams} teams, {challenges} challenges ready")
