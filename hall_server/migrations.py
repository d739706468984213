"""Opening a hall database safely: private files, its key, its schema version, and databases made by
earlier versions.

- ``upgrade``: the database's schema version is the highest row of ``schema_version`` (0 for a database
  made before versions were kept); the numbered steps above it (hall_server/versions.py) run in order, each
  recorded with its number. A database newer than the code is refused before anything is changed.
- ``private_files``: the database is created 0600 (SQLite gives its -wal and -shm files the database's
  mode); an existing database, WAL or SHM that group or others may read is narrowed to 0600.
- ``seal_plain_values`` (a step): a database without ``meta.key_check`` (new, or made before sealing)
  gets a key (hall_server/sealing.py), and its terminal secrets and person-hash key, written in plain text
  by earlier versions, are sealed; ``open_key`` then opens the database's key every time it is opened.
- ``scope_tickets_per_terminal``: earlier versions made ``tickets.request_id`` unique across all
  terminals; the table is rebuilt with ``UNIQUE (terminal_id, request_id)``.
- ``rotate_key``: re-seals everything under a new key (see sealing.py for the crash-safe order).

All of it runs inside the caller's write transaction, so a database is migrated entirely or not at all.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from hall_server import database, sealing

PERSON_KEY_AAD = b"meta:person_key"
VERSION_TABLE = ("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "applied_at REAL NOT NULL)")


@dataclass(frozen=True)
class Step:
    """One numbered change of the schema. ``run(store, con)`` brings the database from the version before
    to this one, and must change nothing on a database that already has its change: a database of version
    0 (made before versions were kept) runs every step, whatever shape it has."""

    version: int
    name: str
    run: Callable[[Any, sqlite3.Connection], None]
    #: Brings an older SQLite file's tables to the shape a new database is created with (a rebuild, a
    #: ``PRAGMA``): a PostgreSQL database is always created at the newest shape, so there it is recorded as
    #: done without running.
    sqlite_only: bool = False


def schema_version(con: sqlite3.Connection, version_table: str = VERSION_TABLE) -> int:
    con.execute(version_table)
    return con.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def upgrade(store: Any, con: sqlite3.Connection, steps: Sequence[Step], now: float) -> tuple[int, int]:
    """Runs the steps above the database's version in the caller's transaction; (from, to) versions.
    ConfigError when the database is newer than the newest step (made by a newer hall server)."""
    found, latest = schema_version(con, store.db.schema(VERSION_TABLE)), max((s.version for s in steps), default=0)
    if found > latest:
        shown = database.shown(store.db_path)
        raise ConfigError(f"{shown}: schema version {found} > {latest}",
                          key="error.hall_db_newer", db=shown, found=found, latest=latest)
    for step in sorted(steps, key=lambda s: s.version):
        if step.version > found:
            if not (step.sqlite_only and store.db.kind != "sqlite"):
                step.run(store, con)
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", (step.version, step.name, now))
    return found, max(found, latest)


def create(con: sqlite3.Connection, schema: str) -> None:
    """Runs the CREATE … IF NOT EXISTS statements of a schema script, in the caller's transaction."""
    for statement in statements(schema):
        con.execute(statement)


def terminal_aad(terminal_id: str) -> bytes:
    return f"terminal:{terminal_id}".encode()


def private_files(db_path: str) -> None:
    if db_path == ":memory:" or db_path.startswith("file:"):
        return
    if not os.path.exists(db_path):
        os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT, 0o600))
    for path in (db_path, f"{db_path}-wal", f"{db_path}-shm", f"{db_path}-journal"):
        try:
            if os.name == "posix" and stat.S_IMODE(os.stat(path).st_mode) & 0o077:
                os.chmod(path, 0o600)
        except FileNotFoundError:
            pass


def open_key(con: sqlite3.Connection, key_path: Path) -> sealing.Sealer:
    """The database's sealer (``seal_plain_values`` gave the database its key)."""
    row = con.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
    return sealing.Sealer(sealing.load_key(key_path, bytes(row[0]) if row else None))


def seal_plain_values(con: sqlite3.Connection, key_path: Path) -> None:
    """Gives a database without a key one, sealing what earlier versions kept in plain text; then makes
    the person-hash key if there is none."""
    if con.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone() is None:
        _seal_plain_values(con, sealing.Sealer(sealing.load_key(key_path, None)))
    person_key(con, open_key(con, key_path))


def _seal_plain_values(con: sqlite3.Connection, sealer: sealing.Sealer) -> None:
    con.execute("INSERT INTO meta VALUES ('key_check', ?)", (sealer.key_check(),))
    person = con.execute("SELECT value FROM meta WHERE key = 'person_key'").fetchone()
    if person is not None:
        con.execute("UPDATE meta SET value = ? WHERE key = 'person_key'",
                    (sealer.seal(bytes(person[0]), PERSON_KEY_AAD),))
    for terminal_id, secret in con.execute("SELECT terminal_id, secret FROM terminals").fetchall():
        con.execute("UPDATE terminals SET secret = ? WHERE terminal_id = ?",
                    (sealer.seal(str(secret).encode(), terminal_aad(terminal_id)), terminal_id))


def person_key(con: sqlite3.Connection, sealer: sealing.Sealer) -> bytes:
    row = con.execute("SELECT value FROM meta WHERE key = 'person_key'").fetchone()
    if row is None:
        con.execute("INSERT INTO meta VALUES ('person_key', ?)",
                    (sealer.seal(secrets.token_bytes(32), PERSON_KEY_AAD),))
        row = con.execute("SELECT value FROM meta WHERE key = 'person_key'").fetchone()
    return sealer.open(row[0], PERSON_KEY_AAD)


def statements(schema: str) -> list[str]:
    """The statements of a schema script, one by one (so they can run inside a transaction)."""
    result, current = [], ""
    for line in schema.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            result.append(current.strip())
            current = ""
    return result + ([current.strip()] if current.strip() else [])


def rebuild(con: sqlite3.Connection, table: str, schema: str, copy: Callable[[str], None] | None = None) -> None:
    """Re-creates ``table`` (and its indexes) from ``schema``, keeping its rows: renames the old table,
    creates the new one, copies (``copy(old_name)``, or every column as it is), drops the old one."""
    for (index,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                "AND sql IS NOT NULL", (table,)).fetchall():
        con.execute(f'DROP INDEX "{index}"')
    con.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_old"')
    for statement in statements(schema):
        con.execute(statement)
    if copy is None:
        con.execute(f'INSERT INTO "{table}" SELECT * FROM "{table}_old"')
    else:
        copy(f"{table}_old")
    con.execute(f'DROP TABLE "{table}_old"')


def table_schema(schema: str, table: str) -> str:
    """The statements of ``schema`` that create ``table`` or an index on it."""
    return "\n".join(s for s in statements(schema)
                      if f"EXISTS {table} (" in s or f" ON {table} (" in s)


def scope_tickets_per_terminal(con: sqlite3.Connection, schema: str) -> None:
    sql = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tickets'").fetchone()[0]
    if "request_id TEXT NOT NULL UNIQUE" in sql:
        rebuild(con, "tickets", table_schema(schema, "tickets"))


def rotate_key(con: sqlite3.Connection, key_path: Path, old: sealing.Sealer,
               reseal: Callable[[sqlite3.Connection, sealing.Sealer, sealing.Sealer], None]) -> sealing.Sealer:
    """Writes ``<key>.new``, then re-seals everything (``reseal``) in the caller's transaction; the caller
    commits, then calls ``finish_rotation``."""
    pending = Path(f"{key_path}.new")
    if pending.exists():
        pending.unlink()
    key = secrets.token_bytes(sealing.KEY_BYTES)
    sealing.write_key(pending, key)
    new = sealing.Sealer(key)
    con.execute("UPDATE meta SET value = ? WHERE key = 'key_check'", (new.key_check(),))
    reseal(con, old, new)
    return new


def finish_rotation(key_path: Path) -> None:
    os.replace(f"{key_path}.new", key_path)
    if os.name == "posix":
        fd = os.open(key_path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
