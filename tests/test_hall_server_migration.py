"""A database written by the previous version of the hall server (plain-text secrets and records, one
namespace for all terminals) is brought up to date when the store opens it: sealed, scoped, readable."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import stat

import pytest

from hall_server import HallStore, sample_hall, versions
from hall_server.__main__ import main as admin_main
from kiosk.cli import main as kiosk_main

pytestmark = pytest.mark.sqlite_only('files made by earlier SQLite versions of the hall server')

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


def _dump(db) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _count(db, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_migrate_brings_an_old_database_to_the_newest_version_keeping_every_row(tmp_path, capsys):
    """GIVEN a database of the version before schema versions were kept (version 0)
    WHEN ``hall-admin migrate`` runs THEN it says it went from 0 to the newest version, each step is recorded
    with its number, and every ticket, terminal, record, attachment and lease is still there."""
    db = tmp_path / "hall.db"
    _old_database(db)
    assert admin_main(["--db", str(db), "migrate"]) == 0
    assert capsys.readouterr().out.strip() == f"schema version 0 → {versions.LATEST}"
    con = sqlite3.connect(db)
    assert [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version")] == \
        [s.version for s in versions.STEPS] == list(range(1, versions.LATEST + 1))
    con.close()
    for table in ("terminals", "tickets", "sync_records", "sync_attachments", "ticket_blocks"):
        assert _count(db, table) == 1, table
    store = HallStore(db)
    try:
        assert store.terminal("kiosk-1") == ("citizen", SECRET)
        assert store.attachment_data(hashlib.sha256(PHOTO).hexdigest()) == PHOTO
        assert store.schema_versions == (versions.LATEST, versions.LATEST)
    finally:
        store.close()


def test_migrating_twice_changes_nothing(tmp_path, capsys):
    """GIVEN an old database migrated once WHEN ``migrate`` runs again THEN it says the database is up to date
    and the database holds exactly what it held before, row for row."""
    db = tmp_path / "hall.db"
    _old_database(db)
    assert admin_main(["--db", str(db), "migrate"]) == 0
    before = _dump(db)
    capsys.readouterr()
    assert admin_main(["--db", str(db), "migrate"]) == 0
    assert capsys.readouterr().out.strip() == f"schema version {versions.LATEST}: up to date, nothing changed"
    assert _dump(db) == before


def test_only_the_steps_above_the_database_version_run(tmp_path, capsys):
    """GIVEN a database left at version 3 by a hall server that knew three steps (its sync tables are
    already per terminal and sealed) WHEN it is migrated THEN steps 4 to the newest run and are recorded,
    and the records, tickets and sequences stay."""
    db = tmp_path / "hall.db"
    store = HallStore(db)
    store.load_hall(sample_hall())
    store.add_terminal("kiosk-1", "citizen", SECRET)
    store.issue_ticket(terminal_id="kiosk-1", service_prefix="A", request_id="request-0001")
    store.close()
    con = sqlite3.connect(db)
    con.execute("DELETE FROM schema_version WHERE version > 3")
    con.commit()
    con.close()
    assert admin_main(["--db", str(db), "migrate"]) == 0
    assert capsys.readouterr().out.strip() == f"schema version 3 → {versions.LATEST}"
    assert _count(db, "tickets") == 1 and _count(db, "sequences") == 1
    assert _count(db, "schema_version") == versions.LATEST


def test_a_database_newer_than_the_code_is_refused_and_left_alone(tmp_path, capsys):
    """GIVEN a database a newer hall server wrote (a schema version above this code's newest)
    WHEN hall-admin or the server opens it THEN each stops with a message naming both versions, without a
    traceback, and the database is left exactly as it was."""
    db = tmp_path / "hall.db"
    HallStore(db).close()
    con = sqlite3.connect(db)
    con.execute("INSERT INTO schema_version VALUES (?, 'a newer step', 0)", (versions.LATEST + 1,))
    con.commit()
    con.close()
    before = _dump(db)
    capsys.readouterr()
    for argv in (["hall-admin", "--db", str(db), "migrate"], ["hall-admin", "--db", str(db), "list-terminals"],
                 ["hall-server", "--db", str(db), "--port", "0"]):
        assert kiosk_main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"schema version {versions.LATEST + 1}" in err and f"the {versions.LATEST} this hall server" in err
        assert "Traceback" not in err
    assert _dump(db) == before


def test_a_fleet_of_version_6_gets_its_flapping_history_and_keeps_its_terminals(tmp_path, capsys):
    """GIVEN a database of version 6, whose ``fleet_terminals`` has no column for the changes flap damping
    counts, holding a kiosk's last heartbeat and the status alerted
    WHEN it is migrated THEN step 7 adds the column, the kiosk's heartbeat and status are kept (no alert
    again), and a change is noted in it."""
    from hall_server import fleet

    db = tmp_path / "hall.db"
    store = HallStore(db)
    store.load_hall(sample_hall())
    store.add_terminal("kiosk-1", "citizen", SECRET)
    body = {"sent_at": 1.0, "seq": 1, "version": "0.1.0", "role": "citizen", "uptime_s": 1.0, "devices": [],
            "outbox": None, "disk_free_bytes": None, "interval_s": 30.0}
    fleet.keep(store, terminal_id="kiosk-1", role="citizen", body=body)
    fleet.flush(store)
    store.close()
    con = sqlite3.connect(db)
    con.execute("ALTER TABLE fleet_terminals DROP COLUMN flap_changes")
    con.execute("DELETE FROM schema_version WHERE version > 6")
    con.commit()
    con.close()
    assert admin_main(["--db", str(db), "migrate"]) == 0
    assert capsys.readouterr().out.strip() == f"schema version 6 → {versions.LATEST}"
    store = HallStore(db)
    try:
        assert fleet.terminal(store, "kiosk-1").heartbeat["seq"] == 1
        assert fleet.keep(store, terminal_id="kiosk-1", role="citizen", body={**body, "seq": 2})[2] is None
        failed = [{"name": "scanner", "kind": "scanner", "state": "failed", "paper": "none", "last_error": ""}]
        assert fleet.keep(store, terminal_id="kiosk-1", role="citizen",
                          body={**body, "seq": 3, "devices": failed})[2].faults == ("scanner: failed",)
        fleet.flush(store)
    finally:
        store.close()
    con = sqlite3.connect(db)
    (changes,) = con.execute("SELECT flap_changes FROM fleet_terminals WHERE terminal_id = 'kiosk-1'").fetchone()
    con.close()
    assert [what for _, what in json.loads(changes)] == [["scanner: failed"]]
