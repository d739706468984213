"""The citizen kiosk: home → choose a service → confirm → the number (and its slip).

The window holds no queue logic: it asks ``KioskQueueService`` (core/services/queue.py) through a
``Worker`` (every call off the GUI thread, with a time limit) and shows what comes back. What happens when
things go wrong:

- platform down or slow: the call times out on the worker, a calm message says so and offers to try
  again with the *same* request (never a second number); the screen never freezes;
- no printer can print: the person is told before a number is taken and may go on with the number on
  screen only;
- the slip fails after the number was issued: the number stays on screen with "please ask staff" and a
  reprint button;
- idle: a warning with one-touch "continue", then the session is wiped and home returns.

Identification by ID card (docs/ui.md): the reader (``id_reader``, any ``IdCardReaderPort``; None without
one) calls back on its own thread; ``ReaderBridge`` (ui/idcard.py) hands each card to the GUI thread.
A card sets the person in ``KioskQueueService.identify`` (the ticket request then carries the ID number
and birth date: one waiting ticket per person per service, elderly priority); the services and confirm
pages greet the person by their masked name. A card that comes while another person's session is on
screen (another identity, or a number already shown) wipes that session first. The slot on those pages
says what the reader is doing: place your card, reading, place it again (a failed read), or that the
reader is not available (taking a number without a card always works).

Codes (docs/ui.md, "Codes at the kiosk"): with a ``CodeService`` (``codes``) the home screen shows
"预约签到" and "办件查询", which open ``ScanPage`` (ui/citizen_codes.py: where the scanner is, and a keypad).
A scan from ``scans`` (ui/scan_source.py: wedge, serial scanner, camera frames) works on the home, scan,
tracking and result pages. The payload is classified first, on the GUI thread (pure, strict): an unknown
one shows "无法识别此码" (codes.not_recognised) and nothing is called; an appointment checks in through
``KioskQueueService.resolve_code`` on the worker and its priority ticket is shown and printed like a
taken number (a repeat scan: the same ticket, printed again); a receipt opens ``TrackingPage``.

``home_ready`` is emitted once the home screen is shown and the event loop runs (the start-up bench and
``kiosk run`` print a marker on it).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from core.errors import DeviceError, DeviceNotFound, HardwareFault, KioskError, PlatformError, PlatformUnreachable
from core.ports.idcard import ReaderState
from core.services.identity import is_elderly, same_person
from core.services.queue import (
    HallView,
    IdentityChanged,
    IssuedTicket,
    KioskQueueService,
    PlatformStatusChanged,
    PrintState,
    TicketRequest,
    hall_now,
)
from core.domain.codes import CodeKind
from ui.bridge import EventBridge
from ui.camera_preview import CameraPreview
from ui.citizen_codes import ScanPage, TrackingPage
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
from ui.sync_status import CitizenSyncNotice, format_age
from ui import theme
from ui.texts import Texts
from ui.widgets import Banner, button, label
from ui.worker import Worker

log = logging.getLogger(__name__)


class CitizenWindow(QWidget):
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
        parent: QWidget | None = None,
    ) -> None:
        """``codes``: a ``CodeService`` (None: no code buttons); ``scans``: the terminal's ``ScanSource``
        (not owned: ``Terminal.close`` closes it)."""
        super().__init__(parent)
        self.setObjectName("citizen-window")
        theme.style_window(self)
        self.service = service
        self.call_timeout_s = call_timeout_s
        self.texts = Texts(language, self)
        # One thread: the platform client is not shared between threads, and calls run in order.
        self.worker = Worker(self, name="kiosk", max_workers=1)
        self.bridge = EventBridge(service.events, self)
        self.bridge.event.connect(self._on_service_event)
        self.hall_view: HallView | None = None
        self.request: TicketRequest | None = None
        self.issued: IssuedTicket | None = None
        self._task = 0
        self._closed = False
        self._ready_sent = False
        self._home_language = language
        self._busy_key = ""
        # The ID-card reader: its callbacks arrive here as queued signals (ui/idcard.py).
        self.reader = ReaderBridge(id_reader, self)
        self.reader.card.connect(self._on_card)
        self.reader.state.connect(self._on_reader_state)
        self.reader.error.connect(self._on_reader_error)
        self.reader_state = self.reader.current_state
        self.reader_error: DeviceError | None = None  # the last failed read, until the next card
        id_reader_available = id_reader_available or id_reader is not None

        t = self.texts
        self.codes = codes
        self.scans = scans
        self.code_outcome = None  # the last resolved code (tests, the demo walk)
        self.home = HomePage(t, codes=codes is not None)
        self.scan_page = ScanPage(t, camera=bool(scans is not None and scans.has_camera))
        # With a camera, the scan page shows its live picture so the person sees where to hold the
        # phone; the code reader takes its frames from the preview (one preview listener per camera).
        self.scan_preview: CameraPreview | None = None
        if scans is not None and codes is not None and scans.has_camera:
            self.scan_preview = CameraPreview(scans.camera, t, tap=scans.preview_tap())
            self.scan_page.add_preview(self.scan_preview)
        self.tracking_page = TrackingPage(t)
        self.services_page = ServicesPage(t, service.clock)
        self.confirm_page = ConfirmPage(t, id_reader_available=id_reader_available)
        self.busy = BusyPage(t)
        self.result = ResultPage(t)
        self.problem = ProblemPage(t)
        self.stack = QStackedWidget()
        for page in (self.home, self.services_page, self.confirm_page, self.busy, self.result, self.problem,
                     self.scan_page, self.tracking_page):
            self.stack.addWidget(page)

        top = QHBoxLayout()
        self.title = t.bind(label("", "muted"), "app.name")
        self.language_button = t.bind(button("", name="language"), "language.switch")
        self.language_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.language_button.setMinimumWidth(180)
        self.language_button.clicked.connect(self.switch_language)
        top.addWidget(self.title, 1)
        # The status area (docs/ui.md, "Status area"): one calm line while the platform cannot be reached, else nothing.
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

        self.idle = IdleGuard(self, idle_s, idle_warning_s)
        self.idle.warn.connect(self._idle_warn)
        self.idle.warning_over.connect(self.idle_bar.hide)
        self.idle.expired.connect(self._idle_expired)
        self.idle_extend.clicked.connect(self.idle.touch)
        self.hall_timer = QTimer(self)
        self.hall_timer.setInterval(int(hall_refresh_s * 1000))
        self.hall_timer.timeout.connect(self.refresh_hall)

        self.home.take_number.connect(self.open_services)
        self.services_page.chosen.connect(self.choose)
        self.services_page.back.connect(self.go_home)
        self.services_page.retry.connect(lambda: self.refresh_hall(force=True))
        self.confirm_page.confirm.connect(self.confirm)
        self.confirm_page.back.connect(self.open_services)
        self.busy.cancel.connect(self.go_home)
        self.result.reprint.connect(self.reprint)
        self.result.done.connect(self.go_home)
        self.problem.retry.connect(lambda: self._issue(without_print=False))
        self.problem.without_print.connect(lambda: self._issue(without_print=True))
        self.problem.back.connect(self.go_home)
        self.home.check_in.connect(lambda: self.open_scan("checkin"))
        self.home.track.connect(lambda: self.open_scan("track"))
        self.scan_page.submitted.connect(self.submit_code)
        self.scan_page.back.connect(self.go_home)
        self.tracking_page.done.connect(self.go_home)
        if scans is not None and codes is not None:
            scans.scanned.connect(self._on_scan)
        t.changed.connect(self._retranslated)
        if sync_engine is not None:
            self.attach_sync(sync_engine)
        self.home.show_hall(None)
        self._show_identity()
        self.reader.announce_state()
        self.resize(1280, 800)

    def attach_sync(self, engine) -> None:
        """Puts the status area over ``engine`` in the top bar (at construction, or once ``kiosk run`` has
        built the store and engine after the home screen was up)."""
        if self.sync_notice is not None or self._closed:
            return
        self.sync_notice = CitizenSyncNotice(engine, language=self.texts.language,
                                             offline_tickets=self.service.offline_tickets is not None)
        index = self._top.indexOf(self.language_button)
        self._top.insertWidget(index, self.sync_notice)
        self._top.insertSpacing(index + 1, 16)

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

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stops timers, the idle guard, event delivery and the worker threads (bounded)."""
        if self._closed:
            return
        self._closed = True
        self.hall_timer.stop()
        if self.sync_notice is not None:
            self.sync_notice.shutdown()
        self.idle.close()
        if self.scan_preview is not None:
            self.scan_preview.stop()
        if self.scans is not None and self.codes is not None:
            self.scans.stop_camera()
            try:
                self.scans.scanned.disconnect(self._on_scan)
            except (RuntimeError, TypeError):
                pass
        self.reader.close()
        self.bridge.close()
        self.worker.shutdown()
        self.service.wipe()

    @property
    def page(self) -> str:
        return self.stack.currentWidget().name

    def _show(self, page) -> None:
        self.stack.setCurrentWidget(page)
        if self.scans is not None and self.codes is not None:
            # The camera reads codes only while the "please scan your code" page is shown.
            if page is self.scan_page:
                if self.scan_preview is not None:
                    self.scans.preview_tap()  # the code reader's thread, again after the last stop
                    self.scan_preview.start()
                else:
                    self.scans.start_camera()
            else:
                if self.scan_preview is not None:
                    self.scan_preview.stop()
                self.scans.stop_camera()
        if page is self.home:
            self.idle.disarm()
            self.idle_bar.hide()
        else:
            self.idle.arm()

    # --- language ----------------------------------------------------------------------------------

    def switch_language(self) -> None:
        self.texts.set_language(self.texts.other_language())

    def _retranslated(self, _language: str) -> None:
        if self.sync_notice is not None:
            self.sync_notice.set_language(self.texts.language)
        self.home.show_hall(self.hall_view.info if self.hall_view else None)
        self._show_identity()
        self._show_platform_state()
        if self.stack.currentWidget() is self.busy and self._busy_key:
            self.busy.message.setText(self.texts(self._busy_key))

    # --- hall --------------------------------------------------------------------------------------

    def refresh_hall(self, force: bool = False) -> None:
        if self._closed:
            return
        if self.hall_view is None and self.stack.currentWidget() is self.services_page:
            self.services_page.show_loading()
        self.worker.run(self.service.hall, max_age_s=0.0 if force else None, on_done=self._hall_loaded,
                        on_error=self._hall_failed, timeout_s=self.call_timeout_s)

    def _hall_loaded(self, view: HallView) -> None:
        self.hall_view = view
        self.home.show_hall(view.info)
        self._show_identity()
        if self.stack.currentWidget() is not self.confirm_page:
            self.services_page.show_hall(view.info)
        self._show_platform_state()

    def _hall_failed(self, error: BaseException) -> None:
        log.warning("hall info unavailable: %r", error)
        if self.hall_view is not None:
            self.hall_view = HallView(self.hall_view.info, stale=True,
                                      error=error if isinstance(error, KioskError) else None)
        self._show_platform_state(error)
        if self.hall_view is None:
            self.services_page.show_unreachable(self.texts.error(error, "citizen"))

    def _show_platform_state(self, error: BaseException | None = None) -> None:
        stale = self.hall_view is None or self.hall_view.stale
        if error is None and not stale:
            self.platform_banner.clear_text()
        elif (self.service.offline_tickets is not None and self.hall_view is not None
              and self.hall_view.age_s is not None):
            # Offline numbers still work: only say how old the service information is.
            self.platform_banner.show_text(self.texts(
                "technician.status.hall_age", age=format_age(self.texts.tr, self.hall_view.age_s)), "notice")
        elif error is not None or (self.hall_view is not None and self.hall_view.stale):
            self.platform_banner.show_text(self.texts("ui.citizen.platform_down"), "notice")

    def _on_service_event(self, event) -> None:
        if isinstance(event, IdentityChanged):
            if self.stack.currentWidget() is self.confirm_page and self.confirm_page.service is not None:
                self.confirm_page.show_service(self.confirm_page.service, event.identity)
            self._show_identity()
        elif isinstance(event, PlatformStatusChanged):
            if event.online:
                self.platform_banner.clear_text()
            else:
                self.platform_banner.show_text(self.texts("ui.citizen.platform_down"), "notice")

    # --- the flow ----------------------------------------------------------------------------------

    def open_services(self) -> None:
        self.request = None
        if self.hall_view is not None:
            self.services_page.show_hall(self.hall_view.info)
        else:
            self.services_page.show_loading()
        self._show(self.services_page)
        self.refresh_hall()

    def choose(self, prefix: str) -> None:
        if self.hall_view is None:
            return
        service = self.hall_view.info.service(prefix)
        self.request = None
        self.confirm_page.show_service(service, self.service.identity)
        self._show(self.confirm_page)

    def confirm(self) -> None:
        if self.confirm_page.service is None:
            return
        # One press, one request id: a retry of this press reuses it (services/queue.py).
        self.request = self.service.new_request(self.confirm_page.service.prefix)
        self._issue(without_print=False)

    def _issue(self, *, without_print: bool) -> None:
        if self.request is None:
            self.go_home()
            return
        self._busy_key = "ui.busy.issuing"
        self.busy.message.setText(self.texts("ui.busy.issuing"))
        self._show(self.busy)
        self._task = self.worker.run(self.service.issue, self.request, without_print=without_print,
                                     on_done=self._issued, on_error=self._issue_failed,
                                     timeout_s=self.call_timeout_s)

    def _issued(self, issued: IssuedTicket) -> None:
        self.issued = issued
        self.result.show_ticket(issued)
        self._show(self.result)
        if issued.print_state is PrintState.PRINTING:
            self._print(issued)

    def _print(self, issued: IssuedTicket) -> None:
        self._task = self.worker.run(self.service.print_slip, issued, language=self.texts.language,
                                     on_done=self._printed, on_error=self._print_failed,
                                     timeout_s=self.call_timeout_s * 2)

    def _printed(self, issued: IssuedTicket) -> None:
        if self.issued is None or issued.ticket.number != self.issued.ticket.number:
            return  # the person has gone home meanwhile
        self.issued = issued
        self.result.show_ticket(issued)

    def _print_failed(self, error: BaseException) -> None:
        # ``print_slip`` reports printer problems in its result; an error here is a hung printer call.
        if self.issued is None:
            return
        log.warning("printing ticket %s did not finish: %r", self.issued.ticket.number, error)
        self.issued = replace(self.issued, print_state=PrintState.FAILED,
                              print_error=error if isinstance(error, KioskError) else None)
        self.result.show_ticket(self.issued)

    def reprint(self) -> None:
        if self.issued is None:
            return
        self.issued = replace(self.issued, print_state=PrintState.PRINTING)
        self.result.show_ticket(self.issued)
        self._print(self.issued)

    def _issue_failed(self, error: BaseException) -> None:
        t = self.texts
        if isinstance(error, HardwareFault):  # no printer can print: told before a number is taken
            self.problem.show_problem(t.error(error, "citizen"), can_retry=True, can_go_without_print=True)
        elif isinstance(error, PlatformUnreachable) or (isinstance(error, PlatformError)
                                                        and not hasattr(error, "reason")):
            self.problem.show_problem(t("ui.citizen.platform_down_retry"), can_retry=True,
                                      can_go_without_print=False)
        else:
            self.problem.show_problem(t.error(error, "citizen"), can_retry=False, can_go_without_print=False)
        self._show(self.problem)

    # --- codes ------------------------------------------------------------------------------------

    def open_scan(self, mode: str) -> None:
        """The "please scan your code" page, for an appointment ("checkin") or a receipt ("track")."""
        self.scan_page.open(mode)
        self._show(self.scan_page)

    def _on_scan(self, payload: str) -> None:
        """A code from any scanner (GUI thread). Taken on the pages where a code makes sense; ignored
        while a number is being chosen, confirmed or issued."""
        if self._closed or self.stack.currentWidget() not in (self.home, self.scan_page, self.tracking_page,
                                                               self.result, self.problem):
            return
        self.submit_code(payload)

    def submit_code(self, payload: str) -> None:
        """A scanned or typed code: classified here (pure, strict); only an appointment or a receipt is
        sent to the platform, on the worker."""
        if self._closed or self.codes is None:
            return
        self.idle.touch()
        code = self.codes.classify(payload)
        log.info("kiosk: code of kind %s", code.kind.value)
        if code.kind not in (CodeKind.APPOINTMENT, CodeKind.RECEIPT):
            if code.kind is CodeKind.UNKNOWN:
                text = self.texts("codes.not_recognised") + "\n" + self.texts("codes.not_recognised.hint")
            else:
                text = self.texts("ui_codes.scan.not_here")
            self._code_message(text)
            return
        if self.stack.currentWidget() in (self.result, self.tracking_page, self.problem):
            self.go_home()  # a new code: the previous screen's session ends
        mode = "checkin" if code.kind is CodeKind.APPOINTMENT else "track"
        self.scan_page.mode = mode
        self._busy_key = f"ui_codes.busy.{mode}"
        self.busy.message.setText(self.texts(self._busy_key))
        self._show(self.busy)
        self._task = self.worker.run(self.service.resolve_code, self.codes, payload,
                                     request_id=str(uuid.uuid4()), on_done=self._code_resolved,
                                     on_error=self._code_failed, timeout_s=self.call_timeout_s)

    def _code_message(self, text: str, role: str = "problem") -> None:
        """Shows a fixed message on the scan page (never the payload)."""
        if self.stack.currentWidget() is not self.scan_page:
            self.scan_page.open("checkin")
            self._show(self.scan_page)
        self.scan_page.show_message(text, role)

    def _code_resolved(self, answer) -> None:
        outcome, issued = answer
        self._task = 0
        self.code_outcome = outcome
        if issued is not None:
            self._issued(issued)
        elif outcome.case is not None:
            self.tracking_page.show_case(outcome.case)
            self._show(self.tracking_page)
        else:
            self._code_message(self.texts(outcome.message_key or "codes.not_recognised"))

    def _code_failed(self, error: BaseException) -> None:
        self._task = 0
        t = self.texts
        mode = self.scan_page.mode
        reason = getattr(error, "reason", None)
        if isinstance(error, PlatformUnreachable) or (isinstance(error, PlatformError) and reason is None):
            text, role = t("ui_codes.error.platform_down"), "notice"
        elif reason == "not_found":
            text, role = t(f"ui_codes.error.not_found.{mode}"), "problem"
        elif reason == "wrong_state":
            text, role = t("ui_codes.error.wrong_day"), "problem"
        elif isinstance(error, KioskError):
            text, role = t.error(error, "citizen"), "problem"
        else:
            text, role = t("ui_codes.error.platform_down"), "notice"
        self.scan_page.open(mode)
        self._show(self.scan_page)
        self.scan_page.show_message(text, role)

    # --- identification by ID card ------------------------------------------------------------------

    def _on_card(self, identity) -> None:
        """A card was read (on the GUI thread now). Someone else's session on screen is wiped first."""
        if self._closed:
            return
        current = self.service.identity
        another_person = current is not None and not same_person(current, identity)
        if another_person or self.stack.currentWidget() in (self.result, self.problem, self.busy):
            log.info("new card at the kiosk: the previous session is wiped")
            self.go_home()
        self.reader_error = None
        self.service.identify(identity)
        if self.stack.currentWidget() is self.home:
            self.open_services()
        else:
            self.idle.touch()
        self._show_identity()

    def _on_reader_state(self, state: ReaderState) -> None:
        self.reader_state = state
        if state is ReaderState.NO_READER:
            self.reader_error = None
        self._show_identity()

    def _on_reader_error(self, error: DeviceError) -> None:
        # A failed read ("place it again") stays until the next card; an unplugged reader is a state.
        if not isinstance(error, DeviceNotFound):
            self.reader_error = error
        self._show_identity()

    def identity_text(self) -> tuple[str, str, bool]:
        """What the identification slot says now: (text, role, show the card pictogram)."""
        t = self.texts
        identity = self.service.identity
        if identity is not None:
            hall = self.hall_view.info if self.hall_view else None
            if hall is not None and is_elderly(identity, hall.elderly_priority_age,
                                               hall_now(hall, self.service.clock).date()):
                return (t("ui.identity.greeting_elderly", name=identity.masked_name,
                          age=hall.elderly_priority_age), "good", False)
            return t("ui.confirm.identified", name=identity.masked_name), "good", False
        if not self.reader.available:
            return t("ui.confirm.no_reader"), "notice", False
        if self.reader_state in (ReaderState.NO_READER, ReaderState.STOPPED):
            return t("ui.identity.unavailable"), "notice", False
        if self.reader_state is ReaderState.READING:
            return t("idcard.state.reading"), "notice", True
        if self.reader_error is not None:
            return t.error(self.reader_error, "citizen"), "notice", True
        age = self.hall_view.info.elderly_priority_age if self.hall_view else 70
        return t("ui.identity.place_card", age=age), "notice", True

    def _show_identity(self) -> None:
        text, role, icon = self.identity_text()
        for slot in (self.services_page.id_slot, self.confirm_page.id_slot):
            slot.show_text(text, role, icon=icon)

    # --- idle --------------------------------------------------------------------------------------

    def _idle_warn(self, seconds: int) -> None:
        self.idle_text.setText(self.texts("ui.idle.warning", seconds=seconds))
        self.idle_bar.show()

    def _idle_expired(self) -> None:
        log.info("kiosk idle: session wiped")
        self.go_home()

    def go_home(self) -> None:
        """Ends the session: forgets the request, the ticket on screen and the identity."""
        if self._task:
            self.worker.cancel(self._task)
            self._task = 0
        self.request = None
        self.issued = None
        self.result.issued = None
        self.result.number.setText("")
        self.tracking_page.clear()
        self.confirm_page.service = None
        self.confirm_page.identity = None
        self.reader_error = None
        self.service.wipe()
        self._show_identity()
        if self.texts.language != self._home_language:
            self.texts.set_language(self._home_language)
        self._show(self.home)

    def set_home_language(self, language: str) -> None:
        """The language each new session starts in (the terminal's configured language)."""
        self._home_language = language
