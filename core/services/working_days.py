"""Working days of the hall's calendar: when a promise of "N working days" falls due.

Time limits in administrative licensing are counted in working days (工作日): Saturdays, Sundays and the
public holidays are not counted, and the weekend days the State Council's yearly holiday notice makes
working days (调休上班) are. The calendar is platform data, a year at a time:

    {"year": 2026,
     "holidays": [["2026-01-01", "2026-01-03"], …],      # inclusive ranges, days off (放假)
     "workdays": ["2026-01-04", "2026-02-14", …]}         # weekend days that are working days (上班)

    calendar = HallCalendar.from_data([year_2026])
    calendar.due_date(date(2026, 9, 30), 5)    # date(2026, 10, 13): the holiday week is skipped

A case accepted on a day is counted from the next working day: accepted on a Friday with a promise of one
working day, it is due on Monday. A year the calendar does not know is counted by weekends alone, and
``knows`` says so, so a receipt can say the date is provisional. docs/intake.md gives the sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

MAX_PROMISE_DAYS = 3650  # a promise longer than ten years is a data error, not a deadline


class CalendarDataError(ValueError):
    """The calendar data is not a calendar (bad date, range backwards, day both off and on)."""


@dataclass(frozen=True)
class HallCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def from_data(cls, years: Iterable[Mapping[str, Any]]) -> HallCalendar:
        holidays: set[date] = set()
        workdays: set[date] = set()
        known: set[int] = set()
        for year in years:
            number = year.get("year")
            if not isinstance(number, int) or not 1990 <= number <= 2200:
                raise CalendarDataError(f"calendar year {number!r} is not a year")
            for pair in year.get("holidays", ()):
                if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                    raise CalendarDataError(f"{number}: a holiday is [first, last], not {pair!r}")
                first, last = _day(pair[0], number), _day(pair[1], number)
                if last < first:
                    raise CalendarDataError(f"{number}: holiday {first}–{last} ends before it starts")
                holidays.update(first + timedelta(days=i) for i in range((last - first).days + 1))
            workdays.update(_day(d, number) for d in year.get("workdays", ()))
            known.add(number)
        both = holidays & workdays
        if both:
            raise CalendarDataError(f"days both off and working: {', '.join(sorted(map(str, both)))}")
        return cls(frozenset(holidays), frozenset(workdays), frozenset(known))

    def knows(self, day: date) -> bool:
        """Whether the platform gave the calendar of ``day``'s year (else weekends alone are counted)."""
        return day.year in self.years

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def due_date(self, accepted: date, working_days: int) -> date:
        """The day a promise of ``working_days`` falls due for a case accepted on ``accepted`` (0: the same
        day)."""
        if not 0 <= working_days <= MAX_PROMISE_DAYS:
            raise ValueError(f"a promise of {working_days} working days is out of range")
        day, left = accepted, working_days
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


def _day(value: Any, year: int) -> date:
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CalendarDataError(f"{year}: {value!r} is not a date (YYYY-MM-DD)") from None
    if day.year not in (year - 1, year, year + 1):  # a holiday may start in the old year (元旦 ranges)
        raise CalendarDataError(f"{year}: {day} is not in or next to that year")
    return day
