"""The life of a device (or of any worker that talks to the outside, such as the sync engine), one way for all.

Every device of a terminal — ID-card reader, serial scanner, camera-frame decoder, document camera,
printers — and the sync engine has one owner thread run by ``core.lifecycle.DeviceRunner``, and shows the
same face, ``Lifecycle``:

    device.lifecycle.subscribe(listener)      # listener(StateChange) on every change, in order
    device.start()                            # returns at once; connects in the background
    device.stop(timeout_s)                    # bounded, idempotent

The states (one enum for every device):

    STOPPED ──start()──▶ CONNECTING ──opened──▶ READY ──lost──▶ RECONNECTING ──opened──▶ READY
                             │  ▲                  │                  │
                             └──┘ retry, backoff   └──── stop() ──▶ STOPPING ──▶ STOPPED
                                                   FAILED: a person must act

- ``CONNECTING``: started, never connected yet in this run (a device not plugged in waits here, retrying);
- ``READY``: connected and working;
- ``RECONNECTING``: was connected (or answered), is not now; retrying by itself with a growing pause;
- ``FAILED``: will not work without a person: its retries ran out, an unexpected fault ended its thread,
  or it says so itself (the sync engine whose credentials are refused);
- ``STOPPING``: ``stop()`` was asked and the owner thread has not ended yet (a call still finishing);
- ``STOPPED``: not started, or its owner thread has ended.

Listeners run on the thread that made the change (the owner thread, or the caller of ``start``/``stop``)
and must return at once (a UI posts a queued Qt signal: ui/lifecycle.py).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class LifecycleState(enum.StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    READY = "ready"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    STOPPING = "stopping"


@dataclass(frozen=True)
class StateChange:
    """One change of a device's state; ``detail`` says why (an error's text: never personal data)."""

    device: str
    state: LifecycleState
    previous: LifecycleState
    detail: str = ""


StateListener = Callable[[StateChange], None]


class Lifecycle(Protocol):
    """The life of one device, the same for all (``core.lifecycle.DeviceRunner`` implements it)."""

    device: str

    @property
    def state(self) -> LifecycleState: ...

    def subscribe(self, listener: StateListener) -> Callable[[], None]:
        """Adds a listener of state changes; returns the function that removes it."""
        ...

    def start(self) -> None:
        """Starts the owner thread and returns at once; the device connects in the background."""
        ...

    def stop(self, timeout_s: float | None = None) -> bool:
        """Asks the owner thread to end and waits at most ``timeout_s``; True when it has ended.
        Calling it again (or on a device never started) is harmless."""
        ...
