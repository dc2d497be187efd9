#!/usr/bin/env python3
"""A checker for notes_service.py written with ForcAD's checklib, as checkers for real A/D services
are: `check HOST`, `put HOST FLAG_ID FLAG VULN`, `get HOST FLAG_ID FLAG VULN`.

Its `put` returns flag ids the HackerDom way (stdout: a JSON object whose public_flag_id is the
note's id), or ForcAD's `pfr` way (stdout public, stderr private) when its file name contains "pfr".
"""
import json
import sys

import requests
from checklib import *

PFR = "pfr" in sys.argv[0]


class Checker(BaseChecker):
    vulns = 1
    timeout = 5
    uses_attack_data = True

    def action(self, action, *args, **kwargs):
        try:
            super(Checker, self).action(action, *args, **kwargs)
        except requests.exceptions.ConnectionError:
            self.cquit(Status.DOWN, "Connection error", "Got requests connection error")

    def check(self):
        r = requests.get(f"http://{self.host}/", timeout=3)
        self.assert_in("notes", r.text, "Front page is broken")
        self.cquit(Status.OK, "Notes are open")

    def put(self, flag_id, flag, vuln):
        r = requests.post(f"http://{self.host}/notes", data=flag, timeout=3)
        self.assert_eq(r.status_code, 201, "Cannot store a note")
        note = r.json()
        if PFR:
            self.cquit(Status.OK, note["id"], f"{note['id']}:{note['token']}")
        self.cquit(Status.OK, json.dumps({"public_flag_id": note["id"], "token": note["token"]}))

    def get(self, flag_id, flag, vuln):
        if PFR:
            note, token = flag_id.split(":")
        else:
            data = json.loads(flag_id)
            note, token = data["public_flag_id"], data["token"]
        r = requests.get(f"http://{self.host}/notes/{note}", params={"token": token}, timeout=3)
        self.assert_neq(r.status_code, 404, "A note is gone", status=Status.CORRUPT)
        self.assert_eq(r.text, flag, "A note has changed", status=Status.CORRUPT)
        self.cquit(Status.OK)


if __name__ == "__main__":
    c = Checker(sys.argv[2])
    try:
        c.action(sys.argv[1], *sys.argv[3:])
    except c.get_check_finished_exception():
        cquit(Status(c.status), c.public, c.private)
