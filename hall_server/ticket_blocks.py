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
- A lease is idempotent on its ``request_id`` (a retry after a lost answer gets the same block).
- ``check_offline_number`` accepts an offline ticket only if its number lies in a block leased to the
  terminal that reports it, for that day and service (``not_in_block`` otherwise).
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS ticket_blocks (
    lease_id TEXT PRIMARY KEY,          -- the kiosk's request id: a retried lease gets the same block
    service_day TEXT NOT NULL,
    prefix TEXT NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    terminal_id TEXT NOT NULL,
    leased_at REAL NOT NULL,
    CHECK (first <= last));
CREATE INDEX IF NOT EXISTS ticket_blocks_day ON ticket_blocks (service_day, prefix, first);
"""

TOP = 999  # the highest number a block may hold (numbers print as A001…A999)
MAX_BLOCK = 200


class Refused(Exception):
    """A sync or lease request refused for good, with its machine-readable reason and HTTP status."""

    def __init__(self, reason: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.reason, self.message, self.status = reason, message, status


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
    same = con.execute("SELECT * FROM ticket_blocks WHERE lease_id = ?", (lease_id,)).fetchone()
    if same is not None:
        if same["terminal_id"] != terminal_id or same["prefix"] != prefix:
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


def check_offline_number(con: sqlite3.Connection, *, terminal_id: str, service_day: str, prefix: str,
                         seq: int) -> None:
    row = con.execute("SELECT 1 FROM ticket_blocks WHERE service_day = ? AND prefix = ? AND terminal_id = ? "
                      "AND first <= ? AND last >= ?", (service_day, prefix, terminal_id, seq, seq)).fetchone()
    if row is None:
        raise Refused("not_in_block", f"{prefix}{seq:03d} is not in a block leased to {terminal_id} "
                                           f"for {service_day}")


def _answer(row: sqlite3.Row) -> dict:
    return {"lease_id": row["lease_id"], "service_day": row["service_day"], "service_prefix": row["prefix"],
            "first": row["first"], "last": row["last"]}
