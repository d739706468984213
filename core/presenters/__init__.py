"""The state and rules of each role's window as plain Python objects: the Qt windows bind widgets to them
and forward input (docs/ui.md, "Presenters").

The citizen kiosk's presenter hands out ``Message`` values (core/presenters/messages.py) and its own
events (core/presenters/citizen_view.py). The clerk's, the display's and the technician's presenters,
and those of the parts they share (the reader state, the sync status area, the outbox), give texts in
the window's language through ``core.i18n`` and publish ``Changed(part)`` on their ``EventHub``
(core/services/events.py) naming what to redraw; they never block: every service call goes through a
``Runner``, whose callbacks come back on the caller's thread — ``ui.worker.Worker.run`` in a window (a
pool thread, results on the GUI thread), ``run_inline`` where blocking is fine (a test, a script).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Runner(Protocol):
    def __call__(self, fn: Callable[..., Any], /, *args: Any, on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None, timeout_s: float | None = None,
                 **kwargs: Any) -> Any:
        """Runs ``fn(*args, **kwargs)`` and hands its result to ``on_done`` or its exception to
        ``on_error``; ``timeout_s`` bounds the wait (a late answer becomes an error)."""
        ...


def run_inline(fn: Callable[..., Any], /, *args: Any, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None, timeout_s: float | None = None,
               **kwargs: Any) -> None:
    """A ``Runner`` that calls ``fn`` on this thread and delivers at once (the call itself is bounded by
    its adapter's timeout, so ``timeout_s`` is not needed here)."""
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 (delivered to on_error, as a Worker does)
        if on_error is not None:
            on_error(exc)
        return
    if on_done is not None:
        on_done(result)


@dataclass(frozen=True)
class Changed:
    """What part of a presenter's state changed (each presenter names its parts)."""

    part: str
