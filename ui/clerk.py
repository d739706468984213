"""The clerk's window terminal: log in to a window, then work the queue with buttons or F-keys.

Every action goes to ``ClerkQueueService`` (core/services/queue.py) on a one-thread ``Worker``, so
actions run in the order the clerk pressed them and the window never freezes. The panel shows the current
ticket, the waiting and held lists and the day's counts, refreshed after every action and every few
seconds. Actions that need a choice (finish → outcome, transfer → service or window, pause → reason,
call a number) open an inline choice panel instead of a modal dialog.

F-keys (shown on the buttons): F1 call next, F2 recall, F3 no-show, F4 finish, F5 hold, F6 transfer,
F7 return to queue, F8 pause/resume, F9 call a number, F10 call back the selected held ticket.

The window's ID-card reader (``id_reader``; None without one) fills the applicant panel (ui/applicant.py):
a card placed while logged in becomes ``ClerkQueueService.set_applicant``; the service clears it when the
ticket is finished (or no-show, hold, transfer, back to the queue), when the window moves on to another
ticket, at logout, and when another card replaces it. Masked on screen unless the clerk holds "show".

The application page (ui/materials_panel.py; with ``application`` given): "受理材料" (F11) opens it for the
ticket being served: the matter, its checklist, the document camera (``camera``, a started DocumentCamera)
and e-licence scans (``scans``: an object with a ``scanned(str)`` signal, ui/scan_source.py ScanSource; a
scan while a ticket is served opens the page). "受理" queues the submission in the encrypted store first,
then finishes the ticket as ACCEPTED; "一次性告知" finishes it as MATERIALS_MISSING.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.domain import HallInfo, Outcome, Ticket, WindowStatus
from core.errors import DeviceError, DeviceNotFound
from core.i18n import keys_for
from core.ports.idcard import ReaderState
from core.services.queue import ApplicantChanged, ClerkQueueService, ClerkUpdate, SessionChanged
from ui.applicant import ApplicantPanel
from ui.bridge import EventBridge
from ui.idcard import ReaderBridge
from ui.materials_panel import MaterialsPanel
from ui.sync_status import status_bar
from ui import theme
from ui.texts import Texts
from ui.widgets import Banner, Page, button, clear_layout, label
from ui.worker import Worker

log = logging.getLogger(__name__)

# (action id, message key, F-key)
ACTIONS = (
    ("call_next", "ui.clerk.call_next", "F1"),
    ("recall", "ui.clerk.recall", "F2"),
    ("no_show", "ui.clerk.no_show", "F3"),
    ("finish", "ui.clerk.finish", "F4"),
    ("hold", "ui.clerk.hold", "F5"),
    ("transfer", "ui.clerk.transfer", "F6"),
    ("return_to_queue", "ui.clerk.return_to_queue", "F7"),
    ("pause", "ui.clerk.pause", "F8"),
    ("call_number", "ui.clerk.call_number", "F9"),
    ("call_back", "ui.clerk.call_back", "F10"),
)
PAUSE_REASONS = ("break", "meeting", "consulting", "other")
CLERK_KEYS = (keys_for("ui.clerk.pause_reason.", PAUSE_REASONS), keys_for("ui.clerk.outcome.", Outcome), keys_for(
    "ui.clerk.done.", ("call_next", "call_number", "recall", "no_show", "finish", "hold", "transfer", "return_to_queue",
                       "call_back", "pause", "resume")))
OUTCOMES = tuple(Outcome)


class LoginPage(Page):
    name = "login"

    def __init__(self, texts: Texts, window: int, hint: tuple[str, dict] | None) -> None:
        super().__init__()
        self.title = texts.bind(label("", "title"), "ui.clerk.login_title", window=window)
        self.staff = QLineEdit()
        self.staff.setObjectName("staff-id")
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        texts.bind(self.staff, "ui.clerk.staff_id", setter="setPlaceholderText")
        texts.bind(self.pin, "ui.clerk.pin", setter="setPlaceholderText")
        self.login_button = texts.bind(button("", "primary", name="login"), "ui.clerk.login")
        self.message = Banner()
        self.message.setObjectName("login-message")
        self.hint = label("", "notice")
        self.hint.setObjectName("login-hint")
        if hint is not None:  # the demo tells the person its staff ids and PINs (demo only)
            texts.bind(self.hint, hint[0], **hint[1])
        self.hint.setVisible(hint is not None)
        for widget in (self.title, self.staff, self.pin, self.login_button, self.message, self.hint):
            self.box.addWidget(widget)
        self.box.addStretch(1)
        self.pin.returnPressed.connect(self.login_button.click)


class ChoicePanel(QFrame):
    """A row of option buttons (or a text field) replacing the action buttons until one is chosen."""

    def __init__(self, texts: Texts) -> None:
        super().__init__()
        self.setObjectName("choice-panel")
        self.texts = texts
        self.box = QVBoxLayout(self)
        self.title = label("", "subtitle")
        self.options = QGridLayout()
        self.field = QLineEdit()
        self.field.setObjectName("choice-field")
        self.ok = texts.bind(button("", "primary", name="choice-ok"), "ui.common.ok")
        self.cancel = texts.bind(button("", name="choice-cancel"), "ui.common.cancel")
        self.box.addWidget(self.title)
        self.box.addLayout(self.options)
        self.box.addWidget(self.field)
        row = QHBoxLayout()
        row.addWidget(self.ok)
        row.addWidget(self.cancel)
        self.box.addLayout(row)
        self._on_text: Callable[[str], None] | None = None
        self.ok.clicked.connect(self._submit_text)
        self.field.returnPressed.connect(self._submit_text)

    def ask_choice(self, title: str, options: list[tuple[str, Callable[[], None]]]) -> None:
        clear_layout(self.options)
        self.title.setText(title)
        for index, (text, chosen) in enumerate(options):
            widget = button(text, name=f"choice-{index}")
            widget.clicked.connect(lambda _=False, c=chosen: c())
            self.options.addWidget(widget, index // 3, index % 3)
        self.field.hide()
        self.ok.hide()
        self._on_text = None

    def ask_text(self, title: str, on_text: Callable[[str], None]) -> None:
        clear_layout(self.options)
        self.title.setText(title)
        self.field.clear()
        self.field.show()
        self.ok.show()
        self._on_text = on_text
        self.field.setFocus()

    def _submit_text(self) -> None:
        if self._on_text is not None and self.field.text().strip():
            self._on_text(self.field.text().strip())


class TicketList(QListWidget):
    """A list of tickets that asks for little height (it scrolls): the window fits a 1080p desktop with
    the applicant panel above the lists."""

    def sizeHint(self):  # noqa: N802 (Qt's name)
        hint = super().sizeHint()
        hint.setHeight(100)
        return hint


class QueuePage(Page):
    name = "queue"

    def __init__(self, texts: Texts, today=date.today) -> None:
        super().__init__()
        self.texts = texts
        top = QHBoxLayout()
        self.who = label("", "subtitle")
        self.window_state = label("", "notice")
        self.window_state.setObjectName("window-state")
        self.logout_button = texts.bind(button("", name="logout"), "ui.clerk.logout")
        self.logout_button.setMaximumWidth(220)
        self.application_button = texts.bind(button("", name="open-application"), "materials.action.open")
        self.application_button.setMaximumWidth(220)
        self.application_button.hide()  # shown when the window has an application page
        top.addWidget(self.who, 2)
        top.addWidget(self.window_state, 2)
        top.addWidget(self.application_button)
        top.addWidget(self.logout_button)
        self.box.addLayout(top)
        self.message = Banner()
        self.message.setObjectName("clerk-message")
        self.box.addWidget(self.message)

        body = QHBoxLayout()
        left = QVBoxLayout()
        self.current_title = texts.bind(label("", "muted"), "ui.clerk.current")
        self.current_number = label("", "number")
        self.current_number.setObjectName("current-number")
        self.current_detail = label("", "subtitle")
        left.addWidget(self.current_title)
        left.addWidget(self.current_number)
        left.addWidget(self.current_detail)
        self.actions_stack = QStackedWidget()
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        self.action_buttons: dict[str, object] = {}
        for index, (action, key, fkey) in enumerate(ACTIONS):
            widget = texts.bind(button("", "primary" if action == "call_next" else "", name=f"action-{action}"),
                                key, shortcut=fkey)
            widget.setProperty("compact", True)  # a desktop window: 60 px targets, all ten on one screen
            grid.addWidget(widget, index // 2, index % 2)
            self.action_buttons[action] = widget
        self.choice = ChoicePanel(texts)
        self.actions_stack.addWidget(grid_host)
        self.actions_stack.addWidget(self.choice)
        left.addWidget(self.actions_stack, 1)
        body.addLayout(left, 3)

        right = QVBoxLayout()
        self.applicant = ApplicantPanel(texts, today)
        right.addWidget(self.applicant)
        self.waiting_title = label("", "muted")
        self.waiting = TicketList()
        self.waiting.setObjectName("waiting-list")
        self.held_title = texts.bind(label("", "muted"), "ui.clerk.held")
        self.held = TicketList()
        self.held.setObjectName("held-list")
        self.counts = label("", "muted")
        self.counts.setObjectName("counts")
        for widget in (self.waiting_title, self.waiting, self.held_title, self.held, self.counts):
            right.addWidget(widget)
        body.addLayout(right, 2)
        self.box.addLayout(body, 1)

    def show_status(self, status: WindowStatus | None, hall: HallInfo | None) -> None:
        t = self.texts
        if status is None:
            return
        if status.paused:
            reason_key = f"ui.clerk.pause_reason.{status.pause_reason}"
            reason = t(reason_key) if t.tr.has(reason_key) else status.pause_reason
            self.window_state.setText(t("ui.clerk.state_paused", reason=reason))
        else:
            self.window_state.setText(t("ui.clerk.state_open"))
        current = status.current
        if current is None:
            self.current_number.setText("—")
            self.current_detail.setText(t("ui.clerk.nobody_called"))
        else:
            self.current_number.setText(current.number)
            self.current_detail.setText(self._ticket_line(current, with_number=False))
        self.waiting_title.setText(t("ui.clerk.waiting", n=status.waiting_count or len(status.waiting)))
        self._fill(self.waiting, status.waiting)
        self._fill(self.held, status.held)
        self.counts.setText(t("ui.clerk.counts", served=status.served_today, no_show=status.no_show_today,
                              waiting=status.waiting_count or len(status.waiting)))
        self.action_buttons["pause"].setText(t("ui.clerk.resume" if status.paused else "ui.clerk.pause",
                                               shortcut="F8"))
        self.texts.unbind(self.action_buttons["pause"])

    def _ticket_line(self, ticket: Ticket, *, with_number: bool = True) -> str:
        t = self.texts
        parts = [ticket.number] if with_number else []
        parts.append(ticket.service_display_name(t.language))
        if ticket.priority:
            parts.append(t("ui.clerk.priority"))
        if ticket.appointment:
            parts.append(t("ui.clerk.appointment"))
        return "  ".join(parts)

    def _fill(self, widget: QListWidget, tickets: tuple[Ticket, ...]) -> None:
        selected = widget.currentItem().data(Qt.ItemDataRole.UserRole) if widget.currentItem() else None
        widget.clear()
        for ticket in tickets:
            item = QListWidgetItem(self._ticket_line(ticket))
            item.setData(Qt.ItemDataRole.UserRole, ticket.number)
            widget.addItem(item)
            if ticket.number == selected:
                widget.setCurrentItem(item)


class ApplicationPage(Page):
    name = "application"

    def __init__(self, panel: MaterialsPanel) -> None:
        super().__init__()
        self.panel = panel
        self.box.setContentsMargins(12, 4, 12, 4)
        self.box.addWidget(panel, 1)


class ClerkWindow(QWidget):
    def __init__(
        self,
        service: ClerkQueueService,
        *,
        language: str = "zh_CN",
        hall: HallInfo | None = None,
        login_hint: tuple[str, dict] | None = None,
        call_timeout_s: float = 8.0,
        refresh_s: float = 5.0,
        id_reader=None,
        sync_engine=None,
        application=None,
        catalogue=None,
        camera=None,
        scans=None,
        parent: QWidget | None = None,
    ) -> None:
        """``application``: an ``ApplicationService`` (None: no application page); ``catalogue``: a
        ``MatterCatalogue``; ``camera``: a started ``DocumentCamera`` or None; ``scans``: a ScanSource."""
        super().__init__(parent)
        self.setObjectName("clerk-window")
        theme.style_window(self)
        self.service = service
        self.hall = hall
        self.call_timeout_s = call_timeout_s
        self.texts = Texts(language, self)
        self.worker = Worker(self, name="clerk", max_workers=1)
        self.bridge = EventBridge(service.events, self)
        self.bridge.event.connect(self._on_service_event)
        self.status: WindowStatus | None = None
        self._closed = False

        t = self.texts
        self.login_page = LoginPage(t, service.window, login_hint)
        self.queue_page = QueuePage(t, self.today)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.login_page)
        self.stack.addWidget(self.queue_page)
        self.application_page: ApplicationPage | None = None
        if application is not None:
            panel = MaterialsPanel(t, application, catalogue, camera=camera, window=service.window,
                                   applicant=lambda: service.applicant)
            self.application_page = ApplicationPage(panel)
            self.stack.addWidget(self.application_page)
            panel.finished.connect(self._application_finished)
            panel.back_button.clicked.connect(self.show_queue)
            self.queue_page.application_button.show()
            self.queue_page.application_button.clicked.connect(self.show_application)
            QShortcut(QKeySequence("F11"), self).activated.connect(self.show_application)
        self.scans = scans
        if scans is not None:
            scans.scanned.connect(self._on_scan)
        top = QHBoxLayout()
        self.title = t.bind(label("", "muted"), "ui.clerk.window_title", window=service.window)
        self.language_button = t.bind(button("", name="language"), "language.switch")
        self.language_button.setMaximumWidth(200)
        self.language_button.clicked.connect(lambda: t.set_language(t.other_language()))
        top.addWidget(self.title, 1)
        top.addWidget(self.language_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        # The status area (docs/ui.md): online/offline, records waiting and the oldest's age, a progress bar
        # while a backlog drains. Fed by the engine's events, never by a store call on this thread.
        self.sync_status = None
        self._engine = None  # the sync engine once attached (its store holds the outbox)
        self.outbox_window = None  # the outbox and dead letters, opened by the clerk
        self._layout = layout
        if sync_engine is not None:
            self.attach_sync(sync_engine)

        self.login_page.login_button.clicked.connect(self.login)
        self.queue_page.logout_button.clicked.connect(self.logout)
        self.queue_page.choice.cancel.clicked.connect(self._close_choice)
        handlers = {
            "call_next": lambda: self._act(self.service.call_next),
            "recall": lambda: self._act(self.service.recall),
            "no_show": lambda: self._act(self.service.no_show),
            "finish": self._ask_outcome,
            "hold": lambda: self._act(self.service.hold),
            "transfer": self._ask_transfer,
            "return_to_queue": lambda: self._act(self.service.return_to_queue),
            "pause": self._pause_or_resume,
            "call_number": self._ask_number,
            "call_back": self._call_back,
        }
        self.shortcuts: list[QShortcut] = []
        for action, _key, fkey in ACTIONS:
            self.queue_page.action_buttons[action].clicked.connect(handlers[action])
            shortcut = QShortcut(QKeySequence(fkey), self)
            shortcut.activated.connect(lambda h=handlers[action]: self._shortcut(h))
            self.shortcuts.append(shortcut)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(int(refresh_s * 1000))
        self.refresh_timer.timeout.connect(self.refresh)
        t.changed.connect(lambda _: self.queue_page.show_status(self.status, self.hall))
        t.changed.connect(lambda _: self._show_reader())
        # The window's ID-card reader: cards and states arrive here as queued signals (ui/idcard.py).
        self.reader = ReaderBridge(id_reader, self)
        self.reader.card.connect(self._on_card)
        self.reader.state.connect(self._on_reader_state)
        self.reader.error.connect(self._on_reader_error)
        self.reader_state = self.reader.current_state
        self.reader_error: DeviceError | None = None
        self._show_reader()
        self.reader.announce_state()
        self.resize(1280, 800)

    # --- life cycle --------------------------------------------------------------------------------

    def attach_sync(self, engine) -> None:
        """Puts the status area over ``engine`` at the bottom edge (at construction, or once ``kiosk run``
        has built the store and engine after the window was up)."""
        if self.sync_status is not None or self._closed:
            return
        self.sync_status = status_bar(engine, language=self.texts.language, parent=self)
        if self.sync_status is None:
            return
        # Clerks fix and resend, or discard, records the platform refused (dead letters), as technicians do.
        self._engine = engine
        self.outbox_button = self.texts.bind(button("", name="outbox"), "ui.clerk.outbox")
        self.outbox_button.setProperty("compact", True)
        self.outbox_button.clicked.connect(self.show_outbox)
        bar = QHBoxLayout()
        bar.addWidget(self.sync_status, 1)
        bar.addWidget(self.outbox_button)
        self._layout.addLayout(bar)
        self.texts.changed.connect(self.sync_status.set_language)

    def show_outbox(self) -> None:
        """The records waiting and the dead letters of this terminal's store, in a window of their own; a
        resend or discard is audited under the clerk's staff id."""
        if self._engine is None or self._closed:
            return
        if self.outbox_window is None:
            from ui.sync_status import OutboxView

            session = self.service.session
            actor = f"clerk:{session.staff_id}" if session is not None else "clerk"
            self.outbox_window = OutboxView(self._engine.store, self._engine, language=self.texts.language,
                                            actor=actor)
            self.outbox_window.setWindowTitle(self.texts("ui.clerk.outbox"))
            self.outbox_window.resize(960, 600)
        self.outbox_window.show()
        self.outbox_window.raise_()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.refresh_timer.stop()
        if self.scans is not None:
            try:
                self.scans.scanned.disconnect(self._on_scan)
            except (RuntimeError, TypeError):
                pass
        if self.application_page is not None:
            self._stop_application_camera()
            self.application_page.panel.shutdown()
        if self.sync_status is not None:
            self.sync_status.shutdown()
        if self.outbox_window is not None:
            self.outbox_window.shutdown()
            self.outbox_window.close()
        self.reader.close()
        self.bridge.close()
        self.worker.shutdown()
        self.service.clear_applicant()

    @property
    def page(self) -> str:
        return self.stack.currentWidget().name

    # --- login -------------------------------------------------------------------------------------

    def login(self) -> None:
        staff, pin = self.login_page.staff.text().strip(), self.login_page.pin.text()
        if not staff or not pin:
            self.login_page.message.show_text(self.texts("ui.clerk.login_missing"), "problem")
            return
        self.login_page.message.show_text(self.texts("ui.common.wait"), "notice")
        self.login_page.login_button.setEnabled(False)
        self.worker.run(self.service.login, staff, pin, on_done=self._logged_in, on_error=self._login_failed,
                        timeout_s=self.call_timeout_s)

    def _logged_in(self, update: ClerkUpdate) -> None:
        self.login_page.pin.clear()
        self.login_page.message.clear_text()
        self.login_page.login_button.setEnabled(True)
        session = self.service.session
        if session is not None:
            self.queue_page.who.setText(self.texts("ui.clerk.who", window=session.window,
                                                   name=session.staff_name, staff=session.staff_id))
        self.stack.setCurrentWidget(self.queue_page)
        self._updated(update)
        self.refresh_timer.start()
        if self.application_page is not None:
            self.application_page.panel.load_catalogue()
        if self.hall is None:  # services and windows to transfer to
            self.worker.run(self.service.hall, on_done=self._hall_loaded,
                            on_error=lambda e: log.warning("hall info unavailable: %r", e),
                            timeout_s=self.call_timeout_s)

    def _hall_loaded(self, hall: HallInfo) -> None:
        self.hall = hall

    def _login_failed(self, error: BaseException) -> None:
        self.login_page.login_button.setEnabled(True)
        self.login_page.pin.clear()
        self.login_page.message.show_text(self.texts.error(error, "clerk"), "problem")

    def logout(self) -> None:
        self.refresh_timer.stop()
        self.worker.run(self.service.logout, on_done=lambda _: self._to_login(),
                        on_error=lambda _: self._to_login(), timeout_s=self.call_timeout_s)

    def _to_login(self) -> None:
        self.refresh_timer.stop()
        self.status = None
        self._close_choice()
        self.queue_page.message.clear_text()
        if self.application_page is not None:
            self._stop_application_camera()
            self.application_page.panel.set_ticket("", "")
        self.stack.setCurrentWidget(self.login_page)

    def _on_service_event(self, event) -> None:
        if isinstance(event, ApplicantChanged):
            self.queue_page.applicant.show_identity(event.identity)
        elif isinstance(event, SessionChanged) and event.session is None and self.page == "queue":
            self._to_login()
            self.login_page.message.show_text(self.texts("ui.clerk.session_ended"), "notice")

    # --- the applicant's ID card -------------------------------------------------------------------

    def today(self) -> date:
        """The hall's date (for the card's expiry)."""
        try:
            zone = ZoneInfo(self.hall.timezone) if self.hall is not None else ZoneInfo("Asia/Shanghai")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("Asia/Shanghai")
        return datetime.now(zone).date()

    def _on_card(self, identity) -> None:
        if self._closed or self.service.session is None:
            return  # not logged in: nobody to serve, the card is not kept
        self.reader_error = None
        current = self.status.current.number if self.status is not None and self.status.current else None
        self.service.set_applicant(identity, current)
        self._show_reader()

    def _on_reader_state(self, state: ReaderState) -> None:
        self.reader_state = state
        if state is ReaderState.NO_READER:
            self.reader_error = None
        self._show_reader()

    def _on_reader_error(self, error: DeviceError) -> None:
        if not isinstance(error, DeviceNotFound):
            self.reader_error = error
        self._show_reader()

    def reader_text(self) -> str:
        """What the applicant panel says while no card is shown."""
        t = self.texts
        if not self.reader.available:
            return t("ui.applicant.no_reader")
        if self.reader_state in (ReaderState.NO_READER, ReaderState.STOPPED):
            return t("ui.applicant.reader_unavailable")
        if self.reader_state is ReaderState.READING:
            return t("idcard.state.reading")
        if self.reader_error is not None:
            return t.error(self.reader_error, "clerk")
        return t("ui.applicant.empty")

    def _show_reader(self) -> None:
        self.queue_page.applicant.show_status(self.reader_text())

    # --- actions -----------------------------------------------------------------------------------

    def _shortcut(self, handler: Callable[[], None]) -> None:
        if self.page == "queue" and self.queue_page.actions_stack.currentIndex() == 0:
            handler()

    def _act(self, call: Callable[..., ClerkUpdate], *args, **kwargs) -> None:
        self._close_choice()
        self.queue_page.message.clear_text()
        self.worker.run(call, *args, on_done=self._updated, on_error=self._failed,
                        timeout_s=self.call_timeout_s, **kwargs)

    def refresh(self) -> None:
        if self.worker.busy or self.service.session is None:
            return
        self.worker.run(self.service.refresh, on_done=self._refreshed, on_error=self._failed,
                        timeout_s=self.call_timeout_s)

    def _refreshed(self, status: WindowStatus) -> None:
        self.status = status
        self.queue_page.show_status(status, self.hall)
        if self.application_page is not None:
            current = status.current
            self.application_page.panel.set_ticket(current.number if current else "",
                                                   current.service_prefix if current else "")

    # --- the application page ------------------------------------------------------------------------

    def _stop_application_camera(self) -> None:
        panel = self.application_page.panel
        panel.stop_camera()
        if panel.capture is not None:
            panel.capture.preview.set_tap(None)
        if self.scans is not None:
            self.scans.stop_camera()

    def show_application(self) -> None:
        if self.application_page is None or self.page != "queue":
            return
        self.stack.setCurrentWidget(self.application_page)
        panel = self.application_page.panel
        if panel.capture is not None and self.scans is not None and self.scans.has_camera:
            # An e-licence shown on a phone under the document camera is read from the preview's frames.
            panel.capture.preview.set_tap(self.scans.preview_tap())
        panel.start_camera()

    def show_queue(self) -> None:
        if self.application_page is not None:
            self._stop_application_camera()
        if self.service.session is not None:
            self.stack.setCurrentWidget(self.queue_page)

    def _on_scan(self, payload: str) -> None:
        """A scanned code: while a ticket is served it goes to the application page (opened for it)."""
        if self._closed or self.application_page is None or self.service.session is None:
            return
        if self.status is None or self.status.current is None:
            return
        if self.page == "queue":
            self.show_application()
        if self.page == "application":
            self.application_page.panel.on_scan(payload)

    def _application_finished(self, outcome: Outcome, record_id: str) -> None:
        """The submission is in the store (or the notice was given): now the ticket is finished."""
        self.show_queue()
        self._act(self.service.finish, outcome)

    def _updated(self, update: ClerkUpdate) -> None:
        if update.status is not None:
            self._refreshed(update.status)
        t = self.texts
        if update.action == "call_next" and update.ticket is None:
            self.queue_page.message.show_text(t("ui.clerk.nobody_waiting"), "notice")
        elif update.action != "login" and update.ticket is not None:
            self.queue_page.message.show_text(t(f"ui.clerk.done.{update.action}", number=update.ticket.number),
                                              "notice")
        elif update.action in ("pause", "resume"):
            self.queue_page.message.show_text(t(f"ui.clerk.done.{update.action}", number=""), "notice")

    def _failed(self, error: BaseException) -> None:
        log.info("clerk action failed: %r", error)
        self.queue_page.message.show_text(self.texts.error(error, "clerk"), "problem")

    def _close_choice(self) -> None:
        self.queue_page.actions_stack.setCurrentIndex(0)
        clear_layout(self.queue_page.choice.options)  # its buttons would keep the window tall

    def _open_choice(self) -> None:
        self.queue_page.actions_stack.setCurrentIndex(1)

    def _ask_outcome(self) -> None:
        t = self.texts
        options = [(t(f"ui.clerk.outcome.{o.value}"), lambda o=o: self._act(self.service.finish, o))
                   for o in OUTCOMES]
        self.queue_page.choice.ask_choice(t("ui.clerk.choose_outcome"), options)
        self._open_choice()

    def _ask_transfer(self) -> None:
        t = self.texts
        options: list[tuple[str, Callable[[], None]]] = []
        if self.hall is not None:
            for service in self.hall.services:
                options.append((t("ui.clerk.to_service", prefix=service.prefix,
                                  name=service.display_name(t.language)),
                                lambda p=service.prefix: self._act(self.service.transfer, service_prefix=p)))
            for window in self.hall.windows:
                if window.number != self.service.window:
                    options.append((t("ui.clerk.to_window", window=window.number),
                                    lambda w=window.number: self._act(self.service.transfer, window=w)))
        self.queue_page.choice.ask_choice(t("ui.clerk.choose_transfer"), options)
        self._open_choice()

    def _pause_or_resume(self) -> None:
        if self.status is not None and self.status.paused:
            self._act(self.service.resume)
            return
        t = self.texts
        options = [(t(f"ui.clerk.pause_reason.{r}"), lambda r=r: self._act(self.service.pause, r))
                   for r in PAUSE_REASONS]
        self.queue_page.choice.ask_choice(t("ui.clerk.choose_pause_reason"), options)
        self._open_choice()

    def _ask_number(self) -> None:
        self.queue_page.choice.ask_text(self.texts("ui.clerk.enter_number"),
                                        lambda number: self._act(self.service.call_number, number))
        self._open_choice()

    def _call_back(self) -> None:
        item = self.queue_page.held.currentItem()
        if item is None and self.queue_page.held.count() == 1:
            item = self.queue_page.held.item(0)
        if item is None:
            self.queue_page.message.show_text(self.texts("ui.clerk.choose_held"), "notice")
            return
        self._act(self.service.call_back, item.data(Qt.ItemDataRole.UserRole))
