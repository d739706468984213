"""Cases (办件) on the hall server: opened and moved by the records terminals sync, read by tracking number.

A case is what a receipt's number follows (docs/intake.md, "What a case is"). It lives in the ``cases``
table the kiosk's 办件查询 reads (shared with appointments.py's sample cases), with its history in
``case_history`` and the records that made it in ``case_records``:

- an ``application`` record opens a case in ``accepted`` (受理), with the promised date: ``promised_days``
  working days of the matter counted on the hall's calendar (``core.services.working_days.HallCalendar``)
  from the day it was accepted. An application naming a ``pre_application`` moves that case on instead;
- a ``notice`` record (一次性告知) opens a case in ``notice_given`` (补正告知), with no promised date;
- a ``pre_application`` record (自助申报 at a kiosk) opens a case in ``pre_application_waiting``; its number
  is the code the kiosk prints on the slip, and ``pre_application(store, number)`` gives a clerk the matter,
  version and form data to review;
- ``withdraw`` (a logged-in clerk, with a reason) moves a case that is not finished to ``withdrawn``.

Every step is a history row: the state reached, when (the act's own time for a record, the server's for a
withdrawal), who (a staff id, or the kiosk's terminal id), at which window, and a clerk's note (only clerks
read notes). A record is answered with its case (``{number, state, promised_on}``) and a re-sent record
gets that same answer again (``case_records`` is keyed by terminal and record id, like ``sync_records``).

Case numbers: ``<region 6><yyyymmdd><serial 6>``, the 20-digit tracking number of a receipt
(core/domain/codes.py: ``HALL:R:<number>`` or the platform's ``/track/<number>`` URL). The date is the
server's service day when the case is opened and the serial counts that day's cases up from 1, inside the
write transaction that stores the record: unique across terminals and days. The region is the hall file's
``hall.region`` (GB/T 2260), else the first four digits of the hall id followed by "00".
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import date, datetime

from core.domain.appointments import CaseState
from core.ports.outbox import RecordKind
from core.services.working_days import CalendarDataError, HallCalendar
from hall_server import collectors
from hall_server.case_records import Checked, current_version, find_matter
from hall_server.notify import announce
from hall_server.problems import HallError
from hall_server.ticket_blocks import Refused

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    tracking TEXT PRIMARY KEY, matter_code TEXT NOT NULL, matter_name TEXT NOT NULL,
    matter_name_en TEXT NOT NULL, state TEXT NOT NULL, accepted_on TEXT NOT NULL, promised_on TEXT,
    pickup_window INTEGER);
CREATE TABLE IF NOT EXISTS case_records (
    terminal_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    tracking TEXT NOT NULL,
    state TEXT NOT NULL,                 -- the state this record gave the case (the answer to a re-send)
    PRIMARY KEY (terminal_id, record_id));
CREATE INDEX IF NOT EXISTS case_records_by_tracking ON case_records (tracking);
CREATE TABLE IF NOT EXISTS case_history (
    tracking TEXT NOT NULL,
    step INTEGER NOT NULL,
    state TEXT NOT NULL,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    "window" INTEGER,
    note BLOB,                           -- sealed (a withdrawal's reason may name the applicant)
    PRIMARY KEY (tracking, step));
CREATE TABLE IF NOT EXISTS case_reference (name TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS case_outcomes (   -- after acceptance (case_progress.py): shown to whoever asks
    tracking TEXT PRIMARY KEY,
    refusal_reason TEXT,                 -- a refusal's reason, as the decision states it
    pickup_method TEXT,                  -- window, locker, post
    pickup_place TEXT,                   -- the locker's name or the waybill number
    collected_by TEXT);                  -- applicant, proxy
"""

MAX_SERIAL = 999_999
WITHDRAWABLE = frozenset({CaseState.ACCEPTED, CaseState.IN_REVIEW, CaseState.NOTICE_GIVEN,
                          CaseState.PRE_APPLICATION_WAITING})
_OPENS = {RecordKind.APPLICATION: CaseState.ACCEPTED, RecordKind.NOTICE: CaseState.NOTICE_GIVEN,
          RecordKind.PRE_APPLICATION: CaseState.PRE_APPLICATION_WAITING}


# --- reference: the calendar and the region -----------------------------------------------------------

def load_case_reference(hall_store, data: dict) -> None:
    """Keeps the hall file's ``calendar`` (years of holidays and working weekend days) and its region.
    ValueError names what is wrong (nothing is replaced then)."""
    years = data.get("calendar") or []
    try:
        HallCalendar.from_data(years)
    except (CalendarDataError, AttributeError, TypeError) as exc:
        raise ValueError(f"calendar: {exc}") from None
    hall = data.get("hall") or {}
    region = hall.get("region", _region_of(hall.get("id")))
    if not (isinstance(region, str) and len(region) == 6 and region.isascii() and region.isdigit()):
        raise ValueError("hall.region: six digits (GB/T 2260)")
    with hall_store._write() as con:
        for name, value in (("calendar", years), ("region", region)):
            con.execute("INSERT INTO case_reference VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
                        "body = excluded.body", (name, json.dumps(value)))


def has_case_reference(hall_store) -> bool:
    """Whether the hall's calendar and region are kept (a hall seeded before cases has neither)."""
    con = hall_store._con()
    return con.execute("SELECT 1 FROM case_reference WHERE name = 'calendar'").fetchone() is not None


def _region_of(hall_id) -> str:
    prefix = str(hall_id or "")[:4]
    return prefix + "00" if len(prefix) == 4 and prefix.isascii() and prefix.isdigit() else "000000"


def _region(con: sqlite3.Connection) -> str:
    """The hall file's region; for a hall seeded before regions were kept, the one its id gives."""
    row = con.execute("SELECT hall_id FROM hall").fetchone()
    return _reference(con, "region", _region_of(row[0] if row else None))


def _reference(con: sqlite3.Connection, name: str, default):
    row = con.execute("SELECT body FROM case_reference WHERE name = ?", (name,)).fetchone()
    return default if row is None else json.loads(row[0])


def calendar(con: sqlite3.Connection) -> HallCalendar:
    """The hall's calendar; with none loaded, working days are counted by weekends alone."""
    return HallCalendar.from_data(_reference(con, "calendar", []))


# --- opening and moving cases ---------------------------------------------------------------------------

def _note_aad(tracking: str, step: int) -> bytes:
    return f"case_note:{tracking}:{step}".encode()


def _add_step(hall_store, con: sqlite3.Connection, tracking: str, state: CaseState, at: float, actor: str,
              window: int | None, note: str = "") -> None:
    step = con.execute("SELECT COALESCE(MAX(step), 0) + 1 FROM case_history WHERE tracking = ?",
                       (tracking,)).fetchone()[0]
    sealed = hall_store._sealer(con).seal(note.encode("utf-8"), _note_aad(tracking, step)) if note else None
    con.execute("INSERT INTO case_history VALUES (?, ?, ?, ?, ?, ?, ?)",
                (tracking, step, state.value, at, actor, window, sealed))


def reseal(con: sqlite3.Connection, old, new) -> None:
    """Key rotation (sealing.py): every note re-sealed from ``old`` to ``new``."""
    for tracking, step, note in con.execute("SELECT tracking, step, note FROM case_history "
                                            "WHERE note IS NOT NULL").fetchall():
        aad = _note_aad(tracking, step)
        con.execute("UPDATE case_history SET note = ? WHERE tracking = ? AND step = ?",
                    (new.seal(old.open(note, aad), aad), tracking, step))


def _new_number(hall_store, con: sqlite3.Connection) -> str:
    prefix = _region(con) + f"{hall_store.service_day(con):%Y%m%d}"
    last = con.execute("SELECT MAX(CAST(substr(tracking, 15) AS INTEGER)) FROM cases WHERE tracking LIKE ?",
                       (prefix + "%",)).fetchone()[0]
    serial = (last or 0) + 1
    if serial > MAX_SERIAL:
        raise Refused("daily_cap_reached", "no case numbers left today", 422)
    return f"{prefix}{serial:06d}"


def _promised(con: sqlite3.Connection, entry: dict, accepted: date) -> date | None:
    days = entry.get("promised_days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        return None
    return calendar(con).due_date(accepted, days)


def answer_for(con: sqlite3.Connection, terminal_id: str, record_id: str) -> dict | None:
    """The case part of a record's answer, for a record that opened or moved one."""
    row = con.execute("SELECT r.tracking, r.state, c.promised_on FROM case_records r JOIN cases c "
                      "ON c.tracking = r.tracking WHERE r.terminal_id = ? AND r.record_id = ?",
                      (terminal_id, record_id)).fetchone()
    return None if row is None else {"number": row[0], "state": row[1], "promised_on": row[2]}


def _accept_pre_application(hall_store, con: sqlite3.Connection, checked: Checked, on: date) -> str:
    tracking = checked.pre_application
    row = con.execute("SELECT c.state, c.matter_code FROM cases c JOIN case_records r ON r.tracking = c.tracking "
                      "AND r.kind = ? WHERE c.tracking = ?", (RecordKind.PRE_APPLICATION.value, tracking)).fetchone()
    if row is None:
        raise Refused("invalid_request", "content.pre_application: no pre-application with this number", 400)
    if row[0] != CaseState.PRE_APPLICATION_WAITING:
        raise Refused("wrong_state", f"pre-application {tracking} is {row[0]}, not waiting", 409)
    if row[1] != checked.matter["code"]:
        raise Refused("invalid_request", "content.pre_application: it is for another matter", 400)
    con.execute("UPDATE cases SET state = ?, accepted_on = ?, promised_on = ? WHERE tracking = ?",
                (CaseState.ACCEPTED.value, on.isoformat(), _iso(_promised(con, checked.matter, on)), tracking))
    return tracking


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def open_case(hall_store, con: sqlite3.Connection, *, terminal_id: str, record_id: str, checked: Checked) -> dict:
    """Opens (or, for an application of a pre-application, moves) the case of a new record, inside the
    caller's write transaction; returns the case part of the answer."""
    state = _OPENS[checked.kind]
    on = datetime.fromtimestamp(checked.at, hall_store.tz(con)).date()
    if checked.pre_application:
        tracking = _accept_pre_application(hall_store, con, checked, on)
    else:
        tracking = _new_number(hall_store, con)
        promised = _promised(con, checked.matter, on) if state is CaseState.ACCEPTED else None
        entry = checked.matter
        con.execute("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                    (tracking, entry["code"], entry["name"], entry.get("name_en", ""), state.value, on.isoformat(),
                     _iso(promised)))
    _add_step(hall_store, con, tracking, state, checked.at, checked.actor, checked.window)
    if checked.kind == RecordKind.APPLICATION:
        collectors.keep_collectors(hall_store, con, tracking, checked.content.applicant_id, checked.content.proxy_ids)
    elif checked.kind == RecordKind.PRE_APPLICATION:
        collectors.keep_collectors(hall_store, con, tracking, checked.content.applicant_id, [])
    con.execute("INSERT INTO case_records VALUES (?, ?, ?, ?, ?)",
                (terminal_id, record_id, checked.kind, tracking, state.value))
    return answer_for(con, terminal_id, record_id)


# --- reading ----------------------------------------------------------------------------------------

def history(hall_store, con: sqlite3.Connection, tracking: str, *, notes: bool) -> list[dict]:
    tz = hall_store.tz(con)
    rows = con.execute("SELECT step, state, at, actor, \"window\", note FROM case_history WHERE tracking = ? "
                       "ORDER BY step", (tracking,)).fetchall()
    sealer = hall_store._sealer(con) if notes else None

    def note(row) -> str:
        return "" if row[5] is None else sealer.open(row[5], _note_aad(tracking, row[0])).decode("utf-8")

    return [{"state": r[1], "at": datetime.fromtimestamp(r[2], tz).isoformat(), "actor": r[3], "window": r[4],
             **({"note": note(r)} if notes else {})} for r in rows]


def case_view(hall_store, tracking: str, *, notes: bool = False) -> dict:
    """The case as GET /v1/cases/{tracking} answers it: the kiosk's fields and the history."""
    con = hall_store._con()
    row = con.execute("SELECT * FROM cases WHERE tracking = ?", (tracking,)).fetchone()
    if row is None:
        raise HallError("not_found", "no case with this tracking number")
    outcome = con.execute("SELECT refusal_reason, pickup_method, pickup_place, collected_by FROM case_outcomes "
                          "WHERE tracking = ?", (tracking,)).fetchone()
    reason, method, place, collected_by = outcome if outcome is not None else (None, None, None, None)
    return {"tracking": row["tracking"], "matter_code": row["matter_code"], "matter_name": row["matter_name"],
            "matter_name_en": row["matter_name_en"], "state": row["state"], "accepted_on": row["accepted_on"],
            "promised_on": row["promised_on"], "pickup_window": row["pickup_window"],
            "history": history(hall_store, con, tracking, notes=notes), "refusal_reason": reason,
            "pickup": None if method is None else {"method": method, "window": row["pickup_window"],
                                                   "place": place or ""},
            "collected_by": collected_by}


def pre_application(hall_store, number: str, *, terminal_id: str, token: str | None) -> dict:
    """What a logged-in clerk reviews of a 自助申报 (``number``: its case number, or the kiosk's record id
    that the slip's code ``HALL:P:<record id>`` carries): its case, the matter, the version it was filled in (and
    the catalogue's current one), the form data and the materials captured at the kiosk."""
    con = hall_store._con()
    hall_store._session(con, terminal_id, token)  # personal data: a clerk at a window, not just a terminal
    column = "tracking" if number.isdigit() else "record_id"  # the case number, or the slip's record id
    row = con.execute(f"SELECT terminal_id, record_id, tracking FROM case_records WHERE {column} = ? AND kind = ?",
                      (number, RecordKind.PRE_APPLICATION.value)).fetchone()
    if row is None:
        raise HallError("not_found", "no pre-application with this code (a kiosk that was offline may not "
                                     "have synced it yet)")
    record = hall_store.stored_record(row[0], row[1])
    content = record["content"]
    entry = find_matter(hall_store, content["matter_code"])
    return {"case": case_view(hall_store, row[2]), "matter_code": content["matter_code"],
            "version": content["version"], "current_version": current_version(entry) if entry else None,
            "form": content["form"], "materials": content.get("materials", []),
            "submitted_at": content["submitted_at"],
            "attachments": [a["sha256"] for a in record.get("attachments", []) if isinstance(a, dict)]}


def withdraw(hall_store, *, terminal_id: str, token: str | None, tracking: str, reason: str) -> dict:
    """A logged-in clerk withdraws a case (the applicant asked; 撤回) with the reason; audited as a step of
    its history (who, which window, when, the reason)."""
    with hall_store._write() as con:
        session = hall_store._session(con, terminal_id, token)
        row = con.execute("SELECT state FROM cases WHERE tracking = ?", (tracking,)).fetchone()
        if row is None:
            raise HallError("not_found", "no case with this tracking number")
        if row[0] not in WITHDRAWABLE:
            raise HallError("wrong_state", f"a case that is {row[0]} cannot be withdrawn")
        con.execute("UPDATE cases SET state = ? WHERE tracking = ?", (CaseState.WITHDRAWN.value, tracking))
        _add_step(hall_store, con, tracking, CaseState.WITHDRAWN, hall_store.clock.now().timestamp(), session["staff_id"],
                  session["window"], reason)
    log.info("case %s withdrawn by %s at window %s", tracking, session["staff_id"], session["window"])
    view = case_view(hall_store, tracking, notes=True)
    announce(hall_store, view)
    return view
