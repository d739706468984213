"""What the kiosk's services page, number page and keypad say (core/presenters/citizen_screens.py):
plain values from domain objects, no platform and no Qt."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from core.domain import HallInfo, Service, Ticket, TicketState
from core.i18n import Translator
from core.presenters.messages import Message
from core.presenters.citizen_screens import (
    GROUP_THRESHOLD,
    TYPED_DIGITS,
    TypedCode,
    services_screen,
    ticket_screen,
)
from core.services.queue import IssuedTicket, PrintState, unavailable_reason

TICKET = Ticket("A007", "A", "综合受理", "General acceptance", TicketState.WAITING,
                datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc), "T-7", people_ahead=3, estimated_wait_min=12)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return 0.0


CLOCK = FixedClock(datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc))  # 14:00 in Shanghai


def hall(services) -> HallInfo:
    return HallInfo("h", "示例大厅", "Example hall", "Asia/Shanghai", tuple(services), ())


def issued(print_state=PrintState.PRINTED, offline=False, **ticket) -> IssuedTicket:
    return IssuedTicket(replace(TICKET, **ticket), "req-1", print_state, offline=offline)


# --- the services page -------------------------------------------------------------------------------


@pytest.mark.parametrize("service,expected", [
    (Service("A", "综合受理", "General", available=True), None),
    (Service("B", "不动产登记", "Real estate", daily_cap=10, available=False), "queue.service.capped"),
    (Service("C", "社保", "Social", issuing_hours=(("09:00", "12:00"),), available=False),
     "queue.service.outside_hours"),
    (Service("D", "公积金", "Fund", issuing_hours=(("13:00", "17:00"),), daily_cap=5, available=False),
     "queue.service.capped"),  # inside its hours, so the cap is why
    (Service("E", "税务", "Tax", available=False), "queue.service.unavailable"),
])
def test_why_a_service_cannot_issue(service, expected):
    reason = unavailable_reason(service, hall([service]), CLOCK)
    assert (reason[0] if reason else None) == expected


def test_a_service_that_cannot_issue_is_disabled_and_says_why_and_the_others_say_how_many_wait():
    (group,) = services_screen(hall([
        Service("A", "综合受理", "General acceptance", department="中心", waiting=3),
        Service("C", "社保医保", "Social insurance", department="社保", issuing_hours=(("09:00", "12:00"),),
                available=False),
    ]), CLOCK, "zh_CN")
    a, c = group.choices
    assert group.department is None
    assert (a.name, a.enabled, a.detail, a.department) == ("综合受理", True, Message.of("ui.services.waiting", n=3),
                                                          "中心")
    assert (c.enabled, c.detail, c.department) == (False, Message.of("queue.service.outside_hours",
                                                                    hours="09:00–12:00"), "")


def test_the_department_goes_before_the_count_only_in_chinese():
    (group,) = services_screen(hall([Service("A", "综合受理", "General acceptance", department="中心")]),
                               CLOCK, "en")
    assert group.choices[0].department == "" and group.choices[0].name == "General acceptance"


def test_many_services_are_grouped_under_their_departments_in_the_order_they_first_appear():
    services = [Service(chr(ord("A") + i), f"业务{i}", f"Service {i}", department=f"部门{(i + 1) % 3}")
                for i in range(GROUP_THRESHOLD + 3)]
    groups = services_screen(hall(services), CLOCK, "zh_CN")
    assert [g.department for g in groups] == ["部门1", "部门2", "部门0"]
    assert sum(len(g.choices) for g in groups) == len(services)
    assert all(c.department == "" for g in groups for c in g.choices)  # the heading says it
    assert services_screen(hall(services[:GROUP_THRESHOLD]), CLOCK, "zh_CN")[0].department is None


# --- the number page ---------------------------------------------------------------------------------


def test_a_new_number_says_how_many_are_ahead_and_how_long_the_wait_is():
    screen = ticket_screen(issued(), "zh_CN")
    assert screen.heading.key == "ui.result.your_number" and screen.number == "A007"
    assert screen.service_name == "综合受理" and ticket_screen(issued(), "en").service_name == "General acceptance"
    assert screen.ahead.param("n") == 3 and screen.wait.param("minutes") == 12
    assert screen.priority is None


def test_with_nobody_ahead_the_person_is_next_and_no_wait_is_said_but_a_minute_is_the_least_wait():
    screen = ticket_screen(issued(people_ahead=0, estimated_wait_min=0), "zh_CN")
    assert screen.ahead.key == "ui.result.next_up" and screen.wait is None
    assert ticket_screen(issued(estimated_wait_min=0), "zh_CN").wait.param("minutes") == 1


def test_an_offline_number_promises_neither_next_up_nor_a_waiting_time():
    """GIVEN a number from the kiosk's block (the count ahead is the last one seen) THEN the count shows
    when there is one, but never "next up" and never a waiting time."""
    with_count = ticket_screen(issued(offline=True), "zh_CN")
    assert with_count.ahead.param("n") == 3 and with_count.wait is None
    without = ticket_screen(issued(offline=True, people_ahead=0), "zh_CN")
    assert without.ahead is None and without.wait is None


def test_a_reprint_says_the_person_already_had_this_number():
    screen = ticket_screen(issued(reprint=True), "zh_CN")
    assert screen.heading.key == "ui.result.already_have" and screen.heading.param("number") == "A007"


@pytest.mark.parametrize("flags,key", [
    ({"priority": True}, "ui.result.priority"),
    ({"appointment": True}, "ui_codes.result.appointment"),
    ({"appointment": True, "priority": True}, "ui_codes.result.appointment"),
])
def test_why_a_number_is_called_first_is_said(flags, key):
    assert ticket_screen(issued(**flags), "zh_CN").priority.key == key


@pytest.mark.parametrize("state,key,role,reprint", [
    (PrintState.PRINTING, "ui.result.printing", "notice", False),
    (PrintState.PRINTED, "ui.result.printed", "notice", False),
    (PrintState.NOT_PRINTED, "ui.result.not_printed", "notice", False),
    (PrintState.FAILED, "ui.result.print_failed", "problem", True),
])
def test_the_print_state_says_what_to_do_and_only_a_failed_slip_offers_a_reprint(state, key, role, reprint):
    screen = ticket_screen(issued(state), "zh_CN")
    assert (screen.print_status.key, screen.print_role, screen.can_reprint) == (key, role, reprint)
    text = screen.print_status.render(Translator("zh_CN"))
    if state in (PrintState.FAILED, PrintState.NOT_PRINTED):  # the number to tell staff
        assert "A007" in text


# --- the keypad --------------------------------------------------------------------------------------


def test_an_appointment_code_is_typed_as_its_15_digits_after_yy_in_groups_of_four():
    typed = TypedCode("checkin")
    assert typed.field() == "YY ____ ____ ____ ___" and not typed.can_submit
    for digit in "2026112100012":
        typed.type_digit(digit)
    assert typed.field() == "YY 2026 1121 0001 2__" and typed.can_submit and typed.payload() is None
    assert typed.incomplete().param("n") == 15
    for digit in "369":  # the 16th digit is not taken
        typed.type_digit(digit)
    assert typed.digits == "202611210001236" and typed.payload() == "YY202611210001236"


def test_a_tracking_number_is_typed_as_20_digits_and_becomes_a_receipt_code():
    typed = TypedCode("track")
    for digit in "32010220261120000123":
        typed.type_digit(digit)
    assert typed.payload() == "HALL:R:32010220261120000123" and len(typed.digits) == TYPED_DIGITS["track"]
    typed.erase()
    assert typed.payload() is None and typed.field().endswith("012_")
    typed.open("checkin")
    assert typed.digits == "" and typed.mode == "checkin"


def test_only_digits_are_typed():
    typed = TypedCode("checkin")
    for key in ("a", "１", "12", "", "7"):
        typed.type_digit(key)
    assert typed.digits == "7"
