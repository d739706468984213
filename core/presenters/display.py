"""The hall display without Qt: which calls to show and say, the windows' board, and how it follows the hall.

``DisplayPresenter`` follows the hall's call events (``HallDisplayService``) through the window's
``Runner``: first the day so far (shown, not announced), then a long poll, started again as soon as an
answer comes back; every ``board_every_s`` between two polls it also reads the board (every window's state
and the number it serves, the waiting counts, the day's satisfaction when the platform gives it). When the
platform cannot be reached it says so (``reconnecting``; ``Changed("connection")``) and the window calls
``retry()`` after its pause: the backlog again if it never came, else the next poll. A board that cannot be
read is only logged: the calls go on, and the tiles follow the calls until the board is back.

Each new call is announced once, through the ``AnnouncementQueue`` (one sentence at a time, so a recall
never cuts off a number being spoken; a long backlog is summarised, core/services/announce.py), and
flashes for ``FLASH_S`` on the screen: the latest call and its window's tile.

What it shows (``screen()``): the hall's name, the latest call large (number and window) in the display's
language with the other language smaller (for visitors), the calls before it, a tile per open or paused
window with the number it serves, the people waiting per service, and the satisfaction slot (hidden when
the platform gives no rate or nobody rated yet). With more tiles or services than the screen holds, they
are shown a page at a time (``next_page()``, which the window calls every ``PAGE_S``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from core.domain import CallEvent, CallKind, HallBoard, HallInfo, WindowState
from core.i18n import LANGUAGES, Translator
from core.presenters import Changed, Runner
from core.services.announce import AnnouncementQueue
from core.services.events import EventHub
from core.services.queue import HallDisplayService

log = logging.getLogger(__name__)

RECENT = 6
KEPT = 50  # calls and announcements remembered
FLASH_S = 6.0  # a new call flashes this long
PAGE_S = 8.0  # each page of tiles stays this long when they do not all fit


def other_language(language: str) -> str:
    """The board's second language: English beside either Chinese, Chinese beside English."""
    return "en" if language in LANGUAGES and language != "en" else LANGUAGES[0]


@dataclass(frozen=True)
class Tile:
    """One window on the board: its label in both languages and the number it serves ("" for none)."""

    window: int
    label: str
    label_other: str
    number: str
    paused: bool = False
    flashing: bool = False


@dataclass(frozen=True)
class WaitingChip:
    prefix: str
    name: str
    name_other: str
    count: str  # "12 人"


@dataclass(frozen=True)
class DisplayScreen:
    hall_name: str
    latest: str
    latest_other: str  # the latest call in the other language
    recent: tuple[str, ...]  # RECENT rows, "" where there is no call
    recent_calls: tuple[tuple[str, str], ...] = ()  # (number, "3 号窗口") of those calls, newest first
    hall_name_other: str = ""
    call_number: str = ""  # the latest call's number alone ("" before any call)
    call_window: str = ""  # "3 号窗口"
    call_window_other: str = ""
    call_flashing: bool = False
    tiles: tuple[Tile, ...] = ()  # this page's tiles
    waiting: tuple[WaitingChip, ...] = ()  # this page's services
    satisfaction: str = ""  # "" = the slot is hidden
    satisfaction_other: str = ""
    page: int = 0
    pages: int = 1  # the pages of the tiles or of the services, whichever has more
    tile_page: int = 0  # the tiles' own page and page count (the board's "第 1/2 页")
    tile_pages: int = 1


class DisplayPresenter:
    def __init__(self, service: HallDisplayService, run: Runner, announcer: AnnouncementQueue, *,
                 hall: HallInfo | None = None, language: str = "zh_CN", poll_wait_s: float = 2.0,
                 call_timeout_s: float = 8.0, board_every_s: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        self.run = run
        self.announcer = announcer
        self.hall = hall
        self.poll_wait_s = poll_wait_s
        self.call_timeout_s = call_timeout_s
        self.board_every_s = board_every_s
        self.monotonic = monotonic
        self.tr = Translator(language)
        self.other = Translator(other_language(self.tr.language))
        self.events = EventHub()
        self.calls: list[CallEvent] = []
        self.announced: list[str] = []
        self.board: HallBoard | None = None
        self.serving: dict[int, str] = {}  # window → the number it serves (board, then each call)
        self.flash_until: dict[int, float] = {}  # window → when its flash ends (monotonic)
        self.called_since_board: set[int] = set()  # windows that called after the board was read: open
        self.received = 0  # new call events taken (each once; the backlog not counted)
        self.last_seq = 0
        self.page = 0
        self.have_backlog = False
        self.reconnecting = False
        self.closed = False
        self._next_board = 0.0

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

    def next_page(self) -> None:
        self.page += 1
        self.events.emit(Changed("calls"))

    def close(self) -> None:
        self.closed = True
        self.announcer.close()

    # --- what is shown and said --------------------------------------------------------------------

    def announcement(self, event: CallEvent) -> str:
        key = "queue.call.recall" if event.kind == CallKind.RECALL else "queue.call.announce"
        return self.tr(key, number=event.ticket_number, window=event.window)

    def flashing(self, window: int) -> bool:
        return self.monotonic() < self.flash_until.get(window, float("-inf"))

    def next_flash_end(self) -> float | None:
        """When the next flash ends (monotonic), None when nothing flashes: the window redraws then."""
        now = self.monotonic()
        ends = [t for t in self.flash_until.values() if t > now]
        return min(ends) if ends else None

    def screen(self, tiles_per_page: int = 0, services_per_page: int = 0) -> DisplayScreen:
        """What the display shows now; ``tiles_per_page``/``services_per_page``: how many the layout holds
        (0: all), the page shown is ``page`` modulo the pages needed."""
        t = self.tr
        name = self.hall.display_name(t.language) if self.hall else t("role.display")
        name_other = self.hall.display_name(self.other.language) if self.hall else self.other("role.display")
        call_number = call_window = call_window_other = ""
        flashing = False
        if self.calls:
            latest = self.calls[-1]
            text = t("queue.call.announce", number=latest.ticket_number, window=latest.window)
            other = self.other("queue.call.announce", number=latest.ticket_number, window=latest.window)
            call_number = latest.ticket_number
            call_window = t("ui.display.window", window=latest.window)
            call_window_other = self.other("ui.display.window", window=latest.window)
            flashing = self.flashing(latest.window)
        else:
            text, other = t("ui.display.no_calls"), self.other("ui.display.no_calls")
        recent = list(reversed(self.calls[:-1]))[:RECENT]
        rows = tuple(t("ui.display.row", number=e.ticket_number, window=e.window) for e in recent)
        tiles, chips = self.tiles(), self.waiting_chips()
        tile_pages = _pages(len(tiles), tiles_per_page)
        pages = max(tile_pages, _pages(len(chips), services_per_page))
        page = self.page % pages
        satisfaction, satisfaction_other = self._satisfaction()
        return DisplayScreen(
            name, text, other, rows + ("",) * (RECENT - len(rows)),
            recent_calls=tuple((e.ticket_number, t("ui.display.window", window=e.window)) for e in recent),
            hall_name_other=name_other,
            call_number=call_number, call_window=call_window, call_window_other=call_window_other,
            call_flashing=flashing, tiles=_page_of(tiles, tiles_per_page, page),
            waiting=_page_of(chips, services_per_page, page), satisfaction=satisfaction,
            satisfaction_other=satisfaction_other, page=page, pages=pages, tile_page=self.page % tile_pages,
            tile_pages=tile_pages)

    def tiles(self) -> tuple[Tile, ...]:
        """Every open or paused window by number (all windows seen calling while no board is known)."""
        states: dict[int, WindowState] = {}
        if self.board is not None:
            states = {w.number: w.state for w in self.board.windows}
        shown = {n for n, s in states.items() if s is not WindowState.CLOSED}
        shown |= {n for n in self.serving if n not in states} | self.called_since_board
        tiles = []
        for number in sorted(shown):
            paused = states.get(number) is WindowState.PAUSED
            tiles.append(Tile(number, self.tr("ui.display.window", window=number),
                              self.other("ui.display.window", window=number), self.serving.get(number, ""),
                              paused=paused, flashing=self.flashing(number)))
        return tuple(tiles)

    def waiting_chips(self) -> tuple[WaitingChip, ...]:
        if self.board is None:
            return ()
        names = {s.prefix: s for s in self.hall.services} if self.hall else {}
        chips = []
        for prefix, count in self.board.waiting:
            service = names.get(prefix)
            chips.append(WaitingChip(
                prefix, service.display_name(self.tr.language) if service else prefix,
                service.display_name(self.other.language) if service else prefix,
                self.tr("ui.display.waiting_count", count=count)))
        return tuple(chips)

    def _satisfaction(self) -> tuple[str, str]:
        rated = self.board.satisfaction if self.board is not None else None
        if rated is None or rated.ratings <= 0:
            return "", ""
        rate = f"{rated.rate * 100:.1f}%"
        return (self.tr("ui.display.satisfaction", rate=rate, count=rated.ratings),
                self.other("ui.display.satisfaction", rate=rate, count=rated.ratings))

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
        for event in events:
            self.serving[event.window] = event.ticket_number
            self.last_seq = max(self.last_seq, event.seq)
        self._connected()
        self.events.emit(Changed("calls"))
        self._poll()

    def _poll(self) -> None:
        if self.closed:
            return
        if self.monotonic() >= self._next_board:
            self._next_board = self.monotonic() + self.board_every_s
            self.run(self.service.board, on_done=self.show_board, on_error=self._board_failed,
                     timeout_s=self.call_timeout_s)
        self.run(self.service.poll, self.poll_wait_s, on_done=self._polled, on_error=self._failed,
                 timeout_s=self.poll_wait_s + self.call_timeout_s)

    def show_board(self, board: HallBoard) -> None:
        """A board read from the platform: the tiles, waiting counts and satisfaction follow it."""
        self.board = board
        self.serving = {w.number: w.serving for w in board.windows if w.serving}
        self.called_since_board = set()
        self.events.emit(Changed("calls"))

    def _board_failed(self, error: BaseException) -> None:
        log.warning("display: the board is unavailable (the tiles follow the calls): %r", error)

    def _polled(self, events: list[CallEvent]) -> None:
        self._connected()
        until = self.monotonic() + FLASH_S
        fresh = [e for e in events if e.seq > self.last_seq]  # a call is taken once, however often it comes
        for event in fresh:
            self.last_seq = event.seq
            self.received += 1
            self.calls.append(event)
            self.serving[event.window] = event.ticket_number
            self.called_since_board.add(event.window)
            self.flash_until[event.window] = until
            text = self.announcement(event)
            self.announced.append(text)
            self.announcer.announce(text)
        self.calls = self.calls[-KEPT:]
        self.announced = self.announced[-KEPT:]
        if fresh:
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


def _pages(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page)) if per_page > 0 else 1


def _page_of(items: tuple, per_page: int, page: int) -> tuple:
    if per_page <= 0:
        return items
    pages = _pages(len(items), per_page)
    start = (page % pages) * per_page
    return items[start:start + per_page]
