"""The citizen kiosk: home → choose a service → confirm → the number (and its slip).

A thin view over ``CitizenPresenter`` (core/presenters/citizen.py), which holds the session and every rule
of it: what a press, a card, a scan, "back home" or the idle timeout does, which message a failure gets,
how the person is greeted. This window builds the pages, forwards every touch, card, scan and timer to the
presenter, draws the events it publishes (core/presenters/citizen_view.py), and lends it its ``Worker``:
every service call runs off the GUI thread with a time limit, so the screen never freezes (docs/ui.md
"Presenters").

What stays here is what needs Qt: the pages and the stack, the idle guard (an application event filter),
the camera preview of the scan page, the ID-card reader's callbacks (``ReaderBridge``, ui/idcard.py) and
what the identification slot says about the reader itself, the sync status area, the hall refresh timer.

``home_ready`` is emitted once the home screen is shown and the event loop runs (the start-up bench and
``kiosk run`` print a marker on it).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from core.presenters import citizen_view as view
from core.presenters.citizen import CitizenPresenter
from core.presenters.guide import GuidePresenter, takes_pre_application
from core.presenters.rating_kiosk import ApplyLink
from core.presenters.reader import CITIZEN_READER_TEXTS, ReaderPresenter
from core.services.queue import HallView, IssuedTicket, KioskQueueService, TicketRequest
from ui.bridge import EventBridge
from ui.citizen_access import CitizenAccess
from ui.camera_preview import CameraPreview
from ui.citizen_codes import ScanPage, TrackingPage
from ui.citizen_guide import GuidePage
from ui.closing import ClosingWindow
from ui.citizen_voice import attach_voice
from ui.citizen_pages import (
    BusyPage,
    ConfirmPage,
    HomePage,
    ProblemPage,
    ResultPage,
    ServicesPage,
    idle_warning_bar,
)
from ui.idcard import ReaderBridge
from ui.idle import IdleGuard
from ui.sync_status import CitizenSyncNotice
from ui import theme
from ui.rating_pad import attach_kiosk_rating
from ui.texts import Texts
from ui.widgets import Banner, button, label
from ui.worker import Worker

log = logging.getLogger(__name__)


class CitizenWindow(ClosingWindow, QWidget):
    home_ready = Signal()

    def __init__(
        self,
        service: KioskQueueService,
        *,
        language: str = "zh_CN",
        idle_s: float = 60.0,
        idle_warning_s: float = 20.0,
        call_timeout_s: float = 8.0,
        hall_refresh_s: float = 30.0,
        id_reader_available: bool = False,
        id_reader=None,
        sync_engine=None,
        codes=None,
        scans=None,
        guide=None,
        application=None,
        papers=None,
        camera=None,
        rating=None,
        idle_options: dict | None = None,
        voice=None,
        parent: QWidget | None = None,
    ) -> None:
        """``codes``: a ``CodeService`` (None: no code buttons); ``scans``: the terminal's ``ScanSource``
        (not owned: ``Terminal.close`` closes it); ``guide``: loads the service guide, ``() -> (GuideBook,
        stale, age_s)`` (core/services/guide.py ``load_guide_book``; None: no 办事指南 button);
        ``application``: an ``ApplicationService`` over the store (with the guide: 自助申报 of the matters
        that allow it, ui/citizen_apply.py), ``papers`` the paper printer of its slip, ``camera`` the
        document camera its materials are taken with; ``rating``: a ``RatingDesk`` (``self.rating`` offers
        好差评 after a self-service transaction; None: no rating); ``idle_options``: the idle guard's time that
        adapts (``keypad_factor``, ``elders_factor``, ``extensions``; ui/idle.py); ``voice``: a ``Voice``
        (core/ports/voice.py; ``self.voice`` is its ``VoiceGuide`` and the top bar has the voice button,
        ui/citizen_voice.py)."""
        super().__init__(parent)
        self.setObjectName("citizen-window")
        theme.style_window(self)
        self.service = service
        self.call_timeout_s = call_timeout_s
        self.texts = Texts(language, self)
        # One thread: the platform client is not shared between threads, and calls run in order.
        # What the window started, in order; shutdown stops it in reverse (ui/closing.py).
        self.at_shutdown(service.wipe)
        self.worker = Worker(self, name="kiosk", max_workers=1)
        self.at_shutdown(self.worker.shutdown)
        self.presenter = CitizenPresenter(service, self.worker.run, cancel=self.worker.cancel, codes=codes,
                                          guide=guide is not None, language=language,
                                          call_timeout_s=call_timeout_s)
        self.at_shutdown(self.presenter.events.subscribe(self._on_view_event))
        self.bridge = EventBridge(service.events, self)
        self.bridge.event.connect(self._on_service_event)
        self.at_shutdown(self.bridge.close)
        self._ready_sent = False
        # The ID-card reader: its callbacks arrive here as queued signals (ui/idcard.py); what the slot
        # says about the reader itself is the reader presenter's (core/presenters/reader.py).
        self.reader = ReaderBridge(id_reader, self, presenter=ReaderPresenter(
            CITIZEN_READER_TEXTS, available=False, language=language))
        self.at_shutdown(self.reader.close)
        self.reader.card.connect(self._on_card)
        self.card_hooks: list = []  # a page added later that takes the card first (ui/pickup_kiosk.py): True = taken
        self.reader.presenter.events.subscribe(lambda _change: self._show_identity())
        self.texts.changed.connect(self.reader.presenter.set_language)
        id_reader_available = id_reader_available or id_reader is not None
        self.codes = codes
        self.scans = scans
        self.guide = GuidePresenter(guide, self.worker.run, call_timeout_s=call_timeout_s, printer=papers,
                                    language=lambda: self.texts.language) if guide else None
        # 自助申报: built when first asked for (its form and imaging stacks stay out of the start-up).
        self.apply_flow = self.apply_page = None
        self._apply_parts = (application, papers, camera) if self.guide is not None and application else None
        self._build_pages(id_reader_available)
        self._build_layout(idle_s, idle_warning_s, hall_refresh_s, idle_options or {})
        self._connect_pages()
        self._draw = self._handlers()
        if scans is not None and codes is not None:
            scans.scanned.connect(self._on_scan)
            self.at_shutdown(self._stop_scans)
        self.texts.changed.connect(self._retranslated)
        if sync_engine is not None:
            self.attach_sync(sync_engine)
        self.home.show_hall(None)
        self._show_identity()
        self.reader.announce_state()
        self.rating = attach_kiosk_rating(self, rating) if rating is not None else None
        self.voice = attach_voice(self, voice)  # None: this kiosk cannot speak
        self.access = CitizenAccess(self)  # the keypad, elders' mode, help (ui/citizen_access.py)
        self.resize(1280, 800)

    def _build_pages(self, id_reader_available: bool) -> None:
        t, scans = self.texts, self.scans
        self.home = HomePage(t, codes=self.codes is not None, guide=self.guide is not None)
        self.scan_page = ScanPage(t, camera=bool(scans is not None and scans.has_camera))
        # With a camera, the scan page shows its live picture so the person sees where to hold the
        # phone; the code reader takes its frames from the preview (one preview listener per camera).
        self.scan_preview: CameraPreview | None = None
        if scans is not None and self.codes is not None and scans.has_camera:
            self.scan_preview = CameraPreview(scans.camera, t, tap=scans.preview_tap())
            self.at_shutdown(self.scan_preview.stop)
            self.scan_page.add_preview(self.scan_preview)
        self.tracking_page = TrackingPage(t)
        self.services_page = ServicesPage(t, self.service.clock)
        self.confirm_page = ConfirmPage(t, id_reader_available=id_reader_available)
        self.busy = BusyPage(t)
        self.result = ResultPage(t)
        self.problem = ProblemPage(t)
        self.stack = QStackedWidget()
        self.pages = {}
        can_apply = takes_pre_application if self._apply_parts is not None else None
        self.guide_page = GuidePage(t, self.guide, can_apply=can_apply) if self.guide is not None else None
        if self.guide_page is not None:
            self.at_shutdown(self.guide_page.close)
        for page in (self.home, self.services_page, self.confirm_page, self.busy, self.result, self.problem,
                     self.scan_page, self.tracking_page, self.guide_page):
            if page is None:
                continue
            self.stack.addWidget(page)
            self.pages[view.Page(page.name)] = page

    def _build_layout(self, idle_s: float, idle_warning_s: float, hall_refresh_s: float, idle_options: dict) -> None:
        t = self.texts
        top = QHBoxLayout()
        self.title = t.bind(label("", "muted"), "app.name")
        self.language_button = t.bind(button("", name="language"), "language.switch")
        self.language_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.language_button.setMinimumWidth(180)
        self.language_button.clicked.connect(self.switch_language)
        top.addWidget(self.title, 1)
        # The status area: one calm line while the platform cannot be reached, else nothing.
        self.sync_notice = None
        self._top = top
        top.addWidget(self.language_button)
        self.platform_banner = Banner()
        self.platform_banner.setObjectName("platform-banner")
        self.idle_bar, self.idle_text, self.idle_extend = idle_warning_bar(t)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.platform_banner)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.idle_bar)

        self.idle = IdleGuard(self, idle_s, idle_warning_s, **idle_options)
        self.at_shutdown(self.idle.close)
        self.idle.warn.connect(self._idle_warn)
        self.idle.warning_over.connect(self.idle_bar.hide)
        self.idle.expired.connect(self._idle_expired)
        self.idle_extend.clicked.connect(self.idle.extend)
        self.hall_timer = QTimer(self)
        self.hall_timer.setInterval(int(hall_refresh_s * 1000))
        self.hall_timer.timeout.connect(self.refresh_hall)
        self.at_shutdown(self.hall_timer.stop)
        self.at_shutdown(self.presenter.close)  # first to stop: no new call once the window goes

    def _connect_pages(self) -> None:
        """Every touch goes to the presenter."""
        p = self.presenter
        self.home.take_number.connect(p.open_services)
        self.services_page.chosen.connect(p.choose)
        self.services_page.back.connect(self.go_home)
        self.services_page.retry.connect(lambda: p.refresh_hall(force=True))
        self.confirm_page.confirm.connect(p.confirm)
        self.confirm_page.back.connect(p.open_services)
        self.busy.cancel.connect(self.go_home)
        self.result.reprint.connect(p.reprint)
        self.result.done.connect(self.go_home)
        self.problem.retry.connect(p.retry)
        self.problem.without_print.connect(p.go_on_without_print)
        self.problem.back.connect(self.go_home)
        self.home.check_in.connect(lambda: p.open_scan("checkin"))
        self.home.track.connect(lambda: p.open_scan("track"))
        self.scan_page.submitted.connect(self.submit_code)
        self.scan_page.back.connect(self.go_home)
        self.tracking_page.done.connect(self.go_home)
        if self.guide_page is not None:
            self.home.guide.connect(self.open_guide)
            self.guide_page.home.connect(self.go_home)
            self.guide_page.apply.connect(self.open_apply)

    def attach_sync(self, engine) -> None:
        """Puts the status area over ``engine`` in the top bar (at construction, or once ``kiosk run`` has
        built the store and engine after the home screen was up)."""
        if self.sync_notice is not None or self._closed:
            return
        self.sync_notice = CitizenSyncNotice(engine, language=self.texts.language,
                                             offline_tickets=self.service.offline_tickets is not None)
        self.at_shutdown(self.sync_notice.shutdown)
        index = self._top.indexOf(self.language_button)
        self._top.insertWidget(index, self.sync_notice)
        self._top.insertSpacing(index + 1, 16)

    # --- the session, as the presenter holds it (tests, the demo walk) -----------------------------

    @property
    def hall_view(self) -> HallView | None:
        return self.presenter.hall_view

    @property
    def request(self) -> TicketRequest | None:
        return self.presenter.request

    @property
    def issued(self) -> IssuedTicket | None:
        return self.presenter.issued

    @property
    def code_outcome(self):
        return self.presenter.code_outcome

    # --- life cycle --------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._ready_sent:
            self._ready_sent = True
            self.refresh_hall()
            self.hall_timer.start()
            QTimer.singleShot(0, self, self._announce_ready)

    def _announce_ready(self) -> None:
        if not self._closed:
            log.info("citizen home screen shown")
            self.home_ready.emit()

    def _stop_scans(self) -> None:
        self.scans.stop_camera()
        try:
            self.scans.scanned.disconnect(self._on_scan)
        except (RuntimeError, TypeError):
            pass

    @property
    def page(self) -> str:
        return self.stack.currentWidget().name

    # --- intents (the demo walk and tests drive these too) ------------------------------------------

    def refresh_hall(self, force: bool = False) -> None:
        self.presenter.refresh_hall(force)

    def open_services(self) -> None:
        self.presenter.open_services()

    def choose(self, prefix: str) -> None:
        self.presenter.choose(prefix)

    def confirm(self) -> None:
        self.presenter.confirm()

    def reprint(self) -> None:
        self.presenter.reprint()

    def open_scan(self, mode: str) -> None:
        """The "please scan your code" page, for an appointment ("checkin") or a receipt ("track")."""
        self.presenter.open_scan(mode)

    def submit_code(self, payload: str) -> None:
        """A scanned or typed code (the presenter classifies it; core/presenters/citizen.py)."""
        self.presenter.submit_code(payload)

    def _on_service_event(self, event) -> None:
        """A queue service event, queued over to the GUI thread by the bridge (a slot of this window, so
        Qt delivers it on the window's thread), for the presenter."""
        self.presenter.service_event(event)

    def _on_scan(self, payload: str) -> None:
        """A code from any scanner (GUI thread); the presenter takes it only where a code makes sense (on the
        pre-application's page: an e-licence code for its materials)."""
        if self.apply_flow is not None and self.page == "apply":
            self.idle.touch()
            self.apply_flow.scan(payload)
            return
        self.presenter.code_scanned(payload)

    def switch_language(self) -> None:
        self.presenter.switch_language()

    def set_home_language(self, language: str) -> None:
        """The language each new session starts in (the terminal's configured language)."""
        self.presenter.set_home_language(language)

    def go_home(self) -> None:
        """Ends the session: forgets the request, the ticket on screen and the identity."""
        self.presenter.go_home()

    def _guide_requested(self, event: view.GuideRequested) -> None:
        """A scanned guide code: the guide opens afresh and shows that matter once its catalogue is in."""
        self.guide.open()
        self.guide.choose(event.code)

    def open_guide(self) -> None:
        """办事指南: the guide page, with the catalogue loaded (or refreshed) on the worker."""
        self.guide.open()
        self.presenter.open_guide()

    def open_apply(self) -> None:
        """自助申报 of the matter the guide shows: the card step of a fresh pre-application."""
        if self._apply_parts is None or not takes_pre_application(self.guide.current):
            return
        if self.apply_flow is None:
            from ui.citizen_apply import build_apply

            application, papers, camera = self._apply_parts
            self.apply_flow, self.apply_page = build_apply(self, application, papers=papers, camera=camera)
            self.apply_page.home.connect(self.go_home)
            self.stack.addWidget(self.apply_page)
            self.pages[view.Page.APPLY] = self.apply_page
            if self.rating is not None:  # 好差评 of the case once its slip printed
                self.at_shutdown(ApplyLink(self.apply_flow, self.rating.presenter).unsubscribe)
        self.apply_flow.start(self.guide.current)
        self.apply_page.started()
        self.presenter.open_apply()

    # --- drawing what the presenter says ------------------------------------------------------------

    def _text(self, message) -> str:
        return message.render(self.texts.tr)

    def _on_view_event(self, event) -> None:
        handler = self._draw.get(type(event))
        if handler is not None and not self._closed:
            handler(event)

    def _handlers(self) -> dict:
        return {
            view.PageChanged: self._show_page,
            view.HallChanged: lambda e: self.home.show_hall(e.view.info),
            view.ServicesChanged: lambda e: self.services_page.show_hall(e.hall),
            view.ServicesLoading: lambda e: self.services_page.show_loading(),
            view.ServicesUnreachable: lambda e: self.services_page.show_unreachable(self._text(e.message),
                                                                                     e.can_retry),
            view.BannerChanged: lambda e: self._show_banner(),
            view.ConfirmShown: lambda e: self.confirm_page.show_service(e.service, e.identity),
            view.BusyShown: lambda e: self.busy.message.setText(self._text(e.message)),
            view.TicketShown: lambda e: self.result.show_ticket(e.issued),
            view.ProblemShown: lambda e: self.problem.show_problem(
                self._text(e.message), can_retry=e.can_retry, can_go_without_print=e.can_go_without_print),
            view.ScanOpened: lambda e: self.scan_page.open(e.mode),
            view.ScanMessage: lambda e: self.scan_page.show_message(self._text(e.message), e.role),
            view.CaseShown: lambda e: self.tracking_page.show_case(e.case, today=e.today, calendar=e.calendar),
            view.GuideRequested: self._guide_requested,
            view.GreetingChanged: lambda e: self._show_identity(),
            view.LanguageChanged: lambda e: self.texts.set_language(e.language),
            view.SessionEnded: lambda e: self._session_ended(),
            view.Activity: lambda e: self.idle.touch(),
        }

    def _show_page(self, event: view.PageChanged) -> None:
        page = self.pages[event.page]
        self.stack.setCurrentWidget(page)
        if self.scans is not None and self.codes is not None:
            # The camera reads codes only while the "please scan your code" page is shown.
            if event.camera_on:
                if self.scan_preview is not None:
                    self.scans.preview_tap()  # the code reader's thread, again after the last stop
                    self.scan_preview.start()
                else:
                    self.scans.start_camera()
            else:
                if self.scan_preview is not None:
                    self.scan_preview.stop()
                self.scans.stop_camera()
        if event.idle_armed:
            self.idle.arm()
        else:
            self.idle.disarm()
            self.idle_bar.hide()

    def _show_banner(self) -> None:
        banner = self.presenter.banner
        if banner is None:
            self.platform_banner.clear_text()
        else:
            self.platform_banner.show_text(self._text(banner), "notice")

    def _session_ended(self) -> None:
        self.result.issued = None
        self.result.number.setText("")
        self.tracking_page.clear()
        self.confirm_page.service = None
        self.confirm_page.identity = None
        self.reader.presenter.forget()
        if self.guide is not None:
            self.guide.reset()
        if self.apply_flow is not None:
            self.apply_flow.wipe(announce=False)  # the person's form, pages and card are forgotten
            self.apply_page.close_parts()

    def _retranslated(self, _language: str) -> None:
        if self.sync_notice is not None:
            self.sync_notice.set_language(self.texts.language)
        self.home.show_hall(self.hall_view.info if self.hall_view else None)
        self._show_identity()
        self._show_banner()
        if self.stack.currentWidget() is self.busy and self.presenter.busy_message is not None:
            self.busy.message.setText(self._text(self.presenter.busy_message))

    # --- identification by ID card ------------------------------------------------------------------

    def _on_card(self, identity) -> None:
        """A card was read (on the GUI thread now): the presenter decides whose session it is."""
        if self._closed or any(hook(identity) for hook in self.card_hooks):
            return
        if self.apply_flow is not None and self.page == "apply":
            self.idle.touch()
            self.apply_flow.card_placed(identity)  # another person's card ends the flow (then home)
            return
        self.presenter.card_placed(identity)

    def identity_text(self) -> tuple[str, str, bool]:
        """What the identification slot says now: (text, role, show the card pictogram)."""
        t = self.texts
        greeting = self.presenter.greeting()
        if greeting is not None:
            return self._text(greeting), "good", False
        reader = self.reader.presenter.view(age=self.presenter.elderly_age)
        return reader.text, "notice", reader.card_icon

    def _show_identity(self) -> None:
        text, role, icon = self.identity_text()
        for slot in (self.services_page.id_slot, self.confirm_page.id_slot):
            slot.show_text(text, role, icon=icon)

    # --- idle --------------------------------------------------------------------------------------

    def _idle_warn(self, seconds: int) -> None:
        self.idle_text.setText(self.texts("ui.idle.warning", seconds=seconds))
        self.idle_bar.show()

    def _idle_expired(self) -> None:
        self.presenter.idle_expired()
