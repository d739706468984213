"""Who may collect a case's result: the applicant and the proxies they registered (代领人), by ID number.

The ``application`` record that opens a case may name them (``applicant_id``: the ID card read at the
window; ``proxy_ids``); only an HMAC of each number under the database's own key is kept (crypto.py), so
the table tells whether a card read later belongs to a collector, and nothing more (docs/pickup.md).
"""

from __future__ import annotations

import sqlite3

from hall_server import crypto

SCHEMA = """
CREATE TABLE IF NOT EXISTS case_collectors (
    tracking TEXT NOT NULL, person_hash TEXT NOT NULL, role TEXT NOT NULL,   -- applicant, proxy
    PRIMARY KEY (tracking, person_hash));
"""


def keep_collectors(hall_store, con: sqlite3.Connection, tracking: str, applicant_id: str | None,
                    proxy_ids: list[str]) -> None:
    """Inside the record's transaction: the applicant and the registered proxies of a new case, as HMACs."""
    people = ([(applicant_id, "applicant")] if applicant_id else []) + [(p, "proxy") for p in proxy_ids]
    for id_number, role in people:
        con.execute("INSERT INTO case_collectors VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (tracking, crypto.person_key(hall_store._person_key, id_number), role))


def collector_role(hall_store, con: sqlite3.Connection, tracking: str, id_number: str) -> str | None:
    """``applicant``, ``proxy`` or None: who the holder of ``id_number`` is to the case."""
    row = con.execute("SELECT role FROM case_collectors WHERE tracking = ? AND person_hash = ?",
                      (tracking, crypto.person_key(hall_store._person_key, id_number))).fetchone()
    return row[0] if row else None
