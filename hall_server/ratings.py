"""Ratings (好差评) on the hall server: kept once per case (or ticket) per channel, read back without the applicant.

A ``rating`` record a terminal syncs (rating_records.py checks it) becomes one row of ``ratings`` in the same
write transaction that stores the record (submissions.py), so it is kept exactly once however often the
outbox re-sends it:

- one rating per subject (``case:<number>``, or ``ticket:<day>:<number>`` for a service that opens no case) per
  channel: the same case rated at the window pad and at a kiosk is two ratings; a second rating of it on one
  channel is refused ``rating_exists`` (409), and the outbox keeps it as a dead letter with that reason;
- a re-send of the same record id gets the same answer as the first (``rating: {id, follow_up}``);
- the citizen's words are sealed at rest (sealing.py), bound to the rating; an applicant reference the
  terminal sent is kept only as an HMAC under the database's own key (``applicant_hash``), never in clear, and
  is left out of the stored copy of the record;
- a 差评 (level 2 or less) opens its follow-up (rating_reviews.py) in the same transaction, due
  ``follow_up_days`` working days later on the hall's calendar (cases.calendar).

Supervisors (``staff_supervisors``) are staff flagged by ``kiosk hall-admin add-staff ID … --supervisor``:
they decide appeals and read the statistics. See docs/evaluation.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from datetime import date

from core.domain.rating import is_low
from hall_server import cases
from hall_server.problems import HallError
from hall_server.rating_records import CheckedRating, rating_reference
from hall_server.ticket_blocks import Refused

SCHEMA = """
CREATE TABLE IF NOT EXISTS ratings (
    id INTEGER PRIMARY KEY,
    terminal_id TEXT NOT NULL, record_id TEXT NOT NULL,
    subject TEXT NOT NULL,               -- case:<number> or ticket:<day>:<number>
    channel TEXT NOT NULL, case_number TEXT, ticket_number TEXT, matter_code TEXT, matter_version TEXT,
    department TEXT NOT NULL, service TEXT, "window" INTEGER,
    clerks TEXT NOT NULL,                -- JSON list of staff ids
    level INTEGER NOT NULL,
    reasons TEXT NOT NULL,               -- JSON list of reason codes
    text BLOB,                           -- sealed: the citizen's words
    applicant_hash TEXT,                 -- HMAC of the terminal's applicant reference, never the reference
    rated_at REAL NOT NULL, day TEXT NOT NULL,
    excluded INTEGER NOT NULL DEFAULT 0, -- 1: an upheld appeal took it out of the statistics (kept, flagged)
    UNIQUE (subject, channel), UNIQUE (terminal_id, record_id));
CREATE INDEX IF NOT EXISTS ratings_by_day ON ratings (day);
CREATE TABLE IF NOT EXISTS follow_ups (
    id INTEGER PRIMARY KEY, rating_id INTEGER NOT NULL UNIQUE, state TEXT NOT NULL,
    opened_on TEXT NOT NULL, due_on TEXT NOT NULL, owner TEXT, closed_at REAL);
CREATE TABLE IF NOT EXISTS follow_up_steps (
    follow_up_id INTEGER NOT NULL, step INTEGER NOT NULL, state TEXT NOT NULL, at REAL NOT NULL,
    actor TEXT NOT NULL, note BLOB,      -- sealed
    PRIMARY KEY (follow_up_id, step));
CREATE TABLE IF NOT EXISTS appeals (
    id INTEGER PRIMARY KEY, rating_id INTEGER NOT NULL UNIQUE, state TEXT NOT NULL,
    filed_by TEXT NOT NULL, filed_at REAL NOT NULL, reason BLOB NOT NULL,
    decided_by TEXT, decided_at REAL, decision BLOB);
CREATE TABLE IF NOT EXISTS staff_supervisors (staff_id TEXT PRIMARY KEY);
"""

PLATFORM = "platform"  # the actor of what the platform does by itself (opening a follow-up)


def text_aad(rating_id: int) -> bytes:
    return f"rating_text:{rating_id}".encode()


def note_aad(follow_up_id: int, step: int) -> bytes:
    return f"follow_up_note:{follow_up_id}:{step}".encode()


def appeal_aad(appeal_id: int, part: str) -> bytes:
    return f"appeal:{appeal_id}:{part}".encode()


def applicant_hash(hall_store, reference: str) -> str:
    return hmac.new(hall_store._person_key, b"rating-applicant:" + reference.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def stored_copy(record: dict) -> dict:
    """The record as it is stored: without the applicant reference (its hash is in ``ratings``)."""
    content = {k: v for k, v in record["content"].items() if k != "applicant_ref"}
    return {**record, "content": content}


# --- keeping a rating --------------------------------------------------------------------------------------

def keep(hall_store, con: sqlite3.Connection, *, terminal_id: str, record_id: str, checked: CheckedRating) -> None:
    """Keeps a checked rating inside the caller's write transaction, and opens its follow-up if it is a 差评;
    ``Refused`` ``rating_exists`` when its subject was rated on this channel already."""
    c = checked.content
    inserted = con.execute(
        "INSERT INTO ratings (terminal_id, record_id, subject, channel, case_number, ticket_number, matter_code,"
        " matter_version, department, service, \"window\", clerks, level, reasons, applicant_hash, rated_at, day)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        (terminal_id, record_id, checked.subject, c.channel, c.case_number, c.ticket_number, c.matter_code,
         c.matter_version, c.department, c.service, c.window, json.dumps(c.clerks), c.level,
         json.dumps(c.reasons), applicant_hash(hall_store, c.applicant_ref) if c.applicant_ref else None,
         checked.at, checked.day)).fetchall()
    if not inserted:  # the subject was rated on this channel (or the record kept) already
        what = f"case {c.case_number}" if c.case_number else f"ticket {c.ticket_number} of {checked.day}"
        raise Refused("rating_exists", f"{what} has been rated on the {c.channel} channel already", 409)
    rating_id = inserted[0][0]
    if c.text:
        con.execute("UPDATE ratings SET text = ? WHERE id = ?",
                    (hall_store._sealer(con).seal(c.text.encode("utf-8"), text_aad(rating_id)), rating_id))
    if is_low(c.level):
        days = rating_reference(hall_store, con)["follow_up_days"]
        due = cases.calendar(con).due_date(date.fromisoformat(checked.day), days)
        fid = con.execute("INSERT INTO follow_ups (rating_id, state, opened_on, due_on) VALUES (?, 'verify', ?, ?)"
                          " RETURNING id", (rating_id, checked.day, due.isoformat())).fetchall()[0][0]
        con.execute("INSERT INTO follow_up_steps VALUES (?, 1, 'verify', ?, ?, NULL)",
                    (fid, hall_store.clock.now().timestamp(), PLATFORM))


def answer_for(con: sqlite3.Connection, terminal_id: str, record_id: str) -> dict | None:
    """The rating part of a record's answer: ``{id, follow_up: {id, state, due_on} | None}``."""
    row = con.execute("SELECT r.id, f.id, f.state, f.due_on FROM ratings r LEFT JOIN follow_ups f ON f.rating_id = r.id"
                      " WHERE r.terminal_id = ? AND r.record_id = ?", (terminal_id, record_id)).fetchone()
    if row is None:
        return None
    follow_up = None if row[1] is None else {"id": row[1], "state": row[2], "due_on": row[3]}
    return {"id": row[0], "follow_up": follow_up}


def reseal(con: sqlite3.Connection, old, new) -> None:
    """Key rotation (sealing.py): every sealed value of ratings, follow-ups and appeals re-sealed."""
    def again(sql_select: str, sql_update: str, aad) -> None:
        for row in con.execute(sql_select).fetchall():
            *keys, value = row
            con.execute(sql_update, (new.seal(old.open(value, aad(*keys)), aad(*keys)), *keys))

    again("SELECT id, text FROM ratings WHERE text IS NOT NULL", "UPDATE ratings SET text = ? WHERE id = ?", text_aad)
    again("SELECT follow_up_id, step, note FROM follow_up_steps WHERE note IS NOT NULL",
          "UPDATE follow_up_steps SET note = ? WHERE follow_up_id = ? AND step = ?", note_aad)
    again("SELECT id, reason FROM appeals", "UPDATE appeals SET reason = ? WHERE id = ?",
          lambda i: appeal_aad(i, "reason"))
    again("SELECT id, decision FROM appeals WHERE decision IS NOT NULL", "UPDATE appeals SET decision = ? WHERE id = ?",
          lambda i: appeal_aad(i, "decision"))


# --- supervisors --------------------------------------------------------------------------------------------

def set_supervisor(hall_store, staff_id: str, supervisor: bool) -> None:
    """Flags (or unflags) a member of staff as a supervisor; ValueError for an unknown staff id."""
    with hall_store._write() as con:
        if con.execute("SELECT 1 FROM staff WHERE staff_id = ?", (staff_id,)).fetchone() is None:
            raise ValueError(f"no staff {staff_id}")
        if supervisor:
            con.execute("INSERT INTO staff_supervisors VALUES (?) ON CONFLICT DO NOTHING", (staff_id,))
        else:
            con.execute("DELETE FROM staff_supervisors WHERE staff_id = ?", (staff_id,))


def is_supervisor(con: sqlite3.Connection, staff_id: str) -> bool:
    return con.execute("SELECT 1 FROM staff_supervisors WHERE staff_id = ?", (staff_id,)).fetchone() is not None


# --- reading ------------------------------------------------------------------------------------------------

def rating_row(con: sqlite3.Connection, rating_id: int) -> sqlite3.Row:
    row = con.execute("SELECT * FROM ratings WHERE id = ?", (rating_id,)).fetchone()
    if row is None:
        raise HallError("not_found", "no rating with this id")
    return row


def rating_view(hall_store, con: sqlite3.Connection, row: sqlite3.Row) -> dict:
    """A rating as staff read it: what was rated, by which channel, the level, reasons and words; never the
    applicant (not even the hash)."""
    text = "" if row["text"] is None else hall_store._sealer(con).open(row["text"], text_aad(row["id"])).decode()
    appeal = con.execute("SELECT id, state FROM appeals WHERE rating_id = ?", (row["id"],)).fetchone()
    return {"id": row["id"], "channel": row["channel"], "case_number": row["case_number"],
            "ticket_number": row["ticket_number"], "matter_code": row["matter_code"],
            "matter_version": row["matter_version"], "department": row["department"], "service": row["service"],
            "window": row["window"], "clerks": json.loads(row["clerks"]), "level": row["level"],
            "reasons": json.loads(row["reasons"]), "text": text, "day": row["day"],
            "excluded": bool(row["excluded"]),
            "appeal": None if appeal is None else {"id": appeal[0], "state": appeal[1]}}


def my_ratings(hall_store, *, terminal_id: str, token: str | None, limit: int = 200) -> list[dict]:
    """The ratings that evaluate the logged-in clerk, newest first (what they may appeal)."""
    con = hall_store._con()
    staff_id = hall_store._session(con, terminal_id, token)["staff_id"]
    # ``clerks`` is a JSON list: LIKE finds the quoted id in it, the list itself decides.
    quoted = json.dumps(staff_id).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = con.execute("SELECT * FROM ratings WHERE clerks LIKE ? ESCAPE '\\' ORDER BY rated_at DESC",
                       (f"%{quoted}%",)).fetchall()
    mine = [r for r in rows if staff_id in json.loads(r["clerks"])][:limit]
    return [rating_view(hall_store, con, r) for r in mine]
