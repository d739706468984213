"""What follows a rating: a 差评's follow-up (整改回访) and a clerk's appeal (申诉复核). docs/evaluation.md.

Follow-ups: every 差评 opens one (ratings.keep) in ``verify`` with its deadline. Logged-in staff move it on one
step at a time — ``verify`` (核实) → ``correct`` (整改) → ``call_back`` (回访) → ``closed`` — each step
with a note (sealed at rest, like a case's notes) and the time and staff id; the first to move it becomes its owner
unless an owner is named. A clerk the rating evaluates neither sees nor moves its follow-up (a supervisor
may). ``follow_ups(..., overdue=True)`` lists those still open after their due day.

Appeals: a clerk the rating evaluates appeals it once, with a reason; a supervisor other than the appellant
upholds or rejects it, with a note. An upheld appeal flags the rating ``excluded`` (kept, left out of the
statistics and marked in the export) and closes its follow-up.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime

from core.domain.rating import text_problem
from hall_server import ratings
from hall_server.problems import HallError

STATES = ("verify", "correct", "call_back", "closed")
MAX_NOTE = 500


def _note(text: str, field: str = "note") -> str:
    text = (text or "").strip()
    problem = text_problem(text.replace("\n", " ")) if len(text) <= MAX_NOTE else f"longer than {MAX_NOTE} characters"
    if not text or problem:
        raise HallError("invalid_request", f"{field}: {problem or 'required'}")
    return text


def _staff(hall_store, con: sqlite3.Connection, terminal_id: str, token: str | None) -> tuple[str, bool]:
    staff_id = hall_store._session(con, terminal_id, token)["staff_id"]
    return staff_id, ratings.is_supervisor(con, staff_id)


def _evaluates(row: sqlite3.Row, staff_id: str) -> bool:
    return staff_id in json.loads(row["clerks"])


# --- follow-ups ---------------------------------------------------------------------------------------------

def _add_step(hall_store, con: sqlite3.Connection, follow_up_id: int, state: str, actor: str, note: str) -> None:
    step = con.execute("SELECT COALESCE(MAX(step), 0) + 1 FROM follow_up_steps WHERE follow_up_id = ?",
                       (follow_up_id,)).fetchone()[0]
    sealed = hall_store._sealer(con).seal(note.encode("utf-8"), ratings.note_aad(follow_up_id, step))
    con.execute("INSERT INTO follow_up_steps VALUES (?, ?, ?, ?, ?, ?)",
                (follow_up_id, step, state, hall_store.clock.now().timestamp(), actor, sealed))
    con.execute("UPDATE follow_ups SET state = ?, closed_at = ? WHERE id = ?",
                (state, hall_store.clock.now().timestamp() if state == "closed" else None, follow_up_id))


def move_follow_up(hall_store, *, terminal_id: str, token: str | None, follow_up_id: int, to: str, note: str,
                   owner: str | None = None) -> dict:
    """Moves a follow-up to its next state (``to`` must be the next), with a note; returns it."""
    note = _note(note)
    with hall_store._write() as con:
        staff_id, supervisor = _staff(hall_store, con, terminal_id, token)
        row = con.execute("SELECT * FROM follow_ups WHERE id = ?", (follow_up_id,)).fetchone()
        if row is None:
            raise HallError("not_found", "no follow-up with this id")
        if _evaluates(ratings.rating_row(con, row["rating_id"]), staff_id) and not supervisor:
            raise HallError("not_permitted", "a clerk does not follow up a rating of their own service")
        position = STATES.index(row["state"])
        if row["state"] == "closed" or to not in STATES or STATES.index(to) != position + 1:
            after = "nothing" if row["state"] == "closed" else STATES[position + 1]
            raise HallError("wrong_state", f"a follow-up in {row['state']} moves to {after}")
        if owner is not None and con.execute("SELECT 1 FROM staff WHERE staff_id = ?", (owner,)).fetchone() is None:
            raise HallError("invalid_request", "owner: no such staff id")
        if owner is not None or row["owner"] is None:
            con.execute("UPDATE follow_ups SET owner = ? WHERE id = ?", (owner or staff_id, follow_up_id))
        _add_step(hall_store, con, follow_up_id, to, staff_id, note)
    return follow_up(hall_store, follow_up_id)


def _view(hall_store, con: sqlite3.Connection, row: sqlite3.Row, today: date, notes: bool) -> dict:
    sealer = hall_store._sealer(con)
    steps = con.execute("SELECT step, state, at, actor, note FROM follow_up_steps WHERE follow_up_id = ? ORDER BY step",
                        (row["id"],)).fetchall()
    tz = hall_store.tz(con)

    def step(s) -> dict:
        seen = {"state": s[1], "at": datetime.fromtimestamp(s[2], tz).isoformat(), "actor": s[3]}
        if notes:
            seen["note"] = "" if s[4] is None else sealer.open(s[4], ratings.note_aad(row["id"], s[0])).decode()
        return seen

    rating = ratings.rating_view(hall_store, con, ratings.rating_row(con, row["rating_id"]))
    return {"id": row["id"], "state": row["state"], "opened_on": row["opened_on"], "due_on": row["due_on"],
            "owner": row["owner"], "overdue": row["state"] != "closed" and today > date.fromisoformat(row["due_on"]),
            "rating": rating if notes else {k: v for k, v in rating.items() if k != "text"},
            "steps": [step(s) for s in steps]}


def follow_up(hall_store, follow_up_id: int) -> dict:
    con = hall_store._con()
    row = con.execute("SELECT * FROM follow_ups WHERE id = ?", (follow_up_id,)).fetchone()
    if row is None:
        raise HallError("not_found", "no follow-up with this id")
    return _view(hall_store, con, row, hall_store.service_day(con), notes=True)


def follow_ups(hall_store, *, open_only: bool = False, overdue: bool = False, notes: bool = True,
               hide_for: str | None = None) -> list[dict]:
    """Follow-ups, the earliest due first: all, those not closed, or those open past their due day;
    ``hide_for``: leave out those of ratings that evaluate this staff id."""
    con = hall_store._con()
    today = hall_store.service_day(con)
    sql = "SELECT * FROM follow_ups" + (" WHERE state != 'closed'" if open_only or overdue else "")
    if overdue:
        sql += " AND due_on < ?"
    rows = con.execute(sql + " ORDER BY due_on, id", (today.isoformat(),) if overdue else ()).fetchall()
    views = [_view(hall_store, con, r, today, notes) for r in rows]
    return [v for v in views if hide_for is None or hide_for not in v["rating"]["clerks"]]


def staff_follow_ups(hall_store, *, terminal_id: str, token: str | None, open_only: bool, overdue: bool) -> list[dict]:
    """The follow-ups a logged-in member of staff may see (a clerk: not those of their own ratings)."""
    con = hall_store._con()
    staff_id, supervisor = _staff(hall_store, con, terminal_id, token)
    return follow_ups(hall_store, open_only=open_only, overdue=overdue, hide_for=None if supervisor else staff_id)


# --- appeals ------------------------------------------------------------------------------------------------

def _appeal_view(hall_store, con: sqlite3.Connection, row: sqlite3.Row) -> dict:
    sealer, tz = hall_store._sealer(con), hall_store.tz(con)

    def when(ts: float | None) -> str | None:
        return None if ts is None else datetime.fromtimestamp(ts, tz).isoformat()

    return {"id": row["id"], "rating_id": row["rating_id"], "state": row["state"], "filed_by": row["filed_by"],
            "filed_at": when(row["filed_at"]),
            "reason": sealer.open(row["reason"], ratings.appeal_aad(row["id"], "reason")).decode(),
            "decided_by": row["decided_by"],
            "decided_at": when(row["decided_at"]),
            "decision": None if row["decision"] is None
            else sealer.open(row["decision"], ratings.appeal_aad(row["id"], "decision")).decode()}


def appeal(hall_store, *, terminal_id: str, token: str | None, rating_id: int, reason: str) -> dict:
    """A clerk the rating evaluates appeals it (once), with the reason."""
    reason = _note(reason, "reason")
    with hall_store._write() as con:
        staff_id, _ = _staff(hall_store, con, terminal_id, token)
        row = ratings.rating_row(con, rating_id)
        if not _evaluates(row, staff_id):
            raise HallError("not_permitted", "only a clerk the rating evaluates appeals it")
        if con.execute("SELECT 1 FROM appeals WHERE rating_id = ?", (rating_id,)).fetchone():
            raise HallError("wrong_state", "this rating has been appealed already")
        appeal_id = con.execute("INSERT INTO appeals (rating_id, state, filed_by, filed_at, reason) "
                                "VALUES (?, 'pending', ?, ?, ?) RETURNING id",
                                (rating_id, staff_id, hall_store.clock.now().timestamp(), b"")).fetchall()[0][0]
        con.execute("UPDATE appeals SET reason = ? WHERE id = ?", (
            hall_store._sealer(con).seal(reason.encode("utf-8"), ratings.appeal_aad(appeal_id, "reason")), appeal_id))
        return _appeal_view(hall_store, con, con.execute("SELECT * FROM appeals WHERE id = ?", (appeal_id,)).fetchone())


def decide(hall_store, *, terminal_id: str, token: str | None, appeal_id: int, uphold: bool, note: str) -> dict:
    """A supervisor (not the appellant) upholds or rejects a pending appeal; upheld, the rating is excluded
    from the statistics and its follow-up, if open, closed with the decision as its note."""
    note = _note(note)
    with hall_store._write() as con:
        staff_id, supervisor = _staff(hall_store, con, terminal_id, token)
        row = con.execute("SELECT * FROM appeals WHERE id = ?", (appeal_id,)).fetchone()
        if row is None:
            raise HallError("not_found", "no appeal with this id")
        if not supervisor or row["filed_by"] == staff_id:
            raise HallError("not_permitted", "a supervisor other than the appellant decides an appeal")
        if row["state"] != "pending":
            raise HallError("wrong_state", f"this appeal has been {row['state']} already")
        sealed = hall_store._sealer(con).seal(note.encode("utf-8"), ratings.appeal_aad(appeal_id, "decision"))
        con.execute("UPDATE appeals SET state = ?, decided_by = ?, decided_at = ?, decision = ? WHERE id = ?",
                    ("upheld" if uphold else "rejected", staff_id, hall_store.clock.now().timestamp(), sealed,
                     appeal_id))
        if uphold:
            con.execute("UPDATE ratings SET excluded = 1 WHERE id = ?", (row["rating_id"],))
            open_one = con.execute("SELECT id FROM follow_ups WHERE rating_id = ? AND state != 'closed'",
                                   (row["rating_id"],)).fetchone()
            if open_one is not None:
                _add_step(hall_store, con, open_one[0], "closed", staff_id, note)
        return _appeal_view(hall_store, con, con.execute("SELECT * FROM appeals WHERE id = ?", (appeal_id,)).fetchone())


def appeals(hall_store, *, terminal_id: str, token: str | None, pending_only: bool) -> list[dict]:
    """Appeals for a supervisor to decide (or all of them)."""
    con = hall_store._con()
    _, supervisor = _staff(hall_store, con, terminal_id, token)
    if not supervisor:
        raise HallError("not_permitted", "only a supervisor reads the appeals")
    rows = con.execute("SELECT * FROM appeals" + (" WHERE state = 'pending'" if pending_only else "") +
                       " ORDER BY filed_at, id").fetchall()
    return [_appeal_view(hall_store, con, r) for r in rows]
