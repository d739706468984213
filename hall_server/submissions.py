"""Records and attachments the terminals sync from their outboxes (mixed into ``HallStore``).

De-duplication is the database's job (docs/sync.md, "Lessons from offline data-collection"):

- ``sync_records.record_id`` is the PRIMARY KEY: the terminal's permanent uuid4, not an expiring key.
  Every write is one ``BEGIN IMMEDIATE`` transaction, so two uploads of one id arriving at once are
  serialised: the first inserts, the second finds the row. Exactly one record, whatever the timing.
- Same id, same content hash (``core.ports.outbox.content_hash`` of what was sent) → the same answer again,
  ``duplicate: true``, listing any attachment still missing so the terminal sends it.
- Same id, different content → ``record_conflict`` (409) with a reason; the stored record is untouched.
- Attachments are content-addressed by SHA-256 and arrive in chunks at an offset (resumable). A chunk at
  the offset the server holds is appended; any other offset changes nothing and the answer says where to
  go on from. When the last byte arrives the whole is checked against its SHA-256; a mismatch drops the
  partial copy (``received: 0``) so the terminal sends it again.
- An ``offline_ticket`` record also puts its ticket into the queue, in the same transaction: waiting, with
  ``queued_at`` = the time the kiosk issued it, so ``ordering.call_order`` places it among the others in
  issue-time order and clerks call it like any other (its number must lie in a block leased to that kiosk,
  see ticket_blocks.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
from datetime import date

from hall_server import crypto, ticket_blocks
from hall_server.ticket_blocks import Refused
from core.ports.outbox import RecordKind, content_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_records (
    record_id TEXT PRIMARY KEY,
    terminal_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sync_attachments (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    received INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0,
    data BLOB);
CREATE TABLE IF NOT EXISTS sync_attachment_parts (
    sha256 TEXT NOT NULL,
    offset INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (sha256, offset));
""" + ticket_blocks.SCHEMA

MAX_ATTACHMENT = 64 * 1024 * 1024


SyncRefused = Refused  # a sync request refused for good, with its reason and HTTP status


class SyncMixin:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._con().executescript(SCHEMA)

    # --- attachments -------------------------------------------------------------------------------
    def attachment_status(self, sha256: str) -> dict:
        row = self._con().execute("SELECT size, received, complete FROM sync_attachments WHERE sha256 = ?",
                                  (sha256,)).fetchone()
        if row is None:
            return {"sha256": sha256, "size": None, "received": 0, "complete": False}
        return {"sha256": sha256, "size": row[0], "received": row[1], "complete": bool(row[2])}

    def put_attachment_chunk(self, sha256: str, total: int, offset: int, data_b64: str) -> dict:
        try:
            data = base64.b64decode(data_b64, validate=True)
        except (binascii.Error, ValueError):
            raise SyncRefused("invalid_request", "data is not base64", 400) from None
        if not 0 <= total <= MAX_ATTACHMENT:
            raise SyncRefused("body_too_large", f"attachments are limited to {MAX_ATTACHMENT} bytes", 413)
        if offset < 0 or offset + len(data) > total:
            raise SyncRefused("invalid_request", "chunk lies outside the attachment", 400)
        with self._write() as con:
            row = con.execute("SELECT size, received, complete FROM sync_attachments WHERE sha256 = ?",
                              (sha256,)).fetchone()
            if row is not None and row[0] != total:
                raise SyncRefused("attachment_size_mismatch",
                                  f"attachment is {row[0]} bytes here, not {total}", 409)
            received, complete = (row[1], bool(row[2])) if row else (0, False)
            if not complete and offset == received and (data or total == 0):
                con.execute("INSERT OR REPLACE INTO sync_attachment_parts VALUES (?, ?, ?)", (sha256, offset, data))
                received += len(data)
            if not complete and received >= total:
                parts = con.execute("SELECT data FROM sync_attachment_parts WHERE sha256 = ? ORDER BY offset",
                                    (sha256,)).fetchall()
                whole = b"".join(p[0] for p in parts)
                con.execute("DELETE FROM sync_attachment_parts WHERE sha256 = ?", (sha256,))
                if len(whole) == total and hashlib.sha256(whole).hexdigest() == sha256:
                    complete = True
                    con.execute("INSERT OR REPLACE INTO sync_attachments VALUES (?, ?, ?, 1, ?)",
                                (sha256, total, total, whole))
                else:
                    received = 0  # damaged on the way: start over
            if not complete:
                con.execute("INSERT OR REPLACE INTO sync_attachments VALUES (?, ?, ?, 0, NULL)",
                            (sha256, total, received))
        return {"sha256": sha256, "size": total, "received": total if complete else received, "complete": complete}

    def attachment_data(self, sha256: str) -> bytes | None:
        row = self._con().execute("SELECT data FROM sync_attachments WHERE sha256 = ? AND complete = 1",
                                  (sha256,)).fetchone()
        return None if row is None else bytes(row[0])

    # --- records -----------------------------------------------------------------------------------
    def sync_record(self, *, terminal_id: str, record_id: str, kind: str, record: dict) -> tuple[dict, bool]:
        """Stores a record once; returns (answer, created)."""
        if kind not in {k.value for k in RecordKind}:
            raise SyncRefused("unknown_kind", f"unknown record kind {kind!r}", 400)
        attachments = record.get("attachments", [])
        if not isinstance(record.get("content"), dict) or not isinstance(attachments, list):
            raise SyncRefused("invalid_request", "record needs a content object and an attachments list", 400)
        wanted = [a.get("sha256") for a in attachments if isinstance(a, dict)]
        if len(wanted) != len(attachments) or not all(isinstance(s, str) and len(s) == 64 for s in wanted):
            raise SyncRefused("invalid_request", "every attachment needs its sha256", 400)
        digest = content_hash(record)
        with self._write() as con:
            row = con.execute("SELECT content_hash, kind FROM sync_records WHERE record_id = ?",
                              (record_id,)).fetchone()
            if row is not None:
                if row[0] != digest or row[1] != kind:
                    raise SyncRefused("record_conflict",
                                      "a record with this id and different content is already stored", 409)
                created = False
            else:
                if kind == RecordKind.OFFLINE_TICKET:
                    self._merge_offline_ticket(con, terminal_id, record_id, digest, record["content"])
                con.execute("INSERT INTO sync_records VALUES (?, ?, ?, ?, ?, ?)",
                            (record_id, terminal_id, kind, digest, json.dumps(record, ensure_ascii=False),
                             self.clock.now().timestamp()))
                created = True
            marks = ",".join("?" * len(wanted))
            have = {r[0] for r in con.execute(
                f"SELECT sha256 FROM sync_attachments WHERE complete = 1 AND sha256 IN ({marks})", wanted)} \
                if wanted else set()
        missing = [s for s in dict.fromkeys(wanted) if s not in have]
        return ({"record_id": record_id, "content_hash": digest, "duplicate": not created,
                 "missing_attachments": missing}, created)

    def sync_records(self, kind: str | None = None) -> list[dict]:
        """Every stored record (admin, tests, the soak bench): id, terminal, kind, hash, record."""
        sql = "SELECT record_id, terminal_id, kind, content_hash, body FROM sync_records"
        rows = self._con().execute(sql + (" WHERE kind = ?" if kind else "") + " ORDER BY received_at",
                                   (kind,) if kind else ()).fetchall()
        return [{"record_id": r[0], "terminal_id": r[1], "kind": r[2], "content_hash": r[3],
                 "record": json.loads(r[4])} for r in rows]

    # --- offline tickets ---------------------------------------------------------------------------
    def lease_ticket_block(self, *, terminal_id: str, lease_id: str, service_prefix: str, size: int) -> dict:
        with self._write() as con:
            self._service_row(con, service_prefix)  # unknown_service otherwise
            return ticket_blocks.lease(con, lease_id=lease_id, terminal_id=terminal_id,
                                       service_day=self.service_day(con).isoformat(), prefix=service_prefix,
                                       size=size, now=self.clock.now().timestamp())

    def _merge_offline_ticket(self, con: sqlite3.Connection, terminal_id: str, record_id: str, digest: str,
                              content: dict) -> None:
        try:
            prefix, seq = str(content["service_prefix"]), int(content["seq"])
            day = date.fromisoformat(str(content["service_day"])).isoformat()
            issued_at = float(content["issued_at"])
            tracking = str(content.get("tracking_code") or crypto.new_tracking_code())
        except (KeyError, TypeError, ValueError):
            raise SyncRefused("invalid_request", "an offline ticket needs service_prefix, seq, service_day, "
                                                 "issued_at", 400) from None
        service = self._service_row(con, prefix)
        ticket_blocks.check_offline_number(con, terminal_id=terminal_id, service_day=day, prefix=prefix, seq=seq)
        # A ticket of a day that is over is recorded (for the day's figures) but no longer waits.
        state = "waiting" if day == self.service_day(con).isoformat() else "cancelled"
        try:
            con.execute(
                "INSERT INTO tickets (service_day, number, issue_prefix, seq, service, state, issued_at, queued_at,"
                " tracking_code, request_id, request_fingerprint, terminal_id, weight)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (day, f"{prefix}{seq:03d}", prefix, seq, prefix, state, issued_at, issued_at, tracking, record_id,
                 digest, terminal_id, service["priority_weight"]))
        except sqlite3.IntegrityError:
            raise SyncRefused("number_taken", f"{prefix}{seq:03d} already exists on {day}", 409) from None
