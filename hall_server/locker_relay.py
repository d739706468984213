"""Door commands relayed to the one terminal that drives a locker's RS-485 bus.

The lock-control boards of a locker share one RS-485 bus, and an RS-485 bus has one master: two terminals
writing to it at once garble each other's frames (docs/locker.md, "One master"). So exactly one terminal
drives each locker's boards — its ``bus`` in the hall file, by default the first of its ``terminals`` —
and every other terminal that uses the locker (the pickup window depositing results) asks the platform,
which hands the command to that terminal and hands its answer back:

    window → POST /v1/locker/doors {board, lock, action: open|door}          → {id}   (``request``)
    bus    → GET  /v1/locker/bus?wait=S                                      → the commands for it (``take``)
    bus    → POST /v1/locker/bus/{id} {opened, status} | {door} | {error}    (``report``)
    window → GET  /v1/locker/doors/{id}?wait=S                               → {state, result} (``result``)

A window may only address the compartment its own deposit in progress was given (a ``depositing`` item
made at the clerk's window): the relay is no way to open somebody else's documents. A command the bus
terminal has not taken within ``TAKE_WITHIN_S`` (it is off, or offline), or not answered within
``ANSWER_WITHIN_S`` after taking it, is ``expired``: the window treats it as a bus that did not answer
(the deposit is reported failed, the compartment released, an alert kept). Commands are kept for a day,
for the technician's questions, then deleted.
"""

from __future__ import annotations

import json
import secrets
import sqlite3

from hall_server.problems import HallError

TAKE_WITHIN_S = 6.0
ANSWER_WITHIN_S = 15.0
KEEP_S = 86400.0
ACTIONS = ("open", "door")

SCHEMA = """
CREATE TABLE IF NOT EXISTS locker_bus (locker TEXT PRIMARY KEY, terminal TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locker_commands (
    id TEXT PRIMARY KEY, locker TEXT NOT NULL, board INTEGER NOT NULL, lock INTEGER NOT NULL,
    action TEXT NOT NULL,                -- open, door
    requested_by TEXT NOT NULL, bus TEXT NOT NULL,
    state TEXT NOT NULL,                 -- pending, taken, done, expired
    created REAL NOT NULL, taken REAL, result TEXT);
CREATE INDEX IF NOT EXISTS locker_commands_pending ON locker_commands (bus, state);
"""


def keep_buses(con: sqlite3.Connection, lockers: list[dict]) -> None:
    """Inside ``load_lockers``' transaction: which terminal drives each locker's bus."""
    con.execute("DELETE FROM locker_bus")
    for locker in lockers:
        con.execute("INSERT INTO locker_bus VALUES (?, ?)", (locker["id"], locker.get("bus") or locker["terminals"][0]))


def bus_of(con: sqlite3.Connection, locker: str) -> str | None:
    row = con.execute("SELECT terminal FROM locker_bus WHERE locker = ?", (locker,)).fetchone()
    return row[0] if row else None


def request(hall_store, *, terminal_id: str, token: str | None, board: int, lock: int, action: str) -> dict:
    """A door command from a window for the compartment of its own deposit in progress. ``HallError``:
    ``not_found`` (no such deposit at that board and lock), ``invalid_request`` (the window drives the
    bus itself: it must not relay)."""
    if action not in ACTIONS:
        raise HallError("invalid_request", f"action: one of {', '.join(ACTIONS)}")
    with hall_store._write() as con:
        session = hall_store._session(con, terminal_id, token)
        now = hall_store.clock.now().timestamp()
        con.execute("DELETE FROM locker_commands WHERE created < ?", (now - KEEP_S,))
        row = next((r for r in con.execute(
            "SELECT c.locker, l.terminals FROM locker_compartments c JOIN locker_items i ON i.locker = c.locker "
            "AND i.number = c.number AND i.state = 'depositing' JOIN lockers l ON l.locker = c.locker "
            "WHERE c.board = ? AND c.lock = ? AND i.\"window\" = ?", (board, lock, session["window"])).fetchall()
            if terminal_id in json.loads(r[1])), None)  # a locker this terminal is one of the drivers of
        if row is None:
            raise HallError("not_found", "no deposit of this window's in progress at this board and lock")
        bus = bus_of(con, row[0])
        if bus is None or bus == terminal_id:
            raise HallError("invalid_request", "this terminal drives the locker's bus itself")
        command = secrets.token_hex(12)
        con.execute("INSERT INTO locker_commands (id, locker, board, lock, action, requested_by, bus, state, created)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                    (command, row[0], board, lock, action, terminal_id, bus, now))
    return {"id": command}


def _expire(con: sqlite3.Connection, now: float) -> None:
    con.execute("UPDATE locker_commands SET state = 'expired' WHERE state = 'pending' AND created < ?",
                (now - TAKE_WITHIN_S,))
    con.execute("UPDATE locker_commands SET state = 'expired' WHERE state = 'taken' AND taken < ?",
                (now - ANSWER_WITHIN_S,))


def take(hall_store, *, terminal_id: str) -> list[dict]:
    """The pending commands for the lockers ``terminal_id`` drives, oldest first, marked taken."""
    with hall_store._write() as con:
        now = hall_store.clock.now().timestamp()
        _expire(con, now)
        rows = con.execute("SELECT id, locker, board, lock, action FROM locker_commands WHERE bus = ? "
                           "AND state = 'pending' ORDER BY created", (terminal_id,)).fetchall()
        con.executemany("UPDATE locker_commands SET state = 'taken', taken = ? WHERE id = ?",
                        [(now, r[0]) for r in rows])
    return [{"id": r[0], "locker": r[1], "board": r[2], "lock": r[3], "action": r[4]} for r in rows]


def has_pending(hall_store, terminal_id: str) -> bool:
    return hall_store._con().execute("SELECT 1 FROM locker_commands WHERE bus = ? AND state = 'pending' LIMIT 1",
                                     (terminal_id,)).fetchone() is not None


def report(hall_store, *, terminal_id: str, command: str, result: dict) -> dict:
    """The bus terminal's answer to a command it took. ``HallError`` ``not_found``: not its command, or no
    longer waiting for an answer (expired)."""
    with hall_store._write() as con:
        now = hall_store.clock.now().timestamp()
        _expire(con, now)
        row = con.execute("SELECT action FROM locker_commands WHERE id = ? AND bus = ? AND state = 'taken'",
                          (command, terminal_id)).fetchone()
        if row is None:
            raise HallError("not_found", "no command of this terminal waits for an answer with this id")
        con.execute("UPDATE locker_commands SET state = 'done', result = ? WHERE id = ?",
                    (json.dumps(result), command))
    return {"id": command, "state": "done"}


def result(hall_store, *, terminal_id: str, command: str) -> dict:
    """The command's state as its window sees it: ``pending``/``taken`` (no answer yet), ``done`` with the
    bus terminal's ``result``, or ``expired``. Read only (a window polls it)."""
    row = hall_store._con().execute("SELECT state, result, created, taken FROM locker_commands WHERE id = ? "
                                    "AND requested_by = ?", (command, terminal_id)).fetchone()
    if row is None:
        raise HallError("not_found", "no command of this terminal with this id")
    state, now = row[0], hall_store.clock.now().timestamp()
    if (state == "pending" and row[2] < now - TAKE_WITHIN_S) or (state == "taken" and row[3] < now - ANSWER_WITHIN_S):
        state = "expired"
    return {"id": command, "state": state, "result": json.loads(row[1]) if row[1] and state == "done" else None}
