"""The hall's smart lockers on the platform: compartments, deposits by the pickup window, and overdue items.

Results wait in a locker for pickup at any hour (docs/pickup.md). What the platform keeps:

- ``locker_compartments``: from the hall file's ``lockers`` (``load_lockers``): each locker's ``id``, its
  ``name`` (what the text message and the receipt scan say), the ``terminals`` that use it (the kiosk
  beside it, the pickup window's terminal), the one of them whose bus drives its lock-control boards
  (``bus``, default the first; the others relay door commands through it: locker_relay.py), and one row
  per compartment: its ``number``
  (printed on the door), ``board`` and ``lock`` on the RS-485 bus (docs/locker.md) and ``size`` (S, M, L).
  ``overdue_days`` (default 7) says after how many days an item not collected is listed for staff.
- ``locker_items``: one row per case put in a locker. A deposit is two steps, as a clerk does it at the
  pickup window: ``deposit`` (a logged-in clerk, a case ``approved``, a size) assigns a free compartment
  of that size the clerk's terminal drives (state ``depositing``); the terminal opens the door, the clerk
  puts the documents in and closes it; ``deposited`` (the terminal saw the door closed) generates the
  pickup code, moves the case to ``ready_for_pickup`` in the locker (case_progress.py) and sends the code
  by text message. A door that would not open is ``deposit_failed``: the compartment is taken out of
  service, an alert is kept (``locker_alerts``) and the case may be deposited in another one.
- ``reclaim``: staff take an item not collected back to the pickup window (``kiosk hall-admin locker
  --reclaim``); the case then waits at that window and the code no longer opens anything.
- The pickup code: six digits from ``secrets``, kept only as an HMAC under the database's own key, unique
  among the items waiting; the text message carries it, never an ID number or a name.
- ``locker_alerts``: doors that jammed, were left open, or boards that did not answer, for the technician
  (``kiosk hall-admin locker --alerts``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import sqlite3
from datetime import datetime

from core.domain.appointments import CaseState, PickupMethod
from core.i18n import Translator
from hall_server import case_progress, cases, locker_relay
from hall_server.notify import NOTICE_LANGUAGE, Notice, deliver
from hall_server.problems import HallError

log = logging.getLogger(__name__)

SIZES = ("S", "M", "L")
DEFAULT_OVERDUE_DAYS = 7
CODE_DIGITS = 6
_LOCKER_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS lockers (
    locker TEXT PRIMARY KEY, name TEXT NOT NULL, terminals TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locker_compartments (
    locker TEXT NOT NULL, number INTEGER NOT NULL, board INTEGER NOT NULL, lock INTEGER NOT NULL,
    size TEXT NOT NULL, out_of_service INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (locker, number), UNIQUE (locker, board, lock));
CREATE TABLE IF NOT EXISTS locker_settings (one INTEGER PRIMARY KEY CHECK (one = 1), overdue_days INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS locker_items (
    tracking TEXT PRIMARY KEY,
    locker TEXT NOT NULL, number INTEGER NOT NULL,
    state TEXT NOT NULL,                 -- depositing, in_locker, collected, reclaimed
    code_hash TEXT,                      -- HMAC of the pickup code (never the code)
    deposited_at REAL, deposited_by TEXT NOT NULL, "window" INTEGER,
    collected_at REAL, collected_with TEXT);   -- id_card, code
CREATE UNIQUE INDEX IF NOT EXISTS one_item_per_compartment ON locker_items (locker, number)
    WHERE state IN ('depositing', 'in_locker');
CREATE TABLE IF NOT EXISTS locker_alerts (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, terminal_id TEXT NOT NULL, locker TEXT NOT NULL,
    number INTEGER NOT NULL, fault TEXT NOT NULL, tracking TEXT, actor TEXT NOT NULL);
"""


# --- the hall file ------------------------------------------------------------------------------------

def _compartments(locker: dict, where: str) -> list[tuple]:
    rows = []
    for j, c in enumerate(locker.get("compartments") or []):
        at = f"{where}.compartments[{j}]"
        if not isinstance(c, dict) or not all(isinstance(c.get(k), int) and not isinstance(c.get(k), bool)
                                              for k in ("number", "board", "lock")):
            raise ValueError(f"{at}: number, board and lock are whole numbers")
        if not (1 <= c["number"] <= 9999 and 1 <= c["board"] <= 255 and 1 <= c["lock"] <= 255):
            raise ValueError(f"{at}: number 1–9999, board 1–255, lock 1–255")
        if c.get("size") not in SIZES:
            raise ValueError(f"{at}.size: one of {', '.join(SIZES)}")
        rows.append((locker["id"], c["number"], c["board"], c["lock"], c["size"]))
    if not rows:
        raise ValueError(f"{where}.compartments: a locker has at least one compartment")
    if len({r[1] for r in rows}) != len(rows) or len({r[2:4] for r in rows}) != len(rows):
        raise ValueError(f"{where}.compartments: two compartments share a number or a board and lock")
    return rows


def load_lockers(hall_store, data: dict) -> int:
    """Keeps the hall file's ``lockers`` (and ``locker_overdue_days``), replacing the compartments a deposit
    has not taken; returns how many compartments. ValueError names what is wrong (nothing changes)."""
    lockers, rows, names = data.get("lockers") or [], [], []
    if not isinstance(lockers, list):
        raise ValueError("lockers: a list")
    for i, locker in enumerate(lockers):
        where = f"lockers[{i}]"
        if not isinstance(locker, dict) or not _LOCKER_ID.match(str(locker.get("id", ""))):
            raise ValueError(f"{where}.id: 1–16 letters, digits, '_' or '-'")
        terminals = locker.get("terminals")
        if not (isinstance(terminals, list) and terminals and all(isinstance(t, str) and t for t in terminals)):
            raise ValueError(f"{where}.terminals: the terminals that drive its boards")
        if "bus" in locker and locker["bus"] not in terminals:
            raise ValueError(f"{where}.bus: one of its terminals (the one whose [locker] drives the boards)")
        if not isinstance(locker.get("name"), str) or not locker["name"].strip():
            raise ValueError(f"{where}.name is required")
        names.append((locker["id"], locker["name"].strip(), json.dumps(terminals)))
        rows += _compartments(locker, where)
    if len({n[0] for n in names}) != len(names):
        raise ValueError("lockers: two lockers share an id")
    days = data.get("locker_overdue_days", DEFAULT_OVERDUE_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        raise ValueError("locker_overdue_days: 1 to 365")
    with hall_store._write() as con:
        con.execute("DELETE FROM lockers")
        con.executemany("INSERT INTO lockers VALUES (?, ?, ?)", names)
        kept = {(r[0], r[1]): r[2] for r in con.execute("SELECT locker, number, out_of_service "
                                                          "FROM locker_compartments")}
        con.execute("DELETE FROM locker_compartments")
        con.executemany("INSERT INTO locker_compartments VALUES (?, ?, ?, ?, ?, ?)",
                        [(*r, kept.get((r[0], r[1]), 0)) for r in rows])
        con.execute("INSERT INTO locker_settings VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET "
                    "overdue_days = excluded.overdue_days", (days,))
        locker_relay.keep_buses(con, lockers)
    return len(rows)


def has_lockers(hall_store) -> bool:
    """Whether the hall file's lockers were loaded (a hall seeded before result pickup has none)."""
    return hall_store._con().execute("SELECT 1 FROM locker_settings").fetchone() is not None


def overdue_days(con: sqlite3.Connection) -> int:
    row = con.execute("SELECT overdue_days FROM locker_settings").fetchone()
    return row[0] if row else DEFAULT_OVERDUE_DAYS


def code_hash(hall_store, code: str) -> str:
    return hmac.new(hall_store._person_key, f"pickup-code:{code}".encode(), hashlib.sha256).hexdigest()


# --- deposits -----------------------------------------------------------------------------------------

def drives(con: sqlite3.Connection, terminal_id: str) -> list[str]:
    """The lockers whose boards ``terminal_id`` drives."""
    return [r[0] for r in con.execute("SELECT locker, terminals FROM lockers") if terminal_id in json.loads(r[1])]


def _compartment_view(con: sqlite3.Connection, locker: str, number: int, tracking: str) -> dict:
    row = con.execute("SELECT c.board, c.lock, c.size, l.name FROM locker_compartments c JOIN lockers l "
                      "ON l.locker = c.locker WHERE c.locker = ? AND c.number = ?", (locker, number)).fetchone()
    return {"tracking": tracking, "locker": locker, "locker_name": row[3], "number": number, "board": row[0],
            "lock": row[1], "size": row[2]}


def deposit(hall_store, *, terminal_id: str, token: str | None, tracking: str, size: str) -> dict:
    """Assigns a free compartment of ``size`` (or the next larger one) for an approved case; repeated for
    a case being deposited, the same compartment. ``HallError``: ``not_found``, ``wrong_state``,
    ``locker_full`` (no free compartment this terminal drives)."""
    with hall_store._write() as con:
        session = hall_store._session(con, terminal_id, token)
        case = con.execute("SELECT state FROM cases WHERE tracking = ?", (tracking,)).fetchone()
        if case is None:
            raise HallError("not_found", "no case with this tracking number")
        item = con.execute("SELECT locker, number, state FROM locker_items WHERE tracking = ?", (tracking,)).fetchone()
        if item is not None and item[2] == "depositing":
            return _compartment_view(con, item[0], item[1], tracking)
        if case[0] != CaseState.APPROVED.value:
            raise HallError("wrong_state", f"a case that is {case[0]} is not put in a locker (only approved)")
        mine = drives(con, terminal_id)
        sizes = SIZES[SIZES.index(size):]
        free = con.execute(
            f"SELECT c.locker, c.number FROM locker_compartments c WHERE c.out_of_service = 0 "
            f"AND c.locker IN ({','.join('?' * len(mine)) or 'NULL'}) AND c.size IN ({','.join('?' * len(sizes))}) "
            "AND NOT EXISTS (SELECT 1 FROM locker_items i WHERE i.locker = c.locker AND i.number = c.number "
            "AND i.state IN ('depositing', 'in_locker')) ORDER BY CASE c.size WHEN 'S' THEN 1 "
            "WHEN 'M' THEN 2 ELSE 3 END, c.locker, c.number LIMIT 1",
            (*mine, *sizes)).fetchone()
        if free is None:
            raise HallError("locker_full", "no free compartment of this size in the lockers this terminal drives")
        con.execute("DELETE FROM locker_items WHERE tracking = ?", (tracking,))
        con.execute("INSERT INTO locker_items (tracking, locker, number, state, deposited_by, \"window\") "
                    "VALUES (?, ?, ?, 'depositing', ?, ?)", (tracking, free[0], free[1], session["staff_id"],
                                                            session["window"]))
        return _compartment_view(con, free[0], free[1], tracking)


def _new_code(hall_store, con: sqlite3.Connection) -> tuple[str, str]:
    while True:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        digest = code_hash(hall_store, code)
        if con.execute("SELECT 1 FROM locker_items WHERE code_hash = ? AND state = 'in_locker'",
                       (digest,)).fetchone() is None:
            return code, digest


def deposited(hall_store, *, terminal_id: str, token: str | None, tracking: str) -> dict:
    """The door of a deposit was seen closed: the case is ``ready_for_pickup`` in the locker, and the
    applicant is sent the pickup code. Repeated: the case as it is (no second code)."""
    with hall_store._write() as con:
        session = hall_store._session(con, terminal_id, token)
        item = con.execute("SELECT locker, number, state FROM locker_items WHERE tracking = ?", (tracking,)).fetchone()
        if item is None or item[2] not in ("depositing", "in_locker"):
            raise HallError("wrong_state", "this case is not being put in a locker")
        if item[2] == "in_locker":
            code = None
        else:
            code, digest = _new_code(hall_store, con)
            name = con.execute("SELECT name FROM lockers WHERE locker = ?", (item[0],)).fetchone()[0]
            move = case_progress.Move(CaseState.READY_FOR_PICKUP, method=PickupMethod.LOCKER, place=name)
            case_progress._move(hall_store, con, tracking, move, session["staff_id"], session["window"])
            con.execute("UPDATE locker_items SET state = 'in_locker', code_hash = ?, deposited_at = ? "
                        "WHERE tracking = ?", (digest, hall_store.clock.now().timestamp(), tracking))
        days = overdue_days(con)
    view = cases.case_view(hall_store, tracking, notes=True)
    if code is not None:
        log.info("case %s put in locker %s by %s", tracking, item[0], session["staff_id"])
        _send_code(hall_store, view, code, days)
    return view


def _send_code(hall_store, view: dict, code: str, days: int) -> None:
    tr = Translator(NOTICE_LANGUAGE)
    at = hall_store.clock.now().astimezone(hall_store.tz(hall_store._con())).isoformat(timespec="seconds")
    text = tr("pickup.notice.code", matter=view["matter_name"], number=view["tracking"],
              place=(view.get("pickup") or {}).get("place") or "", code=code, days=days)
    deliver(hall_store.notifier, Notice(number=view["tracking"], state=view["state"], at=at, text=text))


def deposit_failed(hall_store, *, terminal_id: str, token: str | None, tracking: str, fault: str) -> dict:
    """The door of a deposit did not open (``jammed``) or the bus did not answer (``no_answer``): the
    reservation is released, a jammed compartment taken out of service, and an alert kept."""
    with hall_store._write() as con:
        session = hall_store._session(con, terminal_id, token)
        item = con.execute("SELECT locker, number FROM locker_items WHERE tracking = ? AND state = 'depositing'",
                           (tracking,)).fetchone()
        if item is None:
            raise HallError("wrong_state", "this case is not being put in a locker")
        con.execute("DELETE FROM locker_items WHERE tracking = ?", (tracking,))
        if fault == "jammed":
            con.execute("UPDATE locker_compartments SET out_of_service = 1 WHERE locker = ? AND number = ?",
                        (item[0], item[1]))
        keep_alert(hall_store, con, terminal_id=terminal_id, locker=item[0], number=item[1], fault=fault,
                   tracking=tracking, actor=session["staff_id"])
    return {"tracking": tracking, "locker": item[0], "number": item[1], "fault": fault}


def keep_alert(hall_store, con: sqlite3.Connection, *, terminal_id: str, locker: str, number: int, fault: str,
               tracking: str | None, actor: str) -> None:
    log.warning("locker %s compartment %s: %s (terminal %s)", locker, number, fault, terminal_id)
    con.execute("INSERT INTO locker_alerts (at, terminal_id, locker, number, fault, tracking, actor) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (hall_store.clock.now().timestamp(), terminal_id, locker, number,
                                                 fault, tracking, actor))


def alerts(hall_store) -> list[dict]:
    con = hall_store._con()
    tz = hall_store.tz(con)
    return [{"at": datetime.fromtimestamp(r[0], tz).isoformat(timespec="seconds"), "terminal": r[1],
             "locker": r[2], "number": r[3], "fault": r[4], "tracking": r[5]}
            for r in con.execute("SELECT at, terminal_id, locker, number, fault, tracking FROM locker_alerts "
                                 "ORDER BY id")]


def reclaim(hall_store, tracking: str, *, staff: str, window: int) -> dict:
    """Staff take an item not collected out of its locker (an overdue one, usually) to the pickup
    ``window``: the compartment is free again, the case waits at that window (a history step with the
    staff id and the window), and the applicant is told where. ``HallError`` ``wrong_state``: not in a
    locker."""
    from hall_server.notify import announce

    if not 1 <= window <= 9999:
        raise HallError("invalid_request", "window: a window number")
    with hall_store._write() as con:
        item = con.execute("SELECT state FROM locker_items WHERE tracking = ?", (tracking,)).fetchone()
        if item is None or item[0] != "in_locker":
            raise HallError("wrong_state", "this case is not waiting in a locker")
        con.execute("UPDATE locker_items SET state = 'reclaimed', code_hash = NULL WHERE tracking = ?", (tracking,))
        con.execute("UPDATE case_outcomes SET pickup_method = 'window', pickup_place = NULL WHERE tracking = ?",
                    (tracking,))
        con.execute("UPDATE cases SET pickup_window = ? WHERE tracking = ?", (window, tracking))
        cases._add_step(hall_store, con, tracking, CaseState.READY_FOR_PICKUP, hall_store.clock.now().timestamp(),
                        staff, window, note="reclaimed from the locker")
    view = cases.case_view(hall_store, tracking, notes=True)
    announce(hall_store, view)
    return view


# --- staff's view -------------------------------------------------------------------------------------

def items(hall_store, *, overdue: bool = False) -> list[dict]:
    """The items waiting in the lockers (``overdue``: only those waiting longer than the configured days),
    oldest first: case, locker, compartment, when deposited and by whom, days waiting."""
    con = hall_store._con()
    now = hall_store.clock.now().timestamp()
    limit = overdue_days(con)
    tz = hall_store.tz(con)
    out = []
    for r in con.execute("SELECT tracking, locker, number, deposited_at, deposited_by, \"window\" FROM locker_items "
                         "WHERE state = 'in_locker' ORDER BY deposited_at"):
        days = int((now - r[3]) // 86400)
        if overdue and days < limit:
            continue
        out.append({"tracking": r[0], "locker": r[1], "number": r[2], "deposited_by": r[4], "window": r[5],
                    "deposited_at": datetime.fromtimestamp(r[3], tz).isoformat(timespec="seconds"),
                    "days": days, "overdue": days >= limit})
    return out
