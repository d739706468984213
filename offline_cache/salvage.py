"""A damaged outbox is noticed at start, kept aside, and every record still readable goes into a fresh
store (docs/sync.md "Salvage").

Found at start (``find_damage``): SQLite's ``PRAGMA quick_check`` fails, the file is not a database any
more, or it holds fewer records than the sealed count beside it says (sidecar.py: a file truncated to
0 bytes opens as an empty database and would otherwise pass for a new store).

Then ``salvage``:

1. renames the damaged file (with its ``-wal`` and ``-shm``) to ``outbox.sqlite3.damaged-<UTC time>``:
   nothing is deleted, a technician or a forensic tool may try more later;
2. creates a fresh database and copies every row that still reads: a scan first, then a lookup by rowid
   for each row past a damaged page (rows live in rowid order; records are never deleted, so their
   rowids run from 1 to about the count). A record is saved when its sealed body opens with the store's
   key and names its id; its outbox state comes along when it reads (in flight becomes queued), else it
   is queued again (the platform de-duplicates by id). A record whose row reads but whose body does not
   open is kept as a dead letter ``local_corrupt``. Attachments stay where they are (their names are in
   the sealed body). Other tables (audit, reference cache, ticket blocks) are copied row by row;
3. returns a report: where the damaged file is, what was expected, saved, damaged and lost. The store
   logs it, keeps it in ``meta`` (``Store.salvage_reports``: ``kiosk diag sync`` and the technician
   window show it), writes an audit entry and queues a ``device_health`` record for the platform.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

from offline_cache.crypto import KeyRing
from offline_cache.errors import StoreCorrupt
from offline_cache.keycheck import write_check
from offline_cache.sidecar import read_count

try:
    import fcntl
except ImportError:  # Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

_OWN = ("records", "outbox", "blobs", "record_blobs", "meta")
_LOOKUP_SLACK = 64  # rowids tried past the last one seen


class OpenLock:
    """A shared lock on ``<data dir>/outbox.lock`` while a Store is open, so a salvage (which renames the
    database) happens only when no other process (the technician's window, ``kiosk diag sync``) has the
    store open. POSIX ``flock``; elsewhere no lock is taken and every open may salvage."""

    def __init__(self, data_dir: Path) -> None:
        self._fd: int | None = None
        if fcntl is None:
            return
        self._fd = os.open(data_dir / "outbox.lock", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + 10.0  # a salvage in another process holds it exclusively for seconds
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.release()
                    raise StoreCorrupt("the store is being salvaged by another process; try again") from None
                time.sleep(0.05)

    def exclusive(self) -> bool:
        """Whether this process alone has the store open (then it holds the lock exclusively)."""
        if self._fd is None:
            return fcntl is None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def shared(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None


def is_damage(exc: sqlite3.Error) -> bool:
    """SQLITE_CORRUPT or SQLITE_NOTADB: the file is damaged (not busy, not full)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def find_damage(db: sqlite3.Connection, data_dir: Path, keyring: KeyRing) -> str | None:
    """Why the open database cannot be trusted, or None when it is sound. The count beside it is read
    BEFORE the database: it is written after each commit, so a terminal writing meanwhile in another
    process can only make the database hold more than it says, never less."""
    expected = read_count(data_dir, keyring)
    try:
        problems = [row[0] for row in db.execute("PRAGMA quick_check(5)").fetchall()]
        if problems != ["ok"]:
            return "quick_check: " + "; ".join(problems)[:300]
        held = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return f"unreadable: {exc}"
    if expected is not None and held < expected:
        return f"{held} records where {expected} were written"
    return None


def rows(src: sqlite3.Connection, table: str, columns: str, upper_hint: int = 0) -> dict[int, tuple]:
    """Every row of ``table`` that still reads, by rowid: a scan, then lookups past a damaged page."""
    found: dict[int, tuple] = {}
    try:
        for row in src.execute(f"SELECT rowid, {columns} FROM {table}"):  # noqa: S608 (names are ours)
            found[row[0]] = row[1:]
        return found
    except sqlite3.DatabaseError:
        pass
    upper = max([upper_hint, *found])
    try:
        upper = max(upper, src.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()[0] or 0)  # noqa: S608
    except sqlite3.DatabaseError:
        pass
    for rowid in range(1, upper + _LOOKUP_SLACK):
        if rowid in found:
            continue
        try:
            row = src.execute(f"SELECT {columns} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()  # noqa: S608
        except sqlite3.DatabaseError:
            continue
        if row is not None:
            found[rowid] = row
    return found


def _aside(data_dir: Path, db_name: str, now: float) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    target = data_dir / f"{db_name}.damaged-{stamp}"
    n = 1
    while target.exists():
        n += 1
        target = data_dir / f"{db_name}.damaged-{stamp}-{n}"
    for suffix in ("-wal", "-shm", ""):  # the WAL goes with its database, under the matching name
        source = data_dir / f"{db_name}{suffix}"
        if source.exists():
            os.replace(source, f"{target}{suffix}")
    return target


def salvage(data_dir: Path, db_name: str, keyring: KeyRing, problem: str, *, now: float,
            connect: Callable[[Path], sqlite3.Connection]) -> dict[str, Any]:
    """Keeps the damaged database aside and fills a fresh one with what still reads; returns the report."""
    expected = read_count(data_dir, keyring)
    kept_as = _aside(data_dir, db_name, now)
    fresh = connect(data_dir / db_name)
    try:
        src = sqlite3.connect(kept_as, timeout=10.0)
    except sqlite3.Error:
        src = None
    try:
        fresh.execute("BEGIN IMMEDIATE")
        saved, damaged, seen = (0, 0, 0) if src is None else _copy_records(src, fresh, keyring, expected or 0)
        if src is not None:
            _copy_other_tables(src, fresh)
        expected = expected if expected is not None else seen
        report = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "kept_as": str(kept_as),
                  "problem": problem, "expected": expected, "saved": saved, "damaged": damaged,
                  "lost": max(0, expected - saved)}
        earlier = _earlier_reports(src)
        fresh.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('salvage', ?)",
                      (json.dumps([*earlier, report], ensure_ascii=False),))
        write_check(fresh, keyring, _key_file(src))
        fresh.execute("COMMIT")
    except BaseException:
        fresh.execute("ROLLBACK") if fresh.in_transaction else None
        raise
    finally:
        if src is not None:
            src.close()
        fresh.close()
    return report


def _key_file(src: sqlite3.Connection | None) -> str:
    try:
        row = src.execute("SELECT value FROM meta WHERE name = 'key_file'").fetchone() if src else None
    except sqlite3.DatabaseError:
        row = None
    return row[0] if row and isinstance(row[0], str) else ""


def _earlier_reports(src: sqlite3.Connection | None) -> list:
    try:
        row = src.execute("SELECT value FROM meta WHERE name = 'salvage'").fetchone() if src else None
        return json.loads(row[0]) if row else []
    except (sqlite3.DatabaseError, ValueError, TypeError):
        return []


def _opened(keyring: KeyRing, record_id: str, body: Any) -> dict | None:
    try:
        return json.loads(keyring.open(bytes(body), record_id.encode("ascii")))
    except (StoreCorrupt, ValueError, TypeError, UnicodeError):
        return None


def _copy_records(src: sqlite3.Connection, fresh: sqlite3.Connection, keyring: KeyRing,
                  expected: int) -> tuple[int, int, int]:
    """Copies the readable records with their outbox state; returns (saved, damaged, highest rowid seen)."""
    records = rows(src, "records", "id, kind, created_at, size, body, purged_at", expected)
    outbox = {row[0]: row[1:] for row in rows(src, "outbox", "record_id, state, attempts, acked_at, last_error, "
                                                     "dead_reason, answer", len(records)).values()}
    saved = damaged = 0
    for record_id, kind, created_at, size, body, purged_at in (records[k] for k in sorted(records)):
        if not isinstance(record_id, str) or not isinstance(kind, str):
            continue  # a row that reads as garbage
        opened = None if body is None else _opened(keyring, record_id, body)
        state, attempts, acked_at, last_error, dead_reason, answer = outbox.get(
            record_id, ("acked" if body is None else "queued", 0, None, "", "", None))
        if body is not None and opened is None:
            state, dead_reason, damaged = "dead", "local_corrupt: the sealed body does not open", damaged + 1
        else:
            saved += 1
        state = "queued" if state == "inflight" else state
        fresh.execute("INSERT OR IGNORE INTO records(id, kind, created_at, size, body, purged_at) VALUES (?,?,?,?,?,?)",
                      (record_id, kind, created_at, size, body, purged_at))
        fresh.execute("INSERT OR IGNORE INTO outbox(record_id, state, attempts, next_at, acked_at, last_error, "
                      "dead_reason, answer) VALUES (?,?,?,0,?,?,?,?)",
                      (record_id, state, attempts or 0, acked_at, last_error or "", dead_reason or "", answer))
        for a in (opened or {}).get("attachments", []) if body is not None else []:
            fresh.execute("INSERT OR IGNORE INTO blobs(name, size, created_at) VALUES (?,?,?)",
                          (a["blob"], a["size"], created_at))
            fresh.execute("INSERT OR IGNORE INTO record_blobs(record_id, blob) VALUES (?,?)", (record_id, a["blob"]))
    return saved, damaged, max(records, default=0)


def _tables(src: sqlite3.Connection, fresh: sqlite3.Connection) -> Iterator[str]:
    """The tables to copy row by row: ours besides records/outbox/blobs, and any a module added
    (ticket blocks), created in the fresh database from their stored definition."""
    known = {r[0] for r in fresh.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    try:
        stored = src.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    except sqlite3.DatabaseError:
        stored = [(name, None) for name in known]
    for name, sql in stored:
        if name.startswith("sqlite_") or name in _OWN:
            continue
        if name not in known:
            if not sql:
                continue
            fresh.execute(sql)
        yield name


def _copy_other_tables(src: sqlite3.Connection, fresh: sqlite3.Connection) -> None:
    for table in list(_tables(src, fresh)):
        columns = [r[1] for r in fresh.execute(f"PRAGMA table_info({table})")]
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        try:
            found = rows(src, table, names)
        except sqlite3.DatabaseError:
            continue  # the table's columns differ: left in the file kept aside
        for row in found.values():
            fresh.execute(f"INSERT OR IGNORE INTO {table}({names}) VALUES ({marks})", row)  # noqa: S608
