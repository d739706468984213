"""The ID-card reader, as the services use it.

``devices.idcard.reader.IdCardReader`` implements it over any pyserial URL (a real reader or the
simulator). The reader polls on its own owner thread and calls back **on that thread**: a UI must hand
the values over to its GUI thread (a queued Qt signal) and never block in a callback.

    reader.on_card = lambda identity: ...      # each new card once; lift and place again to re-read
    reader.on_state = lambda state: ...        # ReaderState changes
    reader.on_error = lambda error: ...        # DeviceError subclasses (card unreadable, SAM fault …)
    reader.lifecycle.subscribe(listener)       # LifecycleState changes, as every device publishes them
    reader.start()                             # returns at once: the port opens in the background
    ...
    reader.stop()                              # joins the owner thread (bounded)

``Identity`` values are masked in their repr; read their fields only where a flow needs them, and drop
them when the session ends.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Protocol

from core.domain import Identity
from core.errors import DeviceError
from core.ports.lifecycle import Lifecycle


class ReaderState(enum.StrEnum):
    STOPPED = "stopped"  # not started, or stopped
    NO_READER = "no_reader"  # the port cannot be opened or went away (unplugged); retrying by itself
    CONNECTED = "connected"  # the reader answers; waiting for a card
    READING = "reading"  # a card was found and is being read
    ERROR = "error"  # the last poll failed (bad answers, card unreadable, SAM fault); retrying by itself


class IdCardReaderPort(Protocol):
    on_card: Callable[[Identity], None] | None
    on_state: Callable[[ReaderState], None] | None
    on_error: Callable[[DeviceError], None] | None

    @property
    def state(self) -> ReaderState: ...

    @property
    def lifecycle(self) -> Lifecycle:
        """The owner thread's life (core.ports.lifecycle), published like every device's."""
        ...

    def start(self) -> None:
        """Starts polling on the owner thread (returns at once; the port opens in the background)."""
        ...

    def stop(self) -> None:
        """Stops polling, closes the port and joins the owner thread (bounded wait)."""
        ...

    def read_once(self, timeout_s: float) -> Identity:
        """Waits for the next card for at most ``timeout_s``. Raises ``DeviceTimeout`` if none came,
        ``DeviceNotFound`` if there is no reader, or the ``DeviceError`` of a failed read."""
        ...
