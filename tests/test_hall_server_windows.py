"""Clerk actions at the reference hall server: login, call ordering with the priority-streak cap, every
action and its wrong-state refusal, transfer, hold and call back, pause and resume, the window's panel,
and call events for the hall display (long poll and SSE). Against the real server on loopback."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date

from hall_databases import hall_sql
import pytest
import requests
from server_fixtures import STAFF_PIN, fresh_hall  # noqa: F401

from core import signing
from core.domain import CallKind, Outcome, TicketState
from core.errors import PlatformConflict, PlatformRejected

OLD = date(1940, 1, 1)


def rid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def hall(fresh_hall):
    """The fresh hall with a kiosk, window 1 (A, E) logged in as S1001, and a helper to issue."""
    fresh_hall.kiosk = fresh_hall.client("kiosk-1")
    fresh_hall.w1 = fresh_hall.client("window-1")
    fresh_hall.s1 = fresh_hall.w1.login(1, "S1001", STAFF_PIN)

    def issue(prefix="A", **kw):
        fresh_hall.clock.advance(seconds=1)  # distinct arrival times, as in a real hall
        return fresh_hall.kiosk.issue_ticket(prefix, request_id=rid(), **kw)

    fresh_hall.issue = issue
    return fresh_hall


def set_streak_cap(hall, cap: int) -> None:
    with hall_sql(hall.store.db_path) as con:
        con.execute("UPDATE hall SET priority_streak_cap = ?", (cap,))


def serve(hall, session=None) -> str | None:
    """Calls next at window 1 and finishes it; the number called."""
    session = session or hall.s1
    ticket = hall.w1.call_next(session)
    if ticket is not None:
        hall.w1.finish(session, Outcome.COMPLETED)
    return ticket.number if ticket else None


# --- login ------------------------------------------------------------------------------------------


def test_login_gives_a_session_with_the_clerks_name(fresh_hall):
    session = fresh_hall.client("window-3").login(3, "S1003", STAFF_PIN)
    assert (session.window, session.staff_id, session.staff_name) == (3, "S1003", "陈思远")
    assert session.token not in repr(session)


@pytest.mark.parametrize(("window", "staff", "pin", "reason"), [
    (1, "S1001", "0000", "bad_pin"),
    (1, "NOBODY", STAFF_PIN, "bad_pin"),
    (2, "S1001", STAFF_PIN, "window_not_allowed"),
    (99, "S1001", STAFF_PIN, "unknown_window"),
])
def test_login_refusals(fresh_hall, window, staff, pin, reason):
    with pytest.raises(PlatformRejected) as caught:
        fresh_hall.client("window-1").login(window, staff, pin)
    assert caught.value.reason == reason


def test_five_wrong_pins_lock_the_clerk_for_a_minute(fresh_hall):
    clerk = fresh_hall.client("window-1")
    for _ in range(5):
        with pytest.raises(PlatformRejected):
            clerk.login(1, "S1001", "9999")
    with pytest.raises(PlatformRejected) as caught:
        clerk.login(1, "S1001", STAFF_PIN)
    assert (caught.value.reason, caught.value.status) == ("too_many_attempts", 429)
    fresh_hall.clock.advance(seconds=61)
    assert clerk.login(1, "S1001", STAFF_PIN).window == 1


def test_a_session_works_only_from_the_terminal_that_logged_in_and_ends_at_logout(hall):
    other = hall.client("window-2")
    with pytest.raises(PlatformRejected) as caught:
        other.window_status(hall.s1)
    assert caught.value.reason == "not_logged_in"
    hall.w1.logout(hall.s1)
    with pytest.raises(PlatformRejected) as caught:
        hall.w1.call_next(hall.s1)
    assert caught.value.reason == "not_logged_in"


def test_logging_in_again_ends_the_older_session(hall):
    newer = hall.w1.login(1, "S1001", STAFF_PIN)
    with pytest.raises(PlatformRejected):
        hall.w1.window_status(hall.s1)
    assert hall.w1.window_status(newer).window == 1


# --- ordering ---------------------------------------------------------------------------------------


def test_call_next_in_arrival_order_across_the_windows_services(hall):
    for prefix in "AEAE":
        hall.issue(prefix)
    hall.issue("B")  # not served at window 1
    assert [serve(hall) for _ in range(5)] == ["A001", "E001", "A002", "E002", None]


def test_appointments_first_then_elderly_then_arrival(hall):
    set_streak_cap(hall, 0)
    hall.issue("A")
    hall.issue("A", birth_date=OLD)
    hall.issue("A", appointment_code="APT-1")
    hall.issue("A")
    assert [serve(hall) for _ in range(4)] == ["A003", "A002", "A001", "A004"]


def test_service_priority_weight_orders_the_windows_queues(hall):
    set_streak_cap(hall, 0)
    with hall_sql(hall.store.db_path) as con:
        con.execute("UPDATE services SET priority_weight = 2 WHERE prefix = 'E'")
    hall.issue("A")
    hall.issue("E")
    assert [serve(hall) for _ in range(2)] == ["E001", "A001"]


@pytest.mark.parametrize(("cap", "expected"), [
    # A001 and A002 plain, then five elderly; the cap lets the longest-waiting plain ticket through.
    (0, ["A003", "A004", "A005", "A006", "A007", "A001", "A002"]),
    (2, ["A003", "A004", "A001", "A005", "A006", "A002", "A007"]),
    (3, ["A003", "A004", "A005", "A001", "A006", "A007", "A002"]),
])
def test_cap_on_consecutive_priority_calls(hall, cap, expected):
    set_streak_cap(hall, cap)
    hall.issue("A")
    hall.issue("A")
    for _ in range(5):
        hall.issue("A", birth_date=OLD)
    assert [serve(hall) for _ in range(7)] == expected


def test_the_cap_is_counted_per_window(hall):
    set_streak_cap(hall, 1)
    w2 = hall.client("window-2")
    s2 = w2.login(2, "S1002", STAFF_PIN)
    hall.issue("A")
    hall.issue("A", birth_date=OLD)
    hall.issue("A", birth_date=OLD)
    assert serve(hall) == "A002"  # window 1: one priority call
    assert w2.call_next(s2).number == "A003"  # window 2 has its own streak
    assert serve(hall) == "A001"  # window 1 reached its cap


def test_waiting_list_and_people_ahead_follow_the_call_order(hall):
    hall.issue("A")
    hall.issue("E")
    hall.issue("A", birth_date=OLD)
    status = hall.w1.window_status(hall.s1)
    assert [t.number for t in status.waiting] == ["A002", "A001", "E001"]
    assert [t.people_ahead for t in status.waiting] == [0, 1, 2]
    assert status.waiting_count == 3 and status.current is None


# --- actions and wrong states ----------------------------------------------------------------------


def test_call_next_with_nobody_waiting_is_none(hall):
    assert hall.w1.call_next(hall.s1) is None


def test_call_next_while_a_ticket_is_at_the_window_is_refused(hall):
    hall.issue("A")
    hall.issue("A")
    hall.w1.call_next(hall.s1)
    with pytest.raises(PlatformConflict) as caught:
        hall.w1.call_next(hall.s1)
    assert caught.value.reason == "ticket_in_service"


@pytest.mark.parametrize("action", ["recall", "no_show", "return_to_queue", "hold", "finish", "transfer"])
def test_actions_on_the_current_ticket_need_one(hall, action):
    kwargs = {"finish": {"outcome": Outcome.ACCEPTED}, "transfer": {"service_prefix": "C"}}.get(action, {})
    with pytest.raises(PlatformConflict) as caught:
        getattr(hall.w1, action)(hall.s1, **kwargs)
    assert caught.value.reason == "no_current_ticket"


def test_call_a_specific_number(hall):
    for _ in range(3):
        hall.issue("A")
    hall.issue("C")
    ticket = hall.w1.call_number(hall.s1, "A003")
    assert (ticket.number, ticket.state, ticket.window) == ("A003", TicketState.CALLED, 1)
    hall.w1.finish(hall.s1, Outcome.CONSULTED)
    with pytest.raises(PlatformConflict) as caught:
        hall.w1.call_number(hall.s1, "A003")
    assert caught.value.reason == "wrong_state"
    with pytest.raises(PlatformConflict) as caught:
        hall.w1.call_number(hall.s1, "C001")  # window 1 does not serve C
    assert caught.value.reason == "wrong_window"
    with pytest.raises(PlatformRejected) as caught:
        hall.w1.call_number(hall.s1, "A999")
    assert caught.value.reason == "ticket_not_found"


def test_recall_announces_again_and_no_show_ends_it(hall):
    display = hall.client("display-1")
    hall.issue("A")
    hall.w1.call_next(hall.s1)
    assert hall.w1.recall(hall.s1).state is TicketState.CALLED
    events = display.call_events(0)
    assert [(e.ticket_number, e.window, e.kind) for e in events] == [("A001", 1, CallKind.CALL),
                                                                     ("A001", 1, CallKind.RECALL)]
    gone = hall.w1.no_show(hall.s1)
    assert gone.state is TicketState.NO_SHOW
    status = hall.w1.window_status(hall.s1)
    assert (status.current, status.no_show_today, status.served_today) == (None, 1, 0)


def test_finish_records_the_outcome_and_counts_the_day(hall):
    hall.issue("A")
    hall.issue("E")
    for outcome in (Outcome.ACCEPTED, Outcome.MATERIALS_MISSING):
        hall.w1.call_next(hall.s1)
        assert hall.w1.finish(hall.s1, outcome).state is TicketState.DONE
    with hall_sql(hall.store.db_path) as con:
        assert [r[0] for r in con.execute("SELECT outcome FROM tickets ORDER BY id")] == ["accepted",
                                                                                         "materials_missing"]
    assert hall.w1.window_status(hall.s1).served_today == 2


def test_return_to_queue_puts_the_ticket_at_the_end(hall):
    hall.issue("A")
    hall.issue("A")
    hall.w1.call_next(hall.s1)
    hall.clock.advance(minutes=2)
    back = hall.w1.return_to_queue(hall.s1)
    assert (back.state, back.window, back.people_ahead) == (TicketState.WAITING, None, 1)
    assert [serve(hall) for _ in range(2)] == ["A002", "A001"]


def test_transfer_to_another_service_keeps_the_place_by_arrival(hall):
    w3 = hall.client("window-3")
    s3 = w3.login(3, "S1003", STAFF_PIN)  # serves A and C
    hall.issue("A")
    hall.issue("C")
    hall.w1.call_next(hall.s1)
    moved = hall.w1.transfer(hall.s1, service_prefix="C")
    assert (moved.number, moved.service_prefix, moved.state) == ("A001", "C", TicketState.WAITING)
    assert moved.service_name == "社保医保"
    assert hall.w1.window_status(hall.s1).current is None
    assert w3.call_next(s3).number == "A001"  # came before C001


def test_transfer_to_a_window_only_that_window_calls_it(hall):
    w2, w3 = hall.client("window-2"), hall.client("window-3")
    s2, s3 = w2.login(2, "S1002", STAFF_PIN), w3.login(3, "S1003", STAFF_PIN)
    hall.issue("A")
    hall.w1.call_next(hall.s1)
    moved = hall.w1.transfer(hall.s1, window=3)
    assert (moved.window, moved.state) == (3, TicketState.WAITING)
    assert w2.call_next(s2) is None  # serves A, but the ticket waits for window 3
    assert w3.call_next(s3).number == "A001"


def test_transfer_to_a_window_that_does_not_serve_the_service(hall):
    w4 = hall.client("window-4")
    s4 = w4.login(4, "S1004", STAFF_PIN)  # serves only B
    hall.issue("A")
    hall.w1.call_next(hall.s1)
    hall.w1.transfer(hall.s1, window=4)
    assert w4.call_next(s4).number == "A001"


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({}, "invalid_request"),
    ({"service_prefix": "Z"}, "unknown_service"),
    ({"window": 77}, "unknown_window"),
    ({"window": 1}, "invalid_request"),
])
def test_transfer_refusals(hall, kwargs, reason):
    hall.issue("A")
    hall.w1.call_next(hall.s1)
    with pytest.raises(PlatformRejected) as caught:
        hall.w1.transfer(hall.s1, **kwargs)
    assert caught.value.reason == reason
    assert hall.w1.window_status(hall.s1).current.number == "A001"  # nothing changed


def test_hold_and_call_back_the_same_day(hall):
    hall.issue("A")
    hall.issue("A")
    hall.w1.call_next(hall.s1)
    held = hall.w1.hold(hall.s1)
    assert (held.state, held.window) == (TicketState.HELD, 1)
    status = hall.w1.window_status(hall.s1)
    assert [t.number for t in status.held] == ["A001"] and status.current is None
    assert serve(hall) == "A002"  # the held ticket is not called by call-next
    back = hall.w1.call_back(hall.s1, "A001")
    assert (back.state, back.window) == (TicketState.CALLED, 1)
    assert hall.w1.window_status(hall.s1).held == ()


def test_call_back_refusals(hall):
    w2 = hall.client("window-2")
    s2 = w2.login(2, "S1002", STAFF_PIN)
    hall.issue("A")
    hall.issue("A")
    hall.w1.call_next(hall.s1)
    hall.w1.hold(hall.s1)
    with pytest.raises(PlatformConflict) as caught:
        w2.call_back(s2, "A001")
    assert caught.value.reason == "wrong_window"
    with pytest.raises(PlatformConflict) as caught:
        hall.w1.call_back(hall.s1, "A002")
    assert caught.value.reason == "wrong_state"
    hall.clock.advance(days=1)  # held tickets are called back the same day only
    next_day = hall.w1.login(1, "S1001", STAFF_PIN)  # sessions end after 16 hours
    with pytest.raises(PlatformRejected) as caught:
        hall.w1.call_back(next_day, "A001")
    assert caught.value.reason == "ticket_not_found"


def test_pause_with_a_reason_blocks_calls_until_resume(hall):
    hall.issue("A")
    hall.w1.pause(hall.s1, "午休 lunch")
    status = hall.w1.window_status(hall.s1)
    assert (status.paused, status.pause_reason) == (True, "午休 lunch")
    with pytest.raises(PlatformConflict) as caught:
        hall.w1.call_next(hall.s1)
    assert caught.value.reason == "window_paused"
    with pytest.raises(PlatformConflict) as caught:
        hall.w1.pause(hall.s1, "again")
    assert caught.value.reason == "wrong_state"
    hall.w1.resume(hall.s1)
    assert not hall.w1.window_status(hall.s1).paused
    with pytest.raises(PlatformConflict) as caught:
        hall.w1.resume(hall.s1)
    assert caught.value.reason == "wrong_state"
    assert hall.w1.call_next(hall.s1).number == "A001"


def test_the_ticket_state_is_visible_by_tracking_code(hall):
    ticket = hall.issue("A")
    hall.w1.call_next(hall.s1)
    seen = hall.kiosk.ticket(ticket.tracking_code)
    assert (seen.state, seen.window, seen.called_at is not None) == (TicketState.CALLED, 1, True)


# --- call events ------------------------------------------------------------------------------------


def test_long_poll_returns_when_a_number_is_called(hall):
    display = hall.client("display-1", timeout_s=5.0)
    hall.issue("A")
    result: list = []
    poller = threading.Thread(target=lambda: result.append(display.call_events(0, wait_s=10)), name="poller")
    started = time.monotonic()
    poller.start()
    time.sleep(0.3)
    hall.w1.call_next(hall.s1)
    poller.join(10)
    assert time.monotonic() - started < 5
    assert [(e.seq, e.ticket_number, e.window) for e in result[0]] == [(1, "A001", 1)]


def test_long_poll_waits_its_bounded_time_and_returns_nothing(hall):
    display = hall.client("display-1")
    started = time.monotonic()
    assert display.call_events(0, wait_s=0.5) == []
    assert 0.4 < time.monotonic() - started < 3


def test_call_events_after_a_sequence_number_only(hall):
    display = hall.client("display-1")
    for _ in range(3):
        hall.issue("A")
        serve(hall)
    events = display.call_events(0)
    assert [e.ticket_number for e in events] == ["A001", "A002", "A003"]
    assert [e.ticket_number for e in display.call_events(events[1].seq)] == ["A003"]
    assert display.call_events(events[-1].seq) == []


def test_server_sent_events_stream(hall):
    hall.issue("A")
    hall.issue("A")
    path = "/v1/calls/stream?after=0"
    headers = signing.sign("display-1", hall.secret("display-1"), "GET", path, b"")
    with requests.get(hall.url + path, headers=headers, stream=True, timeout=5) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        hall.w1.call_next(hall.s1)
        lines = []
        for line in response.iter_lines(decode_unicode=True):
            lines.append(line)
            if line.startswith("data:"):
                break
    assert lines[0] == "id: 1" and '"ticket_number": "A001"' in lines[1]
