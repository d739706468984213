"""The durable local store: records and their outbox entries, encrypted blobs, audit, reference cache.

Layout of a data directory::

    <data_dir>/outbox.sqlite3        SQLite, WAL, synchronous=FULL (survives power loss, not just a crash)
    <data_dir>/blobs/ab/<name>       attachments, sealed (crypto.py); <name> is a keyed hash of the plaintext
    <data_dir>/outbox.count          the number of records, sealed (sidecar.py): a damaged database shows
    <data_dir>/outbox.lock           shared while a Store is open; a salvage needs it alone (salvage.py)
    <key file>                       the master key, 0600, outside the database (default <data_dir>/keys/)

Rules (docs/sync.md "The local store" and "SQLite as the on-device store"):

- ``enqueue`` writes the attachments' sealed blob files first (each: temp file of CIPHERTEXT in the blob
  directory, fsync, rename, fsync the directory), then the record and its outbox entry in ONE transaction.
  A crash before the commit leaves at most an orphan blob, removed by ``collect_garbage``; a crash after
  it leaves a complete record. Only after ``enqueue`` returns may the person be told "done".
- The whole record body (personal fields included) is sealed with AES-256-GCM / SM4-GCM, bound to its id.
  Only the kind, times, size and outbox state are in the clear.
- Outbox states: ``queued`` → ``inflight`` (marked BEFORE the upload starts) → ``acked`` (only after the
  platform's expected answer), or ``dead`` (a 4xx with a reason). ``recover()`` at start puts anything left
  ``inflight`` by a crash back to ``queued``: delivery is at least once, the server de-duplicates by id.
- Retention: ``purge()`` deletes the body, blobs and kept case (cases.py) of records acknowledged longer ago
  than the retention;
  a record that is not acknowledged is never purged (the SQL says ``state = 'acked'``).
- A full disk: ``check_space`` compares free space with the size about to be written plus a margin BEFORE
  writing; SQLITE_FULL / ENOSPC / EFBIG are translated into ``StoreFull``; every write is a transaction, so
  a failed one rolls back and the file stays consistent (tests/test_offline_store.py fills a disk).
- The key: the store opens only with the key it was sealed with (keycheck.py); a damaged database is kept
  aside and what still reads is salvaged into a fresh one at start (salvage.py).

One connection per Store, guarded by a lock (the engine thread and the service threads share it); other
processes (``kiosk diag sync``) open their own Store on the same directory (WAL lets them read while the
terminal writes; ``busy_timeout`` covers short write overlaps).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.logs import mask_text
from core.ports.outbox import AttachmentIn, OutboxCounts, RecordKind
from offline_cache.cases import AckedCases, drop_cases
from offline_cache.crypto import KeyRing
from offline_cache.errors import StoreCorrupt, StoreError, StoreFull, UnknownRecord
from offline_cache.keycheck import open_keyring
from offline_cache.records import (
    ENTRY_SQL,
    SCHEMA,
    AuditEntry,
    OutboxEntry,
    Record,
    audit,
    entry_from_row,
    fsync_dir,
    open_database,
    translate,
)
from offline_cache.salvage import OpenLock, find_damage, is_damage, salvage
from offline_cache.sidecar import write_count

log = logging.getLogger(__name__)
# The record count beside the database is rewritten at most this often while records keep coming (and at
# close): see Store._write_count.
COUNT_EVERY_S = 1.0

__all__ = ["AuditEntry", "OutboxEntry", "Record", "Store"]

DB_NAME = "outbox.sqlite3"
DEFAULT_MARGIN_BYTES = 64 * 1024 * 1024  # keep this much free for SQLite's WAL, logs and the OS
DEFAULT_RETENTION_S = 7 * 24 * 3600  # PIPL Art. 19: no longer than necessary; configurable per hall
_OVERHEAD = 4096  # a record's page(s), index entries and WAL frame headers, estimated

class Store(AckedCases):
    """The terminal's outbox. Implements ``core.ports.outbox.Outbox`` (``mark_acked`` and ``case_for``:
    cases.py)."""

    def __init__(self, data_dir: str | Path, *, keyring: KeyRing | None = None, key_file: str | Path | None = None,
                 cipher: str = "aes-256-gcm", margin_bytes: int = DEFAULT_MARGIN_BYTES,
                 retention_s: float = DEFAULT_RETENTION_S, clock: Callable[[], float] = time.time) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.blob_dir = self.data_dir / "blobs"
        self.blob_dir.mkdir(exist_ok=True)
        self.margin_bytes = margin_bytes
        self.retention_s = retention_s
        self.clock = clock
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        self._added = False  # records inserted in the open transaction: the sidecar count follows the commit
        self._count_due = 0.0  # monotonic time from which the sidecar count may be written again
        self._count_pending = False  # records were added since the sidecar count was last written
        self._open_lock = OpenLock(self.data_dir)
        try:
            self._db, self.keyring, report = self._open(keyring, key_file, cipher)
        except BaseException:
            self._open_lock.release()
            raise
        if report is not None:
            self._after_salvage(report)

    def _open(self, keyring: KeyRing | None, key_file: str | Path | None,
              cipher: str) -> tuple[sqlite3.Connection, KeyRing, dict | None]:
        """Opens the database, checks the key against it, and salvages it when it is damaged."""
        path = self.data_dir / DB_NAME
        problem = None
        try:
            db = open_database(path)
        except sqlite3.Error as exc:
            if not is_damage(exc):
                raise translate(exc) from None
            problem, db = f"unreadable: {exc}", sqlite3.connect(":memory:", check_same_thread=False)
            db.executescript(SCHEMA)
        try:
            keyring = open_keyring(db, self.data_dir, keyring=keyring, key_file=key_file, cipher=cipher)
            problem = problem or find_damage(db, self.data_dir, keyring)
        except BaseException:
            db.close()
            raise
        if problem is None:
            return db, keyring, None
        db.close()
        if not self._open_lock.exclusive():
            raise StoreCorrupt(f"the local store is damaged ({problem}); another process has it open, so it is "
                               "salvaged when the terminal next starts alone")
        try:
            report = salvage(self.data_dir, DB_NAME, keyring, problem, now=self.clock(), connect=open_database)
            return open_database(path), keyring, report
        except sqlite3.Error as exc:
            raise translate(exc) from None
        finally:
            self._open_lock.shared()

    def _after_salvage(self, report: dict) -> None:
        """Tells the technician (log, audit, ``salvage_reports``) and the platform (a device_health record)."""
        summary = (f"local store damaged ({report['problem']}); kept aside as {report['kept_as']}; "
                   f"saved {report['saved']} of {report['expected']} records, lost {report['lost']}"
                   + (f" ({report['damaged']} kept as dead letters)" if report["damaged"] else ""))
        log.error("store: %s", summary)
        with self.transaction() as db:
            audit(db, self.clock(), "store", "salvage", "", summary)
            self._added = True  # the sidecar takes the fresh count
        self.enqueue(RecordKind.DEVICE_HEALTH, {
            "device": "local_store", "state": "salvaged", "error": "StoreCorrupt", "detail": summary,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock()))})

    def salvage_reports(self) -> list[dict]:
        """Every salvage this store went through, oldest first: ``at``, ``kept_as`` (the damaged file),
        ``problem``, ``expected``, ``saved``, ``damaged`` (kept as dead letters), ``lost``."""
        rows = self._query("SELECT value FROM meta WHERE name = 'salvage'")
        return json.loads(rows[0][0]) if rows else []

    # --- plumbing ----------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if self._count_pending:
                self._write_count()
            self._db.close()
            self._open_lock.release()

    def _write_count(self) -> None:
        """Writes the record count beside the database (sidecar.py). At most once per ``COUNT_EVERY_S``
        while records keep coming, and at close: a count that lags is only lower, which the start-up check
        takes as safe, and a busy kiosk does not rename a file for every record."""
        self._count_pending = False
        self._count_due = time.monotonic() + COUNT_EVERY_S
        try:
            count = self._db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        except sqlite3.Error as exc:
            log.warning("store: could not count the records for the sidecar: %s", exc)
            return
        write_count(self.data_dir, self.keyring, count)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_listener(self, callback: Callable[[], None]) -> None:
        """``callback()`` runs (on the writer's thread) after every committed enqueue or resend: the
        engine uses it to wake up at once."""
        self._listeners.append(callback)

    def notify(self) -> None:
        for callback in list(self._listeners):
            callback()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back (and translated) on any error."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise translate(exc) from None
            added = False
            try:
                yield self._db
                added = self._added
                self._db.execute("COMMIT")
            except BaseException as exc:
                self._added = False
                try:
                    self._db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite already rolled back (e.g. after SQLITE_FULL)
                if isinstance(exc, sqlite3.Error):
                    raise translate(exc) from None
                raise
            self._added = False
            if added:
                self._count_pending = True
                if time.monotonic() >= self._count_due:
                    self._write_count()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise translate(exc) from None

    # --- space -------------------------------------------------------------------------------------
    def free_bytes(self) -> int:
        return shutil.disk_usage(self.data_dir).free

    def check_space(self, extra_bytes: int = 0) -> None:
        free = self.free_bytes()
        if free - extra_bytes < self.margin_bytes:
            raise StoreFull(f"{free} bytes free, {extra_bytes} needed plus a margin of {self.margin_bytes}",
                            free_mb=free // 1_000_000)

    # --- blobs -------------------------------------------------------------------------------------
    def _blob_path(self, name: str) -> Path:
        return self.blob_dir / name[:2] / name

    def _write_blob(self, plaintext: bytes) -> str:
        """Seals and writes one blob atomically (only ciphertext touches the disk); returns its name."""
        name = self.keyring.blob_name(plaintext)
        path = self._blob_path(name)
        if path.exists():
            return name
        sealed = self.keyring.seal(plaintext, name.encode("ascii"))
        path.parent.mkdir(exist_ok=True)
        part = path.with_name(f"{name}.{uuid.uuid4().hex[:8]}.part")
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            try:
                view = memoryview(sealed)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(part, path)
            fsync_dir(path.parent)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise translate(exc) from None
        return name

    def read_blob(self, name: str) -> bytes:
        try:
            sealed = self._blob_path(name).read_bytes()
        except FileNotFoundError:
            raise StoreCorrupt(f"blob {name[:12]}… is missing") from None
        plaintext = self.keyring.open(sealed, name.encode("ascii"))
        if self.keyring.blob_name(plaintext) != name:
            raise StoreCorrupt(f"blob {name[:12]}… does not match its name")
        return plaintext

    def collect_garbage(self, min_age_s: float = 3600.0) -> int:
        """Removes blob files no record refers to (left by a crash between blob and commit) and stale
        ``.part`` files. Only files older than ``min_age_s``: another process may be mid-enqueue."""
        known = {row[0] for row in self._query("SELECT name FROM blobs")}
        removed = 0
        cutoff = time.time() - min_age_s
        for path in self.blob_dir.glob("*/*"):
            try:
                if path.name not in known and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    # --- writing records ---------------------------------------------------------------------------
    def enqueue(self, kind: RecordKind | str, content: dict[str, Any], attachments: Sequence[AttachmentIn] = (),
                *, record_id: str | None = None) -> str:
        kind = RecordKind(kind).value
        record_id = record_id or str(uuid.uuid4())
        size = sum(len(a.data) for a in attachments)
        self.check_space(2 * size + _OVERHEAD + len(json.dumps(content, ensure_ascii=False)) * 4)
        metas = []
        for a in attachments:
            metas.append({"sha256": hashlib.sha256(a.data).hexdigest(), "size": len(a.data),
                          "media_type": a.media_type, "label": a.label, "blob": self._write_blob(a.data)})
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM records WHERE id = ?", (record_id,)).fetchone() is not None:
                # The caller's retry of a commit that did finish (its answer was lost to a timeout): the record
                # stays as it was, once. The blobs just written are unreferenced and swept later.
                log.info("record %s already queued: kept once", record_id[:8])
                return record_id
            self._insert(db, record_id, kind, content, metas, size)
        self.notify()
        return record_id

    def enqueue_in(self, db: sqlite3.Connection, kind: RecordKind | str, content: dict[str, Any]) -> str:
        """Adds a record without attachments inside the caller's ``transaction()``, so it commits (or not)
        together with the caller's own change (offline tickets: the number taken and its issue event).
        Call ``notify()`` after the commit."""
        record_id = str(uuid.uuid4())
        self._insert(db, record_id, RecordKind(kind).value, content, [], 0)
        return record_id

    def _insert(self, db: sqlite3.Connection, record_id: str, kind: str, content: dict[str, Any],
                metas: list[dict[str, Any]], size: int) -> None:
        body = json.dumps({"content": content, "attachments": metas}, ensure_ascii=False).encode("utf-8")
        sealed = self.keyring.seal(body, record_id.encode("ascii"))
        now = self.clock()
        db.execute("INSERT INTO records(id, kind, created_at, size, body) VALUES (?,?,?,?,?)",
                   (record_id, kind, now, size + len(body), sealed))
        db.execute("INSERT INTO outbox(record_id, state, next_at) VALUES (?, 'queued', 0)", (record_id,))
        self._added = True
        for m in metas:
            db.execute("INSERT OR IGNORE INTO blobs(name, size, created_at) VALUES (?,?,?)",
                       (m["blob"], m["size"], now))
            db.execute("INSERT OR IGNORE INTO record_blobs(record_id, blob) VALUES (?,?)", (record_id, m["blob"]))

    def load(self, record_id: str) -> Record:
        rows = self._query("SELECT kind, created_at, body FROM records WHERE id = ?", (record_id,))
        if not rows:
            raise UnknownRecord(record_id)
        kind, created_at, sealed = rows[0]
        if sealed is None:
            raise StoreError(f"record {record_id} was purged after acknowledgement")
        body = json.loads(self.keyring.open(sealed, record_id.encode("ascii")))
        return Record(record_id, kind, created_at, body["content"], tuple(body["attachments"]))

    # --- the engine's side -------------------------------------------------------------------------
    def recover(self) -> int:
        """Puts records a crash left in flight back in the queue; returns how many."""
        with self.transaction() as db:
            return db.execute("UPDATE outbox SET state = 'queued', next_at = 0 WHERE state = 'inflight'").rowcount

    def next_due(self, now: float | None = None) -> OutboxEntry | None:
        now = self.clock() if now is None else now
        rows = self._query(ENTRY_SQL + " WHERE o.state = 'queued' AND o.next_at <= ? "
                           "ORDER BY r.created_at, r.rowid LIMIT 1", (now,))
        return entry_from_row(rows[0]) if rows else None

    def next_wakeup(self) -> float | None:
        """When the earliest queued record becomes due (None: nothing queued)."""
        rows = self._query("SELECT MIN(next_at) FROM outbox WHERE state = 'queued'")
        return rows[0][0] if rows and rows[0][0] is not None else None

    def mark_inflight(self, record_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET state = 'inflight', inflight_at = ?, attempts = attempts + 1 "
                       "WHERE record_id = ? AND state = 'queued'", (self.clock(), record_id))

    def mark_retry(self, record_id: str, error: str, next_at: float, *, failures: int | None = None) -> None:
        """Back in the queue, not tried before ``next_at``; ``failures``: its own failure count (engine.py)."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET state = 'queued', next_at = ?, last_error = ?, "
                       "failures = COALESCE(?, failures) WHERE record_id = ? AND state IN ('queued', 'inflight')",
                       (next_at, mask_text(error)[:500], failures, record_id))

    def mark_dead(self, record_id: str, reason: str, *, failures: int | None = None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET state = 'dead', dead_reason = ?, last_error = ?, "
                       "failures = COALESCE(?, failures) WHERE record_id = ?",
                       (mask_text(reason)[:500], mask_text(reason)[:500], failures, record_id))
            audit(db, self.clock(), "sync", "dead_letter", record_id, reason)

    def entry(self, record_id: str) -> OutboxEntry:
        rows = self._query(ENTRY_SQL + " WHERE o.record_id = ?", (record_id,))
        if not rows:
            raise UnknownRecord(record_id)
        return entry_from_row(rows[0])

    def entries(self, states: Sequence[str] = ("queued", "inflight", "dead"), limit: int = 500) -> list[OutboxEntry]:
        marks = ",".join("?" for _ in states)
        return [entry_from_row(r) for r in self._query(
            ENTRY_SQL + f" WHERE o.state IN ({marks}) ORDER BY r.created_at LIMIT ?", (*states, limit))]

    def counts(self) -> OutboxCounts:
        rows = self._query("SELECT o.state, COUNT(*), MIN(r.created_at), SUM(r.size) FROM outbox o "
                           "JOIN records r ON r.id = o.record_id GROUP BY o.state")
        by = {state: (n, oldest, size or 0) for state, n, oldest, size in rows}
        waiting = [by[s] for s in ("queued", "inflight") if s in by]
        return OutboxCounts(
            queued=by.get("queued", (0,))[0], inflight=by.get("inflight", (0,))[0],
            dead=by.get("dead", (0,))[0], acked=by.get("acked", (0,))[0],
            oldest_created_at=min((w[1] for w in waiting), default=None),
            bytes_waiting=sum(w[2] for w in waiting))

    # --- dead letters: people decide ---------------------------------------------------------------
    def dead_letters(self) -> list[OutboxEntry]:
        return self.entries(("dead",))

    def resend(self, record_id: str, *, actor: str, why: str, content: dict[str, Any] | None = None) -> None:
        """Puts a dead letter back in the queue, optionally with corrected content (same id: the platform
        never stored a record it rejected). Leaves an audit entry."""
        entry = self.entry(record_id)
        if entry.state != "dead":
            raise StoreError(f"record {record_id} is {entry.state}, not a dead letter")
        sealed = None
        if content is not None:
            record = self.load(record_id)
            body = json.dumps({"content": content, "attachments": list(record.attachments)}, ensure_ascii=False)
            sealed = self.keyring.seal(body.encode("utf-8"), record_id.encode("ascii"))
        with self.transaction() as db:
            if sealed is not None:
                db.execute("UPDATE records SET body = ? WHERE id = ?", (sealed, record_id))
            db.execute("UPDATE outbox SET state = 'queued', next_at = 0, dead_reason = '', attempts = 0, failures = 0 "
                       "WHERE record_id = ?", (record_id,))
            audit(db, self.clock(), actor, "resend_fixed" if sealed else "resend", record_id, why)
        self.notify()

    def discard(self, record_id: str, *, actor: str, why: str) -> None:
        """Drops a dead letter for good (its personal data with it); the audit entry stays."""
        if not why.strip():
            raise StoreError("a reason is required to discard a record")
        entry = self.entry(record_id)
        if entry.state != "dead":
            raise StoreError(f"record {record_id} is {entry.state}, not a dead letter")
        with self.transaction() as db:
            audit(db, self.clock(), actor, "discard", record_id, why)
            self._drop_personal(db, [record_id])
            db.execute("DELETE FROM outbox WHERE record_id = ?", (record_id,))
        self._delete_unreferenced_blobs()

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        return [AuditEntry(*r) for r in self._query(
            "SELECT seq, at, actor, action, record_id, why FROM audit ORDER BY seq DESC LIMIT ?", (limit,))]

    # --- retention ---------------------------------------------------------------------------------
    def purge(self, now: float | None = None) -> int:
        """Deletes the personal data of records acknowledged more than ``retention_s`` ago. Never touches a
        record that is not acknowledged. Returns how many records were purged."""
        now = self.clock() if now is None else now
        with self.transaction() as db:
            ids = [r[0] for r in db.execute(
                "SELECT o.record_id FROM outbox o JOIN records r ON r.id = o.record_id "
                "WHERE o.state = 'acked' AND o.acked_at <= ? AND r.body IS NOT NULL",
                (now - self.retention_s,)).fetchall()]
            self._drop_personal(db, ids)
        self._delete_unreferenced_blobs()
        return len(ids)

    def _drop_personal(self, db: sqlite3.Connection, ids: list[str]) -> None:
        now = self.clock()
        for record_id in ids:
            db.execute("UPDATE records SET body = NULL, purged_at = ? WHERE id = ?", (now, record_id))
            db.execute("DELETE FROM record_blobs WHERE record_id = ?", (record_id,))
        drop_cases(db, ids)

    def _delete_unreferenced_blobs(self) -> None:
        with self.transaction() as db:
            names = [r[0] for r in db.execute(
                "SELECT name FROM blobs WHERE name NOT IN (SELECT blob FROM record_blobs)").fetchall()]
            for name in names:
                db.execute("DELETE FROM blobs WHERE name = ?", (name,))
        for name in names:  # after the commit: a crash in between leaves garbage, never a dangling reference
            self._blob_path(name).unlink(missing_ok=True)

    # --- reference data cache ----------------------------------------------------------------------
    def ref_get(self, key: str) -> tuple[Any, str, float] | None:
        """``(body, etag, fetched_at)`` of a cached reference document, or None."""
        rows = self._query("SELECT body, etag, fetched_at FROM refcache WHERE key = ?", (key,))
        return (json.loads(rows[0][0]), rows[0][1], rows[0][2]) if rows else None

    def ref_put(self, key: str, body: Any, etag: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO refcache(key, etag, body, fetched_at) VALUES (?,?,?,?) ON CONFLICT(key) "
                       "DO UPDATE SET etag = excluded.etag, body = excluded.body, fetched_at = excluded.fetched_at",
                       (key, etag, json.dumps(body, ensure_ascii=False), self.clock()))

    def ref_touch(self, key: str) -> None:
        """The platform said 304: the cached copy is current as of now."""
        with self.transaction() as db:
            db.execute("UPDATE refcache SET fetched_at = ? WHERE key = ?", (self.clock(), key))

    def integrity_ok(self) -> bool:
        return self._query("PRAGMA integrity_check")[0][0] == "ok"


