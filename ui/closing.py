"""One shutdown shape for every window: closing it (or ``shutdown()``) stops what it started, once.

A window mixes in ``ClosingWindow`` (before ``QWidget``) and registers each thing it starts, right after
starting it, with ``at_shutdown``:

    class DisplayWindow(ClosingWindow, QWidget):
        def __init__(self, ...):
            super().__init__(parent)
            self.worker = Worker(self, name="display")
            self.at_shutdown(self.worker.shutdown, wait_s=3.0)
            self.retry_timer = QTimer(self)
            self.at_shutdown(self.retry_timer.stop)

``shutdown`` runs the steps once, the last registered first (what was built on top goes first: a timer
stops before the worker it feeds, the worker before the service it calls); a step that fails is logged
and the others still run. ``closed`` says the window is shut: slots that may still arrive (a queued
signal, a late scan) check it and return.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class ClosingWindow:
    _closed: bool = False
    _shutdown_steps: list[tuple[Callable[..., Any], tuple, dict]]

    @property
    def closed(self) -> bool:
        return self._closed

    def at_shutdown(self, step: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Registers ``step(*args, **kwargs)`` to run when the window shuts down."""
        if "_shutdown_steps" not in self.__dict__:
            self._shutdown_steps = []
        self._shutdown_steps.append((step, args, kwargs))

    def shutdown(self) -> None:
        """Runs every registered step once, last registered first (bounded: each step bounds its waits)."""
        if self._closed:
            return
        self._closed = True
        steps = self.__dict__.get("_shutdown_steps", [])
        while steps:
            step, args, kwargs = steps.pop()
            try:
                step(*args, **kwargs)
            except Exception:  # one part failing to stop must not keep the others running
                log.exception("%s: shutdown step %s failed", type(self).__name__, getattr(step, "__qualname__", step))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.shutdown()
        super().closeEvent(event)  # type: ignore[misc]  (QWidget's, after this class in the MRO)
