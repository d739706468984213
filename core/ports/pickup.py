"""What result pickup needs from the platform (docs/pickup.md; platform_client.pickup implements both).

Every method blocks (HTTP): a window calls it on a worker. Errors are the platform's (core/errors.py):
``PlatformRejected`` with ``reason`` ``pickup_code_wrong``, ``too_many_attempts`` (wrong codes locked out),
``locker_full``, ``not_a_collector``; ``PlatformConflict`` ``wrong_state``; ``PlatformUnreachable``.
"""

from __future__ import annotations

from typing import Protocol

from core.domain import ClerkSession
from core.domain.appointments import Case
from core.domain.pickup import Compartment, DoorFault, PickupItem, ReadyCase, Size


class KioskPickupPort(Protocol):
    def by_id_card(self, id_number: str) -> list[PickupItem]:
        """The items waiting for the holder of the ID card this kiosk has just read."""
        ...

    def by_code(self, code: str) -> list[PickupItem]:
        """The item a six-digit pickup code opens (rate-limited per kiosk)."""
        ...

    def collected(self, item: PickupItem) -> Case:
        """The door was seen opened and then closed."""
        ...

    def fault(self, item: PickupItem, fault: DoorFault) -> None:
        """The door jammed, was left open, or the bus did not answer: an alert for staff."""
        ...


class WindowPickupPort(Protocol):
    def ready_for(self, session: ClerkSession, id_number: str) -> list[ReadyCase]: ...

    def hand_over(self, session: ClerkSession, tracking: str, id_number: str,
                  authorisation: str | None = None) -> Case: ...

    def deposit(self, session: ClerkSession, tracking: str, size: Size) -> Compartment: ...

    def deposited(self, session: ClerkSession, tracking: str) -> Case: ...

    def deposit_failed(self, session: ClerkSession, tracking: str, fault: DoorFault) -> None: ...
