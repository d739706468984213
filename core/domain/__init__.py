"""Plain values of the hall: tickets, services, windows, identities.

Imports nothing of ours, no Qt and no I/O (checked by the import contract in pyproject.toml).
"""

from core.domain.identity import CardType, Identity, Sex, mask_id_number, mask_name
from core.domain.queue import (
    CallEvent,
    CallKind,
    ClerkSession,
    HallInfo,
    Outcome,
    Service,
    Ticket,
    TicketState,
    Window,
    WindowStatus,
)

__all__ = [
    "CallEvent",
    "CallKind",
    "CardType",
    "ClerkSession",
    "HallInfo",
    "Identity",
    "Outcome",
    "Service",
    "Sex",
    "Ticket",
    "TicketState",
    "Window",
    "WindowStatus",
    "mask_id_number",
    "mask_name",
]
