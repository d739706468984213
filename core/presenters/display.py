"""The hall display without Qt: which calls to show and say, and how it follows the hall.

``DisplayPresenter`` follows the hall's call events (``HallDisplayService``) through the window's
``Runner``: first the day so far (shown, not announced), then a long poll, started again as soon as an
answer comes back. When the platform cannot be reached it says so (``reconnecting``; ``Changed
("connection")``) and the window calls ``retry()`` after its pause: the backlog again if it never came,
else the next poll. Each new call is announced once, through the ``AnnouncementQueue`` (one sentence at a
time, so a recall never cuts off a number being spoken), in the display's language.

What it shows (``screen()``): the hall's name, the latest call large in the display's language and below
it in the other one (for visitors), and up to ``RECENT`` earlier calls, newest first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.domain import CallEvent, CallKind, HallInfo
from core.i18n import LANGUAGES, Translator
from core.presenters import Changed, Runner
from core.services.announce import AnnouncementQueue
from core.services.events import EventHub
from core.services.queue import HallDisplayService

log = logging.getLogger(__name__)

RECENT = 6
KEPT = 50  # calls and announcements remembered


def other_language(language: str) -> str:
    return LANGUAGES[(LANGUAGES.index(language) + 1) % len(LANGUAGES)] if language in LANGUAGES else LANGUAGES[0]


@dataclass(frozen=True)
class DisplayScreen:
    hall_name: str
    latest: str
    latest_other: str  # the latest call in the other language
    recent: tuple[str, ...]  # RECENT rows, "" where there is no call


class DisplayPresenter:
    def __init__(self, service: HallDisplayService, run: Runner, announcer: AnnouncementQueue, *,
                 hall: HallInfo | None = None, language: str = "zh_CN", poll_wait_s: float = 2.0,
                 call_timeout_s: float = 8.0) -> None:
        self.service = service
        self.run = run
        self.announcer = announcer
        self.hall = hall
        self.poll_wait_s = poll_wait_s
        self.call_timeout_s = call_timeout_s
        self.tr = Translator(language)
        self.other = Translator(other_language(self.tr.language))
        self.events = EventHub()
        self.calls: list[CallEvent] = []
        self.announced: list[str] = []
        self.have_backlog = False
        self.reconnecting = False
        self.closed = False

    def start(self) -> None:
        """The window is shown: fetch the hall (unless given) and the day's calls, then follow."""
        if self.hall is None:
            self._load_hall()
        self.retry()

    def retry(self) -> None:
        """After a failure: the backlog if it never arrived, else the next poll."""
        if self.closed:
            return
        if self.have_backlog:
            self._poll()
        else:
            self.run(self.service.backlog, RECENT, on_done=self._backlog, on_error=self._failed,
                     timeout_s=self.call_timeout_s)

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)
        self.other = Translator(other_language(self.tr.language))
        self.events.emit(Changed("calls"))

    def close(self) -> None:
        self.closed = True
        self.announcer.close()

    # --- what is shown and said --------------------------------------------------------------------

    def announcement(self, event: CallEvent) -> str:
        key = "queue.call.recall" if event.kind == CallKind.RECALL else "queue.call.announce"
        return self.tr(key, number=event.ticket_number, window=event.window)

    def screen(self) -> DisplayScreen:
        t = self.tr
        name = self.hall.display_name(t.language) if self.hall else t("role.display")
        if self.calls:
            latest = self.calls[-1]
            text = t("queue.call.announce", number=latest.ticket_number, window=latest.window)
            other = self.other("queue.call.announce", number=latest.ticket_number, window=latest.window)
        else:
            text, other = t("ui.display.no_calls"), self.other("ui.display.no_calls")
        recent = list(reversed(self.calls[:-1]))[:RECENT]
        rows = tuple(t("ui.display.row", number=e.ticket_number, window=e.window) for e in recent)
        return DisplayScreen(name, text, other, rows + ("",) * (RECENT - len(rows)))

    # --- following the hall ------------------------------------------------------------------------

    def _load_hall(self) -> None:
        self.run(self.service.hall, on_done=self._hall_loaded,
                 on_error=lambda e: log.warning("hall info unavailable: %r", e), timeout_s=self.call_timeout_s)

    def _hall_loaded(self, hall: HallInfo) -> None:
        self.hall = hall
        self.events.emit(Changed("calls"))

    def _backlog(self, events: list[CallEvent]) -> None:
        self.have_backlog = True
        if self.hall is None:  # it failed at start: the platform is back now
            self._load_hall()
        self.calls = list(events)
        self._connected()
        self.events.emit(Changed("calls"))
        self._poll()

    def _poll(self) -> None:
        if self.closed:
            return
        self.run(self.service.poll, self.poll_wait_s, on_done=self._polled, on_error=self._failed,
                 timeout_s=self.poll_wait_s + self.call_timeout_s)

    def _polled(self, events: list[CallEvent]) -> None:
        self._connected()
        for event in events:
            self.calls.append(event)
            text = self.announcement(event)
            self.announced.append(text)
            self.announcer.announce(text)
        self.calls = self.calls[-KEPT:]
        self.announced = self.announced[-KEPT:]
        if events:
            self.events.emit(Changed("calls"))
        self._poll()

    def _failed(self, error: BaseException) -> None:
        log.warning("display: call events unavailable: %r", error)
        self.reconnecting = True
        self.events.emit(Changed("connection"))

    def _connected(self) -> None:
        if self.reconnecting:
            self.reconnecting = False
            self.events.emit(Changed("connection"))
