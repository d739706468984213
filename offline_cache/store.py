"""The durable local store: records and their outbox entries, encrypted blobs, audit, reference cache.

Layout of a data directory::

    <data_dir>/outbox.sqlite3        SQLite, WAL, synchronous=FULL (survives power loss, not just a crash)
    <data_dir>/blobs/ab/<name>       attachments, sealed (crypto.py); <name> is a keyed hash of the plaintext
    <key file>                       the master key, 0600, outside the database (default <data_dir>/keys/)

Rules (docs/sync.md, "SQLite as the on-device store"):

- ``enqueue`` writes the attachments' sealed blob files first (each: temp file of CIPHERTEXT in the blob
  directory, fsync, rename, fsync the directory), then the record and its outbox entry in ONE transaction.
  A crash before the commit leaves at most an orphan blob, removed by ``collect_garbage``; a crash after
  it leaves a complete record. Only after ``enqueue`` returns may the person be told "done".
- The whole record body (personal fields included) is sealed with AES-256-GCM / SM4-GCM, bound to its id.
  Only the kind, times, size and outbox state are in the clear.
- Outbox states: ``queued`` → ``inflight`` (marked BEFORE the upload starts) → ``acked`` (only after the
  platform's expected answer), or ``dead`` (a 4xx with a reason). ``recover()`` at start puts anything left
  ``inflight`` by a crash back to ``queued``: delivery is at least once, the server de-duplicates by id.
- Retention: ``purge()`` deletes the body and blobs of records acknowledged longer ago than the retention;
  a record that is not acknowledged is never purged (the SQL says ``state = 'acked'``).
- A full disk: ``check_space`` compares free space with the size about to be written plus a margin BEFORE
  writing; SQLITE_FULL / ENOSPC / EFBIG are translated into ``StoreFull``; every write is a transaction, so
  a failed one rolls back and the file stays consistent (tests/test_offline_store.py fills a disk).

One connection per Store, guarded by a lock (the engine thread and the service threads share it); other
processes (``kiosk diag sync``) open their own Store on the same directory (WAL lets them read while the
terminal writes; ``busy_timeout`` covers short write overlaps).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.logs import mask_text
from core.ports.outbox import AttachmentIn, OutboxCounts, RecordKind
from offline_cache.crypto import KeyRing
from offline_cache.errors import StoreCorrupt, StoreError, StoreFull, UnknownRecord

DB_NAME = "outbox.sqlite3"
DEFAULT_MARGIN_BYTES = 64 * 1024 * 1024  # keep this much free for SQLite's WAL, logs and the OS
DEFAULT_RETENTION_S = 7 * 24 * 3600  # PIPL Art. 19: no longer than necessary; configurable per hall
_OVERHEAD = 4096  # a record's page(s), index entries and WAL frame headers, estimated

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records(
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at REAL NOT NULL,
    size INTEGER NOT NULL,            -- bytes to send (content + attachments), for progress
    body BLOB,                        -- sealed JSON {"content":…, "attachments":[…]}; NULL once purged
    purged_at REAL
);
CREATE TABLE IF NOT EXISTS outbox(
    record_id TEXT PRIMARY KEY REFERENCES records(id),
    state TEXT NOT NULL CHECK (state IN ('queued', 'inflight', 'acked', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL DEFAULT 0,
    inflight_at REAL,
    acked_at REAL,
    last_error TEXT NOT NULL DEFAULT '',
    dead_reason TEXT NOT NULL DEFAULT '',
    answer TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_at);
CREATE TABLE IF NOT EXISTS blobs(
    name TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS record_blobs(
    record_id TEXT NOT NULL REFERENCES records(id),
    blob TEXT NOT NULL REFERENCES blobs(name),
    PRIMARY KEY (record_id, blob)
);
CREATE INDEX IF NOT EXISTS record_blobs_blob ON record_blobs(blob);
CREATE TABLE IF NOT EXISTS audit(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_id TEXT NOT NULL,
    why TEXT NOT NULL                  -- masked (core.logs.mask_text) before it is stored
);
CREATE TABLE IF NOT EXISTS refcache(
    key TEXT PRIMARY KEY,
    etag TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class OutboxEntry:
    record_id: str
    kind: str
    state: str
    created_at: float
    size: int
    attempts: int
    next_at: float
    last_error: str
    dead_reason: str


@dataclass(frozen=True)
class Record:
    """A record opened for sending: ``content`` as given to enqueue, ``attachments`` with their blobs."""

    id: str
    kind: str
    created_at: float
    content: dict[str, Any]
    attachments: tuple[dict[str, Any], ...]  # {"sha256", "size", "media_type", "label", "blob"}

    def wire(self) -> dict[str, Any]:
        """What the platform receives (and hashes): the content and the attachments' public fields."""
        return {
            "content": self.content,
            "attachments": [{k: a[k] for k in ("sha256", "size", "media_type", "label")} for a in self.attachments],
        }


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: float
    actor: str
    action: str
    record_id: str
    why: str


def _translate(exc: BaseException) -> StoreError:
    """SQLite and OS errors into the store's own; a full disk is StoreFull."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF == sqlite3.SQLITE_FULL:
        return StoreFull(str(exc))
    if code == sqlite3.SQLITE_IOERR_WRITE:  # a refused write(): EFBIG (file size limit), EDQUOT, ENOSPC
        return StoreFull(f"the disk refused a write ({exc})")
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return StoreFull(exc.strerror or str(exc))
    if "disk is full" in str(exc):
        return StoreFull(str(exc))
    return StoreError(str(exc))


class Store:
    """The terminal's outbox. Implements ``core.ports.outbox.Outbox``."""

    def __init__(self, data_dir: str | Path, *, keyring: KeyRing | None = None, key_file: str | Path | None = None,
                 cipher: str = "aes-256-gcm", margin_bytes: int = DEFAULT_MARGIN_BYTES,
                 retention_s: float = DEFAULT_RETENTION_S, clock: Callable[[], float] = time.time) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.blob_dir = self.data_dir / "blobs"
        self.blob_dir.mkdir(exist_ok=True)
        self.keyring = keyring or KeyRing.from_file(key_file or self.data_dir / "keys" / "store.key", cipher)
        self.margin_bytes = margin_bytes
        self.retention_s = retention_s
        self.clock = clock
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        try:
            self._db = sqlite3.connect(self.data_dir / DB_NAME, timeout=10.0, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # power-loss safe, not just crash safe
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise _translate(exc) from None

    # --- plumbing ----------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._db.close()

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
                raise _translate(exc) from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                try:
                    self._db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite already rolled back (e.g. after SQLITE_FULL)
                if isinstance(exc, sqlite3.Error):
                    raise _translate(exc) from None
                raise

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _translate(exc) from None

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
            _fsync_dir(path.parent)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise _translate(exc) from None
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
        rows = self._query(_ENTRY_SQL + " WHERE o.state = 'queued' AND o.next_at <= ? "
                           "ORDER BY r.created_at, r.rowid LIMIT 1", (now,))
        return _entry(rows[0]) if rows else None

    def next_wakeup(self) -> float | None:
        """When the earliest queued record becomes due (None: nothing queued)."""
        rows = self._query("SELECT MIN(next_at) FROM outbox WHERE state = 'queued'")
        return rows[0][0] if rows and rows[0][0] is not None else None

    def mark_inflight(self, record_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET state = 'inflight', inflight_at = ?, attempts = attempts + 1 "
                       "WHERE record_id = ? AND state = 'queued'", (self.clock(), record_id))

    def mark_acked(self, record_id: str, answer: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET state = 'acked', acked_at = ?, last_error = '', answer = ? "
                       "WHERE record_id = ?", (self.clock(), json.dumps(answer), record_id))

    def mark_retry(self, record_id: str, error: str, next_at: float) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET state = 'queued', next_at = ?, last_error = ? "
                       "WHERE record_id = ? AND state IN ('queued', 'inflight')",
                       (next_at, mask_text(error)[:500], record_id))

    def mark_dead(self, record_id: str, reason: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET state = 'dead', dead_reason = ?, last_error = ? WHERE record_id = ?",
                       (mask_text(reason)[:500], mask_text(reason)[:500], record_id))
            _audit(db, self.clock(), "sync", "dead_letter", record_id, reason)

    def entry(self, record_id: str) -> OutboxEntry:
        rows = self._query(_ENTRY_SQL + " WHERE o.record_id = ?", (record_id,))
        if not rows:
            raise UnknownRecord(record_id)
        return _entry(rows[0])

    def entries(self, states: Sequence[str] = ("queued", "inflight", "dead"), limit: int = 500) -> list[OutboxEntry]:
        marks = ",".join("?" for _ in states)
        return [_entry(r) for r in self._query(
            _ENTRY_SQL + f" WHERE o.state IN ({marks}) ORDER BY r.created_at LIMIT ?", (*states, limit))]

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
            db.execute("UPDATE outbox SET state = 'queued', next_at = 0, dead_reason = '', attempts = 0 "
                       "WHERE record_id = ?", (record_id,))
            _audit(db, self.clock(), actor, "resend_fixed" if sealed else "resend", record_id, why)
        self.notify()

    def discard(self, record_id: str, *, actor: str, why: str) -> None:
        """Drops a dead letter for good (its personal data with it); the audit entry stays."""
        if not why.strip():
            raise StoreError("a reason is required to discard a record")
        entry = self.entry(record_id)
        if entry.state != "dead":
            raise StoreError(f"record {record_id} is {entry.state}, not a dead letter")
        with self.transaction() as db:
            _audit(db, self.clock(), actor, "discard", record_id, why)
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


_ENTRY_SQL = ("SELECT o.record_id, r.kind, o.state, r.created_at, r.size, o.attempts, o.next_at, o.last_error, "
              "o.dead_reason FROM outbox o JOIN records r ON r.id = o.record_id")


def _entry(row: tuple) -> OutboxEntry:
    return OutboxEntry(*row)


def _audit(db: sqlite3.Connection, at: float, actor: str, action: str, record_id: str, why: str) -> None:
    db.execute("INSERT INTO audit(at, actor, action, record_id, why) VALUES (?,?,?,?,?)",
               (at, actor, action, record_id, mask_text(why)[:500]))


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
