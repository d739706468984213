"""The hall's time: its zone, the time there now, and the service day.

A hall works in local time: issuing hours ("09:00–12:00"), the time printed on a slip, and the service
day are all the hall's wall clock, and ticket numbers start again at 001 at local midnight (the service
day is the hall's calendar date, not UTC's: 00:30 in Beijing is 16:30 UTC of the day before). The
``Clock`` port (core/ports/clock.py) gives an aware instant; everything here turns it into hall time, so
the kiosk, the clerk's window, the slip and the hall server agree on the day (docs/hall-server.md).

The zone comes from the hall data (an IANA name such as ``Asia/Shanghai``). When it is missing or
unknown to this machine, ``Asia/Shanghai`` is used: every hall this terminal serves is in mainland
China, which keeps one zone, China Standard Time (UTC+8, no daylight saving since 1991). On a Windows
terminal without the ``tzdata`` package even that name may be unknown; the fixed UTC+8 offset is then
the same clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.ports.clock import Clock, SystemClock

DEFAULT_HALL_ZONE = "Asia/Shanghai"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


class HasZone(Protocol):
    timezone: str


@cache
def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return None


def hall_zone(name: str | None) -> tzinfo:
    """The hall's time zone from its IANA name; Asia/Shanghai (or fixed UTC+8) when unknown."""
    return (name and _zone(name)) or _zone(DEFAULT_HALL_ZONE) or CHINA_STANDARD_TIME


def is_known_zone(name: str) -> bool:
    """Whether ``name`` is a time zone this machine knows (hall data is checked with it)."""
    return isinstance(name, str) and _zone(name) is not None


def _zone_of(hall: HasZone | str | None) -> tzinfo:
    return hall_zone(hall if isinstance(hall, str) or hall is None else hall.timezone)


def in_hall_time(moment: datetime, hall: HasZone | str | None) -> datetime:
    """An aware instant as the hall's wall-clock time (a naive one is taken as already local)."""
    return moment if moment.tzinfo is None else moment.astimezone(_zone_of(hall))


def hall_now(hall: HasZone | str | None, clock: Clock | None = None) -> datetime:
    """Now, on the hall's wall clock. ``hall`` is a hall (anything with ``timezone``) or a zone name."""
    return (clock or SystemClock()).now().astimezone(_zone_of(hall))


def hall_today(hall: HasZone | str | None, clock: Clock | None = None) -> date:
    """The service day: today's date in the hall's zone (ticket numbers and offline blocks are per day)."""
    return hall_now(hall, clock).date()


def service_day_of(moment: datetime, hall: HasZone | str | None) -> date:
    """The service day an instant belongs to (a ticket issued at 23:59 local time is that day's)."""
    return in_hall_time(moment, hall).date()


def from_timestamp(ts: float | None, hall: HasZone | str | None) -> datetime | None:
    """A stored POSIX timestamp as hall time; None stays None."""
    return None if ts is None else datetime.fromtimestamp(ts, _zone_of(hall))
