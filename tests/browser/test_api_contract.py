"""The API keeps its published contract (`/api/openapi.yaml`) under generated input: Schemathesis sends
every operation valid and invalid requests, as a blue-team member and as an administrator, against a
`rampart demo` of its own (the fuzzing changes things, so it never shares the browser tests' server),
and fails on any 5xx, any status, content type or header the document does not list, any answer that
does not match its schema, and any schema-violating request that is accepted.

Requests the schema allows but the server refuses for reasons a schema cannot say (an end before the
start, an unknown time zone, a YAML challenge with problems) are expected, so that check is not run.
RAMPART_FUZZ_SEED picks another seed (the run prints its seed); RAMPART_FUZZ_EXAMPLES more cases."""
import json
import os
import subprocess
import sys
import urllib.request

import pytest

from conftest import PASSWORD, demo_server

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
]


def call(url, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def fuzzed_server():
    with demo_server() as demo:
        yield demo


# A blue-team member first (what the administrator's run changes, such as that member's password,
# would get in its way), then the administrator, who reaches every operation.
@pytest.mark.parametrize("username", ["ca-lead", "admin"])
def test_every_operation_keeps_the_published_contract_under_generated_input(fuzzed_server, tmp_path, username):
    url, log = fuzzed_server
    try:
        import schemathesis  # noqa: F401  (run as a module below, so it need not be on PATH)
    except ImportError:
        pytest.fail("schemathesis is not installed: python3 -m pip install schemathesis")
    token = call(url + "/api/v1/auth/login", body={"username": username, "password": PASSWORD})["token"]
    challenge = call(url + "/api/v1/exercises/marvel-demo/challenges", token)[0]["id"]
    # A report of the demo's: one against the blue member's own team when it is theirs to read.
    admin = call(url + "/api/v1/auth/login", body={"username": "admin", "password": PASSWORD})["token"]
    report = call(url + "/api/v1/exercises/marvel-demo/compromise-reports?team=blue-ca", admin)[0]["id"]
    # Real names for path parameters, so the requests reach the code behind the 404s.
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        '"path.slug" = "marvel-demo"\n'
        '"path.team" = "blue-ca"\n'
        '"path.service" = "shop"\n'
        '"path.username" = "ca-lead"\n'
        f'"path.challenge" = "{challenge}"\n'
        f'"path.report" = "{report}"\n'
        '"path.kind" = "compromise"\n'
    )
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", url + "/api/openapi.yaml",
        "--url", url,
        "--header", "Authorization: Bearer " + token,
        "--checks", ",".join(CHECKS),
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", os.environ.get("RAMPART_FUZZ_EXAMPLES", "25"),
        "--seed", os.environ.get("RAMPART_FUZZ_SEED", "20261122"),
        "--workers", "1",
        # logging out or revoking tokens would end the run's own session; deleting is tested in Swift
        "--exclude-path-regex", "logout|tokens/",
        "--exclude-method", "DELETE",
        "--no-color",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)  # its cache stays out of the tree
    sys.stdout.write(run.stdout[-20000:])
    if run.returncode != 0:
        errors = [line for line in open(log) if "[ ERROR ]" in line or "[ CRITICAL ]" in line]
        sys.stdout.write("\nThe server's errors:\n" + "".join(errors[-50:]))
    assert run.returncode == 0, "Schemathesis found contract failures (above); reproduce with the printed curl commands"
