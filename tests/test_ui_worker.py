"""The worker layer: service calls run off the GUI thread, answers come back on it, hung calls time out,
and nothing runs or is left running after shutdown."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject

from core.errors import PlatformRejected, PlatformUnreachable
from ui.worker import Worker


@pytest.fixture
def worker(qtbot):
    owner = QObject()
    worker = Worker(owner, name="test")
    yield worker
    worker.shutdown()


def test_a_call_runs_on_a_worker_thread_and_its_result_arrives_on_the_gui_thread(qtbot, worker):
    gui = threading.current_thread()
    seen = {}

    def call(x):
        seen["call_thread"] = threading.current_thread().name
        return x * 2

    worker.run(call, 21, on_done=lambda r: seen.update(result=r, done_thread=threading.current_thread()))
    qtbot.waitUntil(lambda: "result" in seen, timeout=2000)
    assert seen["result"] == 42
    assert seen["call_thread"].startswith("ui-test") and seen["done_thread"] is gui


def test_an_error_reaches_on_error_as_the_same_exception(qtbot, worker):
    errors = []

    def refuse():
        raise PlatformRejected("cap", reason="daily_cap_reached", status=422)

    worker.run(refuse, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=2000)
    assert isinstance(errors[0], PlatformRejected) and errors[0].reason == "daily_cap_reached"


def test_a_call_that_hangs_past_its_time_limit_reports_slow_and_its_late_answer_is_dropped(qtbot, worker):
    release = threading.Event()
    results, errors = [], []
    worker.run(lambda: release.wait(5) and "late", on_done=results.append, on_error=errors.append,
               timeout_s=0.3)
    qtbot.waitUntil(lambda: bool(errors), timeout=2000)
    assert isinstance(errors[0], PlatformUnreachable) and errors[0].key == "ui.error.slow"
    release.set()
    qtbot.wait(200)
    assert results == []
    assert not worker._watchdog.isActive()


def test_calls_run_in_the_order_given(qtbot, worker):
    order = []
    for n in range(5):
        worker.run(order.append, n)
    worker.run(lambda: None, on_done=lambda _: order.append("done"))
    qtbot.waitUntil(lambda: "done" in order, timeout=2000)
    assert order == [0, 1, 2, 3, 4, "done"]


def test_after_shutdown_no_callback_runs_and_the_threads_are_gone(qtbot):
    owner = QObject()
    worker = Worker(owner, name="closing")
    started, release = threading.Event(), threading.Event()
    results = []

    def slow():
        started.set()
        release.wait(0.5)
        return "answer"

    worker.run(slow, on_done=results.append, timeout_s=5)
    started.wait(2)
    worker.shutdown(wait_s=2)
    qtbot.wait(100)
    assert results == []
    assert not [t for t in threading.enumerate() if t.name.startswith("ui-closing")]
    assert worker.run(slow) == 0  # refused once shut down
