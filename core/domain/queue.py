"""The queue: services citizens queue for, windows that serve them, tickets and call events.

Words follow the hall's own (docs/hall-server.md, "How halls work"): a *service* is a queue with a ticket
prefix, a *window* is a clerk's counter, a *ticket* is one citizen's place in a queue (A001…), a *call* is
the announcement "请 A012 号到 3 号窗口办理".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Service:
    """A queue a citizen can take a number for."""

    prefix: str
    name: str
    name_en: str
    department: str = ""
    daily_cap: int = 0  # 0: no cap
    priority_weight: int = 1
    # Issuing hours in the hall's time zone, as ("09:00", "12:00") pairs; empty: whenever the hall is open.
    issuing_hours: tuple[tuple[str, str], ...] = ()
    # Set by the server when today's cap is reached or it is outside issuing hours.
    available: bool = True
    waiting: int = 0

    def display_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


@dataclass(frozen=True)
class Window:
    """A clerk's counter and the services it calls."""

    number: int
    services: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class HallInfo:
    """What a terminal needs to know about its hall to run."""

    id: str
    name: str
    name_en: str
    timezone: str
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    elderly_priority_age: int = 70

    def service(self, prefix: str) -> Service:
        for service in self.services:
            if service.prefix == prefix:
                return service
        raise KeyError(prefix)

    def display_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


class TicketState(enum.StrEnum):
    WAITING = "waiting"  # in the queue
    CALLED = "called"  # called to a window, citizen not yet there or being served
    HELD = "held"  # set aside by a clerk, to be called back the same day
    NO_SHOW = "no_show"  # called and did not come
    DONE = "done"  # served, with an outcome
    TRANSFERRED = "transferred"  # moved to another service or window (a new waiting entry)
    CANCELLED = "cancelled"


class Outcome(enum.StrEnum):
    """How a served ticket ended at the window."""

    ACCEPTED = "accepted"  # application accepted (受理)
    COMPLETED = "completed"  # done on the spot (即办)
    MATERIALS_MISSING = "materials_missing"  # notice of missing materials given (一次性告知)
    CONSULTED = "consulted"  # advice only
    REJECTED = "rejected"  # not acceptable here


@dataclass(frozen=True)
class Ticket:
    """One citizen's place in a queue, as the platform reports it."""

    number: str  # "A001"
    service_prefix: str
    service_name: str
    service_name_en: str
    state: TicketState
    issued_at: datetime  # aware, in the hall's time zone
    tracking_code: str  # opaque code printed as the QR
    people_ahead: int = 0
    estimated_wait_min: int = 0
    priority: bool = False  # elderly or otherwise prioritised
    appointment: bool = False  # checked in for an appointment
    window: int | None = None  # where it was called or transferred to
    called_at: datetime | None = None
    reprint: bool = False  # the person already had this ticket: this is a reprint
    service_day: date | None = None

    def service_display_name(self, language: str) -> str:
        return self.service_name_en if language.startswith("en") and self.service_name_en else self.service_name


class CallKind(enum.StrEnum):
    CALL = "call"
    RECALL = "recall"


@dataclass(frozen=True)
class CallEvent:
    """A number called to a window: what the hall display shows and announces."""

    seq: int  # increasing per hall; a display asks for events after the last it saw
    ticket_number: str
    window: int
    kind: CallKind
    at: datetime


@dataclass(frozen=True)
class ClerkSession:
    """A clerk logged in at a window."""

    window: int
    staff_id: str
    staff_name: str
    token: str = field(repr=False)  # session token the platform issued


@dataclass(frozen=True)
class WindowStatus:
    """A window's state and the day's figures, for the clerk's queue panel."""

    window: int
    services: tuple[str, ...]
    paused: bool
    pause_reason: str
    current: Ticket | None
    waiting: tuple[Ticket, ...]
    held: tuple[Ticket, ...]
    served_today: int = 0
    no_show_today: int = 0
    waiting_count: int = 0


class WindowState(enum.StrEnum):
    """A window as the hall display shows it."""

    OPEN = "open"  # a clerk is logged in and calling
    PAUSED = "paused"  # a clerk is logged in, the window is paused (暂停服务)
    CLOSED = "closed"  # nobody is logged in: not shown


@dataclass(frozen=True)
class BoardWindow:
    number: int
    name: str
    state: WindowState
    serving: str | None = None  # the ticket number it serves now (called, not finished)


@dataclass(frozen=True)
class Satisfaction:
    """The day's ratings (好差评) as the platform counts them: ``rate`` is the share of good ratings,
    0.0 to 1.0, over ``ratings`` ratings."""

    rate: float
    ratings: int


@dataclass(frozen=True)
class HallBoard:
    """What the hall display shows besides the calls: every window's state and the number it serves, the
    people waiting per service, and the day's satisfaction when the platform gives one (None: not shown)."""

    windows: tuple[BoardWindow, ...]
    waiting: tuple[tuple[str, int], ...]  # (service prefix, people waiting), in the hall's service order
    satisfaction: Satisfaction | None = None
