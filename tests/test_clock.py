"""The hall's clock: one zone, one service day, for the kiosk, the slip and the hall server alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from core import clock as hall_clock
from core.clock import DEFAULT_HALL_ZONE, hall_now, hall_today, hall_zone, in_hall_time, is_known_zone, service_day_of
from core.domain import HallInfo


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return 0.0


def test_the_service_day_turns_at_local_midnight_not_at_utc_midnight():
    """GIVEN a hall in Beijing (UTC+8)
    WHEN the clock reads 15:59:59 UTC and then 16:00:00 UTC on 2 March
    THEN the service day is 2 March until local midnight and 3 March from then on."""
    before = FixedClock(datetime(2026, 3, 2, 15, 59, 59, tzinfo=timezone.utc))
    after = FixedClock(datetime(2026, 3, 2, 16, 0, 0, tzinfo=timezone.utc))
    assert hall_today("Asia/Shanghai", before) == date(2026, 3, 2)
    assert hall_today("Asia/Shanghai", after) == date(2026, 3, 3)
    assert hall_now("Asia/Shanghai", after).hour == 0


def test_a_hall_or_its_zone_name_give_the_same_time():
    """GIVEN a hall whose data names Asia/Urumqi (UTC+6)
    WHEN hall time is asked with the hall or with the zone's name
    THEN both give the same wall-clock time."""
    hall = HallInfo("h", "乌鲁木齐大厅", "Urumqi hall", "Asia/Urumqi", (), ())
    at = FixedClock(datetime(2026, 3, 2, 18, 30, tzinfo=timezone.utc))
    assert hall_now(hall, at) == hall_now("Asia/Urumqi", at)
    assert hall_now(hall, at).utcoffset() == timedelta(hours=6)
    assert hall_today(hall, at) == date(2026, 3, 3)


@pytest.mark.parametrize("name", ["", None, "Mars/Olympus_Mons", "../etc/passwd"])
def test_an_unknown_or_missing_zone_falls_back_to_china_standard_time(name):
    """GIVEN hall data with no zone or one this machine does not know
    THEN hall time is Asia/Shanghai's (UTC+8), and the name is reported as unknown."""
    assert hall_zone(name).utcoffset(datetime(2026, 7, 1)) == timedelta(hours=8)
    assert hall_zone(name) == hall_zone(DEFAULT_HALL_ZONE)
    assert not is_known_zone(name)


def test_without_a_time_zone_database_the_fallback_is_the_fixed_utc_plus_8(monkeypatch):
    """GIVEN a machine that knows no IANA zone at all (Windows without tzdata)
    THEN the hall zone is the fixed UTC+8 offset, which is China Standard Time all year."""
    monkeypatch.setattr(hall_clock, "_zone", lambda name: None)
    zone = hall_zone("Asia/Shanghai")
    assert zone is hall_clock.CHINA_STANDARD_TIME
    at = datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc)
    assert service_day_of(at, "Asia/Shanghai") == date(2027, 1, 1)


def test_a_naive_time_is_taken_as_already_local():
    """GIVEN a datetime without a zone (a test's or a simulator's slip)
    THEN it is printed as it is, not shifted."""
    naive = datetime(2026, 3, 2, 9, 15)
    assert in_hall_time(naive, "Asia/Shanghai") == naive


def test_the_queue_service_still_offers_the_hall_clock():
    """The windows import hall_now/hall_today from the queue use cases; they are the same helpers."""
    from core.services import queue

    assert queue.hall_now is hall_now and queue.hall_today is hall_today
