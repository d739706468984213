"""Plain values of the hall: tickets, services, windows, identities.

Imports nothing of ours, no Qt and no I/O (checked by the import contract in pyproject.toml).
"""

from core.domain.identity import CardType, Identity, Sex, mask_id_number, mask_name
from core.domain.queue import (
    BoardWindow,
    CallEvent,
    CallKind,
    ClerkSession,
    HallBoard,
    HallInfo,
    Outcome,
    Satisfaction,
    Service,
    Ticket,
    TicketState,
    Window,
    WindowState,
    WindowStatus,
)

__all__ = [
    "BoardWindow",
    "CallEvent",
    "CallKind",
    "CardType",
    "ClerkSession",
    "HallBoard",
    "HallInfo",
    "Identity",
    "Outcome",
    "Satisfaction",
    "Service",
    "Sex",
    "Ticket",
    "TicketState",
    "Window",
    "WindowState",
    "WindowStatus",
    "mask_id_number",
    "mask_name",
]
