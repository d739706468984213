"""The hall display: the latest call large, the recent calls below, each call announced by voice.

A view over ``DisplayPresenter`` (core/presenters/display.py), which holds the calls and the rules; this
window draws its ``screen()`` and owns the worker thread and the retry pause.

It follows the hall's call events with a long poll (``HallDisplayService.poll``) on its own worker
thread: when an answer comes back the next poll starts at once; when the platform cannot be reached a
calm line says so and the poll is retried after ``retry_s``. Calls from before the display started are
shown, not announced. Announcements go through an ``AnnouncementQueue`` (core/services/announce.py):
one at a time, so a recall never cuts off a number being spoken.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from core.domain import HallInfo
from core.presenters import Changed
from core.presenters.display import RECENT, DisplayPresenter
from core.services.announce import AnnouncementQueue, Speaker
from core.services.queue import HallDisplayService
from ui.closing import ClosingWindow
from ui.sync_status import status_bar
from ui.texts import Texts
from ui.theme import display_stylesheet, style_window
from ui.widgets import Banner, label
from ui.worker import Worker

log = logging.getLogger(__name__)


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
            hall=hall, language=language, poll_wait_s=poll_wait_s, call_timeout_s=call_timeout_s)
        self.at_shutdown(self.presenter.close)
        self.at_shutdown(self.worker.shutdown, wait_s=poll_wait_s + 1.0)
        self._started = False
        self._build()
        # The status area, small at the bottom edge: for staff glancing at the display.
        self.sync_status = None
        if sync_engine is not None:
            self.attach_sync(sync_engine)
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.setInterval(int(retry_s * 1000))
        self.retry_timer.timeout.connect(self.presenter.retry)
        self.at_shutdown(self.retry_timer.stop)
        self.presenter.events.subscribe(self._on_change)
        self.texts.changed.connect(self.presenter.set_language)
        self._render()
        self.resize(1280, 720)

    def _build(self) -> None:
        t = self.texts
        style_window(self, display_stylesheet())
        self.hall_name = label("", "title")
        self.heading = t.bind(label("", "display-heading"), "ui.display.now_calling")
        self.latest = label("", "display-call", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.latest.setObjectName("latest-call")
        self.latest_other = label("", "display-call-other", align=Qt.AlignmentFlag.AlignCenter)
        self.recent_title = t.bind(label("", "display-heading"), "ui.display.recent")
        self.recent_rows = [label("", "display-row", wrap=False) for _ in range(RECENT)]
        self.connection = Banner()
        self.connection.setObjectName("display-connection")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.addWidget(self.hall_name)
        layout.addWidget(self.heading)
        layout.addWidget(self.latest, 2)
        layout.addWidget(self.latest_other)
        layout.addSpacing(24)
        layout.addWidget(self.recent_title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(64)
        for index, row in enumerate(self.recent_rows):
            grid.addWidget(row, index % (RECENT // 2), index // (RECENT // 2))
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(self.connection)
        self._layout = layout

    # --- life cycle --------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._started:
            self._started = True
            self.presenter.start()

    def attach_sync(self, engine) -> None:
        """Puts the status area over ``engine`` at the bottom edge (at construction, or once ``kiosk run``
        has built the store and engine after the window was up)."""
        if self.sync_status is not None or self.closed:
            return
        self.sync_status = status_bar(engine, language=self.texts.language, parent=self)
        self.at_shutdown(self.sync_status.shutdown)
        self._layout.addWidget(self.sync_status)
        self.texts.changed.connect(self.sync_status.set_language)

    @property
    def hall(self) -> HallInfo | None:
        return self.presenter.hall

    @property
    def announcer(self) -> AnnouncementQueue:
        return self.presenter.announcer

    @property
    def announced(self) -> list[str]:
        return self.presenter.announced

    # --- what is shown -----------------------------------------------------------------------------

    def _on_change(self, change: Changed) -> None:
        if self.closed:
            return
        if change.part == "calls":
            self._render()
        elif change.part == "connection":
            if self.presenter.reconnecting:
                self.connection.show_text(self.texts("ui.display.reconnecting"), "notice")
                self.retry_timer.start()
            else:
                self.connection.clear_text()

    def _render(self) -> None:
        screen = self.presenter.screen()
        self.hall_name.setText(screen.hall_name)
        self.latest.setText(screen.latest)
        self.latest_other.setText(screen.latest_other)
        for row, text in zip(self.recent_rows, screen.recent):
            row.setText(text)
