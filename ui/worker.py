"""Runs service calls off the GUI thread and hands their results back as queued Qt signals.

Every call that can block (HTTP to the platform, a printer's status, a long poll) goes through a
``Worker``; the GUI thread only draws and reacts (docs/architecture.md, "Threads").

    worker = Worker(self, name="kiosk")                      # owned by a window
    worker.run(service.issue, request, on_done=self.show_ticket, on_error=self.show_error,
               timeout_s=8.0)
    ...
    worker.shutdown()                                         # in the window's closeEvent

- The calls run on a small thread pool of plain Python threads named ``ui-<name>-N`` (``max_workers``,
  1 by default: calls run in order, which is what a clerk's actions need).
- ``on_done(result)`` / ``on_error(exc)`` run on the GUI thread: the pool thread emits a signal of this
  QObject, which lives on the GUI thread, so Qt queues the delivery.
- ``timeout_s``: if no answer came by then, ``on_error`` gets a ``PlatformUnreachable`` with key
  ``ui.error.slow`` and a late answer is dropped: the screen never waits on a hung call. (The call itself
  is bounded by its adapter's own timeout and ends on its thread.)
- Exceptions that are not ``KioskError`` are logged with their traceback and delivered as they are.
- ``shutdown`` drops every pending callback, cancels what has not started and joins the threads within
  a bounded wait; callbacks never run after it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from core.errors import KioskError, PlatformUnreachable

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    deadline: float | None
    future: Future | None = None


class Worker(QObject):
    _finished = Signal(int, object, object)  # task id, result, error

    def __init__(self, parent: QObject | None = None, *, name: str = "worker", max_workers: int = 1) -> None:
        super().__init__(parent)
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"ui-{name}")
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._finished.connect(self._deliver)
        # One watchdog for every call with a time limit; it runs only while such a call is pending.
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(100)
        self._watchdog.timeout.connect(self._check_deadlines)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def run(
        self,
        fn: Callable[..., Any],
        /,
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        timeout_s: float | None = None,
        **kwargs: Any,
    ) -> int:
        """Queues ``fn(*args, **kwargs)``; returns a task id (for ``cancel``)."""
        if self._closed:
            return 0
        task = next(self._ids)
        deadline = time.monotonic() + timeout_s if timeout_s else None
        pending = _Pending(on_done, on_error, deadline)
        with self._lock:
            self._pending[task] = pending
        pending.future = self._executor.submit(self._call, task, fn, args, kwargs)
        if deadline is not None and not self._watchdog.isActive():
            self._watchdog.start()
        return task

    def _call(self, task: int, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # delivered to on_error on the GUI thread
            if not isinstance(exc, KioskError):
                log.exception("%s: %s failed", self.name, getattr(fn, "__qualname__", fn))
            self._emit(task, None, exc)
            return
        self._emit(task, result, None)

    def _emit(self, task: int, result: Any, error: BaseException | None) -> None:
        if self._closed:
            return
        try:
            self._finished.emit(task, result, error)
        except RuntimeError:  # the QObject is already gone (window closed): nobody to tell
            pass

    @Slot(int, object, object)
    def _deliver(self, task: int, result: Any, error: BaseException | None) -> None:
        with self._lock:
            pending = self._pending.pop(task, None)
        if pending is None or self._closed:  # timed out already, cancelled, or shut down
            return
        self._stop_watchdog_if_idle()
        if error is not None:
            if pending.on_error:
                pending.on_error(error)
            else:
                log.warning("%s: unhandled error %r", self.name, error)
        elif pending.on_done:
            pending.on_done(result)

    @Slot()
    def _check_deadlines(self) -> None:
        now = time.monotonic()
        with self._lock:
            late = [(task, p) for task, p in self._pending.items() if p.deadline is not None and p.deadline <= now]
            for task, _ in late:
                del self._pending[task]
        self._stop_watchdog_if_idle()
        for _, pending in late:
            log.warning("%s: no answer in time", self.name)
            if pending.on_error and not self._closed:
                pending.on_error(PlatformUnreachable("no answer in time", key="ui.error.slow"))

    def _stop_watchdog_if_idle(self) -> None:
        with self._lock:
            any_deadline = any(p.deadline is not None for p in self._pending.values())
        if not any_deadline and self._watchdog.isActive():
            self._watchdog.stop()

    def cancel(self, task: int) -> None:
        """Forgets a task: its callbacks will not run (it may still be running on its thread)."""
        with self._lock:
            pending = self._pending.pop(task, None)
        if pending is not None and pending.future is not None:
            pending.future.cancel()
        self._stop_watchdog_if_idle()

    def shutdown(self, wait_s: float = 3.0) -> None:
        """Drops pending callbacks, cancels queued calls and joins the pool threads (bounded)."""
        if self._closed:
            return
        self._closed = True
        self._watchdog.stop()
        with self._lock:
            self._pending.clear()
        threads = list(getattr(self._executor, "_threads", ()))
        self._executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + wait_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("%s: thread %s still busy at shutdown", self.name, thread.name)
