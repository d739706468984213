"""Helpers (no tests) for the presenter tests: a runner that runs calls on the test's own thread when the
test says so, and a recorder of what a presenter published.

``StepRunner`` stands where a window lends its ``ui.worker.Worker``: ``run`` queues the call and returns
its task id, ``cancel`` forgets it, and the test runs the queue with ``step`` (one call) or ``settle`` (until
nothing is left, including the calls that answers queue). The answer goes to ``on_done``, an exception to
``on_error``, as the worker hands them back on the GUI thread; a test sees what the screen shows while a
call is in flight by looking before it steps.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Task:
    id: int
    fn: Callable[..., Any]
    args: tuple
    kwargs: dict
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    timeout_s: float | None

    @property
    def name(self) -> str:
        return getattr(self.fn, "__name__", repr(self.fn))


class StepRunner:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.queue: list[Task] = []
        self.ran: list[str] = []  # the names of the calls run, in order

    def run(self, fn: Callable[..., Any], /, *args: Any, on_done=None, on_error=None, timeout_s=None,
            **kwargs: Any) -> int:
        task = Task(next(self._ids), fn, args, kwargs, on_done, on_error, timeout_s)
        self.queue.append(task)
        return task.id

    def cancel(self, task: int) -> None:
        self.queue = [t for t in self.queue if t.id != task]

    @property
    def pending(self) -> list[str]:
        return [t.name for t in self.queue]

    def step(self) -> Task:
        task = self.queue.pop(0)
        self.ran.append(task.name)
        try:
            result = task.fn(*task.args, **task.kwargs)
        except Exception as exc:  # handed to on_error, as the worker does
            if task.on_error is not None:
                task.on_error(exc)
            return task
        if task.on_done is not None:
            task.on_done(result)
        return task

    def settle(self, limit: int = 20) -> None:
        for _ in range(limit):
            if not self.queue:
                return
            self.step()
        raise AssertionError(f"calls still queued after {limit} steps: {self.pending}")


class Recorder:
    """Every event a presenter published, in order."""

    def __init__(self, hub) -> None:
        self.events: list[Any] = []
        self.unsubscribe = hub.subscribe(self.events.append)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def last(self, kind: type) -> Any:
        found = self.of(kind)
        assert found, f"no {kind.__name__} was published"
        return found[-1]

    def clear(self) -> None:
        self.events.clear()
