"""Which database the hall server's tests run on (helpers, no tests).

By default every hall database a test makes is a SQLite file in the test's own temporary folder.
``HALL_TEST_POSTGRES`` names a PostgreSQL cluster the tests may create databases on (a URL of a role that may;
``./dev test`` starts a throwaway cluster and sets it, ``scripts/test_cluster.sh`` does the same by hand). With
it, and ``HALL_TEST_DB=postgresql``, the same tests run on PostgreSQL: each database is a new PostgreSQL
database on that cluster, copied from a prepared one where a test wants the
sample hall (``CREATE DATABASE … TEMPLATE``, with a copy of its key file), and dropped when its server stops.
Each database's key file is ``$KIOSK_HALL_KEY_DIR/<database name>.key``, as a PostgreSQL deployment may keep them.

Tests of what only a SQLite file has (its file modes, its key beside it, a file made by an older version)
carry ``@pytest.mark.sqlite_only(reason)``; on PostgreSQL they are skipped and the run's summary lists them.
Tests of what only PostgreSQL has carry ``@pytest.mark.postgres``: without ``HALL_TEST_POSTGRES`` they are
skipped with that said, and under ``CI=true`` they fail instead, so CI cannot pass without them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from hall_server.sealing import key_path_for

ADMIN_URL = os.environ.get("HALL_TEST_POSTGRES", "")
PREFIX = "hall_t_"  # every test database's name starts so; then the run's own mark, so runs side by side on
RUN = f"{PREFIX}{os.getpid()}_"  # one cluster (two people, CI and a developer) never drop each other's


def cluster() -> bool:
    """A PostgreSQL cluster to make databases on (the tests marked ``postgres`` need one)."""
    return bool(ADMIN_URL)


def on_postgres() -> bool:
    """The hall server's tests run on PostgreSQL rather than on SQLite files."""
    return cluster() and os.environ.get("HALL_TEST_DB", "sqlite") == "postgresql"


def _url(name: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as con:
        cur = con.execute(sql)
        return cur.fetchall() if cur.description else []


def database_name(target: str | Path) -> str:
    return urlsplit(str(target)).path.strip("/")


def new_hall_db(path: Path, *, template: str | None = None, postgres: bool | None = None) -> str | Path:
    """A new, empty hall database: ``path`` itself on SQLite, else a new PostgreSQL database's URL (a copy of
    ``template``'s database when given). ``postgres``: this kind whatever the run's (default: the run's)."""
    if not (on_postgres() if postgres is None else postgres):
        return path
    name = f"{RUN}{uuid.uuid4().hex[:16]}"
    source = database_name(template) if template else "template0"
    _admin(f"CREATE DATABASE {name} TEMPLATE {source} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
           if not template else f"CREATE DATABASE {name} TEMPLATE {source}")
    return _url(name)


def copy_hall_db(template: str | Path, path: Path) -> str | Path:
    """A copy of the prepared database ``template`` for one test (with its key file on SQLite)."""
    if not on_postgres():
        shutil.copy(template, path)
        shutil.copy(f"{template}.key", f"{path}.key")
        return path
    copy = new_hall_db(path, template=str(template), postgres=True)
    shutil.copy(key_path_for(template), key_path_for(copy))
    return copy


def drop_hall_db(target: str | Path) -> None:
    """Drops a test's PostgreSQL database once its server has stopped (a SQLite file goes with its folder)."""
    if cluster() and str(target).startswith("postgresql://"):
        _admin(f"DROP DATABASE IF EXISTS {database_name(target)} WITH (FORCE)")


def drop_all() -> None:
    """Drops every database this run made (the end of the session); another run's are left alone."""
    if cluster():
        for (name,) in _admin(f"SELECT datname FROM pg_database WHERE datname LIKE '{RUN}%'"):
            _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def configure_keys(folder: Path) -> None:
    """With a cluster: the key files of the run's PostgreSQL databases in ``folder`` (``KIOSK_HALL_KEY_DIR``)."""
    if cluster():
        os.environ.pop("KIOSK_HALL_KEY", None)
        os.environ["KIOSK_HALL_KEY_DIR"] = str(folder)


@contextmanager
def hall_sql(target: str | Path) -> Iterator[Any]:
    """A connection to a hall database from outside its server, as the hall's database administrator has one:
    ``?`` placeholders and rows by name on either kind (hall_server/database.py); every statement commits."""
    from hall_server.database import open_database

    con = open_database(str(target)).connect()
    try:
        yield con
    finally:
        con.close()


def every_value(target: str | Path) -> str:
    """Every value of every table of a hall database as text (SQLite: its SQL dump), for tests that look for
    what must not be stored in the clear."""
    with hall_sql(target) as con:
        if isinstance(con, sqlite3.Connection):
            return "\n".join(con.iterdump())
        tables = [r[0] for r in con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return "\n".join(repr(tuple(r)) for t in tables for r in con.execute(f'SELECT * FROM "{t}"'))
