"""Hall server fixtures for every test that needs the platform (a pytest plugin module).

Use them from a test module with ``from server_fixtures import hall_server, fresh_hall  # noqa: F401``
(tests/ is on sys.path), or list ``"server_fixtures"`` in ``pytest_plugins`` of tests/conftest.py.

- ``hall_server`` (session scope): one real ``ServerThread`` on loopback with the sample hall, for tests that
  only read or that do not care what others issued. Its threads are named ``session:hall-server…``.
- ``fresh_hall`` (per test): its own server on a copy of a prepared database, with a ``SettableClock``
  standing on a Monday at 10:00 in the hall's time zone; ``fresh_hall.clock.set(...)`` moves the server's
  day. Use it whenever a test counts numbers or changes windows.

Both give a ``HallFixture``: ``.url``, ``.store``, ``.secret(terminal_id)``, ``.client(terminal_id)`` (a
``PlatformClient``; closed at teardown), ``.send(terminal_id, method, path, body=…)`` (a raw signed
request with ``requests``, for testing the HTTP layer itself). Terminals: ``kiosk-1``/``kiosk-2``
(citizen), ``window-1``…``window-10`` (clerk), ``display-1`` (display), ``tech-1`` (technician). Clerks:
the sample hall's staff (S1001 at window 1 … S1010 at window 10), PIN ``STAFF_PIN``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from core import signing
from hall_databases import copy_hall_db, drop_hall_db, new_hall_db
from hall_server import HallStore, ServerThread, sample_hall
from platform_client import PlatformClient

STAFF_PIN = "2468"
HALL_TZ = ZoneInfo("Asia/Shanghai")
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=HALL_TZ)
TERMINALS = {"kiosk-1": "citizen", "kiosk-2": "citizen", "display-1": "display", "tech-1": "technician",
             **{f"window-{n}": "clerk" for n in range(1, 11)}}


class SettableClock:
    """A core.ports.Clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        return self.now().timestamp()

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now += timedelta(**delta)


@dataclass
class HallFixture:
    server: ServerThread
    secrets: dict[str, str]
    clock: SettableClock | None = None
    _clients: list[PlatformClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def store(self) -> HallStore:
        return self.server.store

    def secret(self, terminal_id: str) -> str:
        return self.secrets[terminal_id]

    def client(self, terminal_id: str, *, timeout_s: float = 5.0) -> PlatformClient:
        c = PlatformClient(self.url, terminal_id, self.secrets.get(terminal_id, "unknown"), timeout_s=timeout_s)
        self._clients.append(c)
        return c

    def send(self, terminal_id: str, method: str, path: str, *, body: bytes | dict | None = None,
             headers: dict | None = None, secret: str | None = None, now: float | None = None,
             sign_path: str | None = None, session: str | None = None, timeout_s: float = 10.0) -> requests.Response:
        """A raw signed request (``sign_path`` signs another path than the one sent, for tampering tests)."""
        data = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
        signed = signing.sign(terminal_id, secret if secret is not None else self.secrets.get(terminal_id, "x"),
                              method, sign_path or path, data, now=now)
        all_headers = {**signed, **({"Content-Type": "application/json"} if isinstance(body, dict) else {})}
        if session:
            all_headers["X-Clerk-Session"] = session
        all_headers.update(headers or {})
        with requests.Session() as http:
            http.trust_env = False
            return http.request(method, self.url + path, data=data or None, headers=all_headers, timeout=timeout_s)

    def close(self) -> None:
        for c in self._clients:
            c.close()
        self.server.stop()


def _prepare(db: str | Path) -> dict[str, str]:
    """A database with the sample hall, every terminal and every clerk (PIN hashing is slow: done once)."""
    store = HallStore(db)
    try:
        store.load_hall(sample_hall())
        for w in sample_hall()["windows"]:
            store.add_staff(w["staff"]["id"], w["staff"]["name"], STAFF_PIN, [w["number"]])
        return {tid: store.add_terminal(tid, role) for tid, role in TERMINALS.items()}
    finally:
        store.close()


_template: tuple[str | Path, dict[str, str]] | None = None
_template_lock = threading.Lock()


def _prepared_db(tmp_path_factory) -> tuple[str | Path, dict[str, str]]:
    """Made once per session (a plain helper, so importing the two fixtures is enough)."""
    global _template
    with _template_lock:
        if _template is None:
            db = new_hall_db(tmp_path_factory.mktemp("hall-template") / "hall.db")
            _template = (db, _prepare(db))
        return _template


def copy_db(template: str | Path, db: Path) -> str | Path:
    """A copy of the prepared database for one test: the file and its key file (hall_server/sealing.py: the
    key lives beside, not inside, it), or a copy of the PostgreSQL database (tests/hall_databases.py)."""
    return copy_hall_db(template, db)


@pytest.fixture(scope="session")
def hall_server(tmp_path_factory):
    template, secrets = _prepared_db(tmp_path_factory)
    db = copy_db(template, tmp_path_factory.mktemp("hall-session") / "hall.db")
    fixture = HallFixture(ServerThread(db, thread_name="session:hall-server").start(), secrets)
    yield fixture
    fixture.close()
    drop_hall_db(db)


@pytest.fixture
def fresh_hall(tmp_path_factory, tmp_path):
    template, secrets = _prepared_db(tmp_path_factory)
    db = copy_db(template, tmp_path / "hall.db")
    clock = SettableClock(MONDAY_10AM)
    fixture = HallFixture(ServerThread(db, clock=clock, thread_name="hall-server-test").start(), secrets, clock)
    yield fixture
    fixture.close()
    drop_hall_db(db)


def utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)


# The sample hall's company-registration matter and a form that validates for it (rare characters in it),
# for the tests of applications and cases.
COMPANY = "320100-XK-0001"
COMPANY_FORM = {"company_name": "示例䶮𠮷科技有限公司", "legal_rep": "李䶮", "legal_rep_id": "11010519491231002X",
                "capital": 100, "address": "示例市玄武区北京东路 41 号", "phone": "13812345678", "scope": "软件开发"}


def with_catalogue(hall: HallFixture) -> HallFixture:
    """``hall`` with the sample hall's matter catalogue, the calendar and region of its case numbers, and its
    rating reference (reasons for a poor rating, follow-up days)."""
    from hall_server.api.matters import load_matters
    from hall_server.cases import load_case_reference
    from hall_server.rating_records import load_rating_reference

    load_matters(hall.store, sample_hall())
    load_case_reference(hall.store, sample_hall())
    load_rating_reference(hall.store, sample_hall())
    return hall


def catalogue_matter(hall: HallFixture, code: str = COMPANY):
    """The matter as a terminal gets it from the platform's catalogue (with its form's version)."""
    from core.services.catalogue import parse_matters
    from hall_server.api.matters import matter_catalogue

    return next(m for m in parse_matters(matter_catalogue(hall.store)) if m.code == code)
