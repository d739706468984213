"""The smart locker's lock-control boards (智能柜), as the services use them.

A hall's smart lockers hand results out: each door has an electric lock wired to a lock-control board,
and the boards share one RS-485 bus (docs/locker.md). ``devices.locker.LockerBus`` implements
``LockerPort``; every method may block (a bounded wait per board), so a window calls it on a worker.

    bus.open_lock(board=1, lock=7)       # LockResult(board=1, lock=7, opened=True)
    bus.door(1, 7)                       # DoorState.OPEN
    bus.scan({1: 24, 2: 24})             # [BoardScan(1, True, {1: CLOSED, …}), BoardScan(2, False, {})]

A board that does not answer raises ``DeviceTimeout``; bytes that break the protocol raise
``DeviceProtocolError``; a bus adapter that cannot be opened or goes away raises ``DeviceNotFound``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from core.ports.lifecycle import Lifecycle


class DoorState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class LockResult:
    """What a board answered to "open this lock": ``opened`` is False for a lock that stayed shut (jammed,
    or its feedback switch says so); ``status`` is the raw status byte of the answer."""

    board: int
    lock: int
    opened: bool
    status: int


@dataclass(frozen=True)
class BoardScan:
    """One address of a scan: whether a board answered there, and the doors it reported."""

    board: int
    answered: bool
    doors: dict[int, DoorState] = field(default_factory=dict)


class LockerDoors(Protocol):
    """Opening and reading one door: what a pickup window needs, from the bus it drives (``LockerPort``) or
    relayed through the platform to the terminal that drives it (platform_client/locker_relay.py)."""

    def open_lock(self, board: int, lock: int) -> LockResult: ...

    def door(self, board: int, lock: int) -> DoorState: ...


class LockerPort(LockerDoors, Protocol):
    @property
    def lifecycle(self) -> Lifecycle:
        """The owner thread's life (core.ports.lifecycle), published like every device's."""
        ...

    def start(self) -> object:
        """Starts the owner thread and returns at once (the bus adapter opens in the background)."""
        ...

    def stop(self, timeout_s: float = 3.0) -> None: ...

    def open_lock(self, board: int, lock: int) -> LockResult:
        """Releases one lock (``lock`` from 1) and returns what the board answered."""
        ...

    def door(self, board: int, lock: int) -> DoorState:
        """Reads one door's feedback switch."""
        ...

    def scan(self, boards: Mapping[int, int]) -> list[BoardScan]:
        """Asks every address of ``boards`` (address → lock count) and reads the doors of those answering."""
        ...
