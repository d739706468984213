"""Promises in working days fall due on the right date (core/services/working_days.py; docs/intake.md).

Working days leave out weekends and public holidays and count the weekend days the State Council's notice
for the year makes working days. The sample hall carries the 2026 notice (published 2025-11-04).
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import pytest

from core.services.working_days import CalendarDataError, HallCalendar


@pytest.fixture(scope="module")
def calendar() -> HallCalendar:
    hall = json.loads(resources.files("simulators.sample_data").joinpath("hall.json").read_text("utf-8"))
    return HallCalendar.from_data(hall["calendar"])


@pytest.mark.parametrize("day, working", [
    (date(2026, 1, 1), False),   # 元旦
    (date(2026, 1, 4), True),    # a Sunday made a working day
    (date(2026, 2, 14), True),   # a Saturday made a working day before the Spring Festival
    (date(2026, 2, 16), False),  # 春节, a Monday
    (date(2026, 2, 23), False),  # the last day of the Spring Festival holiday, a Monday
    (date(2026, 2, 24), True),
    (date(2026, 3, 7), False),   # an ordinary Saturday
    (date(2026, 10, 10), True),  # a Saturday made a working day after National Day
    (date(2026, 10, 11), False),
])
def test_which_days_are_working_days(calendar, day, working):
    assert calendar.is_working_day(day) is working


def test_counting_starts_the_day_after_acceptance(calendar):
    friday = date(2026, 3, 6)
    assert calendar.due_date(friday, 0) == friday
    assert calendar.due_date(friday, 1) == date(2026, 3, 9)  # Monday


def test_a_promise_over_national_day_skips_the_holiday_week_and_counts_the_saturday_after(calendar):
    """Accepted Wednesday 30 September with 5 working days: the holiday runs to 7 October, so 8 (Thu) and 9
    (Fri) October are the first two, 10 (Sat, a working day) the third, then 12 and 13 October."""
    assert calendar.due_date(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_a_promise_over_the_spring_festival(calendar):
    """Accepted Friday 13 February: 14 (Sat, working), then the holiday to 23 February, then 24, 25 …"""
    assert calendar.due_date(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert calendar.due_date(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_working_days_between_counts_what_due_date_adds(calendar):
    accepted = date(2026, 4, 30)
    for n in (1, 3, 7, 20):
        assert calendar.working_days_between(accepted, calendar.due_date(accepted, n)) == n
    assert calendar.working_days_between(date(2026, 5, 8), date(2026, 4, 30)) == -3


def test_a_year_the_platform_did_not_give_counts_weekends_only_and_says_so(calendar):
    assert not calendar.knows(date(2027, 1, 1))
    assert calendar.knows(date(2026, 12, 31))
    assert calendar.due_date(date(2027, 1, 1), 1) == date(2027, 1, 4)  # Friday → Monday


@pytest.mark.parametrize("data, problem", [
    ([{"year": "2026"}], "not a year"),
    ([{"year": 2026, "holidays": [["2026-02-30", "2026-03-01"]]}], "not a date"),
    ([{"year": 2026, "holidays": [["2026-03-05", "2026-03-01"]]}], "ends before"),
    ([{"year": 2026, "holidays": [["2026-03-01"]]}], "[first, last]"),
    ([{"year": 2026, "holidays": [["2026-03-01", "2026-03-02"]], "workdays": ["2026-03-02"]}], "both off"),
    ([{"year": 2026, "workdays": ["1999-01-01"]}], "not in or next to"),
])
def test_calendar_data_that_is_not_a_calendar_is_refused_with_the_reason(data, problem):
    with pytest.raises(CalendarDataError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        HallCalendar.from_data(data)


def test_an_absurd_promise_is_refused(calendar):
    with pytest.raises(ValueError):
        calendar.due_date(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        calendar.due_date(date(2026, 1, 5), 10**9)
