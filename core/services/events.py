"""Plain-callback events from the services to whoever listens (the windows, a test, a log).

A service owns one ``EventHub``; a listener subscribes with a callable and gets back a function that
unsubscribes it. Events are small frozen dataclasses, delivered synchronously on the thread that caused
them (a worker thread, usually): the Qt layer re-emits them as queued signals (ui/bridge.py), so nothing
here knows about Qt.

A listener that raises is logged and skipped; it never breaks the service call that emitted the event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[[Any], None]


class EventHub:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: Any) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a broken listener must not break the service call
                log.exception("event listener failed on %s", type(event).__name__)
