"""Storage of the hall server: schema, connections, transactions, hall data, terminals, staff. The database is
a SQLite file or a PostgreSQL database (``database.py`` is the seam; docs/hall-server.md, "Databases").

``StoreBase`` holds what every part of the server shares; the queue logic lives in ``issuing.py``
(tickets at the kiosk) and ``windows.py`` (clerk actions), mixed into ``HallStore`` (``__init__.py``).

Connections and transactions
- One connection per thread (``threading.local``), opened on first use (and again when the database ended
  it); on SQLite WAL journal, busy timeout 10 s.
- Every change runs in ``with self._write() as con:``, which is ``BEGIN IMMEDIATE … COMMIT`` on SQLite and
  ``BEGIN``, an advisory lock, ``COMMIT`` on PostgreSQL: exactly one writer at a time, so reading the last number of a sequence and writing the next one
  cannot interleave with another request (no duplicate and no skipped number; docs/hall-server.md, "How halls work":
  "duplicate numbers under load are the most common bug").
- ``synchronous=FULL`` (PostgreSQL: ``synchronous_commit=on``): a committed ticket survives a power cut (docs/sync.md, "SQLite as the
  on-device store"), so a number is never handed out twice after a crash.
- The database and its WAL are 0600, and what a citizen or a terminal hands over is sealed under a key
  kept outside it (sealing.py, migrations.py; docs/hall-server.md "Data at rest").

Time
- ``clock`` (a ``core.ports.Clock``) gives "now"; tests drive it to cross midnight. Service days are dates
  in the hall's time zone; timestamps are stored as Unix seconds.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from hall_server import crypto, database, migrations, sealing
from hall_server.problems import HallError
from core.clock import DEFAULT_HALL_ZONE, hall_zone, is_known_zone
from core.ports.clock import Clock, SystemClock

ROLES = ("citizen", "clerk", "display", "technician")
DEFAULT_ELDERLY_AGE = 70
DEFAULT_PRIORITY_STREAK_CAP = 3
DEFAULT_ELDERLY_BOOST = 10
DEFAULT_SERVICE_MIN = 6.0
SESSION_HOURS = 16
PIN_MAX_FAILURES = 5
PIN_LOCK_S = 60
PIN_LOCK_MAX_S = 24 * 3600

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS hall (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    hall_id TEXT NOT NULL, name TEXT NOT NULL, name_en TEXT NOT NULL, timezone TEXT NOT NULL,
    elderly_priority_age INTEGER NOT NULL, elderly_boost INTEGER NOT NULL,
    priority_streak_cap INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS services (
    prefix TEXT PRIMARY KEY, position INTEGER NOT NULL, name TEXT NOT NULL, name_en TEXT NOT NULL,
    department TEXT NOT NULL, daily_cap INTEGER NOT NULL, priority_weight INTEGER NOT NULL,
    issuing_hours TEXT NOT NULL, avg_service_min REAL NOT NULL);
CREATE TABLE IF NOT EXISTS windows (
    number INTEGER PRIMARY KEY, name TEXT NOT NULL, services TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0, pause_reason TEXT NOT NULL DEFAULT '',
    priority_streak INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS terminals (
    terminal_id TEXT PRIMARY KEY, role TEXT NOT NULL,
    secret BLOB NOT NULL);               -- sealed (sealing.py), bound to the terminal id
CREATE TABLE IF NOT EXISTS staff (
    staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, pin_salt BLOB NOT NULL, pin_hash BLOB NOT NULL,
    windows TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS login_attempts (
    staff_id TEXT PRIMARY KEY,           -- any id tried, known or not: the answers must not tell them apart
    failures INTEGER NOT NULL,           -- attempts since the last lockout or good PIN (counted before the KDF)
    lockouts INTEGER NOT NULL,           -- lockouts since the last good PIN (each lasts twice the one before)
    locked_until REAL NOT NULL,
    touched REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY, staff_id TEXT NOT NULL, "window" INTEGER NOT NULL,
    terminal_id TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (
    service_day TEXT NOT NULL, prefix TEXT NOT NULL, last INTEGER NOT NULL,
    PRIMARY KEY (service_day, prefix));
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    service_day TEXT NOT NULL,
    number TEXT NOT NULL,
    issue_prefix TEXT NOT NULL,          -- the sequence the number came from
    seq INTEGER NOT NULL,
    service TEXT NOT NULL,               -- the queue it is in now (changes on transfer)
    state TEXT NOT NULL,
    issued_at REAL NOT NULL,
    queued_at REAL NOT NULL,             -- its place in the queue (arrival, reset by return-to-queue)
    tracking_code TEXT NOT NULL UNIQUE,
    request_id TEXT NOT NULL,            -- the terminal's own: unique per terminal, not across them
    request_fingerprint TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    person_hash TEXT,                    -- HMAC of the ID number (crypto.person_key), never the number
    appointment_code TEXT,
    priority INTEGER NOT NULL DEFAULT 0, -- elderly
    appointment INTEGER NOT NULL DEFAULT 0,
    weight INTEGER NOT NULL,             -- service weight, plus the elderly boost
    target_window INTEGER,               -- transferred to this window: only it calls the ticket
    "window" INTEGER,                    -- where it was called
    held_window INTEGER,
    called_at REAL,
    finished_at REAL,
    outcome TEXT,
    calls INTEGER NOT NULL DEFAULT 0,
    UNIQUE (service_day, number),
    UNIQUE (terminal_id, request_id));
CREATE INDEX IF NOT EXISTS tickets_queue ON tickets (service_day, state, service);
CREATE INDEX IF NOT EXISTS tickets_person ON tickets (service_day, person_hash);
CREATE UNIQUE INDEX IF NOT EXISTS one_current_ticket_per_window ON tickets ("window") WHERE state = 'called';
CREATE TABLE IF NOT EXISTS call_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, service_day TEXT NOT NULL, ticket_id INTEGER NOT NULL,
    number TEXT NOT NULL, "window" INTEGER NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (
    terminal_id TEXT NOT NULL, nonce TEXT NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY (terminal_id, nonce)) WITHOUT ROWID;
"""

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PREFIX = re.compile(r"^[A-Z]{1,2}$")
_TERMINAL_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _hours(value: Any, where: str) -> list[list[str]]:
    """Issuing hours as [["09:00", "12:00"], …]; accepts "09:00-12:00" strings or pairs."""
    result = []
    for item in value or []:
        pair = item.split("-") if isinstance(item, str) else item
        if not (isinstance(pair, list | tuple) and len(pair) == 2
                and all(isinstance(p, str) and _HHMM.match(p.strip()) for p in pair)):
            raise ValueError(f"{where}: issuing hours must look like \"09:00-12:00\", got {item!r}")
        start, end = (p.strip() for p in pair)
        if start >= end:
            raise ValueError(f"{where}: issuing hours {item!r} end before they start")
        result.append([start, end])
    return result


class _Job:
    """One caller's part of a group commit (see ``StoreBase._group_write``)."""

    __slots__ = ("body", "result", "error", "done")

    def __init__(self, body: Callable[[sqlite3.Connection], Any]) -> None:
        self.body = body
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False


class StoreBase:
    """Connections, schema, clock, and the admin side: hall data, terminals, staff, nonces."""

    def __init__(self, db_path: str | Path, *, clock: Clock | None = None,
                 key_path: str | Path | None = None) -> None:
        self.db_path = str(db_path)
        self.db = database.open_database(self.db_path)
        self.key_path = Path(key_path) if key_path else sealing.key_path_for(self.db_path)
        self.clock: Clock = clock or SystemClock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._nonce_inserts = 0
        self._seq_lock = threading.Lock()
        # Writers of this process queue on a lock before BEGIN IMMEDIATE: SQLite's own busy handler sleeps
        # in growing steps (up to 100 ms) while it waits, which made p99 latency under load ten times worse.
        self._write_lock = threading.Lock()
        self._batch_lock = threading.Lock()
        self._batch: list[_Job] = []
        if self.db.file is not None:
            migrations.private_files(self.db_path)
        with self._write() as con:
            #: (from, to): the schema versions before and after opening (``hall-admin migrate`` prints them)
            self.schema_versions = migrations.upgrade(self, con, self.STEPS, self.clock.now().timestamp())
            self._open_keys(con)
        self.last_call_seq: int = con.execute("SELECT COALESCE(MAX(seq), 0) FROM call_events").fetchone()[0]

    #: The numbered schema steps (migrations.Step) that bring a database to the newest version, in the
    #: opening transaction; ``HallStore`` has the whole list (versions.py).
    STEPS: tuple[migrations.Step, ...] = (
        migrations.Step(1, "the hall's tables", lambda store, con: migrations.create(con, store.db.schema(SCHEMA))),
        migrations.Step(2, "a key, and the values before it sealed",
                        lambda store, con: migrations.seal_plain_values(con, store.key_path)))

    def _open_keys(self, con: sqlite3.Connection) -> None:
        """Opens the database's key and its person-hash key (both made by schema step 2)."""
        sealer = migrations.open_key(con, self.key_path)
        self._keyed = (self._key_check(con), sealer)
        self._person_key: bytes = migrations.person_key(con, sealer)

    def _reseal(self, con: sqlite3.Connection, old: sealing.Sealer, new: sealing.Sealer) -> None:
        """Re-seals every sealed value from ``old`` to ``new`` (key rotation); mixins extend it."""
        value = con.execute("SELECT value FROM meta WHERE key = 'person_key'").fetchone()[0]
        con.execute("UPDATE meta SET value = ? WHERE key = 'person_key'",
                    (new.seal(old.open(value, migrations.PERSON_KEY_AAD), migrations.PERSON_KEY_AAD),))
        for terminal_id, secret in con.execute("SELECT terminal_id, secret FROM terminals").fetchall():
            aad = migrations.terminal_aad(terminal_id)
            con.execute("UPDATE terminals SET secret = ? WHERE terminal_id = ?",
                        (new.seal(old.open(secret, aad), aad), terminal_id))

    def rotate_key(self) -> None:
        """Re-seals the database under a new key and replaces the key file (sealing.py: crash-safe)."""
        with self._write() as con:
            new = migrations.rotate_key(con, self.key_path, self._sealer(con), self._reseal)
            check = self._key_check(con)
        migrations.finish_rotation(self.key_path)
        self._keyed = (check, new)

    @staticmethod
    def _key_check(con: sqlite3.Connection) -> bytes:
        return bytes(con.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()[0])

    def _sealer(self, con: sqlite3.Connection) -> sealing.Sealer:
        """The sealer of the key the database is sealed with now. ``hall-admin rotate-key`` may have
        rotated it from another process since this store opened: then the key file is read again, so a
        running server neither fails to open new values nor seals any under the retired key."""
        check, sealer = self._keyed
        current = self._key_check(con)
        if current != check:
            sealer = sealing.Sealer(sealing.load_key(self.key_path, current))
            self._keyed = (current, sealer)
        return sealer

    # --- connections -------------------------------------------------------------------------------

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is not None and getattr(con, "broken", False):  # PostgreSQL restarted or failed over
            with self._connections_lock:
                self._connections.remove(con)
            con = None
        if con is None:
            con = self.db.connect()
            self._local.con = con
            with self._connections_lock:
                self._connections.append(con)
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, serialised with every other writer (database.py, ``begin_write``)."""
        con = self._con()
        if not self._write_lock.acquire(timeout=10.0):
            raise HallError("busy", "database busy: no write slot within 10 s")
        try:
            try:
                self.db.begin_write(con)
            except database.OperationalError as exc:  # another process held it for longer than the 10 s timeout
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise HallError("busy", f"database busy: {exc}") from None
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            self._write_lock.release()

    def _group_write(self, body: Callable[[sqlite3.Connection], Any]) -> Any:
        """Runs ``body(con)`` in a write transaction shared with other requests waiting at the same moment
        (group commit), and returns its result once that transaction is committed.

        With ``synchronous=FULL`` every commit waits for the disk (about 3 ms here); kiosks issuing at once
        would queue behind one fsync each. Instead each caller queues its job, then waits for the write
        lock; whoever gets it runs every queued job, each in its own SAVEPOINT (a refused job rolls back
        alone and gets its HallError), commits once, and hands out the results. A caller whose job was run
        by another just takes its result. Jobs run in queue order on one connection, so each sees the ones
        before it: the semantics are those of one transaction per job, only the fsync is shared.
        """
        job = _Job(body)
        with self._batch_lock:
            self._batch.append(job)
        if not self._write_lock.acquire(timeout=10.0):
            raise HallError("busy", "database busy: no write slot within 10 s")
        try:
            if not job.done:
                with self._batch_lock:
                    jobs, self._batch = self._batch, []
                self._run_batch(jobs)
        finally:
            self._write_lock.release()
        if job.error is not None:
            raise job.error
        return job.result

    def _run_batch(self, jobs: list[_Job]) -> None:
        con = self._con()
        try:
            self.db.begin_write(con)
            for job in jobs:
                con.execute("SAVEPOINT job")
                try:
                    job.result = job.body(con)
                except Exception as exc:  # noqa: BLE001 - handed to the job's own caller
                    con.execute("ROLLBACK TO job")
                    job.error = exc
                con.execute("RELEASE job")
            con.execute("COMMIT")
        except database.Error as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            for job in jobs:
                job.result, job.error = None, HallError("busy", f"database error: {exc}")
        finally:
            for job in jobs:
                job.done = True

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs."""
        con = self._con()
        self.db.begin_read(con)
        try:
            yield con
        finally:
            con.execute("COMMIT")

    def close(self) -> None:
        """Closes every thread's connection (call after the server's threads stopped)."""
        with self._connections_lock:
            for con in self._connections:
                try:
                    con.close()
                except database.Error:
                    pass
            self._connections.clear()
        self._local = threading.local()

    # --- time --------------------------------------------------------------------------------------

    def tz(self, con: sqlite3.Connection | None = None) -> tzinfo:
        row = (con or self._con()).execute("SELECT timezone FROM hall").fetchone()
        return hall_zone(row[0] if row else None)

    def now_local(self, con: sqlite3.Connection | None = None) -> datetime:
        return self.clock.now().astimezone(self.tz(con))

    def service_day(self, con: sqlite3.Connection | None = None) -> date:
        return self.now_local(con).date()

    def _dt(self, ts: float | None, tz: tzinfo) -> datetime | None:
        return None if ts is None else datetime.fromtimestamp(ts, tz)

    # --- admin: hall data --------------------------------------------------------------------------

    def has_hall(self) -> bool:
        return self._con().execute("SELECT COUNT(*) FROM hall").fetchone()[0] > 0

    def load_hall(self, data: dict) -> None:
        """Loads (or replaces) the hall, its services and windows, in the shape of sample_data/hall.json.

        Optional extras: ``hall.priority_streak_cap`` (default 3; 0 for none), ``hall.elderly_boost``
        (default 10), per service ``issuing_hours`` (["09:00-12:00", …]) and ``avg_service_min``; a
        top-level ``staff`` list ({id, name, pin, windows}) and ``terminals`` list ({id, role, secret}).
        Raises ValueError naming the field that is wrong.
        """
        if not isinstance(data, dict) or not isinstance(data.get("hall"), dict):
            raise ValueError("hall data: 'hall' must be an object")
        hall = data["hall"]
        for key in ("id", "name"):
            if not isinstance(hall.get(key), str) or not hall[key]:
                raise ValueError(f"hall.{key} is required")
        timezone = hall.get("timezone", DEFAULT_HALL_ZONE)
        if not is_known_zone(timezone):
            raise ValueError(f"hall.timezone: unknown time zone {timezone!r}") from None
        services = data.get("services")
        if not isinstance(services, list) or not services:
            raise ValueError("services: a non-empty list is required")
        rows = []
        for i, s in enumerate(services):
            where = f"services[{i}]"
            if not isinstance(s, dict) or not isinstance(s.get("prefix"), str) or not _PREFIX.match(s["prefix"]):
                raise ValueError(f"{where}.prefix must be one or two capital letters")
            if not isinstance(s.get("name"), str) or not s["name"]:
                raise ValueError(f"{where}.name is required")
            cap, weight = s.get("daily_cap", 0), s.get("priority_weight", 1)
            if not isinstance(cap, int) or cap < 0 or not isinstance(weight, int) or weight < 0:
                raise ValueError(f"{where}: daily_cap and priority_weight must be whole numbers ≥ 0")
            rows.append((s["prefix"], i, s["name"], s.get("name_en", ""), s.get("department", ""), cap, weight,
                         json.dumps(_hours(s.get("issuing_hours"), where)),
                         float(s.get("avg_service_min", DEFAULT_SERVICE_MIN))))
        prefixes = {r[0] for r in rows}
        if len(prefixes) != len(rows):
            raise ValueError("services: two services share a prefix")
        windows = []
        for i, w in enumerate(data.get("windows") or []):
            if not isinstance(w, dict) or not isinstance(w.get("number"), int) or w["number"] < 1:
                raise ValueError(f"windows[{i}].number must be a whole number ≥ 1")
            served = w.get("services", [])
            if not isinstance(served, list) or not set(served) <= prefixes:
                raise ValueError(f"windows[{i}].services names a service that does not exist")
            windows.append((w["number"], w.get("name", ""), json.dumps(served)))
        with self._write() as con:
            con.execute("DELETE FROM hall")
            con.execute("INSERT INTO hall VALUES (1, ?, ?, ?, ?, ?, ?, ?)", (
                hall["id"], hall["name"], hall.get("name_en", ""), timezone,
                int(hall.get("elderly_priority_age", DEFAULT_ELDERLY_AGE)),
                int(hall.get("elderly_boost", DEFAULT_ELDERLY_BOOST)),
                int(hall.get("priority_streak_cap", DEFAULT_PRIORITY_STREAK_CAP))))
            con.execute("DELETE FROM services")
            con.executemany("INSERT INTO services VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            con.execute("DELETE FROM windows")
            con.executemany("INSERT INTO windows (number, name, services) VALUES (?, ?, ?)", windows)
        for person in data.get("staff") or []:
            self.add_staff(person["id"], person["name"], person["pin"], person.get("windows"))
        for terminal in data.get("terminals") or []:
            self.add_terminal(terminal["id"], terminal["role"], terminal.get("secret"))

    # --- admin: terminals and staff ----------------------------------------------------------------

    def add_terminal(self, terminal_id: str, role: str, secret: str | None = None) -> str:
        """Provisions (or re-keys) a terminal; returns its secret (generated when not given)."""
        if not _TERMINAL_ID.match(terminal_id or ""):
            raise ValueError("terminal id: 1–64 letters, digits, '.', '_', ':' or '-'")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        secret = secret or crypto.new_terminal_secret()
        with self._write() as con:
            sealed = self._sealer(con).seal(secret.encode(), migrations.terminal_aad(terminal_id))
            con.execute("INSERT INTO terminals VALUES (?, ?, ?) ON CONFLICT (terminal_id) DO UPDATE SET "
                        "role = excluded.role, secret = excluded.secret", (terminal_id, role, sealed))
        return secret

    def remove_terminal(self, terminal_id: str) -> bool:
        with self._write() as con:
            return con.execute("DELETE FROM terminals WHERE terminal_id = ?", (terminal_id,)).rowcount > 0

    def terminals(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self._con().execute("SELECT terminal_id, role FROM terminals ORDER BY 1")]

    def terminal(self, terminal_id: str) -> tuple[str, str] | None:
        """(role, secret) of a terminal, or None."""
        con = self._con()
        row = con.execute("SELECT role, secret FROM terminals WHERE terminal_id = ?", (terminal_id,)).fetchone()
        if row is None:
            return None
        return row[0], self._sealer(con).open(row[1], migrations.terminal_aad(terminal_id)).decode()

    def add_staff(self, staff_id: str, name: str, pin: str, windows: list[int] | None = None) -> None:
        """Adds (or updates) a clerk; ``windows`` limits where they may log in (None: anywhere)."""
        if not _TERMINAL_ID.match(staff_id or ""):
            raise ValueError("staff id: 1–64 letters, digits, '.', '_', ':' or '-'")
        if not isinstance(pin, str) or not 4 <= len(pin) <= 32:
            raise ValueError("PIN: 4 to 32 characters")
        if not name:
            raise ValueError("staff name is required")
        salt, digest = crypto.hash_pin(pin)
        with self._write() as con:
            con.execute("INSERT INTO staff (staff_id, name, pin_salt, pin_hash, windows) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT (staff_id) DO UPDATE SET name = excluded.name, pin_salt = excluded.pin_salt, "
                        "pin_hash = excluded.pin_hash, windows = excluded.windows",
                        (staff_id, name, salt, digest, json.dumps(list(windows or []))))

    # --- nonces (core/signing.py: a nonce seen inside the skew window is a replay) ------------------

    def remember_nonce(self, terminal_id: str, nonce: str, expires: float, now: float) -> bool:
        """Records a nonce; False when the terminal already used it (a replay).

        Committed with ``synchronous=NORMAL`` (no fsync of its own; the next ticket's commit syncs the WAL
        with it): a nonce lost to a power cut only reopens a replay within the skew window, while an fsync
        per request halved the server's throughput (bench/ticket_load.py)."""
        con = self._con()
        # On PostgreSQL the one statement is atomic by itself: no writer's lock, so a nonce never waits for a
        # ticket's transaction in another process.
        with self.db.relaxed(con), (self._write() if self.db.kind == "sqlite" else nullcontext(con)) as con:
            if con.execute("INSERT INTO nonces VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           (terminal_id, nonce, expires)).rowcount == 0:
                return False  # seen before: a replay
            self._nonce_inserts += 1
            if self._nonce_inserts % 500 == 0:
                con.execute("DELETE FROM nonces WHERE expires < ?", (now,))
        return True
