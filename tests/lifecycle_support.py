"""What the lifecycle tests share: a recorder of published state changes, with bounded waits."""

from __future__ import annotations

import threading

from core.ports.lifecycle import LifecycleState, StateChange

WAIT_S = 5.0


class Changes:
    """Every ``StateChange`` a lifecycle published, in order, with the thread that published it."""

    def __init__(self) -> None:
        self.changes: list[StateChange] = []
        self.threads: list[str] = []
        self._cond = threading.Condition()

    def __call__(self, change: StateChange) -> None:
        with self._cond:
            self.changes.append(change)
            self.threads.append(threading.current_thread().name)
            self._cond.notify_all()

    @property
    def states(self) -> list[LifecycleState]:
        with self._cond:
            return [c.state for c in self.changes]

    def wait_for(self, state: LifecycleState, count: int = 1, timeout_s: float = WAIT_S) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: [c.state for c in self.changes].count(state) >= count, timeout_s)

    def chained(self) -> bool:
        """Each change starts where the one before ended: none was lost or delivered out of order."""
        with self._cond:
            return all(b.previous is a.state for a, b in zip(self.changes, self.changes[1:]))
