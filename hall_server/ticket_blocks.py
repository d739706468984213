"""Blocks of ticket numbers leased to kiosks, so a kiosk that loses the network can go on issuing.

docs/sync.md, "Tickets while offline":

- While online, a kiosk leases a block per service per day (``lease``): e.g. A950–A999 for kiosk K-01
  today. Blocks are carved from the TOP of the number space downwards (999, 949, …), while the server's
  own sequence counts up from 1, so in a normal day the two never meet.
- The server never issues a leased number itself: ``next_free_seq`` (called by ``IssuingMixin.issue_ticket``
  in the same ``BEGIN IMMEDIATE`` transaction as the sequence update) jumps over any leased block. A lease
  is refused (``no_block_available``) when it would reach numbers the server already issued.
- Two kiosks never share a number: leases are written in one ``BEGIN IMMEDIATE`` transaction and each new
  block starts below the lowest existing one.
- A lease is idempotent on its ``lease_id`` (a retry after a lost answer gets the same block); lease ids
  are per kiosk, so another kiosk's id is answered as a new one.
- ``offline_ticket`` checks an offline ticket record field by field before it joins the queue: exact
  JSON types, a number inside a block leased to the terminal that reports it, for that day and service
  (``not_in_block`` otherwise), an issue time inside that service day (hall time zone), not before the
  lease nor after now (each give or take MAX_CLOCK_SKEW_S of the kiosk's clock), a well-formed tracking
  code. One hostile or damaged record is refused (400) instead of breaking the windows that call it.
"""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core import signing
from hall_server import crypto

SCHEMA = """
CREATE TABLE IF NOT EXISTS ticket_blocks (
    lease_id TEXT NOT NULL,             -- the kiosk's request id: a retried lease gets the same block
    service_day TEXT NOT NULL,
    prefix TEXT NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    terminal_id TEXT NOT NULL,
    leased_at REAL NOT NULL,
    CHECK (first <= last),
    PRIMARY KEY (terminal_id, lease_id)); -- each kiosk's lease ids are its own
CREATE INDEX IF NOT EXISTS ticket_blocks_day ON ticket_blocks (service_day, prefix, first);
"""

TOP = 999  # the highest number a block may hold (numbers print as A001…A999)
MAX_BLOCK = 200
MAX_CLOCK_SKEW_S = signing.MAX_SKEW_S  # how far a kiosk's clock may be off (as for signed requests)
_PREFIX = re.compile(r"^[A-Z]{1,2}$")
_TRACKING = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class Refused(Exception):
    """A sync or lease request refused for good, with its machine-readable reason and HTTP status."""

    def __init__(self, reason: str, message: str, status: int = 409, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.reason, self.message, self.status = reason, message, status
        self.details = details or {}  # more of the answer's ``error`` object (say, the form's problems)


def next_free_seq(con: sqlite3.Connection, service_day: str, prefix: str, seq: int) -> int:
    """``seq``, or the first number after any leased block that contains it."""
    while True:
        row = con.execute("SELECT MAX(last) FROM ticket_blocks WHERE service_day = ? AND prefix = ? "
                          "AND first <= ? AND last >= ?", (service_day, prefix, seq, seq)).fetchone()
        if row is None or row[0] is None:
            return seq
        seq = row[0] + 1


def lease(con: sqlite3.Connection, *, lease_id: str, terminal_id: str, service_day: str, prefix: str,
          size: int, now: float) -> dict:
    """Leases a block in the caller's write transaction; returns it as the API answers it."""
    same = con.execute("SELECT * FROM ticket_blocks WHERE terminal_id = ? AND lease_id = ?",
                       (terminal_id, lease_id)).fetchone()
    if same is not None:
        if same["prefix"] != prefix:
            raise Refused("lease_id_reused", "this lease id was used for another lease")
        return _answer(same)
    if not 1 <= size <= MAX_BLOCK:
        raise Refused("invalid_request", f"size must be 1 to {MAX_BLOCK}", 400)
    lowest = con.execute("SELECT MIN(first) FROM ticket_blocks WHERE service_day = ? AND prefix = ?",
                         (service_day, prefix)).fetchone()[0]
    issued = con.execute("SELECT last FROM sequences WHERE service_day = ? AND prefix = ?",
                         (service_day, prefix)).fetchone()
    top = (lowest - 1) if lowest is not None else TOP
    first = top - size + 1
    if first <= (issued[0] if issued else 0):
        raise Refused("no_block_available", f"no free numbers left for a block of {size} in {prefix} today")
    con.execute("INSERT INTO ticket_blocks VALUES (?, ?, ?, ?, ?, ?, ?)",
                (lease_id, service_day, prefix, first, top, terminal_id, now))
    return {"lease_id": lease_id, "service_day": service_day, "service_prefix": prefix, "first": first,
            "last": top}


@dataclass(frozen=True)
class OfflineTicket:
    prefix: str
    seq: int
    day: str
    issued_at: float
    tracking: str

    @property
    def number(self) -> str:
        return f"{self.prefix}{self.seq:03d}"


def _bad(message: str) -> Refused:
    return Refused("invalid_request", f"offline ticket: {message}", 400)


def _fields(content: dict) -> tuple[str, int, date, float, str | None]:
    prefix, seq = content.get("service_prefix"), content.get("seq")
    day, issued_at, tracking = content.get("service_day"), content.get("issued_at"), content.get("tracking_code")
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise _bad("service_prefix must be one or two capital letters")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= TOP:
        raise _bad(f"seq must be a whole number from 1 to {TOP}")
    if not isinstance(issued_at, int | float) or isinstance(issued_at, bool) or not math.isfinite(issued_at):
        raise _bad("issued_at must be a finite number (Unix seconds)")
    if tracking is not None and (not isinstance(tracking, str) or not _TRACKING.match(tracking)):
        raise _bad("tracking_code must be 8 to 64 letters, digits, '-' or '_'")
    try:
        service_day = date.fromisoformat(day) if isinstance(day, str) and len(day) == 10 else None
    except ValueError:
        service_day = None
    if service_day is None:
        raise _bad("service_day must be a date (YYYY-MM-DD)")
    return prefix, seq, service_day, float(issued_at), tracking


def offline_ticket(con: sqlite3.Connection, *, terminal_id: str, content: dict, tz: ZoneInfo,
                   now: float) -> OfflineTicket:
    """The offline ticket in a record's ``content``, checked (see the module docstring)."""
    prefix, seq, day, issued_at, tracking = _fields(content)
    block = con.execute("SELECT leased_at FROM ticket_blocks WHERE service_day = ? AND prefix = ? AND terminal_id = ?"
                        " AND first <= ? AND last >= ?", (day.isoformat(), prefix, terminal_id, seq, seq)).fetchone()
    if block is None:
        raise Refused("not_in_block", f"{prefix}{seq:03d} is not in a block leased to {terminal_id} "
                                      f"for {day.isoformat()}")
    day_start = datetime.combine(day, time(0), tz).timestamp()
    day_end = datetime.combine(day + timedelta(days=1), time(0), tz).timestamp()
    earliest = max(day_start, block[0] - MAX_CLOCK_SKEW_S)
    latest = min(day_end, now + MAX_CLOCK_SKEW_S)
    if not earliest <= issued_at < latest:
        raise _bad("issued_at lies outside its service day, before its block was leased or in the future")
    return OfflineTicket(prefix, seq, day.isoformat(), issued_at, tracking or crypto.new_tracking_code())


def _answer(row: sqlite3.Row) -> dict:
    return {"lease_id": row["lease_id"], "service_day": row["service_day"], "service_prefix": row["prefix"],
            "first": row["first"], "last": row["last"]}
