"""A database written by the previous version of the hall server (plain-text secrets and records, one
namespace for all terminals) is brought up to date when the store opens it: sealed, scoped, readable."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import stat

from hall_server import HallStore

# The previous version's tables that change (the others are created as they are now).
OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE terminals (terminal_id TEXT PRIMARY KEY, role TEXT NOT NULL, secret TEXT NOT NULL);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY, service_day TEXT NOT NULL, number TEXT NOT NULL, issue_prefix TEXT NOT NULL,
    seq INTEGER NOT NULL, service TEXT NOT NULL, state TEXT NOT NULL, issued_at REAL NOT NULL,
    queued_at REAL NOT NULL, tracking_code TEXT NOT NULL UNIQUE, request_id TEXT NOT NULL UNIQUE,
    request_fingerprint TEXT NOT NULL, terminal_id TEXT NOT NULL, person_hash TEXT, appointment_code TEXT,
    priority INTEGER NOT NULL DEFAULT 0, appointment INTEGER NOT NULL DEFAULT 0, weight INTEGER NOT NULL,
    target_window INTEGER, window INTEGER, held_window INTEGER, called_at REAL, finished_at REAL, outcome TEXT,
    calls INTEGER NOT NULL DEFAULT 0, UNIQUE (service_day, number));
CREATE INDEX tickets_queue ON tickets (service_day, state, service);
CREATE TABLE sync_records (record_id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, kind TEXT NOT NULL,
    content_hash TEXT NOT NULL, body TEXT NOT NULL, received_at REAL NOT NULL);
CREATE TABLE sync_attachments (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, received INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0, data BLOB);
CREATE TABLE sync_attachment_parts (sha256 TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (sha256, offset));
CREATE TABLE ticket_blocks (lease_id TEXT PRIMARY KEY, service_day TEXT NOT NULL, prefix TEXT NOT NULL,
    first INTEGER NOT NULL, last INTEGER NOT NULL, terminal_id TEXT NOT NULL, leased_at REAL NOT NULL,
    CHECK (first <= last));
CREATE INDEX ticket_blocks_day ON ticket_blocks (service_day, prefix, first);
"""
NAME, SECRET = "李䶮", "terminal-secret-" + "x" * 30
PHOTO = b"\xff\xd8" + secrets.token_bytes(3_000)


def _old_database(db) -> None:
    con = sqlite3.connect(db)
    con.executescript(OLD_SCHEMA)
    con.execute("INSERT INTO meta VALUES ('person_key', ?)", (secrets.token_bytes(32),))
    con.execute("INSERT INTO terminals VALUES ('kiosk-1', 'citizen', ?)", (SECRET,))
    con.execute("INSERT INTO tickets (service_day, number, issue_prefix, seq, service, state, issued_at, queued_at,"
                " tracking_code, request_id, request_fingerprint, terminal_id, weight) VALUES"
                " ('2026-11-23', 'A001', 'A', 1, 'A', 'waiting', 1, 1, 'trackingcode0001', 'request-0001', 'f',"
                " 'kiosk-1', 1)")
    con.execute("INSERT INTO sync_records VALUES ('r-1', 'kiosk-1', 'submission', 'h', ?, 5)",
                (json.dumps({"content": {"name": NAME}, "attachments": []}, ensure_ascii=False),))
    con.execute("INSERT INTO sync_attachments VALUES (?, ?, ?, 1, ?)",
                (hashlib.sha256(PHOTO).hexdigest(), len(PHOTO), len(PHOTO), PHOTO))
    con.execute("INSERT INTO ticket_blocks VALUES ('lease-1', '2026-11-23', 'A', 950, 999, 'kiosk-1', 1)")
    con.commit()
    con.close()


def test_an_old_database_is_sealed_and_scoped_when_opened(tmp_path):
    """GIVEN a database of the previous version with a terminal secret, a ticket, a record and a photo in
    plain text WHEN the store opens it THEN everything reads back as before, request and lease ids are per
    terminal,
    and once closed no file holds the secret, the name or the photo in plain text."""
    db = tmp_path / "hall.db"
    _old_database(db)
    store = HallStore(db)
    try:
        assert store.terminal("kiosk-1") == ("citizen", SECRET)
        assert [r["record"]["content"]["name"] for r in store.sync_records()] == [NAME]
        assert store.attachment_data(hashlib.sha256(PHOTO).hexdigest()) == PHOTO
        with store._write() as con:  # another terminal may now use the same request id
            con.execute("INSERT INTO tickets (service_day, number, issue_prefix, seq, service, state, issued_at,"
                        " queued_at, tracking_code, request_id, request_fingerprint, terminal_id, weight) VALUES"
                        " ('2026-11-23', 'A002', 'A', 2, 'A', 'waiting', 1, 1, 'trackingcode0002', 'request-0001',"
                        " 'f', 'kiosk-2', 1)")
            con.execute("INSERT INTO ticket_blocks VALUES ('lease-1', '2026-11-23', 'A', 900, 949, 'kiosk-2', 2)")
            assert con.execute("SELECT COUNT(*) FROM ticket_blocks WHERE lease_id = 'lease-1'").fetchone()[0] == 2
    finally:
        store.close()
    for path in tmp_path.iterdir():
        data = path.read_bytes()
        assert SECRET.encode() not in data and NAME.encode() not in data and PHOTO[100:150] not in data, path.name
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    reopened = HallStore(db)
    assert reopened.terminal("kiosk-1") == ("citizen", SECRET)
    reopened.close()
