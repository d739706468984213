"""Fixtures of the sync tests: a real hall server on loopback, a fault proxy in front of it, a terminal's
store and an engine with short timings. Imported by tests/test_sync_*.py, test_offline_tickets.py and
test_privacy_sync.py (``from sync_fixtures import ...``)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from faultproxy import FaultProxy  # noqa: E402

from hall_server import ServerThread, sample_hall  # noqa: E402
from platform_client.sync import SyncClient  # noqa: E402
from offline_cache import Store  # noqa: E402
from offline_cache.engine import SyncEngine  # noqa: E402

PASS_ONLY = {"pass": 1}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A hall server for the module (its threads are named ``session:…`` on purpose)."""
    with ServerThread(tmp_path_factory.mktemp("hall") / "hall.db", seed=sample_hall(),
                      thread_name="session:sync-hall") as srv:
        srv.secrets = {t: srv.store.add_terminal(t, "citizen") for t in ("K-01", "K-02")}
        srv.secrets["W-01"] = srv.store.add_terminal("W-01", "clerk")
        yield srv


@pytest.fixture
def proxy(server):
    with FaultProxy(server.port, PASS_ONLY, seed=1, hold_s=0.6, thread_name="faultproxy") as p:
        yield p


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "terminal", margin_bytes=0)
    yield s
    s.close()


class Events:
    """What an engine reported, collected thread-safely."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.states: list = []
        self.progress: list = []

    def on_state(self, state, detail) -> None:
        with self.lock:
            self.states.append(state)

    def on_progress(self, progress) -> None:
        with self.lock:
            self.progress.append(progress)


def make_engine(store: Store, url: str, secret: str, *, terminal: str = "K-01", events: Events | None = None,
                **kwargs) -> tuple[SyncEngine, SyncClient]:
    client = SyncClient(url, terminal, secret, timeout_s=0.5, probe_timeout_s=0.3, keep_alive=False)
    settings = dict(backoff_base_s=0.02, backoff_max_s=0.2, probe_interval_s=0.05, idle_check_s=0.1)
    settings.update(kwargs)
    engine = SyncEngine(store, client, on_state=events.on_state if events else None,
                        on_progress=events.on_progress if events else None, **settings)
    return engine, client


def wait_for(condition: Callable[[], bool], timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def reference_client(hall, terminal: str) -> SyncClient:
    """A terminal's client for reference data (the catalogue: a few hundred kB) with the terminal's usual
    timeout, not the engine tests' short one: a loaded machine must not make a catalogue read time out."""
    return SyncClient(hall.url, terminal, hall.secret(terminal), timeout_s=10.0, keep_alive=False)
