"""The heartbeat sender: every ``interval_s`` it takes a fresh snapshot of the terminal and posts it.

    sender = HeartbeatSender(snapshot, link, interval_s=30.0, timeout_s=5.0)
    sender.start()            # a thread of its own, ``heartbeat``
    sender.last               # the last heartbeat taken and what became of it (the support bundle shows it)
    sender.stop(timeout_s)    # bounded, idempotent

Newest state wins: nothing is queued. A heartbeat that could not be sent (offline, a timeout, a refusal) is
dropped; the next tick takes a new snapshot. A send that took longer than the interval is followed at once by
a fresh snapshot, never by the one it was holding. Every post is bounded by ``timeout_s`` (the link's own
timeout), so ``stop`` waits at most that long for a send in flight. ``poke()`` sends one now (a device
fault, a recovery), without waiting for the tick, but never sooner than ``min_gap_s`` after the one before
(a device flapping does not turn the heartbeat into a flood). See docs/fleet.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.domain.heartbeat import Heartbeat
from core.errors import KioskError
from core.ports.heartbeat import HeartbeatLink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LastHeartbeat:
    heartbeat: Heartbeat
    sent: bool
    error: str = ""  # the error's class and text when it was not sent (never personal data)
    answered_at: float | None = None


class HeartbeatSender:
    def __init__(self, snapshot: Callable[[int], Heartbeat], link: HeartbeatLink, *, interval_s: float = 30.0,
                 timeout_s: float = 5.0, on_sent: Callable[[LastHeartbeat], None] | None = None,
                 clock: Callable[[], float] = time.time, thread_name: str = "heartbeat",
                 min_gap_s: float = 5.0) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be greater than 0")
        self._snapshot = snapshot
        self._link = link
        self.interval_s = float(interval_s)
        self.timeout_s = float(timeout_s)
        self.min_gap_s = min(float(min_gap_s), self.interval_s)
        self._on_sent = on_sent
        self._clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_name = thread_name
        self._seq = 0
        self.last: LastHeartbeat | None = None
        self.sent = 0
        self.dropped = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Sends a fresh heartbeat now (from any thread; returns at once)."""
        self._wake.set()

    def stop(self, timeout_s: float | None = None) -> bool:
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(self.timeout_s + 1.0 if timeout_s is None else timeout_s)
            if thread.is_alive():
                return False
        try:
            self._link.close()
        except Exception:  # closing must not fail a shutdown
            log.exception("closing the heartbeat link")
        return True

    def beat(self) -> LastHeartbeat:
        """Takes one snapshot and posts it (the thread's tick; a test or ``kiosk diag`` may call it)."""
        self._seq += 1
        heartbeat = self._snapshot(self._seq)
        try:
            self._link.send_heartbeat(heartbeat.to_wire(), self.timeout_s)
        except KioskError as exc:
            self.dropped += 1
            kind = next(c.__name__ for c in type(exc).__mro__ if not c.__name__.startswith("_"))
            last = LastHeartbeat(heartbeat, False, f"{kind}: {exc}")
        else:
            self.sent += 1
            last = LastHeartbeat(heartbeat, True, answered_at=self._clock())
        self.last = last
        if self._on_sent is not None:
            try:
                self._on_sent(last)
            except Exception:
                log.exception("the heartbeat's listener failed")
        return last

    def _run(self) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                last = self.beat()
                if not last.sent:
                    log.info("heartbeat not sent (dropped; the next one carries the newer state): %s", last.error)
            except Exception:  # a snapshot that failed: logged, the next tick tries again
                log.exception("taking the heartbeat's snapshot failed")
            self._wake.wait(max(0.0, self.interval_s - (time.monotonic() - started)))
            self._wake.clear()
            early = self.min_gap_s - (time.monotonic() - started)
            if early > 0 and not self._stopping.is_set():  # poked soon after a beat: wait out the gap
                self._stopping.wait(early)
