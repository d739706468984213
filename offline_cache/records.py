"""What the local store keeps, row by row: the SQLite schema, the rows as dataclasses, and the translation
of SQLite and OS errors into the store's own (offline_cache/errors.py). Used by store.py and salvage.py."""

from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.logs import mask_text
from core.ports.outbox import OutboxEntry
from offline_cache.errors import StoreCorrupt, StoreError, StoreFull

SCHEMA = """
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
    attempts INTEGER NOT NULL DEFAULT 0,  -- times sent
    next_at REAL NOT NULL DEFAULT 0,       -- this record's own backoff: not tried before then
    failures INTEGER NOT NULL DEFAULT 0,   -- failures counted against the record itself (engine.py)
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
CREATE TABLE IF NOT EXISTS meta(
    name TEXT PRIMARY KEY,             -- 'key_check', 'key_file', 'salvage' (keycheck.py, salvage.py)
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS cases(
    record_id TEXT PRIMARY KEY,        -- an acknowledged record that opened or moved a case
    body BLOB NOT NULL                 -- sealed JSON {number, state, promised_on} (cases.py)
);
CREATE TABLE IF NOT EXISTS refcache(
    key TEXT PRIMARY KEY,
    etag TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
"""


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


def translate(exc: BaseException) -> StoreError:
    """SQLite and OS errors into the store's own; a full disk is StoreFull."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return StoreCorrupt(f"the database file is damaged ({exc})")
    if code is not None and code & 0xFF == sqlite3.SQLITE_FULL:
        return StoreFull(str(exc))
    if code == sqlite3.SQLITE_IOERR_WRITE:  # a refused write(): EFBIG (file size limit), EDQUOT, ENOSPC
        return StoreFull(f"the disk refused a write ({exc})")
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return StoreFull(exc.strerror or str(exc))
    if "disk is full" in str(exc):
        return StoreFull(str(exc))
    return StoreError(str(exc))


ENTRY_SQL = ("SELECT o.record_id, r.kind, o.state, r.created_at, r.size, o.attempts, o.next_at, o.last_error, "
              "o.dead_reason, o.failures FROM outbox o JOIN records r ON r.id = o.record_id")


def entry_from_row(row: tuple) -> OutboxEntry:
    return OutboxEntry(*row)


def audit(db: sqlite3.Connection, at: float, actor: str, action: str, record_id: str, why: str) -> None:
    db.execute("INSERT INTO audit(at, actor, action, record_id, why) VALUES (?,?,?,?,?)",
               (at, actor, action, record_id, mask_text(why)[:500]))


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_database(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with ``synchronous=FULL`` (power-loss safe, not just crash safe), the
    schema in place and older stores brought up to date. Raises ``sqlite3.Error`` as it comes."""
    db = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(SCHEMA)
        columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
        if "failures" not in columns:  # a store from before per-record backoff
            db.execute("ALTER TABLE outbox ADD COLUMN failures INTEGER NOT NULL DEFAULT 0")
    except BaseException:
        db.close()
        raise
    return db
