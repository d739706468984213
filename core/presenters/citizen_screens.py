"""What the kiosk's services, number and keypad screens say, decided without Qt (the pages of
ui/citizen_pages.py and ui/citizen_codes.py draw these values).

- ``services_screen``: one button per service with its name and, below it, how many wait (with the
  department in front, in Chinese, when the services are not grouped) or why it cannot issue now (daily
  cap reached, outside its issuing hours: ``unavailable_reason``), disabled then. More than
  ``GROUP_THRESHOLD`` services are grouped under their departments, in the order they first appear.
- ``ticket_screen``: the number page. A reprint of the person's waiting ticket says so; an appointment's
  ticket and an elderly priority ticket say why they are called first; a number issued offline promises
  no "next up" and no waiting time (the count ahead is the last one seen); the print state says whether
  to take the slip or to ask staff, and only a failed slip offers a reprint.
- a receipt's case: core/presenters/case_timeline.py.
- ``TypedCode``: the keypad of the scan page. For check-in the 15 digits after the printed "YY", for
  tracking the 20-digit 办件编号; a complete entry becomes the payload a scanner would deliver, so typed
  codes go through the same strict classifier as scanned ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import HallInfo
from core.i18n import keys_for
from core.ports import Clock
from core.presenters.messages import Message
from core.services.queue import IssuedTicket, PrintState, unavailable_reason

GROUP_THRESHOLD = 9  # more services than this: grouped under their departments

# What a person types: the appointment code's 15 digits after "YY", or the 20-digit tracking number.
TYPED_DIGITS = {"checkin": 15, "track": 20}
# Keys built from the mode (here, in citizen.py and in ui/citizen_codes.py).
MODE_KEYS = [keys_for(p, TYPED_DIGITS) for p in ("ui_codes.scan.title.", "ui_codes.scan.where.", "ui_codes.busy.",
                                                 "ui_codes.error.not_found.")]

_PRINT_STATUS = {
    PrintState.PRINTING: ("ui.result.printing", "notice"),
    PrintState.PRINTED: ("ui.result.printed", "notice"),
    PrintState.NOT_PRINTED: ("ui.result.not_printed", "notice"),
    PrintState.FAILED: ("ui.result.print_failed", "problem"),
}


@dataclass(frozen=True)
class ServiceChoice:
    """One service button: ``detail`` under the name, after ``department`` and " · " when that is set."""

    prefix: str
    name: str
    detail: Message
    enabled: bool
    department: str = ""


@dataclass(frozen=True)
class ServiceGroup:
    department: str | None  # None: the services are not grouped
    choices: tuple[ServiceChoice, ...]


def services_screen(hall: HallInfo, clock: Clock, language: str) -> tuple[ServiceGroup, ...]:
    services = list(hall.services)
    grouped = len(services) > GROUP_THRESHOLD
    departments = list(dict.fromkeys(s.department for s in services)) if grouped else [None]
    groups = []
    for department in departments:
        choices = []
        for service in services:
            if department is not None and service.department != department:
                continue
            reason = unavailable_reason(service, hall, clock)
            if reason is not None:
                key, params = reason
                choices.append(ServiceChoice(service.prefix, service.display_name(language),
                                             Message.of(key, **params), enabled=False))
                continue
            shown = service.department if not grouped and language == "zh_CN" else ""
            choices.append(ServiceChoice(service.prefix, service.display_name(language),
                                         Message.of("ui.services.waiting", n=service.waiting), enabled=True,
                                         department=shown))
        groups.append(ServiceGroup(department, tuple(choices)))
    return tuple(groups)


@dataclass(frozen=True)
class TicketScreen:
    """The number page; a None line is not shown."""

    heading: Message
    number: str
    service_name: str
    priority: Message | None
    ahead: Message | None
    wait: Message | None
    what_next: Message
    print_status: Message
    print_role: str  # notice or problem
    can_reprint: bool


def ticket_screen(issued: IssuedTicket, language: str) -> TicketScreen:
    ticket = issued.ticket
    if ticket.reprint:  # one waiting ticket per person per service: the same number, printed again
        heading = Message.of("ui.result.already_have", number=ticket.number)
    else:
        heading = Message.of("ui.result.your_number")
    if ticket.appointment:  # checked in with an appointment code: called ahead of walk-ins
        priority = Message.of("ui_codes.result.appointment")
    else:
        priority = Message.of("ui.result.priority") if ticket.priority else None
    if ticket.people_ahead:
        ahead = Message.of("ui.result.people_ahead", n=ticket.people_ahead)
        # Offline, the count ahead is the last one seen: no waiting time is promised.
        wait = None if issued.offline else Message.of("ui.result.estimated_wait",
                                                      minutes=max(1, ticket.estimated_wait_min))
    else:
        ahead = None if issued.offline else Message.of("ui.result.next_up")
        wait = None
    key, role = _PRINT_STATUS[issued.print_state]
    return TicketScreen(heading, ticket.number, ticket.service_display_name(language), priority, ahead, wait,
                        Message.of("ui.result.what_next"), Message.of(key, number=ticket.number), role,
                        can_reprint=issued.print_state is PrintState.FAILED)


class TypedCode:
    """The digits typed on the scan page's keypad, for ``mode`` ("checkin" or "track")."""

    def __init__(self, mode: str = "checkin") -> None:
        self.mode = mode
        self.digits = ""

    def open(self, mode: str) -> None:
        self.mode = mode
        self.digits = ""

    @property
    def length(self) -> int:
        return TYPED_DIGITS[self.mode]

    def type_digit(self, digit: str) -> None:
        """One more digit (keys past the code's length are not taken)."""
        if len(self.digits) < self.length and len(digit) == 1 and digit in "0123456789":
            self.digits += digit

    def erase(self) -> None:
        self.digits = self.digits[:-1]

    @property
    def can_submit(self) -> bool:
        return bool(self.digits)

    def field(self) -> str:
        """The entry as shown: the blanks left as "_", in groups of four (as printed on receipts, so they
        are easy to count), after "YY " for an appointment code."""
        prefix = "YY " if self.mode == "checkin" else ""
        slots = self.digits + "_" * (self.length - len(self.digits))
        return prefix + " ".join(slots[i:i + 4] for i in range(0, len(slots), 4))

    def payload(self) -> str | None:
        """The code in the shape a scanner delivers it (``YY…``, ``HALL:R:…``); None while incomplete."""
        if len(self.digits) != self.length:
            return None
        return f"YY{self.digits}" if self.mode == "checkin" else f"HALL:R:{self.digits}"

    def incomplete(self) -> Message:
        return Message.of("ui_codes.scan.incomplete", n=self.length)
