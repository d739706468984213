"""Test setup shared by the whole suite.

- Qt runs offscreen (``QT_QPA_PLATFORM=offscreen``), so the suite needs no display.
- Every test fails if it leaves a Python thread, a QThread or an active QTimer behind: a kiosk runs for
  months, and a leaked timer or thread is a leak. Fixtures that deliberately live for the whole session
  (the hall server, say) name their threads with the prefix ``session:``.
- Every test fails if the product looked up a message key that a catalogue lacks (``core.i18n`` records
  each miss; at run time the person would see Chinese in an English window, or the raw key).
- Every test has a time limit (``timeout`` in pyproject.toml): an unattended kiosk must never hang, and
  neither may its tests.
"""

from __future__ import annotations

import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

import pytest  # noqa: E402

import simulators.camera  # noqa: E402,F401  (the demo's simulated camera: tests open synthetic: sources)

SESSION_THREAD_PREFIX = "session:"


# --- the hall database the server tests run on (tests/hall_databases.py) ----------------------------


def pytest_configure(config):
    import tempfile
    from pathlib import Path

    import hall_databases

    if hall_databases.cluster():
        hall_databases.configure_keys(Path(tempfile.mkdtemp(prefix="hall-keys-")))


def pytest_collection_modifyitems(config, items):
    import hall_databases

    for item in items:
        only = item.get_closest_marker("sqlite_only")
        if only is not None and hall_databases.on_postgres():
            reason = only.args[0] if only.args else only.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(autouse=True)
def postgres_or_say_so(request):
    """A test marked ``postgres`` without a cluster: skipped with that said, or failed under ``CI=true``."""
    import hall_databases

    if request.node.get_closest_marker("postgres") is not None and not hall_databases.cluster():
        message = "NEEDS POSTGRESQL: set HALL_TEST_POSTGRES (scripts/test_cluster.sh starts a cluster)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _live_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive()}


# --- the hall most tests run against ----------------------------------------------------------------


@pytest.fixture
def hall(tmp_path):
    """The reference hall server on loopback over a fresh database with the sample hall, its terminals
    (K-01 kiosk, W-03 clerk, D-01 display …) and staff provisioned (tests/test_services_queue_support.py)."""
    from test_services_queue_support import start_hall

    from hall_databases import drop_hall_db

    hall = start_hall(tmp_path / "hall.db")
    yield hall
    hall.server.stop()
    drop_hall_db(hall.server.store.db_path)


@pytest.fixture
def issue(hall):
    """``issue(prefix)`` takes a number at the hall's kiosk K-01 (no slip) and returns it."""
    from core.services.queue import KioskQueueService

    client = hall.client("K-01")
    kiosk = KioskQueueService(client, None)

    def issue(prefix: str = "A") -> str:
        return kiosk.issue(kiosk.new_request(prefix), without_print=True).ticket.number

    yield issue
    client.close()


@pytest.fixture
def printers():
    """A kiosk's main and spare ticket printers, virtual (they keep every job's bytes)."""
    from test_services_queue_support import virtual_printer

    main, spare = virtual_printer("kiosk-main"), virtual_printer("kiosk-spare")
    yield main, spare
    main.close()
    spare.close()


@pytest.fixture(autouse=True)
def no_missing_translations():
    """Fails the test if anything it ran looked up a message key missing in the language asked for."""
    from core.i18n import forget_misses, missed

    forget_misses()
    yield
    misses = sorted(missed())
    forget_misses()
    assert misses == [], f"message keys missing from a catalogue (language, key): {misses}"


@pytest.fixture(autouse=True)
def no_failed_event_listeners():
    """Fails the test if a listener of the event hub raised (core/services/events.py logs it and goes on,
    so a window's reaction to an event could otherwise break without any test failing)."""
    import logging

    failed: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("event listener failed"):
                failed.append(f"{record.getMessage()}: {record.exc_info[1]!r}" if record.exc_info else
                              record.getMessage())

    handler = Collect(logging.ERROR)
    events_log = logging.getLogger("core.services.events")
    events_log.addHandler(handler)
    yield
    events_log.removeHandler(handler)
    assert failed == [], f"an event listener raised: {failed}"


@pytest.fixture(autouse=True)
def no_leaked_threads(request):
    """Fails the test if a thread it started is still running shortly after it ends."""
    before = _live_threads()
    yield
    deadline = time.monotonic() + 3.0
    leaked: set[threading.Thread] = set()
    while time.monotonic() < deadline:
        leaked = {
            t for t in _live_threads() - before
            if not t.name.startswith(SESSION_THREAD_PREFIX) and t is not threading.current_thread()
        }
        if not leaked:
            break
        time.sleep(0.02)
    if leaked:
        names = ", ".join(sorted(t.name for t in leaked))
        pytest.fail(f"test left threads running: {names}", pytrace=False)


@pytest.fixture(autouse=True)
def no_leaked_qt_objects(request, monkeypatch):
    """Fails the test if a QTimer it started is still active or a QThread it started still runs.

    Only tests that imported PySide6 are checked (the patch is installed when Qt is loaded).
    """
    import sys

    if "PySide6.QtCore" not in sys.modules:
        yield
        return
    from PySide6.QtCore import QThread, QTimer

    timers: list = []
    threads: list = []
    original_timer_start = QTimer.start
    original_thread_start = QThread.start

    def timer_start(self, *args):
        timers.append(self)
        return original_timer_start(self, *args)

    def thread_start(self, *args):
        threads.append(self)
        return original_thread_start(self, *args)

    monkeypatch.setattr(QTimer, "start", timer_start)
    monkeypatch.setattr(QThread, "start", thread_start)
    yield
    problems = []
    for timer in timers:
        try:
            if timer.isActive():
                problems.append(f"QTimer(interval={timer.interval()}ms) still active")
                timer.stop()
        except RuntimeError:  # the C++ object is gone: it cannot fire any more
            pass
    for thread in threads:
        try:
            if thread.isRunning() and not thread.wait(2000):
                problems.append(f"QThread {thread.objectName() or type(thread).__name__} still running")
        except RuntimeError:
            pass
    if problems:
        pytest.fail("test left Qt objects running: " + "; ".join(problems), pytrace=False)


# --- leaving the test process --------------------------------------------------------------------------
# After many Qt widget tests, PySide6 6.12 can abort while the interpreter finalizes ("Fatal Python error:
# bool_dealloc … refcount error in a C extension", exit 134) although every test passed: a reference
# counting bug in the bindings during the final garbage collection, not in a test. Once pytest has written
# its report, the process leaves without that final collection, keeping pytest's own exit status.
_exit_status: list[int] = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    import hall_databases

    hall_databases.drop_all()
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    import sys

    if "PySide6.QtCore" in sys.modules and _exit_status and not hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])
