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
heartbeats are taken), a flush never replaces a row holding a newer heartbeat, and a status found by a sweep or
raised by a heartbeat (``announce``) is claimed in the database (``UPDATE … WHERE alerted = <the status this
process knew the row to hold>``) before it is alerted, so exactly one process announces it.

Flap damping (docs/fleet.md, "Flapping"): each change of a terminal's status is noted with its time and what
changed (``flap_changes``, in the same row); a terminal whose status changed ``high`` times within the last
``window`` seconds is marked flapping, with one alert (``terminal_flapping``) naming what flaps; while it flaps
its changes are not alerted one by one, except going offline or coming back from offline; once no more than
``low`` changes are left within the window, one alert (``terminal_settled``) gives its status. The mark is
part of the status alerted (``alerted``), so it is written, claimed and taken in by other processes as any
status is, and a restart keeps it. The thresholds are fleet settings (``hall-admin fleet flapping``); what
damping decides is in ``fleet_flapping.py``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from hall_server.fleet_flapping import Changes, _alerted, _changes_json, _changes_of, _status, damping, judge

SCHEMA = """
CREATE TABLE IF NOT EXISTS fleet_terminals (
    terminal_id TEXT PRIMARY KEY,
    role TEXT NOT NULL, version TEXT NOT NULL,
    sent_at REAL NOT NULL, seq INTEGER NOT NULL,
    received_at REAL NOT NULL,           -- server time of the last heartbeat kept
    interval_s REAL NOT NULL,
    body TEXT NOT NULL,                  -- the heartbeat's JSON (states, counts, ages; no personal data)
    alerted TEXT NOT NULL DEFAULT '',    -- the status last alerted (state, faults, the flapping mark), JSON
    last_fault TEXT NOT NULL DEFAULT '', last_fault_at REAL,
    flap_changes TEXT NOT NULL DEFAULT '');  -- the changes within the flapping window: [[at, [what]], …]
CREATE TABLE IF NOT EXISTS fleet_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staff_technicians (staff_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS fleet_sessions (
    token_hash TEXT PRIMARY KEY, staff_id TEXT NOT NULL, expires REAL NOT NULL);
"""

COLUMNS = ("terminal_id", "role", "version", "sent_at", "seq", "received_at", "interval_s", "body", "alerted",
           "last_fault", "last_fault_at", "flap_changes")
_UPDATE_ALL = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])  # every column but the key (flush)
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
    #: ``terminal_status`` (a change), ``terminal_flapping`` (it started flapping), ``terminal_settled``
    event: str = "terminal_status"
    flapping: tuple[str, ...] = ()  # what flaps, while the terminal is marked flapping
    #: the status this alert writes (``alerted``): what several processes claim (``announce``)
    status: str = field(default="", compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "terminal_id": self.terminal_id, "role": self.role,
                "state": self.state, "previous": self.previous, "faults": list(self.faults), "at": self.at,
                "flapping": list(self.flapping)}


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
    flapping: bool = False
    flaps: tuple[str, ...] = ()  # what flaps, while flapping

    def to_json(self) -> dict[str, Any]:
        return {"terminal_id": self.terminal_id, "role": self.role, "state": self.state, "colour": self.colour,
                "age_s": None if self.age_s is None else round(self.age_s, 1), "version": self.version,
                "faults": list(self.faults), "last_fault": self.last_fault, "last_fault_at": self.last_fault_at,
                "outbox": self.heartbeat.get("outbox"), "disk_free_bytes": self.heartbeat.get("disk_free_bytes"),
                "flapping": self.flapping, "flaps": list(self.flaps)}


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
    changes: Changes = ()

    def row(self, terminal_id: str) -> tuple:
        return (terminal_id, self.role, self.version, self.sent_at, self.seq, self.received_at, self.interval_s,
                json.dumps(self.body, ensure_ascii=False), self.alerted, self.last_fault, self.last_fault_at,
                _changes_json(self.changes))

    @classmethod
    def of(cls, r) -> _Kept:
        """The kept heartbeat of a ``fleet_terminals`` row."""
        return cls(r["role"], r["version"], r["sent_at"], r["seq"], r["received_at"], r["interval_s"],
                   json.loads(r["body"]), r["alerted"], r["last_fault"], r["last_fault_at"],
                   _changes_of(r["flap_changes"]))


class _Board:
    """The last heartbeat of every terminal, in memory (loaded from ``fleet_terminals`` when the store is first
    asked), with the ids changed since the last ``flush``."""

    def __init__(self, hall_store) -> None:
        self.lock = threading.Lock()
        self.flushing = threading.Lock()
        #: one sweep or announce at a time (the fleet's watch; a test sweeping beside it): a refresh never reads
        #: a row while this process's own claim of it is under way
        self.claiming = threading.Lock()
        self.dirty: set[str] = set()
        self.shared = hall_store.db.kind == "postgresql"  # other processes may write fleet_terminals
        self.looked_at = hall_store.clock.now().timestamp()  # refresh: rows received after this (less a margin)
        self.damping = damping(hall_store)  # read again at every sweep
        rows = hall_store._con().execute("SELECT * FROM fleet_terminals").fetchall()
        self.kept = {r["terminal_id"]: _Kept.of(r) for r in rows}
        #: the status alerted each row holds in the database, as far as this process knows (read, written or
        #: claimed by it): what a claim expects to find there (several processes). The kept status may be ahead
        #: of it by the changes damped since the last flush.
        self.known: dict[str, str] = {r["terminal_id"]: r["alerted"] for r in rows}


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
        alerted, changes = (old.alerted, old.changes) if old is not None else ("", ())
        event, what = "", ()
        if status != alerted:  # a change, or a flapping terminal (its mark is in what was alerted)
            status, changes, event, what = judge(alerted, "online", faults, changes, now, board.damping)
        last_fault, last_fault_at = (fault_line, now) if fault_line else \
            ((old.last_fault, old.last_fault_at) if old is not None else ("", None))
        board.kept[terminal_id] = _Kept(role, body["version"], body["sent_at"], body["seq"], now, body["interval_s"],
                                        body, status, last_fault, last_fault_at, changes)
        board.dirty.add(terminal_id)
    if not event:
        return True, "online", None
    previous = _alerted(alerted)[0] if alerted else ""
    return True, "online", Alert(terminal_id, role, "online", previous, faults, now, event, what, status)


def record(hall_store, *, terminal_id: str, role: str, body: dict[str, Any]) -> tuple[bool, str, Alert | None]:
    """``keep``, then ``announce`` when the status changed (blocking: SQLite); the alert is None when another
    process announced it."""
    accepted, state, alert = keep(hall_store, terminal_id=terminal_id, role=role, body=body)
    if alert is not None:
        alert = next(iter(announce(hall_store, [alert])), None)
    return accepted, state, alert


def flush(hall_store) -> int:
    """Writes the heartbeats kept since the last flush, in one transaction; how many. Without a flush to
    disk of its own (``relaxed``): a power cut may lose the last few, which the terminals' next heartbeats
    bring back (an alert may then be sent again); the next durable commit takes them to disk anyway."""
    board = _board(hall_store)
    with board.flushing:
        with board.lock:
            ids, board.dirty = board.dirty, set()
            rows = [board.kept[t].row(t) for t in ids]
        if not rows:
            return 0
        try:
            with hall_store.db.relaxed(hall_store._con()), hall_store._write() as con:
                con.executemany(_INSERT + " ON CONFLICT (terminal_id) DO UPDATE SET " + _UPDATE_ALL + _NOT_OLDER, rows)
        except BaseException:
            with board.lock:
                board.dirty |= ids
            raise
        if board.shared:  # (a row that held a newer heartbeat kept its own: a claim on it fails, and reads it)
            with board.lock:
                board.known.update((r[0], r[8]) for r in rows)
    return len(rows)


_INSERT = f"INSERT INTO fleet_terminals ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
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
                newer.append(terminal_id)  # another process alerted this heartbeat's status
    taken = 0
    for terminal_id in newer:
        r = con.execute("SELECT * FROM fleet_terminals WHERE terminal_id = ?", (terminal_id,)).fetchone()
        with board.lock:
            kept = board.kept.get(terminal_id)
            if kept is None or (kept.sent_at, kept.seq) < (r["sent_at"], r["seq"]):
                board.kept[terminal_id] = _Kept.of(r)
                board.dirty.discard(terminal_id)
                taken += 1
            elif (kept.sent_at, kept.seq) == (r["sent_at"], r["seq"]):
                kept.alerted, kept.changes = r["alerted"], _changes_of(r["flap_changes"])
            board.known[terminal_id] = r["alerted"]
    board.looked_at = now
    return taken


def _claim(hall_store, claims: list[tuple[str, str, str]]) -> set[str]:
    """Several processes: marks each (terminal, old status, new status) alerted in the database where the
    database still holds the old status; the terminals this process won (the others were alerted elsewhere)."""
    return {claim[0] for claim, won in zip(claims, _claim_each(hall_store, claims)) if won}


def _claim_each(hall_store, claims: list[tuple[str, str, str]]) -> list[bool]:
    """``_claim``, in order in one transaction: whether each was won (a terminal never written yet is won: the
    flush after the claim writes it, with its status). What a won claim wrote becomes the status known."""
    board = _board(hall_store)
    won = []
    with hall_store._write() as con:
        for terminal_id, old, new in claims:
            cursor = con.execute("UPDATE fleet_terminals SET alerted = ? WHERE terminal_id = ? AND alerted = ?",
                                 (new, terminal_id, old))
            won.append(cursor.rowcount == 1 or con.execute(
                "SELECT 1 FROM fleet_terminals WHERE terminal_id = ?", (terminal_id,)).fetchone() is None)
    with board.lock:
        board.known.update((t, new) for (t, _, new), w in zip(claims, won) if w)
    return won


def _lost(hall_store, board: _Board, lost: dict[str, _Kept]) -> None:
    """The claims another process won: what it alerted (and the changes it noted) replace this process's
    guess, so the flush does not write over them; the next sweep alerts what is still new from there."""
    con = hall_store._con()
    for terminal_id, claimed in lost.items():
        r = con.execute("SELECT alerted, flap_changes FROM fleet_terminals WHERE terminal_id = ?",
                        (terminal_id,)).fetchone()
        with board.lock:
            if r is not None:
                board.known[terminal_id] = r["alerted"]
            if r is not None and board.kept.get(terminal_id) is claimed:
                claimed.alerted, claimed.changes = r["alerted"], _changes_of(r["flap_changes"])


def announce(hall_store, alerts: list[Alert]) -> list[Alert]:
    """Writes the statuses of alerts raised by heartbeats (``keep``), then gives those to send. Several
    processes: each alert's status is first claimed in the database (``_claim``), as a sweep's are, so a
    change, a flapping mark or a settling seen by two processes is announced by one; the others are not
    sent (their status is taken from the database)."""
    board = _board(hall_store)
    with board.claiming:
        return _announce(hall_store, board, alerts)


def _announce(hall_store, board: _Board, alerts: list[Alert]) -> list[Alert]:
    if board.shared and alerts:
        claims, expected = [], {}  # each from the status the database holds, or the one claimed before it
        with board.lock:
            kept = {a.terminal_id: board.kept.get(a.terminal_id) for a in alerts}
            for a in alerts:
                claims.append((a.terminal_id, expected.get(a.terminal_id, board.known.get(a.terminal_id, "")),
                               a.status))
                expected[a.terminal_id] = a.status
        won = _claim_each(hall_store, claims)
        lost = {a.terminal_id: kept[a.terminal_id] for a, w in zip(alerts, won) if not w}
        _lost(hall_store, board, {t: k for t, k in lost.items() if k is not None})
        alerts = [a for a, w in zip(alerts, won) if w]
    flush(hall_store)
    return alerts


def sweep(hall_store) -> list[Alert]:
    """Alerts for the terminals whose state changed by time passing (late, offline; a flapping one settled),
    marking them alerted; then writes every heartbeat kept since the last sweep. Several processes: first
    takes in what the others wrote, and alerts only the changes this process claimed."""
    board = _board(hall_store)
    with board.claiming:
        return _sweep(hall_store, board)


def _sweep(hall_store, board: _Board) -> list[Alert]:
    refresh(hall_store)
    now = hall_store.clock.now().timestamp()
    alerts, claims, claimed = [], [], {}
    board.damping = damping(hall_store)  # a change by ``hall-admin fleet flapping`` reaches a running server
    with board.lock:
        for terminal_id, kept in board.kept.items():
            state = state_for(now - kept.received_at, kept.interval_s)
            faults = device_faults(kept.body)
            if _status(state, faults) == kept.alerted:
                continue
            status, changes, event, what = judge(kept.alerted, state, faults, kept.changes, now, board.damping)
            if (status, changes) == (kept.alerted, kept.changes):
                continue
            if event:
                previous = _alerted(kept.alerted)[0] if kept.alerted else ""
                claims.append((terminal_id, board.known.get(terminal_id, ""), status))
                claimed[terminal_id] = kept
                alerts.append(Alert(terminal_id, kept.role, state, previous, faults, now, event, what))
            kept.alerted, kept.changes = status, changes
            board.dirty.add(terminal_id)
    if board.shared and claims:
        won = _claim(hall_store, claims)
        _lost(hall_store, board, {t: k for t, k in claimed.items() if t not in won})
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
    alerted = _alerted(kept.alerted)
    flaps = alerted[2] if alerted is not None else None
    colour = colour_for(state, faults)
    if flaps is not None and colour == "green":
        colour = "amber"  # flapping: not well, whatever its status this moment
    return TerminalView(terminal_id, role, state, colour, age, kept.version, faults, kept.last_fault,
                        kept.last_fault_at, kept.body, flaps is not None, flaps or ())


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
