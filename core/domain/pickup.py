"""Result pickup (统一出件) in the hall's words: a locker compartment, an item waiting in it, who collects.

See docs/pickup.md. A ``Compartment`` is one door of a smart locker: its number on the door, the board and
lock that drive it on the RS-485 bus (docs/locker.md), its size. A ``PickupItem`` is a case's result the
platform found for the person identified at a kiosk (ID card or pickup code), with the ``grant`` that lets
that kiosk record the pickup. ``ReadyCase`` is a case ready for the person at the pickup window.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.domain.appointments import Case


class Size(enum.StrEnum):
    SMALL = "S"
    MEDIUM = "M"
    LARGE = "L"


class DoorFault(enum.StrEnum):
    JAMMED = "jammed"  # the lock did not release, or the door never swung open
    LEFT_OPEN = "left_open"  # the door stayed open after the reminder
    NO_ANSWER = "no_answer"  # the lock-control board did not answer (bus silent, adapter gone)


@dataclass(frozen=True)
class Compartment:
    tracking: str
    locker: str
    locker_name: str
    number: int
    board: int
    lock: int
    size: Size


@dataclass(frozen=True)
class PickupItem:
    compartment: Compartment
    grant: str  # the platform's token for recording this pickup at this kiosk (never shown, never logged)
    collector: str  # applicant, proxy
    matter_name: str
    matter_name_en: str


@dataclass(frozen=True)
class ReadyCase:
    case: Case
    collector: str  # applicant, proxy
