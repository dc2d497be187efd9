"""Sets up the judging benchmark on a running Rampart: TEAMS blue teams with a `shop` service, a red
cell, the exercise running, then REPORTS compromise reports filed through the API by 8 red members at
once (and one incident report per 10 of them), as the red cell would over a week. Prints the filing rate.
Usage: setup_judging.py URL ADMIN_PASSWORD TEAMS REPORTS"""
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from api import client
from datetime import datetime, timezone

url, admin_password, teams, reports = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
TECHNIQUES = ["T1190", "T1078", "T1110.001", "T1059.004", "T1505.003", "T1566.001", "T1021.004", "T1003.008"]
ACCESS = ["none", "user", "administrator", "root"]
call = client(url)
admin = call("POST", "/api/v1/auth/login", {"username": "bench-admin", "password": admin_password})["token"]
password = "bench-team-password"
users = [f"red{i}" for i in range(8)] + [f"b{i:03}" for i in range(teams)]
with ThreadPoolExecutor(8) as pool:
    list(pool.map(lambda name: call("POST", "/api/v1/users", {"username": name, "password": password}, admin), users))
lines = ["rampart: 1", "exercise:", "  slug: bench", '  name: "Judging benchmark"', "  tick_seconds: 3600", "teams:",
         "  - slug: red", "    kind: red", '    name: "Red Cell"', "    members: [" + ", ".join(users[:8]) + "]"]
for i in range(teams):
    lines += [f"  - slug: b{i:03}", "    kind: blue", f'    name: "Blue {i:03}"', f"    number: {i + 1}", f"    members: [b{i:03}]"]
lines += ["services:", "  - name: shop", "    check: tcp", '    address: "10.{team.number}.1.5:80"']
call("PUT", "/api/v1/exercise-file", "\n".join(lines).encode(), admin, "application/yaml")
call("POST", "/api/v1/exercises/bench/state", {"state": "running"}, admin)
red = [call("POST", "/api/v1/auth/login", {"username": name, "password": password})["token"] for name in users[:8]]
blue = [call("POST", "/api/v1/auth/login", {"username": f"b{i:03}", "password": password})["token"] for i in range(teams)]
now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def file(n):
    body = {"team": f"b{n % teams:03}", "asset": ["shop", f"host{n % 50}"][n % 2], "techniques": [TECHNIQUES[n % len(TECHNIQUES)]],
            "access_level": ACCESS[n % 4], "persistence": n % 3 == 0, "compromised_at": now,
            "narrative": f"Report {n}: step one, step two, **step three**.\n\nEvidence attached separately."}
    call("POST", "/api/v1/exercises/bench/compromise-reports", body, red[n % len(red)])
    if n % 10 == 0:
        call("POST", "/api/v1/exercises/bench/incident-reports",
             {"detected_at": now, "assets": ["shop"], "techniques": ["T1190"], "narrative": f"Incident {n}"}, blue[n % teams])


start = time.time()
with ThreadPoolExecutor(8) as pool:
    list(pool.map(file, range(reports)))
elapsed = time.time() - start
print(f"{reports} compromise reports and {reports // 10} incident reports filed in {elapsed:.1f} s "
      f"({reports / elapsed:.0f} compromise reports/s, 8 red members at once, each stored before it is answered)")
