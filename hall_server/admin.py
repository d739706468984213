"""Repairs a hall administrator makes from the command line, each written to the ``admin_audit`` table.

``remove_ticket``: takes one ticket out of the day (say, a damaged offline ticket that a window cannot
show); the row goes, an audit row (when, what, the ticket's number, day, state and terminal, the reason)
stays. The synced record it came with stays too, so the kiosk's resend is answered as a duplicate and the
ticket does not come back. ``audit`` lists the audit rows, oldest first.
"""

from __future__ import annotations

import json
import re
from datetime import date

from hall_server.problems import HallError

SCHEMA = """CREATE TABLE IF NOT EXISTS admin_audit (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
    reason TEXT NOT NULL, detail TEXT NOT NULL)"""
_NUMBER = re.compile(r"^[A-Z]{1,2}[0-9]{1,6}$")


def remove_ticket(store, number: str, *, day: date | None = None, reason: str) -> dict:
    """Deletes ticket ``number`` of ``day`` (default: today in the hall's time zone); returns what was
    removed. HallError ``ticket_not_found`` when there is none; ValueError for a bad number or no reason."""
    number = number.strip().upper()
    if not _NUMBER.match(number):
        raise ValueError(f"{number!r} is not a ticket number (e.g. A012)")
    if not reason or not reason.strip():
        raise ValueError("a reason is required (it goes into the audit log)")
    with store._write() as con:
        con.execute(SCHEMA)
        service_day = (day or store.service_day(con)).isoformat()
        row = con.execute("SELECT id, state, terminal_id, service FROM tickets WHERE service_day = ? AND number = ?",
                          (service_day, number)).fetchone()
        if row is None:
            raise HallError("ticket_not_found", f"no ticket {number} on {service_day}")
        detail = {"number": number, "service_day": service_day, "state": row["state"],
                  "terminal_id": row["terminal_id"], "service": row["service"]}
        con.execute("DELETE FROM tickets WHERE id = ?", (row["id"],))
        con.execute("INSERT INTO admin_audit (at, action, subject, reason, detail) VALUES (?, ?, ?, ?, ?)",
                    (store.clock.now().timestamp(), "tickets.remove", f"{service_day} {number}", reason.strip(),
                     json.dumps(detail, ensure_ascii=False)))
    return detail


def audit(store) -> list[dict]:
    with store._write() as con:
        con.execute(SCHEMA)
        rows = con.execute("SELECT at, action, subject, reason, detail FROM admin_audit ORDER BY id").fetchall()
    return [{"at": r[0], "action": r[1], "subject": r[2], "reason": r[3], "detail": json.loads(r[4])} for r in rows]
