"""The citizen kiosk's session and rules, without Qt: home → choose a service → confirm → the number.

``CitizenPresenter`` holds what the kiosk's session is (the page, the request in flight, the ticket on
screen, the chosen service, the language) and decides what each of the person's intents does; the window
(ui/citizen.py) builds the widgets, forwards touches, cards, scans and timers here, and draws what the
presenter publishes on ``events`` (core/presenters/citizen_view.py). Every call that may block goes
through ``run`` (the window's ``Worker.run``: off the GUI thread, with a time limit, the answer handed back
on the GUI thread), so the presenter itself never blocks.

The rules (docs/ui.md "The windows", Citizen kiosk; "Presenters" for the pattern):

- Taking a number: one press of "take" is one request id; "try again" resends that same request (never a
  second number). No printer able to print: told before a number is taken, with the choice to go on
  without a slip. A slip that fails after the number was issued keeps the number on screen, with a
  reprint. The platform down or slow: a calm message and a retry; a refusal (cap reached, hours over):
  its own message and no retry.
- Codes: the payload is classified first (pure, strict): unknown ones say "无法识别此码" and nothing is
  sent; codes meant for a clerk's window say so; an appointment checks in (its ticket is shown and printed
  like a taken number), a receipt opens its case, a 自助申报 slip's code says to take the slip to a window
  (nothing looked up, nothing of the person shown). Scans count only on the pages where a code makes sense.
- Identity: a card greets the person by their masked name (the elderly greeting from the hall's priority
  age); a card placed while another person's session is on screen ends that session first.
- The session ends on "done", "back home", the idle timeout and a new person's card: the request, the
  ticket, the chosen service and the identity are forgotten and the kiosk's own language returns.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from core.domain import Identity, Service
from core.domain.codes import CodeKind
from core.errors import KioskError
from core.i18n import LANGUAGES
from core.presenters.citizen_view import (
    SCAN_PAGES,
    SESSION_PAGES,
    Activity,
    BannerChanged,
    BusyShown,
    CaseShown,
    ConfirmShown,
    EldersModeChanged,
    GreetingChanged,
    GuideRequested,
    HallChanged,
    LanguageChanged,
    Page,
    PageChanged,
    Runner,
    ScanMessage,
    ScanOpened,
    ServicesChanged,
    ServicesLoading,
    ServicesUnreachable,
    SessionEnded,
    TicketShown,
)
from core.presenters.citizen_problems import code_problem, issue_problem
from core.presenters.messages import Message, age_message
from core.services.events import EventHub
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

log = logging.getLogger(__name__)

DEFAULT_ELDERLY_AGE = 70  # said on the "place your card" line before the hall's own age is known
PLATFORM_DOWN = Message.of("ui.citizen.platform_down")


class CitizenPresenter:
    """One kiosk's session. Drive it from one thread (the window's GUI thread); ``run`` hands results back
    on that thread, ``cancel(task)`` forgets a call's answer (the task id ``run`` returned)."""

    def __init__(self, service: KioskQueueService, run: Runner, *, cancel: Callable[[int], None] | None = None,
                 codes=None, guide: bool = False, language: str = "zh_CN", call_timeout_s: float = 8.0) -> None:
        """``codes``: a ``CodeService`` (None: the kiosk takes no codes); ``guide``: the kiosk has the
        service guide, so a scanned guide code opens it (``GuideRequested``)."""
        self.service = service
        self._run = run
        self._cancel = cancel
        self.codes = codes
        self.guide = guide
        self.call_timeout_s = call_timeout_s
        self.events = EventHub()
        self.page = Page.HOME
        self.language = language
        self.home_language = language
        self.hall_view: HallView | None = None
        self.banner: Message | None = None
        self.chosen: Service | None = None  # the service on the confirm page
        self.request: TicketRequest | None = None
        self.issued: IssuedTicket | None = None
        self.busy_message: Message | None = None
        self.scan_mode = "checkin"
        self.code_outcome = None  # the last resolved code (tests, the demo walk)
        self.elders = False  # 长辈模式, for this session
        self._task = 0
        self._closed = False

    def close(self) -> None:
        """The window is closing: every later intent and answer is ignored."""
        self._closed = True

    # --- publishing --------------------------------------------------------------------------------

    def _emit(self, event: Any) -> None:
        self.events.emit(event)

    def _show(self, page: Page) -> None:
        self.page = page
        self._emit(PageChanged(page))

    # --- language ----------------------------------------------------------------------------------

    def switch_language(self) -> None:
        """The one-touch switch: Chinese ↔ English (for this session)."""
        self.set_language(LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
                          if self.language in LANGUAGES else LANGUAGES[0])

    def set_language(self, language: str) -> None:
        self.language = language
        self._emit(LanguageChanged(language))

    def set_elders(self, on: bool) -> None:
        """长辈模式 on or off (the home page's entry); it lasts until the session ends."""
        if on != self.elders:
            self.elders = on
            self._emit(EldersModeChanged(on))

    def set_home_language(self, language: str) -> None:
        """The language each new session starts in (the terminal's configured language)."""
        self.home_language = language

    # --- hall --------------------------------------------------------------------------------------

    def refresh_hall(self, force: bool = False) -> None:
        """Asks for the hall (from the service's cache while fresh; ``force``: from the platform)."""
        if self._closed:
            return
        if self.hall_view is None and self.page is Page.SERVICES:
            self._emit(ServicesLoading())
        self._run(self.service.hall, max_age_s=0.0 if force else None, on_done=self.hall_loaded,
                  on_error=self.hall_failed, timeout_s=self.call_timeout_s)

    def hall_loaded(self, view: HallView) -> None:
        self.hall_view = view
        self._emit(HallChanged(view))
        self._emit(GreetingChanged())
        if self.page is not Page.CONFIRM:  # the confirm page keeps the service it shows
            self._emit(ServicesChanged(view.info))
        self._update_banner()

    def hall_failed(self, error: BaseException) -> None:
        log.warning("hall info unavailable: %r", error)
        if self.hall_view is not None:
            self.hall_view = HallView(self.hall_view.info, stale=True,
                                      error=error if isinstance(error, KioskError) else None)
        self._update_banner(error)
        if self.hall_view is None:
            self._emit(ServicesUnreachable(Message.of_error(error)))

    def _update_banner(self, error: BaseException | None = None) -> None:
        view = self.hall_view
        if error is None and view is not None and not view.stale:
            banner = None
        elif self.service.offline_tickets is not None and view is not None and view.age_s is not None:
            # Offline numbers still work: only say how old the service information is.
            banner = Message.of("technician.status.hall_age", age=age_message(view.age_s))
        elif error is not None or (view is not None and view.stale):
            banner = PLATFORM_DOWN
        else:
            return  # nothing known yet: the line stays as it is
        self._set_banner(banner)

    def _set_banner(self, banner: Message | None) -> None:
        self.banner = banner
        self._emit(BannerChanged(banner))

    def service_event(self, event: Any) -> None:
        """An event of the queue service, handed over on this presenter's thread."""
        if isinstance(event, IdentityChanged):
            if self.page is Page.CONFIRM and self.chosen is not None:
                self._emit(ConfirmShown(self.chosen, event.identity))
            self._emit(GreetingChanged())
        elif isinstance(event, PlatformStatusChanged):
            self._set_banner(None if event.online else PLATFORM_DOWN)

    # --- taking a number ---------------------------------------------------------------------------

    def open_services(self) -> None:
        self.request = None
        if self.hall_view is not None:
            self._emit(ServicesChanged(self.hall_view.info))
        else:
            self._emit(ServicesLoading())
        self._show(Page.SERVICES)
        self.refresh_hall()

    def choose(self, prefix: str) -> None:
        """A service button: its confirm page (services that cannot issue have no live button)."""
        if self.hall_view is None:
            return
        self.chosen = self.hall_view.info.service(prefix)
        self.request = None
        self._emit(ConfirmShown(self.chosen, self.service.identity))
        self._show(Page.CONFIRM)

    def confirm(self) -> None:
        if self.chosen is None:
            return
        # One press, one request id: a retry of this press reuses it (core/services/queue.py).
        self.request = self.service.new_request(self.chosen.prefix)
        self.issue(without_print=False)

    def retry(self) -> None:
        """"Try again" on the problem page: the same request (the same number if it was issued)."""
        self.issue(without_print=False)

    def go_on_without_print(self) -> None:
        self.issue(without_print=True)

    def issue(self, *, without_print: bool) -> None:
        if self.request is None:
            self.go_home()
            return
        self._busy(Message.of("ui.busy.issuing"))
        self._task = self._run(self.service.issue, self.request, without_print=without_print,
                               on_done=self.issued_ticket, on_error=self.issue_failed,
                               timeout_s=self.call_timeout_s)

    def _busy(self, message: Message) -> None:
        self.busy_message = message
        self._emit(BusyShown(message))
        self._show(Page.BUSY)

    def issued_ticket(self, issued: IssuedTicket) -> None:
        self.issued = issued
        self._emit(TicketShown(issued))
        self._show(Page.RESULT)
        if issued.print_state is PrintState.PRINTING:
            self._print(issued)

    def issue_failed(self, error: BaseException) -> None:
        self._emit(issue_problem(error))
        self._show(Page.PROBLEM)

    def _print(self, issued: IssuedTicket) -> None:
        self._task = self._run(self.service.print_slip, issued, language=self.language,
                               on_done=self.printed, on_error=self.print_failed,
                               timeout_s=self.call_timeout_s * 2)

    def printed(self, issued: IssuedTicket) -> None:
        if self.issued is None or issued.ticket.number != self.issued.ticket.number:
            return  # the person has gone home meanwhile
        self.issued = issued
        self._emit(TicketShown(issued))

    def print_failed(self, error: BaseException) -> None:
        # ``print_slip`` reports printer problems in its result; an error here is a hung printer call.
        if self.issued is None:
            return
        log.warning("printing ticket %s did not finish: %r", self.issued.ticket.number, error)
        self.issued = replace(self.issued, print_state=PrintState.FAILED,
                              print_error=error if isinstance(error, KioskError) else None)
        self._emit(TicketShown(self.issued))

    def reprint(self) -> None:
        if self.issued is None:
            return
        self.issued = replace(self.issued, print_state=PrintState.PRINTING)
        self._emit(TicketShown(self.issued))
        self._print(self.issued)

    # --- codes -------------------------------------------------------------------------------------

    def open_scan(self, mode: str) -> None:
        """The "please scan your code" page, for an appointment ("checkin") or a receipt ("track")."""
        self.scan_mode = mode
        self._emit(ScanOpened(mode))
        self._show(Page.SCAN)

    def code_scanned(self, payload: str) -> None:
        """A code from any scanner: taken on the pages where a code makes sense; ignored while a number is
        being chosen, confirmed or issued."""
        if self._closed or self.page not in SCAN_PAGES:
            return
        self.submit_code(payload)

    def submit_code(self, payload: str) -> None:
        """A scanned or typed code: classified here (pure, strict); a guide code opens the service guide at
        its matter (when the kiosk has the guide); only an appointment or a receipt is sent to the
        platform, through ``run``. The payload is never logged nor shown."""
        if self._closed or self.codes is None:
            return
        self._emit(Activity())
        code = self.codes.classify(payload)
        log.info("kiosk: code of kind %s", code.kind.value)
        if code.kind is CodeKind.GUIDE and self.guide:
            self.open_guide_at(code.fields["matter"])
            return
        if code.kind is CodeKind.PRE_APPLICATION:
            # A 自助申报 slip is for a window: nothing is looked up here, nothing of the person is shown.
            if self.page is not Page.SCAN:
                self.open_scan("track")
            self._emit(ScanMessage(Message.of("pre_apply.code.slip"), "notice"))
            return
        if code.kind not in (CodeKind.APPOINTMENT, CodeKind.RECEIPT):
            if code.kind is CodeKind.UNKNOWN:
                message = Message.of("codes.not_recognised", then=Message.of("codes.not_recognised.hint"))
            else:
                message = Message.of("ui_codes.scan.not_here")
            self._code_message(message)
            return
        if self.page in (Page.RESULT, Page.TRACKING, Page.PROBLEM):
            self.go_home()  # a new code: the previous screen's session ends
        self.scan_mode = "checkin" if code.kind is CodeKind.APPOINTMENT else "track"
        self._busy(Message.of(f"ui_codes.busy.{self.scan_mode}"))
        self._task = self._run(self.service.resolve_code, self.codes, payload,
                               request_id=str(uuid.uuid4()), on_done=self.code_resolved,
                               on_error=self.code_failed, timeout_s=self.call_timeout_s)

    def _code_message(self, message: Message, role: str = "problem") -> None:
        if self.page is not Page.SCAN:
            self.open_scan("checkin")
        self._emit(ScanMessage(message, role))

    def code_resolved(self, answer) -> None:
        outcome, issued = answer
        self._task = 0
        self.code_outcome = outcome
        if issued is not None:
            self.issued_ticket(issued)
        elif outcome.case is not None:
            hall = self.hall_view.info if self.hall_view else None
            self._emit(CaseShown(outcome.case, today=hall_now(hall, self.service.clock).date(),
                                 calendar=outcome.calendar))
            self._show(Page.TRACKING)
        else:
            self._code_message(Message.of(outcome.message_key or "codes.not_recognised"))

    def code_failed(self, error: BaseException) -> None:
        self._task = 0
        message = code_problem(error, self.scan_mode)
        self.open_scan(self.scan_mode)
        self._emit(message)

    # --- identification by ID card ------------------------------------------------------------------

    def card_placed(self, identity: Identity) -> None:
        """A card was read. Someone else's session (another person, or a number already on screen) is
        ended first; from the home page the services open."""
        if self._closed:
            return
        current = self.service.identity
        another_person = current is not None and not same_person(current, identity)
        if another_person or self.page in SESSION_PAGES:
            log.info("new card at the kiosk: the previous session is wiped")
            self.go_home()
        self.service.identify(identity)
        if self.page is Page.HOME:
            self.open_services()
        else:
            self._emit(Activity())
        self._emit(GreetingChanged())

    @property
    def elderly_age(self) -> int:
        """The hall's elderly priority age (the default until the hall is known)."""
        return self.hall_view.info.elderly_priority_age if self.hall_view else DEFAULT_ELDERLY_AGE

    def greeting(self) -> Message | None:
        """How the identified person is greeted (masked name; the elderly priority when the hall's rules
        give it today), or None while nobody is identified."""
        identity = self.service.identity
        if identity is None:
            return None
        hall = self.hall_view.info if self.hall_view else None
        if hall is not None and is_elderly(identity, hall.elderly_priority_age,
                                           hall_now(hall, self.service.clock).date()):
            return Message.of("ui.identity.greeting_elderly", name=identity.masked_name,
                              age=hall.elderly_priority_age)
        return Message.of("ui.confirm.identified", name=identity.masked_name)

    # --- the end of a session -------------------------------------------------------------------------

    def idle_expired(self) -> None:
        log.info("kiosk idle: session wiped")
        self.go_home()

    def open_guide(self) -> None:
        """The service guide (办事指南): reading it starts no session of its own."""
        self._show(Page.GUIDE)

    def open_apply(self) -> None:
        """自助申报 from a matter's guide: the flow's page (the flow's presenter holds the person's data)."""
        self._show(Page.APPLY)

    def open_guide_at(self, matter_code: str) -> None:
        """A checklist's guide code: the guide page at that matter. A number or case on screen belongs to
        the previous person's session, which ends first."""
        if self.page in (Page.RESULT, Page.TRACKING, Page.PROBLEM):
            self.go_home()
        self._emit(GuideRequested(matter_code))
        self.open_guide()

    def go_home(self) -> None:
        """Ends the session: forgets the request, the ticket on screen, the service and the identity."""
        if self._task:
            if self._cancel is not None:
                self._cancel(self._task)
            self._task = 0
        self.request = None
        self.issued = None
        self.chosen = None
        self._emit(SessionEnded())
        self.service.wipe()
        self._emit(GreetingChanged())
        if self.language != self.home_language:
            self.set_language(self.home_language)
        self.set_elders(False)  # the next person starts with the usual screen
        self._show(Page.HOME)
