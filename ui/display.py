"""The hall display: the latest call large, the recent calls below, each call announced by voice.

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

from core.domain import CallEvent, CallKind, HallInfo
from core.i18n import Translator
from core.services.announce import AnnouncementQueue, Speaker
from core.services.queue import HallDisplayService
from ui.texts import Texts
from ui.theme import display_stylesheet, style_window
from ui.widgets import Banner, label
from ui.sync_status import status_bar
from ui.worker import Worker

log = logging.getLogger(__name__)

RECENT = 6


class DisplayWindow(QWidget):
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
        self.hall = hall
        self.poll_wait_s = poll_wait_s
        self.call_timeout_s = call_timeout_s
        self.texts = Texts(language, self)
        self.worker = Worker(self, name="display", max_workers=1)
        self.announcer = AnnouncementQueue(speaker, language=language, thread_name="announcer")
        self.calls: list[CallEvent] = []
        self.announced: list[str] = []
        self._closed = False
        self._started = False
        self._have_backlog = False

        t = self.texts
        style_window(self, display_stylesheet())
        self.other = Translator(t.other_language())  # the second line, for visitors
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
        # The status area (docs/ui.md, "Status area"), small at the bottom edge: for staff glancing at the display.
        self.sync_status = None
        self._layout = layout
        if sync_engine is not None:
            self.attach_sync(sync_engine)
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.setInterval(int(retry_s * 1000))
        self.retry_timer.timeout.connect(self._next)
        t.changed.connect(lambda _: self._render())
        self._render()
        self.resize(1280, 720)

    # --- life cycle --------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._started:
            self._started = True
            if self.hall is None:
                self.worker.run(self.service.hall, on_done=self._hall_loaded,
                                on_error=lambda e: log.warning("hall info unavailable: %r", e),
                                timeout_s=self.call_timeout_s)
            self._next()

    def attach_sync(self, engine) -> None:
        """Puts the status area over ``engine`` at the bottom edge (at construction, or once ``kiosk run``
        has built the store and engine after the window was up)."""
        if self.sync_status is not None or self._closed:
            return
        self.sync_status = status_bar(engine, language=self.texts.language, parent=self)
        self._layout.addWidget(self.sync_status)
        self.texts.changed.connect(self.sync_status.set_language)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.retry_timer.stop()
        if self.sync_status is not None:
            self.sync_status.shutdown()
        self.worker.shutdown(wait_s=self.poll_wait_s + 1.0)
        self.announcer.close()

    def _hall_loaded(self, hall: HallInfo) -> None:
        self.hall = hall
        self._render()

    # --- polling -----------------------------------------------------------------------------------

    def _backlog(self, events: list[CallEvent]) -> None:
        self._have_backlog = True
        if self.hall is None:  # it failed at start: the platform is back now
            self.worker.run(self.service.hall, on_done=self._hall_loaded,
                            on_error=lambda e: log.warning("hall info unavailable: %r", e),
                            timeout_s=self.call_timeout_s)
        self.calls = list(events)
        self.connection.clear_text()
        self._render()
        self._poll()

    def _poll(self) -> None:
        if self._closed:
            return
        self.worker.run(self.service.poll, self.poll_wait_s, on_done=self._polled, on_error=self._poll_failed,
                        timeout_s=self.poll_wait_s + self.call_timeout_s)

    def _polled(self, events: list[CallEvent]) -> None:
        self.connection.clear_text()
        for event in events:
            self.calls.append(event)
            text = self.announcement(event)
            self.announced.append(text)
            self.announcer.announce(text)
        self.calls = self.calls[-50:]
        self.announced = self.announced[-50:]
        if events:
            self._render()
        self._poll()

    def _poll_failed(self, error: BaseException) -> None:
        log.warning("display: call events unavailable: %r", error)
        self.connection.show_text(self.texts("ui.display.reconnecting"), "notice")
        if not self._closed:
            self.retry_timer.start()

    def _next(self) -> None:
        """After a failure: the backlog if it never arrived, else the next poll."""
        if self._have_backlog:
            self._poll()
        elif not self._closed:
            self.worker.run(self.service.backlog, RECENT, on_done=self._backlog, on_error=self._poll_failed,
                            timeout_s=self.call_timeout_s)

    # --- what is shown and said --------------------------------------------------------------------

    def announcement(self, event: CallEvent) -> str:
        key = "queue.call.recall" if event.kind == CallKind.RECALL else "queue.call.announce"
        return self.texts(key, number=event.ticket_number, window=event.window)

    def _render(self) -> None:
        t = self.texts
        self.hall_name.setText(self.hall.display_name(t.language) if self.hall else t("role.display"))
        self.other = Translator(t.other_language())
        if self.calls:
            latest = self.calls[-1]
            self.latest.setText(t("queue.call.announce", number=latest.ticket_number, window=latest.window))
            self.latest_other.setText(self.other("queue.call.announce", number=latest.ticket_number,
                                                 window=latest.window))
        else:
            self.latest.setText(t("ui.display.no_calls"))
            self.latest_other.setText(self.other("ui.display.no_calls"))
        recent = list(reversed(self.calls[:-1]))[:RECENT]
        for row, event in zip(self.recent_rows, recent + [None] * RECENT):
            row.setText(t("ui.display.row", number=event.ticket_number, window=event.window) if event else "")
