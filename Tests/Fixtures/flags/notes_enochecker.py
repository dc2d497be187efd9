#!/usr/bin/env python3
"""An enochecker3 checker for notes_service.py, for flag-round tests over the enochecker HTTP protocol:
`putflag` stores the flag as a note and returns the note's id as attack info, `getflag` reads it back,
`havoc` looks at the front page.

enochecker3 keeps what putflag learned in MongoDB (its ChainDB), which this machine cannot run; the
checker registers its own in-memory store through enochecker3's dependency injection instead, keyed
by the task chain id exactly as ChainDB is. Everything else is enochecker3 as ENOWARS runs it.
Usage: notes_enochecker.py PORT_FILE NOTES_PORT — serves on a free loopback port, written to PORT_FILE.
"""
import os
import socket
import sys

import uvicorn
from enochecker3 import (
    BaseCheckerTaskMessage,
    Enochecker,
    GetflagCheckerTaskMessage,
    HavocCheckerTaskMessage,
    MumbleException,
    PutflagCheckerTaskMessage,
)
from httpx import AsyncClient


class Notes(dict):
    """What putflag stored, per task chain (ChainDB's role)."""


checker = Enochecker("Notes", int(sys.argv[2]))
stored = Notes()


@checker.register_dependency
def _get_notes(task: BaseCheckerTaskMessage) -> Notes:
    return stored


@checker.havoc(0)
async def havoc_front_page(task: HavocCheckerTaskMessage, client: AsyncClient) -> None:
    response = await client.get("/")
    if "notes" not in response.text:
        raise MumbleException("Front page is broken")


@checker.putflag(0)
async def putflag_note(task: PutflagCheckerTaskMessage, client: AsyncClient, notes: Notes) -> str:
    response = await client.post("/notes", content=task.flag)
    if response.status_code != 201:
        raise MumbleException("Cannot store a note")
    notes[task.task_chain_id] = response.json()
    return notes[task.task_chain_id]["id"]


@checker.getflag(0)
async def getflag_note(task: GetflagCheckerTaskMessage, client: AsyncClient, notes: Notes) -> None:
    note = notes.get(task.task_chain_id)
    if note is None:
        raise MumbleException("No note was stored for this flag")
    response = await client.get(f"/notes/{note['id']}", params={"token": note["token"]})
    if response.status_code != 200 or response.text != task.flag:
        raise MumbleException("A note is gone")


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as port_file:
    port_file.write(str(listener.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server = uvicorn.Server(uvicorn.Config(checker.app, lifespan="off", log_level="warning"))
server.run(sockets=[listener])
