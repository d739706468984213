"""The citizen kiosk's session and rules (core/presenters/citizen.py), without Qt.

The presenter runs over the real ``KioskQueueService`` talking to the real hall server on loopback
(``fresh_hall``: its own database, the clock on a Monday at 10:00), with virtual printers; the service
calls run on the test's thread through ``StepRunner`` (tests/presenter_support.py), so a test sees the
busy page while a call is in flight and decides when the answer comes. What the presenter publishes is
recorded and checked as message keys: the rules, not the catalogue's wording.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
from presenter_support import Recorder, StepRunner
from server_fixtures import MONDAY_10AM, fresh_hall  # noqa: F401

from core.domain import CardType, Identity
from core.domain.codes import CodeKind
from core.errors import PlatformUnreachable
from core.ports import PrinterStatus
from core.presenters.citizen import CitizenPresenter
from core.presenters.messages import Message
from core.presenters.citizen_view import (
    Activity,
    BannerChanged,
    BusyShown,
    CaseShown,
    ConfirmShown,
    EldersModeChanged,
    LanguageChanged,
    Page,
    PageChanged,
    ProblemShown,
    ScanMessage,
    ScanOpened,
    ServicesChanged,
    ServicesUnreachable,
    SessionEnded,
    TicketShown,
)
from core.services.codes import CodeService
from core.services.queue import IdentityChanged, KioskQueueService, PlatformStatusChanged, PrintState, TicketIssued
from hall_server import sample_hall
from hall_server.appointments import seed_samples
from platform_client.appointments import AppointmentsClient

LI_YAN = Identity(CardType.RESIDENT, "李䶮", "320102195503121234", birth_date=date(1955, 3, 12))
OUYANG = Identity(CardType.RESIDENT, "欧阳娜娜", "110101199001011237", birth_date=date(1990, 1, 1))


class Kiosk:
    """A presenter over the real service, its runner and what it published."""

    def __init__(self, hall, printers, *, codes: bool = False) -> None:
        self.client = hall.client("kiosk-1")
        self.service = KioskQueueService(self.client, printers[0], fallback_printer=printers[1], clock=hall.clock)
        self.codes = CodeService(AppointmentsClient(self.client)) if codes else None
        self.runner = StepRunner()
        self.presenter = CitizenPresenter(self.service, self.runner.run, cancel=self.runner.cancel,
                                          codes=self.codes)
        self.seen = Recorder(self.presenter.events)
        # The window hands the service's events over on its GUI thread; here everything is one thread.
        self.service.events.subscribe(self.presenter.service_event)

    def ready(self) -> CitizenPresenter:
        """The home screen with the hall loaded, as after the window was first shown."""
        self.presenter.refresh_hall()
        self.runner.settle()
        return self.presenter


@pytest.fixture
def kiosk(fresh_hall, printers):  # noqa: F811
    return Kiosk(fresh_hall, printers)


@pytest.fixture
def coded(fresh_hall, printers):  # noqa: F811
    kiosk = Kiosk(fresh_hall, printers, codes=True)
    kiosk.samples = seed_samples(fresh_hall.store)
    return kiosk


def choose_and_confirm(kiosk: Kiosk, prefix: str = "A") -> None:
    p = kiosk.ready()
    p.open_services()
    kiosk.runner.settle()  # the hall asked for again as the services open
    p.choose(prefix)
    p.confirm()


# --- taking a number ---------------------------------------------------------------------------------


def test_a_number_is_taken_through_services_confirm_and_a_busy_page_then_printed(kiosk, printers):
    """GIVEN the home screen WHEN the person opens the services, chooses B and confirms THEN the busy page
    says a number is being issued while the call is in flight, then B001 shows and its slip prints."""
    p = kiosk.ready()
    p.open_services()
    assert p.page is Page.SERVICES and kiosk.seen.last(ServicesChanged).hall is not None
    assert kiosk.runner.pending == ["hall"]  # the waiting counts, asked for again
    kiosk.runner.settle()
    p.choose("B")
    assert p.page is Page.CONFIRM and kiosk.seen.last(ConfirmShown).service.prefix == "B"
    p.confirm()
    assert p.page is Page.BUSY and kiosk.seen.last(BusyShown).message.key == "ui.busy.issuing"
    assert kiosk.runner.pending == ["issue"]
    kiosk.runner.step()
    assert p.page is Page.RESULT and p.issued.ticket.number == "B001"
    assert p.issued.print_state is PrintState.PRINTING and kiosk.runner.pending == ["print_slip"]
    kiosk.runner.step()
    assert p.issued.print_state is PrintState.PRINTED
    assert kiosk.seen.last(TicketShown).issued.print_state is PrintState.PRINTED
    assert len(printers[0].jobs) == 1 and b"B001" in printers[0].jobs[0]


def test_with_no_printer_the_person_is_told_first_and_goes_on_with_the_same_request(kiosk, printers):
    """GIVEN both printers out of paper WHEN a number is confirmed THEN the problem page says so before a
    number is taken and offers "try again" and "without a slip"; going on without a slip sends the same
    request (one press, one request id) and shows the number, not printed."""
    for printer in printers:
        printer.set_status(PrinterStatus.PAPER_OUT)
    choose_and_confirm(kiosk, "E")
    request = kiosk.presenter.request
    kiosk.runner.settle()
    problem = kiosk.seen.last(ProblemShown)
    assert kiosk.presenter.page is Page.PROBLEM
    assert problem.message.error.key == "queue.error.no_printer"
    assert problem.can_retry and problem.can_go_without_print
    kiosk.presenter.go_on_without_print()
    kiosk.runner.settle()
    issued = kiosk.presenter.issued
    assert kiosk.presenter.page is Page.RESULT and issued.ticket.number == "E001"
    assert issued.request_id == request.request_id and issued.print_state is PrintState.NOT_PRINTED
    assert all(p.jobs == [] for p in printers)


def test_with_the_platform_down_a_retry_resends_the_same_request(kiosk, fresh_hall):  # noqa: F811
    """GIVEN the hall loaded, then the platform gone WHEN a number is confirmed THEN a calm "try again"
    message without the no-slip choice; "try again" sends the very same request again."""
    p = kiosk.ready()
    p.open_services()
    p.choose("A")
    fresh_hall.server.stop()
    p.confirm()
    request = p.request
    kiosk.runner.settle()
    problem = kiosk.seen.last(ProblemShown)
    assert problem.message.key == "ui.citizen.platform_down_retry"
    assert problem.can_retry and not problem.can_go_without_print
    p.retry()
    assert p.page is Page.BUSY and kiosk.runner.queue[0].args == (request,)
    kiosk.runner.settle()
    assert p.page is Page.PROBLEM and p.request is request


def test_a_slip_that_fails_after_the_number_keeps_the_number_and_reprints_it(kiosk, printers):
    """GIVEN the paper runs out right after the number is issued THEN the number stays with the print
    state failed; WHEN the paper is back and the person asks for a reprint THEN the same number prints."""
    main, spare = printers

    def jam(event):
        if isinstance(event, TicketIssued):
            main.set_status(PrinterStatus.PAPER_OUT)
            spare.set_status(PrinterStatus.COVER_OPEN)

    unsubscribe = kiosk.service.events.subscribe(jam)
    choose_and_confirm(kiosk, "D")
    kiosk.runner.settle()
    unsubscribe()
    p = kiosk.presenter
    assert p.page is Page.RESULT and p.issued.ticket.number == "D001" and p.issued.print_state is PrintState.FAILED
    main.set_status(PrinterStatus.READY)
    p.reprint()
    assert kiosk.seen.last(TicketShown).issued.print_state is PrintState.PRINTING
    kiosk.runner.settle()
    assert p.issued.ticket.number == "D001" and p.issued.print_state is PrintState.PRINTED
    assert len(main.jobs) == 1


def test_a_printer_call_that_never_answers_is_a_failed_slip_and_the_number_stays(kiosk):
    """GIVEN a number issued WHEN the worker gives up on the slip (no answer in time) THEN the number stays
    on screen with the print state failed and the reprint offered."""
    choose_and_confirm(kiosk)
    kiosk.runner.step()  # issued; the slip is queued
    kiosk.runner.cancel(kiosk.runner.queue[0].id)
    kiosk.presenter.print_failed(PlatformUnreachable("no answer in time", key="ui.error.slow"))
    issued = kiosk.presenter.issued
    assert issued.ticket.number == "A001" and issued.print_state is PrintState.FAILED
    assert issued.print_error.key == "ui.error.slow" and kiosk.presenter.page is Page.RESULT


def test_going_home_while_a_call_is_in_flight_drops_its_answer(kiosk, printers):
    """GIVEN the slip of a number on its way to the printer WHEN the person goes home THEN the call is
    cancelled: nothing is printed, nothing of the ticket is kept, and the home page shows."""
    choose_and_confirm(kiosk)
    kiosk.runner.step()
    assert kiosk.runner.pending == ["print_slip"]
    kiosk.presenter.go_home()
    assert kiosk.runner.pending == [] and kiosk.presenter.issued is None and kiosk.presenter.page is Page.HOME
    assert printers[0].jobs == []


def test_a_service_whose_numbers_ran_out_gets_its_own_answer_and_no_retry(kiosk, fresh_hall):  # noqa: F811
    """GIVEN a service capped at one number a day WHEN someone else takes the last one while this person
    reads the confirm page THEN the refusal's own message shows, without "try again"."""
    data = copy.deepcopy(sample_hall())
    data["services"][0]["daily_cap"] = 1  # A: one number a day
    fresh_hall.store.load_hall(data)
    p = kiosk.ready()
    p.open_services()
    p.choose("A")
    elsewhere = KioskQueueService(fresh_hall.client("kiosk-2"), None)
    elsewhere.issue(elsewhere.new_request("A"), without_print=True)
    p.confirm()
    kiosk.runner.settle()
    problem = kiosk.seen.last(ProblemShown)
    assert problem.message.error.reason == "daily_cap_reached"
    assert not problem.can_retry and not problem.can_go_without_print


# --- the hall and the platform line --------------------------------------------------------------------


def test_with_no_hall_and_no_platform_the_services_page_says_why_and_the_line_shows(kiosk, fresh_hall):  # noqa: F811
    """GIVEN the platform down before any hall was fetched WHEN the services open THEN they say why with a
    retry, and the platform line says the platform cannot be reached."""
    fresh_hall.server.stop()
    p = kiosk.presenter
    p.open_services()
    kiosk.runner.settle()
    unreachable = kiosk.seen.last(ServicesUnreachable)
    assert isinstance(unreachable.message.error, PlatformUnreachable) and unreachable.can_retry
    assert p.banner.key == "ui.citizen.platform_down" and p.hall_view is None


def test_a_stale_hall_keeps_the_buttons_and_the_line_goes_when_the_platform_is_back(kiosk, fresh_hall):  # noqa: F811
    """GIVEN the hall loaded WHEN a forced refresh fails THEN the hall is kept, marked stale, and the line
    says the platform is down; WHEN the platform answers again THEN the line goes."""
    p = kiosk.ready()
    assert p.banner is None
    fresh_hall.server.stop()
    p.refresh_hall(force=True)
    kiosk.runner.settle()
    assert p.hall_view.stale and p.hall_view.info.services and p.banner.key == "ui.citizen.platform_down"
    p.service_event(PlatformStatusChanged(online=True))
    assert p.banner is None and kiosk.seen.last(BannerChanged).message is None


def test_the_hall_refreshing_under_the_confirm_page_leaves_the_chosen_service_alone(kiosk):
    """GIVEN the confirm page WHEN the hall comes again THEN the services are not rebuilt under it."""
    p = kiosk.ready()
    p.open_services()
    p.choose("C")
    kiosk.runner.settle()
    kiosk.seen.clear()
    p.refresh_hall(force=True)
    kiosk.runner.settle()
    assert kiosk.seen.of(ServicesChanged) == [] and p.chosen.prefix == "C" and p.page is Page.CONFIRM


# --- the person: ID card, greeting, session -------------------------------------------------------------


def test_a_card_at_home_opens_the_services_and_greets_an_elder_with_priority(kiosk):
    """GIVEN the home screen WHEN 李䶮 (born 1955) places his card THEN the services open and he is greeted
    by his masked name with the hall's elderly priority age; his number is a priority ticket."""
    p = kiosk.ready()
    p.card_placed(LI_YAN)
    assert p.page is Page.SERVICES
    greeting = p.greeting()
    assert greeting.key == "ui.identity.greeting_elderly"
    assert greeting.param("name") == "李*" and greeting.param("age") == p.elderly_age == 70
    p.choose("A")
    assert kiosk.seen.last(ConfirmShown).identity == LI_YAN
    p.confirm()
    kiosk.runner.settle()
    assert p.issued.ticket.priority


def test_a_younger_person_is_greeted_without_priority_and_nobody_is_greeted_before_a_card(kiosk):
    p = kiosk.ready()
    assert p.greeting() is None
    p.card_placed(OUYANG)
    assert p.greeting().key == "ui.confirm.identified" and p.greeting().param("name") == "欧***"


def test_another_persons_card_ends_the_session_on_screen_first(kiosk):
    """GIVEN 李䶮 on the confirm page WHEN 欧阳娜娜 places her card THEN his session ends (the chosen service
    is forgotten) and hers starts on the services page."""
    p = kiosk.ready()
    p.card_placed(LI_YAN)
    p.choose("A")
    p.card_placed(OUYANG)
    assert kiosk.seen.of(SessionEnded) and p.chosen is None
    assert p.page is Page.SERVICES and kiosk.service.identity == OUYANG


def test_the_same_card_again_keeps_the_session_and_a_card_on_a_number_starts_a_new_one(kiosk):
    """GIVEN 李䶮 on the confirm page WHEN he places his card again THEN nothing is lost (only the idle
    countdown starts over); GIVEN a number on screen WHEN any card comes THEN that session ends first."""
    p = kiosk.ready()
    p.card_placed(LI_YAN)
    p.choose("B")
    kiosk.seen.clear()
    p.card_placed(LI_YAN)
    assert p.page is Page.CONFIRM and p.chosen.prefix == "B" and kiosk.seen.of(Activity)
    assert kiosk.seen.of(SessionEnded) == []
    p.confirm()
    kiosk.runner.settle()
    p.card_placed(LI_YAN)
    assert kiosk.seen.of(SessionEnded) and p.issued is None and p.page is Page.SERVICES


def test_an_identity_arriving_on_the_confirm_page_redraws_it_with_the_person(kiosk):
    p = kiosk.ready()
    p.open_services()
    p.choose("A")
    p.service_event(IdentityChanged(LI_YAN))
    assert kiosk.seen.last(ConfirmShown).identity == LI_YAN


@pytest.mark.parametrize("end", ["go_home", "idle_expired"])
def test_the_end_of_a_session_forgets_everything_and_the_kiosk_language_returns(kiosk, end):
    """GIVEN an identified person with a number, in English WHEN they are done (or the kiosk idles out)
    THEN the request, the ticket, the service and the identity are forgotten and Chinese returns."""
    p = kiosk.ready()
    p.switch_language()
    assert p.language == "en" and kiosk.seen.last(LanguageChanged).language == "en"
    p.card_placed(OUYANG)
    p.choose("A")
    p.confirm()
    kiosk.runner.settle()
    getattr(p, end)()
    assert (p.request, p.issued, p.chosen, kiosk.service.identity) == (None, None, None, None)
    assert p.page is Page.HOME and p.language == "zh_CN" and kiosk.seen.of(SessionEnded)


def test_only_the_pages_off_home_run_the_idle_countdown_and_only_the_scan_page_reads_the_camera():
    assert not PageChanged(Page.HOME).idle_armed and not PageChanged(Page.HOME).camera_on
    assert all(PageChanged(page).idle_armed for page in Page if page is not Page.HOME)
    assert [page for page in Page if PageChanged(page).camera_on] == [Page.SCAN]


# --- codes ---------------------------------------------------------------------------------------------

HOSTILE = [
    "Q" * 400,                                       # overlong
    "YY202611210001236\x1b[2J",                     # control characters after a real-looking code
    "<script>alert(1)</script>",                     # script
    "javascript:alert(1)",
    "file:///etc/passwd",                            # file paths
    "../../etc/shadow",
    "C:\\Windows\\system32\\cmd.exe",
    "YY２０２６１１２１０００１２３６",                  # full-width digits
    "HALL:R:32010220261121000123; rm -rf /",        # shell metacharacters around a code
]


@pytest.mark.parametrize("payload", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_payload_is_not_recognised_and_nothing_is_called(coded, payload):
    """GIVEN the home screen WHEN a hostile payload comes as a code THEN the scan page says "not
    recognised" with its hint, no call is queued, and no part of the payload is in what is shown."""
    p = coded.ready()
    p.submit_code(payload)
    message = coded.seen.last(ScanMessage)
    assert p.page is Page.SCAN and coded.runner.pending == []
    assert (message.message.key, message.message.then.key) == ("codes.not_recognised", "codes.not_recognised.hint")
    assert message.message.params == () and message.role == "problem"


def test_a_code_for_a_clerks_window_is_sent_there_and_an_unknown_appointment_is_not_found(coded):
    p = coded.ready()
    p.submit_code("DZZZ:YYZZ:91320100MA1XY8K12E:320100000123456")
    assert coded.seen.last(ScanMessage).message.key == "ui_codes.scan.not_here" and coded.runner.pending == []
    p.submit_code("YY202001010000010")  # valid shape and check digit, never booked
    assert coded.seen.last(BusyShown).message.key == "ui_codes.busy.checkin"
    coded.runner.settle()
    assert p.page is Page.SCAN and coded.seen.last(ScanMessage).message.key == "ui_codes.error.not_found.checkin"


def test_an_appointment_checks_in_and_its_ticket_is_shown_and_printed_like_a_taken_number(coded, printers):
    """GIVEN today's appointment WHEN its code is scanned THEN its priority ticket shows and prints; scanned
    again after "done", it is the same number, marked a reprint."""
    p = coded.ready()
    p.code_scanned(coded.samples["appointments"][0])
    coded.runner.settle()
    first = p.issued.ticket
    assert p.page is Page.RESULT and first.appointment and p.issued.print_state is PrintState.PRINTED
    assert p.code_outcome.kind is CodeKind.APPOINTMENT and len(printers[0].jobs) == 1
    p.go_home()
    p.code_scanned(coded.samples["appointments"][0])
    coded.runner.settle()
    assert p.issued.ticket.number == first.number and p.issued.ticket.reprint and len(printers[0].jobs) == 2


def test_a_receipt_opens_its_case_and_a_new_code_on_it_ends_that_screen_first(coded):
    p = coded.ready()
    p.code_scanned(f"HALL:R:{coded.samples['cases'][0]}")
    assert coded.seen.last(BusyShown).message.key == "ui_codes.busy.track"
    coded.runner.settle()
    assert p.page is Page.TRACKING and coded.seen.last(CaseShown).case.tracking == coded.samples["cases"][0]
    coded.seen.clear()
    p.code_scanned(f"HALL:R:{coded.samples['cases'][1]}")
    assert coded.seen.of(SessionEnded) and p.page is Page.BUSY


def test_scans_are_ignored_while_a_number_is_chosen_confirmed_or_issued(coded):
    p = coded.ready()
    p.open_services()
    coded.runner.settle()
    p.code_scanned(coded.samples["appointments"][0])
    p.choose("A")
    p.code_scanned(coded.samples["appointments"][0])
    p.confirm()
    p.code_scanned(coded.samples["appointments"][0])
    assert coded.runner.pending == ["issue"] and coded.seen.of(ScanOpened) == []


def test_with_the_platform_down_a_code_gets_a_calm_notice_on_the_scan_page_of_its_kind(coded, fresh_hall):  # noqa: F811
    p = coded.ready()
    fresh_hall.server.stop()
    p.submit_code(f"HALL:R:{coded.samples['cases'][2]}")
    coded.runner.settle()
    assert p.page is Page.SCAN and coded.seen.last(ScanOpened).mode == "track"
    message = coded.seen.last(ScanMessage)
    assert (message.message.key, message.role) == ("ui_codes.error.platform_down", "notice")


def test_without_a_code_service_codes_do_nothing(kiosk):
    p = kiosk.ready()
    p.submit_code("YY202001010000010")
    assert p.page is Page.HOME and kiosk.runner.pending == []


# --- offline ---------------------------------------------------------------------------------------------


def test_offline_with_a_leased_block_the_line_says_how_old_the_hall_is_and_a_number_is_still_taken(
        fresh_hall, printers, tmp_path):  # noqa: F811
    """GIVEN a kiosk with a leased block of numbers for A WHEN the platform goes away THEN the platform
    line only says how old the service information is (numbers still work), and a confirmed number comes
    from the block and prints."""
    from offline_cache import Store
    from offline_cache.tickets import OfflineTickets
    from platform_client.sync import SyncClient

    store = Store(tmp_path / "kiosk", margin_bytes=0)
    tickets = OfflineTickets(store, terminal_id="kiosk-1", block_size=5, low_water=2)
    with SyncClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1")) as sync:
        assert tickets.refill(sync, ["A"], MONDAY_10AM.date()) == 1
    kiosk = Kiosk(fresh_hall, printers)
    kiosk.service.offline_tickets = tickets
    try:
        p = kiosk.ready()
        fresh_hall.server.stop()
        fresh_hall.clock.advance(minutes=3)
        p.refresh_hall(force=True)
        kiosk.runner.settle()
        assert p.banner.key == "technician.status.hall_age"
        assert p.banner.param("age") == Message.of("sync.age.minutes", n=3)
        p.open_services()
        kiosk.runner.settle()
        p.choose("A")
        p.confirm()
        kiosk.runner.settle()
        assert p.page is Page.RESULT and p.issued.offline and p.issued.print_state is PrintState.PRINTED
    finally:
        store.close()


def test_elders_mode_lasts_the_session_and_the_language_switch_cycles_every_language(kiosk):
    """GIVEN the home screen WHEN the person turns elders' mode on and switches language three times THEN
    elders' mode is published once and stays through the pages; the languages go zh_CN → en → zh_TW →
    zh_CN; the end of the session turns elders' mode off for the next person."""
    p = kiosk.ready()
    p.set_elders(True)
    p.set_elders(True)
    assert p.elders and [e.on for e in kiosk.seen.of(EldersModeChanged)] == [True]
    languages = []
    for _ in range(3):
        p.switch_language()
        languages.append(p.language)
    assert languages == ["en", "zh_TW", "zh_CN"]
    p.open_services()
    kiosk.runner.settle()
    assert p.elders
    p.go_home()
    assert not p.elders and [e.on for e in kiosk.seen.of(EldersModeChanged)] == [True, False]
