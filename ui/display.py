"""The hall display: the latest call large, every open window's number, the recent calls, the people waiting,
each new call flashing and announced by voice.

A view over ``DisplayPresenter`` (core/presenters/display.py), which holds the calls and the rules; this
window owns the worker thread, the timers, and the labels (ui/display_view.py), placed by the layout the
screen's size and aspect ratio choose (core/presenters/display_layout.py; docs/display.md).

It follows the hall's call events with a long poll (``HallDisplayService.poll``) on its own worker
thread, and the board (windows, waiting counts, satisfaction) between two polls: when an answer comes back
the next poll starts at once; when the platform cannot be reached a calm line says so and the poll is
retried after ``retry_s``. Calls from before the display started are shown, not announced. Announcements
go through an ``AnnouncementQueue`` (core/services/announce.py): one at a time, so a recall never cuts off
a number being spoken, and a long backlog is summarised.

Nothing here waits: a change of the presenter schedules one redraw (``render_timer``, 0 ms), so a burst of
calls is drawn once; a flash blinks at 2 Hz (``FLASH_MS`` on, ``FLASH_MS`` off) while any lasts; pages turn
every ``PAGE_S``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

from core.domain import HallInfo
from core.presenters import Changed
from core.presenters.display import PAGE_S, DisplayPresenter
from core.services.announce import AnnouncementQueue, Speaker
from core.services.queue import HallDisplayService
from ui.closing import ClosingWindow
from core.presenters.display_layout import Rect
from ui.display_view import DisplayBoard, board_stylesheet, place
from ui.sync_status import status_bar
from ui.texts import Texts
from ui.theme import style_window
from ui.widgets import Banner
from ui.worker import Worker

log = logging.getLogger(__name__)

FLASH_MS = 250  # on 250 ms, off 250 ms: two flashes a second, under WCAG 2.3.1's three


class DisplayWindow(ClosingWindow, QWidget):
    def __init__(
        self,
        service: HallDisplayService,
        speaker: Speaker,
        *,
        language: str = "zh_CN",
        hall: HallInfo | None = None,
        poll_wait_s: float = 2.0,
        retry_s: float = 3.0,
        call_timeout_s: float = 8.0,
        board_every_s: float = 5.0,
        sync_engine=None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("display-window")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.service = service
        self.texts = Texts(language, self)
        self.worker = Worker(self, name="display", max_workers=1)
        self.presenter = DisplayPresenter(
            service, self.worker.run, AnnouncementQueue(speaker, language=language, thread_name="announcer"),
            hall=hall, language=language, poll_wait_s=poll_wait_s, call_timeout_s=call_timeout_s,
            board_every_s=board_every_s)
        self.at_shutdown(self.presenter.close)
        self.at_shutdown(self.worker.shutdown, wait_s=poll_wait_s + 1.0)
        self._started = False
        self.renders = 0  # redraws done (the bench counts them)
        style_window(self, board_stylesheet())
        self.view = DisplayBoard(self)
        self.connection = Banner(self)
        self.connection.setObjectName("display-connection")
        self.connection.setMinimumHeight(0)
        self.sync_status = None
        self.retry_timer = self._timer(int(retry_s * 1000), self.presenter.retry)
        self.render_timer = self._timer(0, self._render)
        self.flash_timer = self._timer(FLASH_MS, self._blink, single=False)
        self.page_timer = self._timer(int(PAGE_S * 1000), self.presenter.next_page, single=False)
        self.phase = True  # the flash's "on" half
        if sync_engine is not None:
            self.attach_sync(sync_engine)
        self.presenter.events.subscribe(self._on_change)
        self.texts.changed.connect(self.presenter.set_language)
        self.resize(1280, 720)
        self._relayout()

    def _timer(self, ms: int, slot, *, single: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        self.at_shutdown(timer.stop)
        return timer

    # --- life cycle --------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._started:
            self._started = True
            self.presenter.start()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._relayout()

    def attach_sync(self, engine) -> None:
        """Puts the status area over ``engine`` at the bottom edge (at construction, or once ``kiosk run``
        has built the store and engine after the window was up)."""
        if self.sync_status is not None or self.closed:
            return
        self.sync_status = status_bar(engine, language=self.texts.language, parent=self)
        self.at_shutdown(self.sync_status.shutdown)
        self.texts.changed.connect(self.sync_status.set_language)
        self.sync_status.show()
        self._relayout()

    @property
    def hall(self) -> HallInfo | None:
        return self.presenter.hall

    @property
    def announcer(self) -> AnnouncementQueue:
        return self.presenter.announcer

    @property
    def announced(self) -> list[str]:
        return self.presenter.announced

    @property
    def latest(self):
        """The latest call's number (or the invitation to watch before any call)."""
        return self.view.call_number

    @property
    def latest_other(self):
        """The latest call in the other language, as a sentence."""
        return self.view.latest_other

    # --- what is shown -----------------------------------------------------------------------------

    def _relayout(self) -> None:
        layout = self.view.apply(self.width(), self.height())
        status = layout.status
        if self.sync_status is not None:
            half = status.w // 2
            place(self.connection, Rect(status.x, status.y, half, status.h))
            place(self.sync_status, Rect(status.x + half, status.y, status.w - half, status.h))
        else:
            place(self.connection, status)
        self._render()

    def _on_change(self, change: Changed) -> None:
        if self.closed:
            return
        if change.part == "calls":
            if not self.render_timer.isActive():
                self.render_timer.start()
        elif change.part == "connection":
            if self.presenter.reconnecting:
                self.connection.show_text(self.texts("ui.display.reconnecting"), "notice")
                self.retry_timer.start()
            else:
                self.connection.clear_text()

    def _blink(self) -> None:
        self.phase = not self.phase
        self._render()

    def _headings(self, page: int, pages: int) -> dict[str, str]:
        p = self.presenter

        def both(key: str) -> str:
            return f"{p.tr(key)} · {p.other(key)}"

        return {"now_calling": both("ui.display.now_calling"), "windows": both("ui.display.windows_title"),
                "recent": both("ui.display.recent"), "waiting": both("ui.display.waiting_title"),
                "paused": p.tr("ui.display.paused"),
                "page": p.tr("ui.display.page", page=page + 1, pages=pages)}

    def _render(self) -> None:
        if self.closed:
            return
        self.renders += 1
        layout = self.view.layout
        screen = self.presenter.screen(layout.tiles, layout.waiting_rows)
        self.view.show(screen, self._headings(screen.tile_page, screen.tile_pages), self.phase)
        self._follow_timers(screen.pages)

    def _follow_timers(self, pages: int) -> None:
        flashing = self.presenter.next_flash_end() is not None
        if flashing and not self.flash_timer.isActive():
            self.phase = True
            self.flash_timer.start()
        elif not flashing and self.flash_timer.isActive():
            self.flash_timer.stop()
            self.phase = True
        if pages > 1 and not self.page_timer.isActive():
            self.page_timer.start()
        elif pages <= 1 and self.page_timer.isActive():
            self.page_timer.stop()
