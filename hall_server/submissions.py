"""Records and attachments the terminals sync from their outboxes (mixed into ``HallStore``).

De-duplication is the database's job (docs/sync.md, "Lessons from offline data-collection"):

- A record is keyed by (terminal, ``record_id``): the terminal's permanent uuid4, not an expiring key.
  Every write is one ``BEGIN IMMEDIATE`` transaction, so two uploads of one id arriving at once are
  serialised: the first inserts, the second finds the row. Exactly one record, whatever the timing.
- Same id, same content hash (``core.ports.outbox.content_hash`` of what was sent) → the same answer again,
  ``duplicate: true``, listing any attachment still missing so the terminal sends it.
- Same id, different content → ``record_conflict`` (409) with a reason; the stored record is untouched.
- Each terminal has its own namespace: another terminal's record ids and attachments (and lease ids,
  ticket_blocks.py) are answered exactly as ones nobody sent (a new record; an attachment the server does
  not hold), so a terminal can neither probe for another's uploads nor spoil them (say, by announcing a
  hash first with a wrong size).
- Attachments are content-addressed by SHA-256 and arrive in chunks at an offset (resumable). A chunk at
  the offset the server holds is appended; any other offset changes nothing and the answer says where to
  go on from. When the last byte arrives the whole is checked against its SHA-256; a mismatch drops the
  partial copy (``received: 0``) so the terminal sends it again.
- At rest, record bodies, attachments and their partial chunks are sealed (AES-256-GCM, sealing.py), each
  bound to its terminal and id; an attachment's row is found by an HMAC of its hash under the database's
  own key, so the database alone does not confirm that a known image is in it.
- An ``offline_ticket`` record also puts its ticket into the queue, in the same transaction: waiting, with
  ``queued_at`` = the time the kiosk issued it, so ``ordering.call_order`` places it among the others in
  issue-time order and clerks call it like any other. Every field is checked first
  (``ticket_blocks.offline_ticket``): the number inside a block leased to that kiosk, the time inside the
  service day and after the lease.
- A ``rating`` record (好差评) is checked first (rating_records.check) and kept once per case or ticket per
  channel in the same transaction (ratings.keep); its answer carries ``rating: {id, follow_up}``, and the
  stored copy leaves out the applicant reference (only its keyed hash is kept, in ``ratings``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import sqlite3

from core.ports.outbox import RecordKind, content_hash
from hall_server import case_records, cases, migrations, notify, rating_records, ratings, sealing, ticket_blocks
from hall_server.ticket_blocks import Refused

SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_records (
    terminal_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    body BLOB NOT NULL,                  -- sealed JSON of the record
    received_at REAL NOT NULL,
    PRIMARY KEY (terminal_id, record_id));
CREATE TABLE IF NOT EXISTS sync_attachments (
    terminal_id TEXT NOT NULL,
    name TEXT NOT NULL,                  -- HMAC of the SHA-256 (``_name``), not the hash itself
    size INTEGER NOT NULL,
    received INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0,
    data BLOB,                           -- sealed, once complete
    PRIMARY KEY (terminal_id, name));
CREATE TABLE IF NOT EXISTS sync_attachment_parts (
    terminal_id TEXT NOT NULL,
    name TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    data BLOB NOT NULL,                  -- sealed
    PRIMARY KEY (terminal_id, name, "offset"));
""" + ticket_blocks.SCHEMA

_REPLACE_ATTACHMENT = (" ON CONFLICT (terminal_id, name) DO UPDATE SET size = excluded.size, "
                       "received = excluded.received, complete = excluded.complete, data = excluded.data")
MAX_ATTACHMENT = 64 * 1024 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")


SyncRefused = Refused  # a sync request refused for good, with its reason and HTTP status


def _record_aad(terminal_id: str, record_id: str) -> bytes:
    return f"record:{terminal_id}:{record_id}".encode()


def _attachment_aad(terminal_id: str, name: str, offset: int | None = None) -> bytes:
    return f"attachment:{terminal_id}:{name}:{'' if offset is None else offset}".encode()


class SyncMixin:
    def _seal_old_sync_tables(self, con: sqlite3.Connection) -> None:
        """Schema step 4 (versions.py): an earlier version's sync tables (one namespace for all terminals,
        plain text) are rebuilt per terminal and sealed; nothing to do on any other database."""
        old = {r[1] for r in con.execute("PRAGMA table_info(sync_records)")}
        if not old or "body" not in old or any(r[5] > 1 for r in con.execute("PRAGMA table_info(sync_records)")):
            return
        sealer = self._sealer(con)

        def records(old: str) -> None:
            for r in con.execute(f"SELECT * FROM {old}").fetchall():
                con.execute("INSERT INTO sync_records VALUES (?, ?, ?, ?, ?, ?)", (
                    r["terminal_id"], r["record_id"], r["kind"], r["content_hash"],
                    sealer.seal(str(r["body"]).encode(), _record_aad(r["terminal_id"], r["record_id"])),
                    r["received_at"]))

        def attachments(old: str) -> None:  # they had no owner: complete ones stay, for admin reads
            for r in con.execute(f"SELECT * FROM {old} WHERE complete = 1").fetchall():
                name = self._name(r["sha256"])
                con.execute("INSERT INTO sync_attachments VALUES ('', ?, ?, ?, 1, ?)", (
                    name, r["size"], r["received"], sealer.seal(bytes(r["data"]), _attachment_aad("", name))))

        rebuild = migrations.rebuild
        rebuild(con, "sync_records", migrations.table_schema(SCHEMA, "sync_records"), records)
        rebuild(con, "sync_attachments", migrations.table_schema(SCHEMA, "sync_attachments"), attachments)
        con.execute("DROP TABLE sync_attachment_parts")

    def _reseal(self, con: sqlite3.Connection, old: sealing.Sealer, new: sealing.Sealer) -> None:
        super()._reseal(con, old, new)
        cases.reseal(con, old, new)
        ratings.reseal(con, old, new)
        for t, rid, body in con.execute("SELECT terminal_id, record_id, body FROM sync_records").fetchall():
            aad = _record_aad(t, rid)
            con.execute("UPDATE sync_records SET body = ? WHERE terminal_id = ? AND record_id = ?",
                        (new.seal(old.open(body, aad), aad), t, rid))
        for t, name, data in con.execute("SELECT terminal_id, name, data FROM sync_attachments "
                                         "WHERE data IS NOT NULL").fetchall():
            aad = _attachment_aad(t, name)
            con.execute("UPDATE sync_attachments SET data = ? WHERE terminal_id = ? AND name = ?",
                        (new.seal(old.open(data, aad), aad), t, name))
        for t, name, offset, data in con.execute("SELECT * FROM sync_attachment_parts").fetchall():
            aad = _attachment_aad(t, name, offset)
            con.execute("UPDATE sync_attachment_parts SET data = ? "
                        "WHERE terminal_id = ? AND name = ? AND \"offset\" = ?",
                        (new.seal(old.open(data, aad), aad), t, name, offset))

    def _name(self, sha256: str) -> str:
        return hmac.new(self._person_key, b"attachment:" + sha256.encode(), hashlib.sha256).hexdigest()

    # --- attachments -------------------------------------------------------------------------------
    def attachment_status(self, terminal_id: str, sha256: str) -> dict:
        row = self._con().execute("SELECT size, received, complete FROM sync_attachments WHERE terminal_id = ?"
                                  " AND name = ?", (terminal_id, self._name(sha256))).fetchone()
        if row is None:
            return {"sha256": sha256, "size": None, "received": 0, "complete": False}
        return {"sha256": sha256, "size": row[0], "received": row[1], "complete": bool(row[2])}

    def put_attachment_chunk(self, terminal_id: str, sha256: str, total: int, offset: int, data_b64: str) -> dict:
        try:
            data = base64.b64decode(data_b64, validate=True)
        except (binascii.Error, ValueError):
            raise SyncRefused("invalid_request", "data is not base64", 400) from None
        if not 0 <= total <= MAX_ATTACHMENT:
            raise SyncRefused("body_too_large", f"attachments are limited to {MAX_ATTACHMENT} bytes", 413)
        if offset < 0 or offset + len(data) > total:
            raise SyncRefused("invalid_request", "chunk lies outside the attachment", 400)
        name = self._name(sha256)
        with self._write() as con:
            row = con.execute("SELECT size, received, complete FROM sync_attachments WHERE terminal_id = ? AND "
                              "name = ?", (terminal_id, name)).fetchone()
            if row is not None and row[0] != total:
                raise SyncRefused("attachment_size_mismatch",
                                  f"attachment is {row[0]} bytes here, not {total}", 409)
            received, complete = (row[1], bool(row[2])) if row else (0, False)
            if not complete and offset == received and (data or total == 0):
                sealed = self._sealer(con).seal(data, _attachment_aad(terminal_id, name, offset))
                con.execute("INSERT INTO sync_attachment_parts VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (terminal_id, name, \"offset\") DO UPDATE SET data = excluded.data",
                            (terminal_id, name, offset, sealed))
                received += len(data)
            if not complete and received >= total:
                complete = self._assemble(con, terminal_id, sha256, name, total)
                received = total if complete else 0  # damaged on the way: start over
            if not complete:
                con.execute("INSERT INTO sync_attachments VALUES (?, ?, ?, ?, 0, NULL)" + _REPLACE_ATTACHMENT,
                            (terminal_id, name, total, received))
        return {"sha256": sha256, "size": total, "received": total if complete else received, "complete": complete}

    def _assemble(self, con: sqlite3.Connection, terminal_id: str, sha256: str, name: str, total: int) -> bool:
        parts = con.execute("SELECT \"offset\", data FROM sync_attachment_parts WHERE terminal_id = ? AND name = ? "
                            "ORDER BY \"offset\"", (terminal_id, name)).fetchall()
        whole = b"".join(self._sealer(con).open(p[1], _attachment_aad(terminal_id, name, p[0])) for p in parts)
        con.execute("DELETE FROM sync_attachment_parts WHERE terminal_id = ? AND name = ?", (terminal_id, name))
        if len(whole) != total or hashlib.sha256(whole).hexdigest() != sha256:
            return False
        sealed = self._sealer(con).seal(whole, _attachment_aad(terminal_id, name))
        con.execute("INSERT INTO sync_attachments VALUES (?, ?, ?, ?, 1, ?)" + _REPLACE_ATTACHMENT,
                    (terminal_id, name, total, total, sealed))
        return True

    def attachment_data(self, sha256: str, *, terminal_id: str | None = None) -> bytes | None:
        """A complete attachment (admin, tests): ``terminal_id``'s copy, or any terminal's."""
        name = self._name(sha256)
        sql = "SELECT terminal_id, data FROM sync_attachments WHERE name = ? AND complete = 1"
        params: tuple = (name,)
        if terminal_id is not None:
            sql, params = sql + " AND terminal_id = ?", (name, terminal_id)
        con = self._con()
        row = con.execute(sql + " LIMIT 1", params).fetchone()
        return None if row is None else self._sealer(con).open(row[1], _attachment_aad(row[0], name))

    # --- records -----------------------------------------------------------------------------------
    def sync_record(self, *, terminal_id: str, record_id: str, kind: str, record: dict,
                    role: str | None = None) -> tuple[dict, bool]:
        """Stores a record once; returns (answer, created). A record that opens or moves a case (cases.py)
        is checked first (case_records.check; ``role`` is the sending terminal's) and its answer carries
        the case; a re-sent one gets the same answer, however the catalogue has changed since."""
        if kind not in {k.value for k in RecordKind}:
            raise SyncRefused("unknown_kind", f"unknown record kind {kind!r}", 400)
        attachments = record.get("attachments", [])
        if not isinstance(record.get("content"), dict) or not isinstance(attachments, list):
            raise SyncRefused("invalid_request", "record needs a content object and an attachments list", 400)
        wanted = [a.get("sha256") for a in attachments if isinstance(a, dict)]
        if len(wanted) != len(attachments) or not all(isinstance(s, str) and SHA256.match(s) for s in wanted):
            raise SyncRefused("invalid_request", "every attachment needs its sha256 (64 lower-case hex digits)", 400)
        digest = content_hash(record)
        checked = None
        if kind in case_records.KINDS and self.stored_record(terminal_id, record_id) is None:
            checked = case_records.check(self, kind=kind, content=record["content"], terminal_id=terminal_id,
                                         role=role)
        elif kind == RecordKind.RATING and self.stored_record(terminal_id, record_id) is None:
            checked = rating_records.check(self, content=record["content"], role=role)
        with self._write() as con:
            row = con.execute("SELECT content_hash, kind FROM sync_records WHERE terminal_id = ? AND record_id = ?",
                              (terminal_id, record_id)).fetchone()
            if row is not None:
                if row[0] != digest or row[1] != kind:
                    raise SyncRefused("record_conflict",
                                      "a record with this id and different content is already stored", 409)
                created = False
            else:
                if kind == RecordKind.OFFLINE_TICKET:
                    self._merge_offline_ticket(con, terminal_id, record_id, digest, record["content"])
                if isinstance(checked, rating_records.CheckedRating):
                    ratings.keep(self, con, terminal_id=terminal_id, record_id=record_id, checked=checked)
                    record = ratings.stored_copy(record)  # the applicant reference is kept only as a hash
                elif checked is not None:
                    cases.open_case(self, con, terminal_id=terminal_id, record_id=record_id, checked=checked)
                body = json.dumps(record, ensure_ascii=False).encode("utf-8")
                con.execute("INSERT INTO sync_records VALUES (?, ?, ?, ?, ?, ?)",
                            (terminal_id, record_id, kind, digest,
                             self._sealer(con).seal(body, _record_aad(terminal_id, record_id)),
                             self.clock.now().timestamp()))
                created = True
            case = cases.answer_for(con, terminal_id, record_id) if kind in case_records.KINDS else None
            rating = ratings.answer_for(con, terminal_id, record_id) if kind == RecordKind.RATING else None
            names = {self._name(s): s for s in wanted}
            marks = ",".join("?" * len(names))
            have = {names[r[0]] for r in con.execute(
                f"SELECT name FROM sync_attachments WHERE terminal_id = ? AND complete = 1 AND name IN ({marks})",
                (terminal_id, *names))} if names else set()
        if created and case is not None:  # a case opened (or a pre-application accepted): the applicant is told
            notify.announce(self, cases.case_view(self, case["number"]))
        missing = [s for s in dict.fromkeys(wanted) if s not in have]
        answer = {"record_id": record_id, "content_hash": digest, "duplicate": not created,
                  "missing_attachments": missing}
        extra = {**({"case": case} if case else {}), **({"rating": rating} if rating else {})}
        return {**answer, **extra}, created

    def stored_record(self, terminal_id: str, record_id: str) -> dict | None:
        """One terminal's record as it was sent (``{content, attachments}``), or None."""
        con = self._con()
        row = con.execute("SELECT body FROM sync_records WHERE terminal_id = ? AND record_id = ?",
                          (terminal_id, record_id)).fetchone()
        return None if row is None else json.loads(self._sealer(con).open(row[0], _record_aad(terminal_id, record_id)))

    def sync_records(self, kind: str | None = None) -> list[dict]:
        """Every stored record (admin, tests, the soak bench): id, terminal, kind, hash, record."""
        sql = "SELECT record_id, terminal_id, kind, content_hash, body FROM sync_records"
        con = self._con()
        rows = con.execute(sql + (" WHERE kind = ?" if kind else "") + " ORDER BY received_at",
                           (kind,) if kind else ()).fetchall()
        sealer = self._sealer(con)
        return [{"record_id": r[0], "terminal_id": r[1], "kind": r[2], "content_hash": r[3],
                 "record": json.loads(sealer.open(r[4], _record_aad(r[1], r[0])))} for r in rows]

    # --- offline tickets ---------------------------------------------------------------------------
    def lease_ticket_block(self, *, terminal_id: str, lease_id: str, service_prefix: str, size: int) -> dict:
        with self._write() as con:
            self._service_row(con, service_prefix)  # unknown_service otherwise
            return ticket_blocks.lease(con, lease_id=lease_id, terminal_id=terminal_id,
                                       service_day=self.service_day(con).isoformat(), prefix=service_prefix,
                                       size=size, now=self.clock.now().timestamp())

    def _merge_offline_ticket(self, con: sqlite3.Connection, terminal_id: str, record_id: str, digest: str,
                              content: dict) -> None:
        ticket = ticket_blocks.offline_ticket(con, terminal_id=terminal_id, content=content, tz=self.tz(con),
                                              now=self.clock.now().timestamp())
        service = self._service_row(con, ticket.prefix)
        # A ticket of a day that is over is recorded (for the day's figures) but no longer waits.
        state = "waiting" if ticket.day == self.service_day(con).isoformat() else "cancelled"
        if con.execute("SELECT 1 FROM tickets WHERE tracking_code = ?", (ticket.tracking,)).fetchone():
            raise SyncRefused("invalid_request", "tracking_code is already in use", 400)
        if con.execute(
                "INSERT INTO tickets (service_day, number, issue_prefix, seq, service, state, issued_at, queued_at,"
                " tracking_code, request_id, request_fingerprint, terminal_id, weight)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (ticket.day, ticket.number, ticket.prefix, ticket.seq, ticket.prefix, state, ticket.issued_at,
                 ticket.issued_at, ticket.tracking, record_id, digest, terminal_id, service["priority_weight"]),
        ).rowcount == 0:
            raise SyncRefused("number_taken", f"{ticket.number} already exists on {ticket.day}", 409)
