"""The one device lifecycle (core/lifecycle.py): start at once, connect in the background with bounded
retries, calls on the owner thread, a bounded and idempotent stop, state changes published in order.

The device here is a plain set of functions whose presence the test controls; each real device runs the
same runner against its simulator in tests/test_device_lifecycle.py.
"""

from __future__ import annotations

import threading
import time

import pytest

from core.errors import DeviceBusy, DeviceNotFound, DeviceTimeout
from core.lifecycle import DeviceRunner
from core.ports.lifecycle import Lifecycle, LifecycleState
from lifecycle_support import WAIT_S, Changes

S = LifecycleState


class Plug:
    """A device that is there or not; ``poll`` raises when it is pulled out while connected."""

    def __init__(self, present: bool) -> None:
        self.present = threading.Event()
        if present:
            self.present.set()
        self.opened = self.closed = self.polls = 0

    def connect(self) -> None:
        if not self.present.is_set():
            raise DeviceNotFound("nothing plugged in", device="gadget")
        self.opened += 1

    def poll(self) -> float:
        if not self.present.is_set():
            raise DeviceNotFound("unplugged", device="gadget")
        self.polls += 1
        return 0.01

    def disconnect(self) -> None:
        self.closed += 1


def runner_for(plug: Plug, **options) -> DeviceRunner:
    options.setdefault("retry_s", (0.02, 0.05))
    return DeviceRunner("gadget", connect=plug.connect, poll=plug.poll, disconnect=plug.disconnect, **options)


def test_start_returns_at_once_and_the_device_is_picked_up_when_it_appears():
    """GIVEN nothing plugged in WHEN started THEN start returns at once and the state is CONNECTING;
    WHEN the device appears THEN it is connected by itself: READY."""
    plug = Plug(present=False)
    runner = runner_for(plug)
    changes = Changes()
    runner.subscribe(changes)
    lifecycle: Lifecycle = runner
    try:
        started = time.monotonic()
        lifecycle.start()
        assert time.monotonic() - started < 1.0  # it would wait for the device for ever
        assert runner.state is S.CONNECTING
        time.sleep(0.2)
        assert runner.state is S.CONNECTING and plug.opened == 0
        plug.present.set()
        assert changes.wait_for(S.READY)
    finally:
        assert runner.stop(WAIT_S)
    assert changes.states == [S.CONNECTING, S.READY, S.STOPPING, S.STOPPED]
    assert changes.chained() and plug.closed == 1


def test_a_lost_device_is_reconnecting_until_it_is_back():
    plug = Plug(present=True)
    runner = runner_for(plug)
    changes = Changes()
    runner.subscribe(changes)
    with runner:
        assert changes.wait_for(S.READY)
        plug.present.clear()
        assert changes.wait_for(S.RECONNECTING)
        assert "unplugged" in runner.detail
        plug.present.set()
        assert changes.wait_for(S.READY, count=2)
    assert changes.states == [S.CONNECTING, S.READY, S.RECONNECTING, S.READY, S.STOPPING, S.STOPPED]
    assert changes.chained() and plug.opened == 2 and plug.closed == 2


def test_retries_are_bounded_when_asked_and_then_the_device_has_failed():
    """GIVEN at most three attempts WHEN the device never appears THEN FAILED, with why, and no thread."""
    plug = Plug(present=False)
    runner = runner_for(plug, max_attempts=3)
    changes = Changes()
    runner.subscribe(changes)
    runner.start()
    assert changes.wait_for(S.FAILED)
    assert "3 attempts" in runner.detail and "nothing plugged in" in runner.detail
    assert runner.wait_for(S.FAILED, WAIT_S) and not _alive("device:gadget")
    with pytest.raises(DeviceBusy):
        runner.call(lambda: None)
    assert runner.stop(1.0)
    assert changes.states == [S.CONNECTING, S.FAILED, S.STOPPED]


def test_the_pause_between_attempts_grows_and_the_last_one_repeats():
    plug = Plug(present=False)
    attempts: list[float] = []

    def connect() -> None:
        attempts.append(time.monotonic())
        plug.connect()

    runner = DeviceRunner("gadget", connect=connect, poll=plug.poll, retry_s=(0.05, 0.2))
    runner.start()
    try:
        deadline = time.monotonic() + WAIT_S
        while len(attempts) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        runner.stop(WAIT_S)
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert 0.04 < gaps[0] < 0.19 <= gaps[1] and gaps[2] >= 0.19


def test_every_call_runs_on_the_owner_thread_also_while_connecting():
    """GIVEN a device that is not there yet WHEN calls come from several threads THEN each runs on the
    owner thread, one at a time, between the connect attempts."""
    plug = Plug(present=False)
    runner = runner_for(plug, retry_s=(0.5,))
    ran_on: list[str] = []
    with runner:
        callers = [threading.Thread(target=lambda: ran_on.append(
            runner.call(lambda: threading.current_thread().name, timeout_s=2.0))) for _ in range(4)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(WAIT_S)
        assert runner.state is S.CONNECTING
    assert ran_on == ["device:gadget"] * 4


def test_stop_is_bounded_while_a_call_hangs_and_stopped_follows_when_it_ends():
    """GIVEN a call hanging in the driver WHEN stopped THEN stop returns after its bound with STOPPING;
    asked again it is still harmless; STOPPED follows once the call has ended."""
    plug = Plug(present=True)
    runner = runner_for(plug)
    changes = Changes()
    runner.subscribe(changes)
    release = threading.Event()
    runner.start()
    assert changes.wait_for(S.READY)
    with pytest.raises(DeviceTimeout):
        runner.call(release.wait, 10, timeout_s=0.1)
    started = time.monotonic()
    assert runner.stop(0.3) is False
    assert time.monotonic() - started < 1.0 and runner.state is S.STOPPING
    assert runner.stop(0.1) is False  # idempotent, still bounded
    with pytest.raises(DeviceBusy):
        runner.start()  # not while the old thread is still there
    release.set()
    assert changes.wait_for(S.STOPPED)
    assert runner.stop(0.1) is True
    assert changes.states == [S.CONNECTING, S.READY, S.STOPPING, S.STOPPED] and changes.chained()


def test_a_stopped_runner_starts_again_and_a_closed_one_does_not():
    plug = Plug(present=True)
    runner = runner_for(plug)
    runner.start()
    assert runner.wait_for(S.READY, WAIT_S)
    assert runner.stop(WAIT_S) and runner.state is S.STOPPED
    runner.start()
    assert runner.wait_for(S.READY, WAIT_S) and plug.opened == 2
    assert runner.close(WAIT_S)
    with pytest.raises(DeviceBusy):
        runner.start()
    assert runner.stop(0.1) is True  # never started again: nothing to wait for


def test_a_failing_listener_does_not_stop_the_device_and_others_still_hear():
    plug = Plug(present=True)
    runner = runner_for(plug)
    changes = Changes()

    def broken(_change) -> None:
        raise RuntimeError("a listener's bug")

    runner.subscribe(broken)
    unsubscribe = runner.subscribe(changes)
    with runner:
        assert changes.wait_for(S.READY)
        polls = plug.polls
        deadline = time.monotonic() + WAIT_S
        while plug.polls <= polls + 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert plug.polls > polls + 3 and runner.state is S.READY  # the device went on working
        unsubscribe()
    assert changes.states == [S.CONNECTING, S.READY]


def test_a_bug_in_the_device_is_failed_not_a_silent_dead_thread():
    def poll() -> float:
        raise KeyError("a bug")

    runner = DeviceRunner("gadget", connect=lambda: None, poll=poll)
    changes = Changes()
    runner.subscribe(changes)
    runner.start()
    assert changes.wait_for(S.FAILED)
    assert "KeyError" in runner.detail
    assert runner.stop(1.0)
    assert changes.states == [S.CONNECTING, S.READY, S.FAILED, S.STOPPED]


def test_a_device_that_connects_inside_its_calls_reports_its_own_state():
    """GIVEN a device opened by its calls (a printer) WHEN a call fails on the link and the next works
    THEN it is CONNECTING until told, RECONNECTING after the failure and READY after the success."""
    runner = DeviceRunner("gadget", connects_in_calls=True)
    changes = Changes()
    runner.subscribe(changes)

    def works() -> str:
        runner.report(S.READY)
        return "ok"

    def fails() -> None:
        runner.report(S.RECONNECTING, "link dropped")
        raise DeviceNotFound("link dropped", device="gadget")

    try:
        assert runner.call(works) == "ok"  # the first call starts the owner thread
        with pytest.raises(DeviceNotFound):
            runner.call(fails)
        assert runner.call(works) == "ok"
    finally:
        runner.close(WAIT_S)
    assert changes.states == [S.CONNECTING, S.READY, S.RECONNECTING, S.READY, S.STOPPING, S.STOPPED]
    with pytest.raises(ValueError):
        runner.report(S.STOPPED)


def _alive(name: str) -> bool:
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        if not any(t.name == name for t in threading.enumerate()):
            return False
        time.sleep(0.02)
    return True
