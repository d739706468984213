"""Picking a result up: at a kiosk beside the locker, and at the pickup window (docs/pickup.md).

At a kiosk (a ``citizen`` terminal that drives the locker's boards):

- ``lookup(id_number=…)``: the number of the ID card the kiosk has just read. Only items of cases this
  person may collect (the applicant, or a registered proxy: lockers.case_collectors) in compartments this
  kiosk drives are answered; nobody else's compartment is ever named.
- ``lookup(code=…)``: the six-digit pickup code of the text message. Wrong codes are counted per kiosk
  BEFORE the code is checked, as clerk PINs are (windows.py): the ``CODE_MAX_FAILURES``-th wrong code
  locks the kiosk's code entry for ``CODE_LOCK_S``, doubled for each lockout since the last good code
  (``too_many_attempts``, 429); a good code clears the count.
- Each item found comes with a ``grant``: a random token (kept as its SHA-256) for that kiosk, that case
  and that person, valid ``GRANT_S``. ``collected(grant, opened=True, closed=True)`` — the kiosk saw the
  door open and then closed — moves the case to ``picked_up`` (case_progress.py). A door that did not open
  is never reported collected: ``fault(grant, fault)`` (``jammed``, ``left_open``, ``no_answer``) keeps an
  alert for the technician and the case stays in the locker.

At the pickup window (a logged-in clerk): ``ready_for(id_number)`` lists the cases ready for this
person (applicant or proxy), wherever they wait; ``hand_over(tracking, id_number, authorisation)``
checks the ID against the case and records the collection (a proxy's authorisation captured with the
document camera is named by its SHA-256).
"""

from __future__ import annotations

import sqlite3

from core.domain.appointments import CaseState, Collector
from hall_server import case_progress, cases, collectors, crypto, lockers
from hall_server.problems import HallError

CODE_MAX_FAILURES = 5
CODE_LOCK_S = 60
CODE_LOCK_MAX_S = 24 * 3600
GRANT_S = 300
FAULTS = ("jammed", "left_open", "no_answer")

SCHEMA = """
CREATE TABLE IF NOT EXISTS pickup_attempts (
    terminal_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, lockouts INTEGER NOT NULL,
    locked_until REAL NOT NULL, touched REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pickup_grants (
    token_hash TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, tracking TEXT NOT NULL,
    collector TEXT NOT NULL, means TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pickup_handovers (
    tracking TEXT PRIMARY KEY, collector TEXT NOT NULL, staff_id TEXT NOT NULL, "window" INTEGER,
    authorisation TEXT, at REAL NOT NULL);
"""


# --- the kiosk ----------------------------------------------------------------------------------------

def _take_attempt(hall_store, terminal_id: str, now: float) -> None:
    with hall_store._write() as con:
        row = con.execute("SELECT failures, lockouts, locked_until FROM pickup_attempts WHERE terminal_id = ?",
                          (terminal_id,)).fetchone()
        failures, lockouts, locked_until = tuple(row) if row else (0, 0, 0.0)
        refused = locked_until > now
        if not refused:
            failures += 1
            if failures >= CODE_MAX_FAILURES:
                locked_until = now + min(CODE_LOCK_S * 2 ** min(lockouts, 20), CODE_LOCK_MAX_S)
                failures, lockouts = 0, lockouts + 1
            con.execute("INSERT INTO pickup_attempts VALUES (?, ?, ?, ?, ?) ON CONFLICT (terminal_id) DO UPDATE SET "
                        "failures = excluded.failures, lockouts = excluded.lockouts, "
                        "locked_until = excluded.locked_until, touched = excluded.touched",
                        (terminal_id, failures, lockouts, locked_until, now))
    if refused:
        raise HallError("too_many_attempts", "too many wrong pickup codes at this kiosk; try again later")


def lookup(hall_store, *, terminal_id: str, id_number: str | None = None, code: str | None = None) -> list[dict]:
    """The items waiting for the holder of ``id_number``, or the one ``code`` opens, in the compartments
    this kiosk drives, each with its ``grant``. ``code`` wrong: ``pickup_code_wrong`` (404)."""
    now = hall_store.clock.now().timestamp()
    if code is not None:
        _take_attempt(hall_store, terminal_id, now)
    with hall_store._write() as con:
        mine = lockers.drives(con, terminal_id)
        rows = con.execute(
            f"SELECT i.tracking, i.locker, i.number, i.code_hash FROM locker_items i WHERE i.state = 'in_locker' "
            f"AND i.locker IN ({','.join('?' * len(mine)) or 'NULL'}) ORDER BY i.deposited_at", mine).fetchall()
        found: list[tuple[str, str, int, str]] = []
        if code is not None:
            digest = lockers.code_hash(hall_store, code)
            found = [(r[0], r[1], r[2], "applicant") for r in rows if r[3] == digest]
            if not found:
                raise HallError("pickup_code_wrong", "no item waits under this pickup code")
            con.execute("DELETE FROM pickup_attempts WHERE terminal_id = ?", (terminal_id,))
        else:
            for r in rows:
                role = collectors.collector_role(hall_store, con, r[0], id_number or "")
                if role is not None:
                    found.append((r[0], r[1], r[2], role))
        con.execute("DELETE FROM pickup_grants WHERE expires < ?", (now,))
        out = []
        for tracking, locker, number, role in found:
            grant = crypto.new_token()
            con.execute("INSERT INTO pickup_grants VALUES (?, ?, ?, ?, ?, ?)",
                        (crypto.token_hash(grant), terminal_id, tracking, role, "code" if code else "id_card",
                         now + GRANT_S))
            view = lockers._compartment_view(con, locker, number, tracking)
            matter = con.execute("SELECT matter_name, matter_name_en FROM cases WHERE tracking = ?",
                                 (tracking,)).fetchone()
            out.append({**view, "grant": grant, "collector": role, "matter_name": matter[0],
                        "matter_name_en": matter[1]})
    return out


def _grant(hall_store, con: sqlite3.Connection, terminal_id: str, grant: str) -> sqlite3.Row:
    row = con.execute("SELECT * FROM pickup_grants WHERE token_hash = ?", (crypto.token_hash(grant),)).fetchone()
    if row is None or row["terminal_id"] != terminal_id or row["expires"] < hall_store.clock.now().timestamp():
        raise HallError("pickup_grant_unknown", "this pickup is not (or no longer) open at this kiosk")
    return row


def collected(hall_store, *, terminal_id: str, grant: str, opened: bool, closed: bool) -> dict:
    """The kiosk saw the door open and then closed: the case is ``picked_up``. A door not seen opened
    and closed is refused (``door_not_confirmed``): it is reported with ``fault`` instead."""
    if not (opened and closed):
        raise HallError("invalid_request", "door_not_confirmed: a pickup is recorded only after the door was "
                                           "seen opened and then closed")
    with hall_store._write() as con:
        row = _grant(hall_store, con, terminal_id, grant)
        tracking = row["tracking"]
        move = case_progress.Move(CaseState.PICKED_UP, collected_by=Collector(row["collector"]))
        moved = case_progress._move(hall_store, con, tracking, move, terminal_id, None)
        con.execute("UPDATE locker_items SET state = 'collected', collected_at = ?, collected_with = ? "
                    "WHERE tracking = ? AND state = 'in_locker'",
                    (hall_store.clock.now().timestamp(), row["means"], tracking))
        con.execute("DELETE FROM pickup_grants WHERE tracking = ?", (tracking,))
    view = cases.case_view(hall_store, tracking)
    if moved:
        from hall_server.notify import announce

        announce(hall_store, view)
    return view


def fault(hall_store, *, terminal_id: str, grant: str, fault: str) -> dict:
    """The door of a pickup did not open (``jammed``), was left open (``left_open``), or the bus did not
    answer (``no_answer``): an alert is kept and the case stays in the locker."""
    with hall_store._write() as con:
        row = _grant(hall_store, con, terminal_id, grant)
        item = con.execute("SELECT locker, number FROM locker_items WHERE tracking = ?",
                           (row["tracking"],)).fetchone()
        lockers.keep_alert(hall_store, con, terminal_id=terminal_id, locker=item[0], number=item[1], fault=fault,
                   tracking=row["tracking"], actor=terminal_id)
        if fault == "jammed":
            con.execute("UPDATE locker_compartments SET out_of_service = 1 WHERE locker = ? AND number = ?",
                        (item[0], item[1]))
    return {"tracking": row["tracking"], "locker": item[0], "number": item[1], "fault": fault}


# --- the pickup window --------------------------------------------------------------------------------

def ready_for(hall_store, *, terminal_id: str, token: str | None, id_number: str) -> list[dict]:
    """The cases ready for pickup that the holder of ``id_number`` may collect, each with the role."""
    con = hall_store._con()
    hall_store._session(con, terminal_id, token)
    person = crypto.person_key(hall_store._person_key, id_number)
    rows = con.execute("SELECT p.tracking, p.role FROM case_collectors p JOIN cases c ON c.tracking = p.tracking "
                       "WHERE p.person_hash = ? AND c.state = ? ORDER BY p.tracking",
                       (person, CaseState.READY_FOR_PICKUP.value)).fetchall()
    return [{"case": cases.case_view(hall_store, r[0]), "collector": r[1]} for r in rows]


def hand_over(hall_store, *, terminal_id: str, token: str | None, tracking: str, id_number: str,
              authorisation: str | None) -> dict:
    """Hands a result over at the window: the ID checked against the case (``not_a_collector``, 403,
    otherwise); a proxy's hand-over names the authorisation (SHA-256 of its captured image)."""
    with hall_store._write() as con:
        session = hall_store._session(con, terminal_id, token)
        role = collectors.collector_role(hall_store, con, tracking, id_number)
        if role is None:
            raise HallError("not_a_collector", "this ID card is neither the applicant's nor a registered proxy's")
        if role == "proxy" and not authorisation:
            raise HallError("invalid_request", "authorisation: a proxy's hand-over names the captured authorisation")
        move = case_progress.Move(CaseState.PICKED_UP, collected_by=Collector(role))
        moved = case_progress._move(hall_store, con, tracking, move, session["staff_id"], session["window"])
        con.execute("INSERT INTO pickup_handovers VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (tracking, role, session["staff_id"], session["window"], authorisation,
                     hall_store.clock.now().timestamp()))
    view = cases.case_view(hall_store, tracking, notes=True)
    if moved:
        from hall_server.notify import announce

        announce(hall_store, view)
    return view


def handover_record(hall_store, tracking: str) -> dict | None:
    row = hall_store._con().execute("SELECT collector, staff_id, \"window\", authorisation FROM pickup_handovers "
                                    "WHERE tracking = ?", (tracking,)).fetchone()
    return None if row is None else {"collector": row[0], "staff_id": row[1], "window": row[2],
                                     "authorisation": row[3]}

