"""The clerk's window terminal: log in to a window, then work the queue with buttons or F-keys.

A view over ``ClerkPresenter`` (core/presenters/clerk.py), which holds the session, the ticket being
served and the rules; it calls ``ClerkQueueService`` (core/services/queue.py) on this window's one-thread
``Worker``, so actions run in the order the clerk pressed them and the window never freezes. The panel
shows the current ticket, the waiting and held lists and the day's counts, refreshed after every action
and every few seconds. Actions that need a choice (finish → outcome, transfer → service or window, pause → reason,
call a number) open an inline choice panel instead of a modal dialog.

F-keys (shown on the buttons): F1 call next, F2 recall, F3 no-show, F4 finish, F5 hold, F6 transfer,
F7 return to queue, F8 pause/resume, F9 call a number, F10 call back the selected held ticket.

The window's ID-card reader (``id_reader``; None without one) fills the applicant panel (ui/applicant.py);
what the panel says while no card is shown is ``ReaderPresenter``'s (core/presenters/reader.py):
a card placed while logged in becomes ``ClerkQueueService.set_applicant``; the service clears it when the
ticket is finished (or no-show, hold, transfer, back to the queue), when the window moves on to another
ticket, at logout, and when another card replaces it. Masked on screen unless the clerk holds "show".

The application page (ui/materials_panel.py; with ``application`` given): "受理材料" (F11) opens it for the
ticket being served: the matter, its checklist, the document camera (``camera``, a started DocumentCamera)
and e-licence scans (``scans``: an object with a ``scanned(str)`` signal, ui/scan_source.py ScanSource; a
scan while a ticket is served opens the page; a 自助申报 slip opens its pre-application). "受理" queues the
application record in the encrypted store first, then finishes the ticket as ACCEPTED and prints the
receipt on ``papers`` (IntakePapers); "一次性告知" queues the notice record, finishes it as
MATERIALS_MISSING and prints the notice. The page stays with the case number until the clerk goes back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from core.clock import hall_now
from core.domain import HallInfo, Outcome
from core.domain.intake import Clerk
from core.ports import Clock
from core.presenters import Changed
from core.presenters.clerk import ClerkPresenter
from core.presenters.reader import CLERK_READER_TEXTS, ReaderPresenter
from core.services.queue import ClerkQueueService
from ui import theme
from ui.bridge import EventBridge
from ui.clerk_pages import ACTIONS, ApplicationPage, LoginPage, QueuePage
from ui.idcard import ReaderBridge
from ui.closing import ClosingWindow
from ui.materials_panel import MaterialsPanel
from ui.rating_pad import attach_pad
from ui.sync_status import OutboxView, outbox_service, status_bar
from ui.texts import Texts
from ui.widgets import PageStack, button, clear_layout, label
from ui.worker import Worker

log = logging.getLogger(__name__)


class ClerkWindow(ClosingWindow, QWidget):
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
        clock: Clock | None = None,
        papers=None,
        pre_applications=None,
        rating=None,
        parent: QWidget | None = None,
    ) -> None:
        """``application``: an ``ApplicationService`` (None: no application page); ``catalogue``: a
        ``MatterCatalogue``; ``camera``: a started ``DocumentCamera`` or None; ``scans``: a ScanSource;
        ``clock``: the terminal's clock (the service day, the time of acceptance); ``papers``:
        ``IntakePapers`` on the window's receipt printer; ``pre_applications``: a ``PreApplicationDesk``;
        ``rating``: a ``RatingDesk`` (the window's evaluation pad, ``pad``, shown by whoever shows the window)."""
        super().__init__(parent)
        self.setObjectName("clerk-window")
        theme.style_window(self, desk=True)  # a desktop screen, mouse and keyboard
        self.service = service
        self.texts = Texts(language, self)
        self.worker = Worker(self, name="clerk", max_workers=1)
        self.at_shutdown(service.clear_applicant)
        self.at_shutdown(self.worker.shutdown)
        self.presenter = ClerkPresenter(service, self.worker.run, hall=hall, clock=clock, language=language,
                                        call_timeout_s=call_timeout_s)
        self.bridge = EventBridge(service.events, self)
        self.bridge.event.connect(self.presenter.on_service_event)
        self.at_shutdown(self.bridge.close)
        self._clock = clock
        desk = {"papers": papers, "pre_applications": pre_applications}
        self.card_hooks: list = []  # pages added later that take a card or a scan first (ui/pickup_window.py)
        self.scan_hooks: list = []
        self._build(login_hint, application, catalogue, camera, desk)
        self.scans = scans
        if scans is not None:
            scans.scanned.connect(self._on_scan)
            self.at_shutdown(self._disconnect_scans)
        self._connect_actions()
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(int(refresh_s * 1000))
        self.refresh_timer.timeout.connect(self.presenter.refresh)
        self.at_shutdown(self.refresh_timer.stop)
        # The window's ID-card reader: cards and states arrive here as queued signals (ui/idcard.py).
        self.reader = ReaderBridge(id_reader, self, presenter=ReaderPresenter(CLERK_READER_TEXTS, available=False,
                                                                             language=language))
        self.reader.card.connect(self._on_card)
        self.at_shutdown(self.reader.close)
        self.reader.presenter.events.subscribe(lambda _: self._show_reader())
        self.presenter.events.subscribe(self._on_change)
        self.texts.changed.connect(self.presenter.set_language)
        self.texts.changed.connect(self.reader.presenter.set_language)
        # The status area: online/offline, records waiting and the oldest's age, a progress bar while a
        # backlog drains. Fed by the engine's events, never by a store call on this thread.
        self.sync_status = None
        self._engine = None  # the sync engine once attached (its store holds the outbox)
        self.outbox_window = None  # the outbox and dead letters, opened by the clerk
        if sync_engine is not None:
            self.attach_sync(sync_engine)
        self._show_reader()
        self.reader.announce_state()
        self.pad = attach_pad(self, rating, clock=clock) if rating is not None else None
        self.resize(1600, 900)  # the application page has three columns: checklist, form, camera

    def _build(self, login_hint, application, catalogue, camera, desk) -> None:
        t, service = self.texts, self.service
        self.login_page = LoginPage(t, service.window, login_hint)
        self.queue_page = QueuePage(t, self.presenter.service_day)
        self.stack = PageStack()  # sized by the page shown (ui/widgets.py)
        self.stack.addWidget(self.login_page)
        self.stack.addWidget(self.queue_page)
        self.application_page: ApplicationPage | None = None
        if application is not None:
            panel = MaterialsPanel(t, application, catalogue, camera=camera, window=service.window,
                                   applicant=lambda: service.applicant, clerk=self._clerk,
                                   now=lambda: hall_now(self.presenter.hall, self._clock), **desk)
            self.application_page = ApplicationPage(panel)
            self.stack.addWidget(self.application_page)
            panel.finished.connect(self._application_finished)
            self.card_hooks.append(panel.presenter.proxies.offer)  # a proxy's card, once the clerk asked for one
            panel.back_button.clicked.connect(self.show_queue)
            self.queue_page.application_button.show()
            self.queue_page.application_button.clicked.connect(self.show_application)
            QShortcut(QKeySequence("F11"), self).activated.connect(self.show_application)
            self.at_shutdown(panel.shutdown)
            self.at_shutdown(self._stop_application_camera)
        top = QHBoxLayout()
        self.title = t.bind(label("", "muted"), "ui.clerk.window_title", window=service.window)
        self.language_button = t.bind(button("", name="language"), "language.switch")
        self.language_button.setMaximumWidth(200)
        self.language_button.clicked.connect(lambda: t.set_language(t.other_language()))
        top.addWidget(self.title, 1)
        top.addWidget(self.language_button)
        self.top_bar = top
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(top)
        self._layout.addWidget(self.stack, 1)

    def _connect_actions(self) -> None:
        p, page = self.presenter, self.queue_page
        self.login_page.login_button.clicked.connect(
            lambda: p.login(self.login_page.staff.text(), self.login_page.pin.text()))
        page.logout_button.clicked.connect(self.logout)
        page.choice.cancel.clicked.connect(p.cancel_choice)
        handlers: dict[str, Callable[[], None]] = {
            "call_next": lambda: p.act("call_next"),
            "recall": lambda: p.act("recall"),
            "no_show": lambda: p.act("no_show"),
            "finish": p.ask_outcome,
            "hold": lambda: p.act("hold"),
            "transfer": p.ask_transfer,
            "return_to_queue": lambda: p.act("return_to_queue"),
            "pause": p.pause_or_resume,
            "call_number": p.ask_number,
            "call_back": lambda: p.call_back(page.selected_held()),
        }
        self.shortcuts: list[QShortcut] = []
        for action, _key, fkey in ACTIONS:
            page.action_buttons[action].clicked.connect(handlers[action])
            shortcut = QShortcut(QKeySequence(fkey), self)
            shortcut.activated.connect(lambda h=handlers[action]: self._shortcut(h))
            self.shortcuts.append(shortcut)

    # --- life cycle --------------------------------------------------------------------------------

    def attach_sync(self, engine) -> None:
        """Puts the status area over ``engine`` at the bottom edge (at construction, or once ``kiosk run``
        has built the store and engine after the window was up)."""
        if self.sync_status is not None or self.closed:
            return
        self.sync_status = status_bar(engine, language=self.texts.language, parent=self)
        if self.sync_status is None:
            return
        self.at_shutdown(self.sync_status.shutdown)
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
        if self._engine is None or self.closed:
            return
        if self.outbox_window is None:
            session = self.service.session
            actor = f"clerk:{session.staff_id}" if session is not None else "clerk"
            self.outbox_window = OutboxView(outbox_service(self._engine.store, self._engine, actor),
                                            language=self.texts.language)
            self.outbox_window.setWindowTitle(self.texts("ui.clerk.outbox"))
            self.outbox_window.resize(960, 600)
            self.at_shutdown(self.outbox_window.close)
            self.at_shutdown(self.outbox_window.shutdown)
        self.outbox_window.show()
        self.outbox_window.raise_()

    def _disconnect_scans(self) -> None:
        try:
            self.scans.scanned.disconnect(self._on_scan)
        except (RuntimeError, TypeError):
            pass

    @property
    def page(self) -> str:
        return self.stack.currentWidget().name

    @property
    def status(self):
        return self.presenter.status

    @property
    def hall(self) -> HallInfo | None:
        return self.presenter.hall

    def login(self) -> None:
        self.presenter.login(self.login_page.staff.text(), self.login_page.pin.text())

    def logout(self) -> None:
        self.refresh_timer.stop()
        self.presenter.logout()

    def refresh(self) -> None:
        self.presenter.refresh()

    # --- the presenter's changes -------------------------------------------------------------------

    def _on_change(self, change: Changed) -> None:
        if self.closed:
            return
        p, page = self.presenter, self.queue_page
        part = change.part
        if part == "login":
            message = p.login_message
            if message is None:
                self.login_page.message.clear_text()
            else:
                self.login_page.message.show_text(message.text, message.role)
            self.login_page.login_button.setEnabled(not p.login_busy)
        elif part == "login_done":
            self.login_page.pin.clear()
        elif part == "logged_in":
            page.who.setText(p.who())
            self.refresh_timer.start()
            if self.application_page is not None:
                self.application_page.panel.load_catalogue()
        elif part == "page":
            self._show_page()
        elif part in ("status", "language"):
            page.show_status(p.status_view())
            if part == "language":
                page.who.setText(p.who())
            self._ticket_to_application()
        elif part == "message":
            if p.message is None:
                page.message.clear_text()
            else:
                page.message.show_text(p.message.text, p.message.role)
        elif part == "choice":
            self._show_choice()
        elif part == "applicant":
            page.applicant.show_identity(p.applicant)
            if self.application_page is not None:
                self.application_page.panel.presenter.applicant_changed()

    def _show_page(self) -> None:
        if self.presenter.page == "queue":
            self.stack.setCurrentWidget(self.queue_page)
            return
        self.refresh_timer.stop()
        if self.application_page is not None:
            self._stop_application_camera()
            self.application_page.panel.set_ticket("", "")
        self.stack.setCurrentWidget(self.login_page)

    def _show_choice(self) -> None:
        choice, page = self.presenter.choice, self.queue_page
        if choice is None:
            page.actions_stack.setCurrentIndex(0)
            clear_layout(page.choice.options)  # its buttons would keep the window tall
        elif choice.on_text is not None:
            page.choice.ask_text(choice.title, choice.on_text)
            page.actions_stack.setCurrentIndex(1)
        else:
            page.choice.ask_choice(choice.title, list(choice.options))
            page.actions_stack.setCurrentIndex(1)

    def _shortcut(self, handler: Callable[[], None]) -> None:
        if self.page == "queue" and self.presenter.choice is None:
            handler()

    # --- the applicant's ID card -------------------------------------------------------------------

    def _on_card(self, identity) -> None:
        if not self.closed and not any(hook(identity) for hook in self.card_hooks):
            self.presenter.card(identity)

    def reader_text(self) -> str:
        """What the applicant panel says while no card is shown."""
        return self.reader.presenter.view().text

    def _show_reader(self) -> None:
        if not self.closed:
            self.queue_page.applicant.show_status(self.reader_text())

    # --- the application page ------------------------------------------------------------------------

    def _ticket_to_application(self) -> None:
        if self.application_page is not None and self.presenter.status is not None:
            current = self.presenter.current
            self.application_page.panel.set_ticket(current.number if current else "",
                                                   current.service_prefix if current else "")

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
            self.application_page.panel.presenter.proxies.disarm()
        if self.presenter.logged_in:
            self.stack.setCurrentWidget(self.queue_page)

    def _on_scan(self, payload: str) -> None:
        """A scanned code: while a ticket is served it goes to the application page (opened for it); on the
        application page (an applicant without a ticket, a 自助申报 slip) it goes there too."""
        if self.closed or any(hook(payload) for hook in self.scan_hooks) or self.application_page is None:
            return
        if not self.presenter.takes_scan() and not (self.presenter.logged_in and self.page == "application"):
            return
        if self.page == "queue":
            self.show_application()
        if self.page == "application":
            self.application_page.panel.on_scan(payload)

    def _clerk(self) -> Clerk | None:
        session = self.service.session
        return Clerk(session.staff_id, session.staff_name) if session is not None else None

    def _application_finished(self, outcome: Outcome, record_id: str) -> None:
        """The record is in the store: the ticket is finished; the page stays to show the case number and
        the paper (with "reprint" on a printer fault) until the clerk goes back to the queue."""
        if self.presenter.current is not None:
            self.presenter.act("finish", outcome)
