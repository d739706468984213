"""Every device call runs on the device's one owner thread (core/lifecycle.py) and waits a bounded time."""

from __future__ import annotations

import threading
import time

import pytest

from core.errors import DeviceTimeout
from core.lifecycle import DeviceRunner


def test_calls_run_one_at_a_time_on_one_named_thread():
    seen = []
    with DeviceRunner("ticket_printer") as owner:
        for _ in range(5):
            owner.call(lambda: seen.append(threading.current_thread().name))
    assert len(set(seen)) == 1 and seen[0].startswith("device:ticket_printer")


def test_a_hanging_call_raises_device_timeout_instead_of_hanging_the_caller():
    release = threading.Event()
    with DeviceRunner("idcard_reader") as owner:
        started = time.monotonic()
        with pytest.raises(DeviceTimeout) as caught:
            owner.call(release.wait, 5, timeout_s=0.2)
        assert time.monotonic() - started < 1.0
        assert caught.value.device == "idcard_reader"
        release.set()


def test_errors_of_the_call_reach_the_caller():
    with DeviceRunner("scanner") as owner:
        with pytest.raises(ZeroDivisionError):
            owner.call(lambda: 1 / 0)
