"""The fleet: every terminal's last heartbeat, its state (online / late / offline) and its faults.

A heartbeat (``POST /v1/fleet/heartbeat``, api/fleet.py) replaces the terminal's row in ``fleet_terminals``
when it is newer than the one kept (by the terminal's ``sent_at`` and ``seq``); an older one arriving late is
answered ``accepted: false`` and changes nothing. The state comes from the age of the last heartbeat on the
server's clock, against the interval the terminal announced:

- ``online``: heard within ``LATE_INTERVALS`` intervals plus ``LATE_GRACE_S`` (one heartbeat may be lost);
- ``late``: not heard for longer than that, but within ``OFFLINE_INTERVALS`` intervals plus ``OFFLINE_GRACE_S``;
- ``offline``: longer, or never heard since it was provisioned.

A device is at fault when its state is ``failed``, ``reconnecting`` or ``error``, or its paper is low or out
(core.domain.heartbeat.DeviceHealth.faulty). The colour on the page: red for offline or a failed device or
paper out, amber for late or any other fault, green otherwise.

Alerts on change only: the status (state and the set of faults) last alerted is kept per terminal
(``alerted``); a heartbeat or a sweep (fleet_alerts.py) that finds another status emits one ``Alert`` and
writes the new status before the alert goes out, so a restart does not alert again.

Cost: the last heartbeats live in memory (``_Board``, one per store); a heartbeat that changes no status is
not written at once: the fleet's watch writes every heartbeat kept since its last sweep in one transaction
(``flush``, every few seconds, and when the server stops). A crash loses at most those seconds of
heartbeats, which the next heartbeats replace anyway; ``hall-admin fleet`` in another process reads the
table, a sweep behind at most. See docs/fleet.md.

Several server processes on one PostgreSQL database (docs/hall-server.md, "Databases") each keep a board of
their own, and a terminal's heartbeats may reach any of them. So that one process does not take a terminal
heard by another for offline, nor write an older heartbeat over a newer one, nor alert a change another has
alerted: every sweep first reads the rows other processes wrote since its last look (``refresh``; only the newer
heartbeats are taken), a flush never replaces a row holding a newer heartbeat, and a status found by a sweep is
claimed in the database (``UPDATE … WHERE alerted = <the status this process knew>``) before it is alerted, so
exactly one process announces it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS fleet_terminals (
    terminal_id TEXT PRIMARY KEY,
    role TEXT NOT NULL, version TEXT NOT NULL,
    sent_at REAL NOT NULL, seq INTEGER NOT NULL,
    received_at REAL NOT NULL,           -- server time of the last heartbeat kept
    interval_s REAL NOT NULL,
    body TEXT NOT NULL,                  -- the heartbeat's JSON (states, counts, ages; no personal data)
    alerted TEXT NOT NULL DEFAULT '',    -- the status last alerted (state and faults), JSON
    last_fault TEXT NOT NULL DEFAULT '', last_fault_at REAL);
CREATE TABLE IF NOT EXISTS fleet_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staff_technicians (staff_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS fleet_sessions (
    token_hash TEXT PRIMARY KEY, staff_id TEXT NOT NULL, expires REAL NOT NULL);
"""

_UPDATE_ALL = ", ".join(f"{c} = excluded.{c}" for c in (  # every column but the key (flush)
    "role", "version", "sent_at", "seq", "received_at", "interval_s", "body", "alerted", "last_fault", "last_fault_at"))
LATE_INTERVALS, LATE_GRACE_S = 2, 10.0
OFFLINE_INTERVALS, OFFLINE_GRACE_S = 5, 30.0
STATES = ("online", "late", "offline")
COLOURS = {"green": "#1e8e3e", "amber": "#e37400", "red": "#d93025"}


@dataclass(frozen=True)
class Alert:
    terminal_id: str
    role: str
    state: str
    previous: str  # the state last alerted ("" the first time)
    faults: tuple[str, ...]
    at: float

    def to_json(self) -> dict[str, Any]:
        return {"event": "terminal_status", "terminal_id": self.terminal_id, "role": self.role,
                "state": self.state, "previous": self.previous, "faults": list(self.faults), "at": self.at}


@dataclass(frozen=True)
class TerminalView:
    """One row of the fleet: what the page, ``hall-admin fleet`` and /metrics show."""

    terminal_id: str
    role: str
    state: str
    colour: str
    age_s: float | None  # since the last heartbeat (None: never heard)
    version: str = ""
    faults: tuple[str, ...] = ()
    last_fault: str = ""
    last_fault_at: float | None = None
    heartbeat: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"terminal_id": self.terminal_id, "role": self.role, "state": self.state, "colour": self.colour,
                "age_s": None if self.age_s is None else round(self.age_s, 1), "version": self.version,
                "faults": list(self.faults), "last_fault": self.last_fault, "last_fault_at": self.last_fault_at,
                "outbox": self.heartbeat.get("outbox"), "disk_free_bytes": self.heartbeat.get("disk_free_bytes")}


def state_for(age_s: float | None, interval_s: float) -> str:
    if age_s is None:
        return "offline"
    if age_s <= LATE_INTERVALS * interval_s + LATE_GRACE_S:
        return "online"
    if age_s <= OFFLINE_INTERVALS * interval_s + OFFLINE_GRACE_S:
        return "late"
    return "offline"


def device_faults(body: dict[str, Any]) -> tuple[str, ...]:
    """``name: state`` (or ``name: paper out``) of every faulty device of a heartbeat, sorted."""
    faults = []
    for device in body.get("devices", ()):
        if device["state"] in ("failed", "reconnecting", "error"):
            faults.append(f"{device['name']}: {device['state']}")
        elif device.get("paper") in ("out", "low"):
            faults.append(f"{device['name']}: paper {device['paper']}")
    return tuple(sorted(faults))


def colour_for(state: str, faults: tuple[str, ...]) -> str:
    if state == "offline" or any(f.endswith((": failed", ": paper out")) for f in faults):
        return "red"
    if state == "late" or faults:
        return "amber"
    return "green"


def _status(state: str, faults: tuple[str, ...]) -> str:
    return json.dumps({"state": state, "faults": list(faults)}, sort_keys=True)


def _last_fault(body: dict[str, Any]) -> str:
    """The technician's line of the first faulty device: its fault and its last error."""
    for device in body.get("devices", ()):
        if device["state"] in ("failed", "reconnecting", "error") or device.get("paper") in ("out", "low"):
            what = f"paper {device['paper']}" if device.get("paper") in ("out", "low") else device["state"]
            error = device.get("last_error") or ""
            return f"{device['name']}: {what}" + (f" ({error})" if error else "")
    return ""


# --- heartbeats: kept in memory, written in batches -----------------------------------------------------

@dataclass
class _Kept:
    role: str
    version: str
    sent_at: float
    seq: int
    received_at: float
    interval_s: float
    body: dict[str, Any]
    alerted: str = ""
    last_fault: str = ""
    last_fault_at: float | None = None

    def row(self, terminal_id: str) -> tuple:
        return (terminal_id, self.role, self.version, self.sent_at, self.seq, self.received_at, self.interval_s,
                json.dumps(self.body, ensure_ascii=False), self.alerted, self.last_fault, self.last_fault_at)


class _Board:
    """The last heartbeat of every terminal, in memory (loaded from ``fleet_terminals`` when the store is first
    asked), with the ids changed since the last ``flush``."""

    def __init__(self, hall_store) -> None:
        self.lock = threading.Lock()
        self.flushing = threading.Lock()
        self.dirty: set[str] = set()
        self.shared = hall_store.db.kind == "postgresql"  # other processes may write fleet_terminals
        self.looked_at = hall_store.clock.now().timestamp()  # refresh: rows received after this (less a margin)
        self.kept = {r["terminal_id"]: _Kept(r["role"], r["version"], r["sent_at"], r["seq"], r["received_at"],
                                             r["interval_s"], json.loads(r["body"]), r["alerted"], r["last_fault"],
                                             r["last_fault_at"])
                     for r in hall_store._con().execute("SELECT * FROM fleet_terminals")}


_boards_lock = threading.Lock()


def _board(hall_store) -> _Board:
    board = getattr(hall_store, "_fleet_board", None)
    if board is None:
        with _boards_lock:
            board = getattr(hall_store, "_fleet_board", None)
            if board is None:
                board = hall_store._fleet_board = _Board(hall_store)
    return board


def loaded(hall_store) -> bool:
    """Whether the kept heartbeats are in memory already (else ``load``: SQLite)."""
    return getattr(hall_store, "_fleet_board", None) is not None


def load(hall_store) -> None:
    """Reads the kept heartbeats into memory (blocking: SQLite; the first request does it on the pool)."""
    _board(hall_store)


def keep(hall_store, *, terminal_id: str, role: str, body: dict[str, Any]) -> tuple[bool, str, Alert | None]:
    """Keeps a heartbeat in memory when it is newer than the one kept: (accepted, the terminal's state, an
    alert when its status changed). Touches no database (a request may call it on the event loop); the
    caller ``flush``es when there is an alert, so the status alerted reaches the disk with it; the fleet's
    watch writes the rest every sweep."""
    now = hall_store.clock.now().timestamp()
    faults = device_faults(body)
    fault_line = _last_fault(body)
    board = _board(hall_store)
    with board.lock:
        old = board.kept.get(terminal_id)
        if old is not None and (old.sent_at, old.seq) >= (body["sent_at"], body["seq"]):
            return False, state_for(now - old.received_at, old.interval_s), None
        status = _status("online", faults)
        alerted = old.alerted if old is not None else ""
        last_fault, last_fault_at = (fault_line, now) if fault_line else \
            ((old.last_fault, old.last_fault_at) if old is not None else ("", None))
        board.kept[terminal_id] = _Kept(role, body["version"], body["sent_at"], body["seq"], now, body["interval_s"],
                                        body, status, last_fault, last_fault_at)
        board.dirty.add(terminal_id)
    if status == alerted:
        return True, "online", None
    previous = json.loads(alerted)["state"] if alerted else ""
    return True, "online", Alert(terminal_id, role, "online", previous, faults, now)


def record(hall_store, *, terminal_id: str, role: str, body: dict[str, Any]) -> tuple[bool, str, Alert | None]:
    """``keep``, then ``flush`` when the status changed (blocking: SQLite)."""
    accepted, state, alert = keep(hall_store, terminal_id=terminal_id, role=role, body=body)
    if alert is not None:
        flush(hall_store)
    return accepted, state, alert


def flush(hall_store) -> int:
    """Writes the heartbeats kept since the last flush, in one transaction; how many."""
    board = _board(hall_store)
    with board.flushing:
        with board.lock:
            ids, board.dirty = board.dirty, set()
            rows = [board.kept[t].row(t) for t in ids]
        if not rows:
            return 0
        try:
            with hall_store._write() as con:
                con.executemany("INSERT INTO fleet_terminals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                "ON CONFLICT (terminal_id) DO UPDATE SET " + _UPDATE_ALL + _NOT_OLDER, rows)
        except BaseException:
            with board.lock:
                board.dirty |= ids
            raise
    return len(rows)


# A row is replaced only by a heartbeat as new as its own or newer (several processes: docs above).
_NOT_OLDER = " WHERE (fleet_terminals.sent_at, fleet_terminals.seq) <= (excluded.sent_at, excluded.seq)"
REFRESH_MARGIN_S = 60.0  # the clocks of the processes' machines may differ by this much


def refresh(hall_store) -> int:
    """Takes in the heartbeats other server processes wrote since the last look, where they are newer than the
    one kept here (with the status they alerted); how many. Nothing to do with one process (SQLite)."""
    board = _board(hall_store)
    if not board.shared:
        return 0
    now = hall_store.clock.now().timestamp()
    con = hall_store._con()
    recent = con.execute("SELECT terminal_id, sent_at, seq, alerted FROM fleet_terminals WHERE received_at > ?",
                         (board.looked_at - REFRESH_MARGIN_S,)).fetchall()
    with board.lock:
        newer = []
        for terminal_id, sent_at, seq, alerted in recent:
            kept = board.kept.get(terminal_id)
            if kept is None or (kept.sent_at, kept.seq) < (sent_at, seq):
                newer.append(terminal_id)
            elif (kept.sent_at, kept.seq) == (sent_at, seq) and kept.alerted != alerted:
                kept.alerted = alerted  # another process alerted this heartbeat's status
    taken = 0
    for terminal_id in newer:
        r = con.execute("SELECT * FROM fleet_terminals WHERE terminal_id = ?", (terminal_id,)).fetchone()
        with board.lock:
            kept = board.kept.get(terminal_id)
            if kept is None or (kept.sent_at, kept.seq) < (r["sent_at"], r["seq"]):
                board.kept[terminal_id] = _Kept(r["role"], r["version"], r["sent_at"], r["seq"], r["received_at"],
                                                r["interval_s"], json.loads(r["body"]), r["alerted"],
                                                r["last_fault"], r["last_fault_at"])
                board.dirty.discard(terminal_id)
                taken += 1
    board.looked_at = now
    return taken


def _claim(hall_store, claims: list[tuple[str, str, str]]) -> set[str]:
    """Several processes: marks each (terminal, old status, new status) alerted in the database where the
    database still holds the old status; the terminals this process won (the others were alerted elsewhere)."""
    won = set()
    with hall_store._write() as con:
        for terminal_id, old, new in claims:
            cursor = con.execute("UPDATE fleet_terminals SET alerted = ? WHERE terminal_id = ? AND alerted = ?",
                                 (new, terminal_id, old))
            if cursor.rowcount == 1:
                won.add(terminal_id)
            elif con.execute("SELECT 1 FROM fleet_terminals WHERE terminal_id = ?", (terminal_id,)).fetchone() \
                    is None:
                won.add(terminal_id)  # never written yet: the flush below writes it, with its status
    return won


def sweep(hall_store) -> list[Alert]:
    """Alerts for the terminals whose state changed by time passing (late, offline), marking them alerted;
    then writes every heartbeat kept since the last sweep. Several processes: first takes in what the others
    wrote, and alerts only the changes this process claimed."""
    refresh(hall_store)
    now = hall_store.clock.now().timestamp()
    alerts, claims = [], []
    board = _board(hall_store)
    with board.lock:
        for terminal_id, kept in board.kept.items():
            state = state_for(now - kept.received_at, kept.interval_s)
            faults = device_faults(kept.body)
            status = _status(state, faults)
            if status == kept.alerted:
                continue
            previous = json.loads(kept.alerted)["state"] if kept.alerted else ""
            claims.append((terminal_id, kept.alerted, status))
            kept.alerted = status
            board.dirty.add(terminal_id)
            alerts.append(Alert(terminal_id, kept.role, state, previous, faults, now))
    if board.shared and claims:
        won = _claim(hall_store, claims)
        alerts = [alert for alert in alerts if alert.terminal_id in won]
    flush(hall_store)
    return alerts


# --- reading the fleet -----------------------------------------------------------------------------------

def _view(now: float, terminal_id: str, role: str, kept: _Kept | None) -> TerminalView:
    if kept is None:
        return TerminalView(terminal_id, role, "offline", "red", None)
    age = max(0.0, now - kept.received_at)
    state = state_for(age, kept.interval_s)
    faults = device_faults(kept.body)
    return TerminalView(terminal_id, role, state, colour_for(state, faults), age, kept.version, faults,
                        kept.last_fault, kept.last_fault_at, kept.body)


def terminals(hall_store) -> list[TerminalView]:
    """Every provisioned terminal, with its last heartbeat (none: offline, never heard), by id."""
    now = hall_store.clock.now().timestamp()
    provisioned = hall_store._con().execute("SELECT terminal_id, role FROM terminals ORDER BY terminal_id").fetchall()
    board = _board(hall_store)
    with board.lock:
        kept = dict(board.kept)
    return [_view(now, t, role, kept.get(t)) for t, role in provisioned]


def terminal(hall_store, terminal_id: str) -> TerminalView | None:
    return next((v for v in terminals(hall_store) if v.terminal_id == terminal_id), None)


def counts_by_state(views: list[TerminalView]) -> dict[str, int]:
    return {state: sum(1 for v in views if v.state == state) for state in STATES}


# --- settings --------------------------------------------------------------------------------------------

def setting(hall_store, key: str) -> str:
    row = hall_store._con().execute("SELECT value FROM fleet_settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else ""


def set_setting(hall_store, key: str, value: str) -> None:
    with hall_store._write() as con:
        if value:
            con.execute("INSERT INTO fleet_settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                        "value = excluded.value", (key, value))
        else:
            con.execute("DELETE FROM fleet_settings WHERE key = ?", (key,))
