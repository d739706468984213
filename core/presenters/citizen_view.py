"""What the citizen kiosk's presenter (core/presenters/citizen.py) tells its window: the page to show and
small frozen events, one per thing on screen that changes.

The window subscribes to ``CitizenPresenter.events`` (a ``core.services.events.EventHub``) and turns each
event into widget calls; events carry ``Message`` values (core/presenters/messages.py) that the window
renders in its current language. They are delivered synchronously on the thread that drove the
presenter: the window's GUI thread (its worker hands call results back there).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from core.domain import HallInfo, Identity, Service
from core.domain.appointments import Case
from core.presenters.messages import Message
from core.services.queue import HallView, IssuedTicket
from core.services.working_days import HallCalendar


class Page(enum.StrEnum):
    """The kiosk's pages (the window's page widgets carry the same names)."""

    HOME = "home"
    SERVICES = "services"
    CONFIRM = "confirm"
    BUSY = "busy"
    RESULT = "result"
    PROBLEM = "problem"
    SCAN = "scan"
    TRACKING = "tracking"
    GUIDE = "guide"  # 办事指南: its own presenter (core/presenters/guide.py) holds what it shows
    APPLY = "apply"  # 自助申报: its own presenter (core/presenters/pre_application.py) holds the flow


# Pages where a scanned code is taken (elsewhere a number is being chosen, confirmed or issued).
SCAN_PAGES = frozenset({Page.HOME, Page.SCAN, Page.TRACKING, Page.RESULT, Page.PROBLEM})
# Pages that belong to a person's session: a card placed on them starts a new session.
SESSION_PAGES = frozenset({Page.RESULT, Page.PROBLEM, Page.BUSY})


class Runner(Protocol):
    """Runs a blocking call off the caller's thread and hands its answer back on it (``ui.worker.Worker.run``
    in the window): ``on_done(result)`` or ``on_error(exc)``; no answer within ``timeout_s`` is an
    ``on_error(PlatformUnreachable)``. Returns a task id for cancelling (0 or None when it cannot)."""

    def __call__(self, fn: Callable[..., Any], /, *args: Any, on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None, timeout_s: float | None = None,
                 **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class PageChanged:
    """Show ``page``. Every page but home runs the idle countdown; only the scan page reads the camera."""

    page: Page

    @property
    def idle_armed(self) -> bool:
        return self.page is not Page.HOME

    @property
    def camera_on(self) -> bool:
        return self.page is Page.SCAN


@dataclass(frozen=True)
class HallChanged:
    """A newer look at the hall (its name on the home page; the greeting may change with its rules)."""

    view: HallView


@dataclass(frozen=True)
class ServicesChanged:
    """The service buttons, from ``hall`` (None: not known yet)."""

    hall: HallInfo | None


@dataclass(frozen=True)
class ServicesLoading:
    """The services page waits for the hall."""


@dataclass(frozen=True)
class ServicesUnreachable:
    """No hall could be fetched: ``message`` says why; ``can_retry`` shows the retry button."""

    message: Message
    can_retry: bool = True


@dataclass(frozen=True)
class BannerChanged:
    """The platform line over the pages (None: nothing to say)."""

    message: Message | None


@dataclass(frozen=True)
class ConfirmShown:
    service: Service
    identity: Identity | None


@dataclass(frozen=True)
class BusyShown:
    message: Message


@dataclass(frozen=True)
class TicketShown:
    """The number on the result page (again whenever its print state changes)."""

    issued: IssuedTicket


@dataclass(frozen=True)
class ProblemShown:
    message: Message
    can_retry: bool
    can_go_without_print: bool


@dataclass(frozen=True)
class ScanOpened:
    """The "please scan your code" page opens afresh for ``mode`` ("checkin" or "track")."""

    mode: str


@dataclass(frozen=True)
class ScanMessage:
    """A fixed message on the scan page (never any part of the payload); ``role``: problem or notice."""

    message: Message
    role: str = "problem"


@dataclass(frozen=True)
class CaseShown:
    """A receipt's case, with the service day and the hall's calendar its lateness is counted on."""

    case: Case
    today: date | None = None
    calendar: HallCalendar | None = None


@dataclass(frozen=True)
class GuideRequested:
    """A scanned guide code (a checklist's QR): open the service guide at matter ``code`` (the guide
    presenter, core/presenters/guide.py, chooses it once its catalogue is loaded)."""

    code: str


@dataclass(frozen=True)
class GreetingChanged:
    """Who is identified changed, or the rules of the greeting did: the identification slots redraw."""


@dataclass(frozen=True)
class LanguageChanged:
    language: str


@dataclass(frozen=True)
class EldersModeChanged:
    """长辈模式 on or off: larger text and targets, fewer choices a page, more time, voice on
    (docs/accessibility.md, "Elders' mode")."""

    on: bool


@dataclass(frozen=True)
class SessionEnded:
    """The person's session is over: every page forgets what it showed of them."""


@dataclass(frozen=True)
class Activity:
    """The person did something that is not a touch (a scan, a card): the idle countdown starts over."""
