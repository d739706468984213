"""The queue services against the real hall server on loopback, with virtual printers.

Taking a number: one request id per press (the same request twice is one ticket), the printer is checked
before a number is taken (fallback printer, or the person is told), a failed print keeps the number and can
be reprinted. Clerk: every window action. Display: the day's calls, then each new one.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_services_queue_support import STAFF_PIN, start_hall, unused_port, virtual_printer

from core.domain import CallKind, CardType, Identity, Outcome, TicketState
from core.errors import HardwareFault, PlatformRejected, PlatformUnreachable
from platform_client import PlatformClient
from core.ports import PrinterStatus
from core.services.queue import (
    ClerkQueueService,
    HallDisplayService,
    KioskQueueService,
    PlatformStatusChanged,
    PrinterProblem,
    PrintState,
    SessionChanged,
    TicketIssued,
    WindowChanged,
)


@pytest.fixture
def printers():
    main, fallback = virtual_printer("kiosk-main"), virtual_printer("kiosk-fallback")
    yield main, fallback
    main.close()
    fallback.close()


@pytest.fixture
def kiosk(hall, printers):
    client = hall.client("K-01")
    service = KioskQueueService(client, printers[0], fallback_printer=printers[1])
    yield service
    client.close()


@pytest.fixture
def clerk(hall):
    client = hall.client("W-03")
    service = ClerkQueueService(client, window=3)
    yield service
    client.close()


def elder(id_number: str = "320102195503121234") -> Identity:
    return Identity(CardType.RESIDENT, "李䶮", id_number, birth_date=date(1955, 3, 12))


# --- taking a number ------------------------------------------------------------------------------


def test_taking_a_number_issues_it_and_prints_the_slip(kiosk, printers):
    events = []
    kiosk.events.subscribe(events.append)
    issued = kiosk.take_number(kiosk.new_request("A"))
    assert issued.ticket.number == "A001"
    assert issued.print_state is PrintState.PRINTED and issued.printer == "kiosk-main"
    assert len(printers[0].jobs) == 1 and printers[0].jobs[0].startswith(b"\x1b@")
    assert printers[1].jobs == []
    assert any(isinstance(e, TicketIssued) and e.issued.ticket.number == "A001" for e in events)


def test_the_same_press_sent_twice_is_one_ticket_and_a_new_press_is_the_next_number(kiosk):
    request = kiosk.new_request("B")
    first = kiosk.issue(request)
    again = kiosk.issue(request)  # a retry after a lost answer
    second = kiosk.issue(kiosk.new_request("B"))
    assert first.ticket.number == again.ticket.number == "B001"
    assert second.ticket.number == "B002"
    assert second.ticket.people_ahead == 1


def test_an_identified_person_gets_one_waiting_ticket_per_service_and_elderly_priority(kiosk):
    kiosk.set_identity(elder())
    first = kiosk.issue(kiosk.new_request("C"))
    second = kiosk.issue(kiosk.new_request("C"))
    assert first.ticket.priority
    assert second.ticket.number == first.ticket.number and second.ticket.reprint
    kiosk.wipe()
    assert kiosk.identity is None
    assert kiosk.new_request("C").identity is None


def test_with_the_main_printer_out_of_paper_the_fallback_printer_is_used(kiosk, printers):
    main, fallback = printers
    main.set_status(PrinterStatus.PAPER_OUT)
    problems = []
    kiosk.events.subscribe(lambda e: problems.append(e) if isinstance(e, PrinterProblem) else None)
    issued = kiosk.take_number(kiosk.new_request("A"))
    assert issued.print_state is PrintState.PRINTED and issued.printer == "kiosk-fallback"
    assert main.jobs == [] and len(fallback.jobs) == 1
    assert problems and problems[0].printer == "kiosk-main" and problems[0].status is PrinterStatus.PAPER_OUT


def test_with_no_printer_able_to_print_the_person_is_told_before_a_number_is_taken(kiosk, printers):
    for printer in printers:
        printer.set_status(PrinterStatus.PAPER_OUT)
    with pytest.raises(HardwareFault) as caught:
        kiosk.issue(kiosk.new_request("D"))
    assert caught.value.key == "queue.error.no_printer"
    assert "paper" in caught.value.message("citizen", "en").lower()
    # No number was used: the person who goes on without a slip gets D001.
    issued = kiosk.issue(kiosk.new_request("D"), without_print=True)
    assert issued.ticket.number == "D001" and issued.print_state is PrintState.NOT_PRINTED


def test_a_failed_print_keeps_the_number_and_a_reprint_prints_the_same_ticket(kiosk, printers):
    main, fallback = printers
    issued = kiosk.issue(kiosk.new_request("E"))
    main.set_status(PrinterStatus.COVER_OPEN)  # after the check, before the slip
    fallback.set_status(PrinterStatus.PAPER_OUT)
    failed = kiosk.print_slip(issued)
    assert failed.print_state is PrintState.FAILED and failed.ticket.number == "E001"
    assert failed.print_error is not None
    assert main.jobs == [] and fallback.jobs == []
    main.set_status(PrinterStatus.READY)
    reprinted = kiosk.print_slip(failed, language="en")
    assert reprinted.print_state is PrintState.PRINTED and reprinted.ticket.number == "E001"
    assert len(main.jobs) == 1


def test_hall_info_is_cached_and_refreshed_after_a_ticket(kiosk):
    first = kiosk.hall()
    assert not first.stale and first.info.service("A").name == "综合受理"
    assert kiosk.hall().info is first.info  # fresh cache
    kiosk.issue(kiosk.new_request("A"))
    after = kiosk.hall()
    assert after.info.service("A").waiting == 1


def test_with_the_platform_down_the_cached_hall_comes_back_stale_and_says_why(tmp_path, printers):
    hall = start_hall(tmp_path / "hall.db")
    client = hall.client("K-01", timeout_s=1.0)
    service = KioskQueueService(client, printers[0])
    events = []
    service.events.subscribe(events.append)
    try:
        assert not service.hall().stale
        hall.server.stop()
        view = service.hall(max_age_s=0)
        assert view.stale and isinstance(view.error, PlatformUnreachable)
        assert view.info.service("A").prefix == "A"
        with pytest.raises(PlatformUnreachable):
            service.issue(service.new_request("A"))
    finally:
        client.close()
    assert [e.online for e in events if isinstance(e, PlatformStatusChanged)] == [True, False]


def test_with_no_platform_ever_reached_the_error_is_raised():
    with PlatformClient(f"http://127.0.0.1:{unused_port()}", "K-01", "secret", timeout_s=0.5) as client:
        service = KioskQueueService(client, None)
        with pytest.raises(PlatformUnreachable):
            service.hall()


# --- clerk ----------------------------------------------------------------------------------------


def test_a_wrong_pin_is_rejected_and_no_session_starts(clerk):
    with pytest.raises(PlatformRejected) as caught:
        clerk.login("S1003", "0000")
    assert caught.value.reason == "bad_pin"
    assert clerk.session is None


def test_a_clerk_works_through_every_window_action(kiosk, clerk):
    numbers = [kiosk.issue(kiosk.new_request("A")).ticket.number for _ in range(4)]
    events = []
    clerk.events.subscribe(events.append)
    login = clerk.login("S1003", STAFF_PIN)
    assert clerk.session.staff_name == "陈思远"
    assert login.status.waiting_count == 4

    called = clerk.call_next()
    assert called.ticket.number == numbers[0] and called.ticket.state is TicketState.CALLED
    assert called.status.current.number == numbers[0]
    assert clerk.recall().ticket.number == numbers[0]
    assert clerk.hold().ticket.state is TicketState.HELD
    assert [t.number for t in clerk.refresh().held] == [numbers[0]]

    assert clerk.call_number(numbers[2].lower()).ticket.number == numbers[2]
    assert clerk.no_show().ticket.state is TicketState.NO_SHOW
    assert clerk.call_back(numbers[0]).ticket.number == numbers[0]
    finished = clerk.finish(Outcome.ACCEPTED)
    assert finished.ticket.state is TicketState.DONE and finished.status.served_today == 1

    assert clerk.call_next().ticket.number == numbers[1]
    returned = clerk.return_to_queue()
    assert returned.ticket.state is TicketState.WAITING
    assert numbers[1] in [t.number for t in returned.status.waiting]
    assert clerk.call_number(numbers[1]).ticket.number == numbers[1]
    moved = clerk.transfer(service_prefix="C")
    assert moved.status.current is None
    assert clerk.call_next().ticket.number == numbers[3]
    assert clerk.transfer(window=1).ticket.number == numbers[3]

    paused = clerk.pause("break")
    assert paused.status.paused and paused.status.pause_reason == "break"
    assert not clerk.resume().status.paused
    assert any(isinstance(e, WindowChanged) for e in events)
    clerk.logout()
    assert clerk.session is None
    assert [e.session is None for e in events if isinstance(e, SessionChanged)] == [False, True]


def test_actions_without_a_session_are_refused_in_clerk_words(clerk):
    with pytest.raises(PlatformRejected) as caught:
        clerk.call_next()
    assert caught.value.reason == "not_logged_in"


def test_a_session_the_platform_ended_takes_the_window_back_to_login(hall, clerk):
    clerk.login("S1003", STAFF_PIN)
    other = ClerkQueueService(hall.client("W-03"), window=3)
    other.platform.logout(clerk.session)  # the same session ended elsewhere
    other.platform.close()
    with pytest.raises(PlatformRejected):
        clerk.call_next()
    assert clerk.session is None


# --- display --------------------------------------------------------------------------------------


def test_the_display_shows_the_day_so_far_then_follows_each_new_call(hall, kiosk, clerk):
    for _ in range(3):
        kiosk.issue(kiosk.new_request("A"))
    clerk.login("S1003", STAFF_PIN)
    clerk.call_next()
    client = hall.client("D-01")
    display = HallDisplayService(client)
    try:
        backlog = display.backlog()
        assert [(e.ticket_number, e.window) for e in backlog] == [("A001", 3)]
        assert display.poll(wait_s=0.2) == []
        clerk.recall()
        clerk.finish(Outcome.COMPLETED)
        clerk.call_next()
        new = display.poll(wait_s=1.0)
        assert [(e.ticket_number, e.kind) for e in new] == [("A001", CallKind.RECALL), ("A002", CallKind.CALL)]
        assert display.hall().display_name("en") == "Example City Government Service Center"
    finally:
        client.close()
