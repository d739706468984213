"""The watchdog pinged from the GUI thread's event loop (ui/watchdog.py) over a real Unix datagram
socket: pings at half the interval while the loop runs, none while the GUI thread is blocked."""

from __future__ import annotations

import os
import time

import pytest

from kiosk.service_manager import SystemdNotifier
from service_manager_support import NotifyListener
from ui.watchdog import WatchdogPinger

INTERVAL_S = 0.4


@pytest.fixture
def listener(tmp_path):
    listener = NotifyListener(tmp_path).start()
    yield listener
    listener.close()


def _pings(listener, since: float = 0.0, until: float = float("inf")) -> list[float]:
    return [m.at for m in listener.received() if m.fields.get("WATCHDOG") == "1" and since <= m.at < until]


def test_a_responsive_event_loop_pings_at_half_the_interval(qtbot, listener):
    """GIVEN WatchdogSec of 0.4 s WHEN the event loop runs for 1.2 s THEN WATCHDOG=1 arrives at once and
    then about every 0.2 s, never two intervals apart."""
    notifier = SystemdNotifier.from_environment(listener.environment(watchdog_s=INTERVAL_S), pid=os.getpid())
    pinger = WatchdogPinger(notifier)
    try:
        started = time.monotonic()
        pinger.start()
        qtbot.wait(1200)
    finally:
        pinger.stop()
        notifier.close()
    pings = _pings(listener)
    assert pings and pings[0] - started < 0.1
    assert 5 <= len(pings) <= 8
    assert max(b - a for a, b in zip(pings, pings[1:])) < INTERVAL_S


def test_a_blocked_gui_thread_sends_no_ping_within_the_interval_and_pings_again_once_free(qtbot, listener):
    """GIVEN pings flowing WHEN the GUI thread hangs for three intervals (a blocking call on it) THEN no
    WATCHDOG=1 arrives while it hangs, so systemd's watchdog expires; WHEN it is free again THEN pings
    resume within half an interval."""
    notifier = SystemdNotifier.from_environment(listener.environment(watchdog_s=INTERVAL_S), pid=os.getpid())
    pinger = WatchdogPinger(notifier)
    try:
        pinger.start()
        qtbot.wait(500)
        hung_at = time.monotonic()
        time.sleep(3 * INTERVAL_S)  # the GUI thread blocked: its event loop cannot run
        freed_at = time.monotonic()
        qtbot.wait(600)
    finally:
        pinger.stop()
        notifier.close()
    assert _pings(listener, until=hung_at)
    assert _pings(listener, since=hung_at + 0.05, until=freed_at) == []
    after = _pings(listener, since=freed_at)
    assert after and after[0] - freed_at < INTERVAL_S / 2 + 0.1


def test_without_a_watchdog_interval_nothing_is_pinged(qtbot, listener):
    """GIVEN a unit with no WatchdogSec= (NOTIFY_SOCKET only) WHEN the pinger starts THEN it sends nothing
    and runs no timer."""
    notifier = SystemdNotifier.from_environment(listener.environment(), pid=os.getpid())
    pinger = WatchdogPinger(notifier)
    try:
        pinger.start()
        qtbot.wait(300)
    finally:
        pinger.stop()
        notifier.close()
    assert not pinger.enabled and _pings(listener) == []
