#!/usr/bin/env python3
"""A small service that keeps notes, for flag-round tests.

POST /notes stores the request body and answers {"id", "token"}; GET /notes/ID?token=T returns it;
POST /wipe forgets every note (a team restoring a clean snapshot); GET / is the front page.
Usage: notes_service.py PORT_FILE — listens on a free loopback port, writes the port to PORT_FILE.
"""
import json
import os
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

notes = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body, kind="text/plain"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/":
            return self.send(200, "notes service")
        if url.path.startswith("/notes/"):
            token = parse_qs(url.query).get("token", [""])[0]
            with lock:
                note = notes.get(url.path[len("/notes/"):])
            if note is None or note[0] != token:
                return self.send(404, "no such note")
            return self.send(200, note[1])
        self.send(404, "not found")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        if self.path == "/notes":
            note, token = secrets.token_hex(8), secrets.token_hex(8)
            with lock:
                notes[note] = (token, body)
            return self.send(201, json.dumps({"id": note, "token": token}), "application/json")
        if self.path == "/wipe":
            with lock:
                notes.clear()
            return self.send(200, "wiped")
        self.send(404, "not found")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as port_file:
    port_file.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
