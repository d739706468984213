"""Prepares every SQL statement the hall server runs during its tests in a throwaway PostgreSQL.

    python scripts/check_sql_on_postgres.py [PYTEST ARGUMENTS…]      (default: tests/hall_server_suite.txt)

Run from the repository's root with it on PYTHONPATH. The tests run with this module as a pytest plugin
that records what the hall store's SQLite connections run (the SQLite run: the PostgreSQL run of the same tests,
``HALL_TEST_DB=postgresql``, executes them for real); then PostgreSQL's own binaries (``initdb``, ``postgres``: no server, no
driver) make a new cluster in a temporary directory, and ``postgres --single`` creates the tables the
statements created, with the types mapped as docs/hall-server.md ("Databases") says, and ``PREPARE``s every
other statement: PostgreSQL parses it and plans it against those tables. Each refusal is printed with its
statement; the exit status is 1 when there is one.

Left out: transaction control and PRAGMAs (SQLite's own), and what only schema steps 3, 4 and 6 run on an
earlier SQLite version's file (``sqlite_master``, ``ALTER``/``DROP``, the ``*_old`` tables of a rebuild).
PostgreSQL refuses to run as root: as root, its binaries run as the user ``postgres``.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import types

from hall_server.database import TYPES

# what is SQLite's own (transaction control, PRAGMAs) or runs only on an earlier version's file
SKIPPED = re.compile(r"^\s*(PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|ALTER|DROP)\b|sqlite_master|_old\b", re.I)


RECORD = "HALL_SQL_RECORD"  # set for the pytest run: the file the statements go to


def record(pytest_args: list[str]) -> list[str]:
    """Runs the tests (with this module as a pytest plugin); the statements the hall store ran, each once, in
    the order first seen."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        here = os.path.dirname(os.path.abspath(__file__))
        env = {**os.environ, RECORD: out.name,
               "PYTHONPATH": os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)}
        tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                                "check_sql_on_postgres", *pytest_args], env=env)
        if tests.returncode not in (0, 5):
            sys.exit("the tests failed: fix them first")
        return json.loads(out.read() or b"[]")


_seen: dict[str, None] = {}


def pytest_configure(config) -> None:
    """In the pytest run: every connection the hall store opens records the statements it runs."""
    import hall_server.database

    class Recording(sqlite3.Connection):
        def execute(self, sql, *args):
            _seen.setdefault(sql.strip().rstrip(";"))
            return super().execute(sql, *args)

        def executemany(self, sql, *args):
            _seen.setdefault(sql.strip().rstrip(";"))
            return super().executemany(sql, *args)

    def connect(*args, **kwargs):
        return sqlite3.connect(*args, factory=Recording, **kwargs)

    hall_server.database.sqlite3 = types.SimpleNamespace(**{**vars(sqlite3), "connect": connect})


def pytest_sessionfinish(session, exitstatus) -> None:
    with open(os.environ[RECORD], "w", encoding="utf-8") as out:
        json.dump(list(_seen), out, ensure_ascii=False)


def postgres_script(statements: list[str]) -> tuple[str, int]:
    """The single-user session's input (statements end with ";" and an empty line), and how many it prepares."""
    script, prepared = [], 0
    for i, sql in enumerate(s for s in statements if not SKIPPED.search(s)):
        if re.match(r"CREATE\b", sql, re.I):
            for pattern, replacement in TYPES:
                sql = re.sub(pattern, replacement, sql)
            script.append(sql)
            continue
        parts = re.split(r"('[^']*')", sql)  # ? outside quoted literals becomes $1, $2, …
        numbers = iter(range(1, 10_000))
        sql = "".join(p if k % 2 else re.sub(r"\?", lambda m: f"${next(numbers)}", p) for k, p in enumerate(parts))
        script.append(f"PREPARE s{i} AS {sql}")
        prepared += 1
    return "".join(f"{s};\n\n" for s in script), prepared


def binary(name: str) -> str:
    candidates = [shutil.which(name), *sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True),
                  f"/usr/local/bin/{name}"]
    found = next((c for c in candidates if c and os.path.exists(c)), None)
    if found is None:
        sys.exit(f"PostgreSQL's {name} is not installed (looked on PATH, /usr/lib/postgresql/*/bin, /usr/local/bin)")
    return found


def run_postgres(script: str) -> list[tuple[str, str]]:
    """(error, statement) for every statement PostgreSQL refused."""
    owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        os.mkdir(data, 0o700)
        if owner:
            shutil.chown(tmp, "postgres")
            shutil.chown(data, "postgres")
        subprocess.run([*owner, binary("initdb"), "-D", data, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True, timeout=120)
        out = subprocess.run([*owner, binary("postgres"), "--single", "-j", "-E", "-D", data, "postgres"],
                             input=script, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=300).stdout
    refused, statement = [], ""
    for line in out.splitlines():
        if "statement: " in line:
            statement = line.split("statement: ", 1)[1]
        elif "ERROR:" in line:
            refused.append((line.split("ERROR:", 1)[1].strip(), statement))
    return refused


def suite() -> list[str]:
    """Every test file that starts a hall server (the list ``./dev test`` runs a second time on PostgreSQL)."""
    with open("tests/hall_server_suite.txt", encoding="utf-8") as listed:
        return [line.strip() for line in listed if line.strip() and not line.startswith("#")]


def main(argv: list[str]) -> int:
    statements = record(argv or suite())
    script, prepared = postgres_script(statements)
    refused = run_postgres(script)
    for error, statement in refused:
        print(f"REFUSED {error}\n    {statement}")
    print(f"{prepared} statements prepared on PostgreSQL, {len(refused)} refused")
    return 1 if refused else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
