"""Strict parsing of the platform's JSON answers into core.domain dataclasses.

Anything that is not exactly the expected shape (a missing field, a string where a number belongs, a
naive timestamp, an unknown state) raises ``BadAnswer`` with the path of the offending field; the client
turns that into ``PlatformUnreachable`` ("the answer is not the platform's"), never a KeyError upstream.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, TypeVar

from core.domain import (
    BoardWindow,
    CallEvent,
    CallKind,
    ClerkSession,
    HallBoard,
    HallInfo,
    Satisfaction,
    Service,
    Ticket,
    TicketState,
    Window,
    WindowState,
    WindowStatus,
)

E = TypeVar("E", bound=enum.Enum)


class BadAnswer(ValueError):
    """The answer does not have the shape of the platform's API."""


class Obj:
    """A JSON object read field by field with type checks; ``where`` names it in error messages."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise BadAnswer(f"{where}: expected an object, got {type(value).__name__}")
        self.value = value
        self.where = where

    def _get(self, key: str, types: type | tuple, optional: bool = False) -> Any:
        if key not in self.value:
            if optional:
                return None
            raise BadAnswer(f"{self.where}.{key}: missing")
        v = self.value[key]
        if v is None and optional:
            return None
        # bool is an int in Python; a number field must not accept true/false, nor a bool field 0/1.
        if not isinstance(v, types) or (isinstance(v, bool) and bool not in _tuple(types)):
            raise BadAnswer(f"{self.where}.{key}: expected {_names(types)}, got {type(v).__name__}")
        return v

    def str(self, key: str) -> str:
        return self._get(key, str)

    def int(self, key: str) -> int:
        return self._get(key, int)

    def opt_str(self, key: str) -> str | None:
        return self._get(key, str, optional=True)

    def number(self, key: str) -> float:
        return float(self._get(key, (int, float)))

    def opt_int(self, key: str) -> int | None:
        return self._get(key, int, optional=True)

    def bool(self, key: str) -> bool:
        return self._get(key, bool)

    def datetime(self, key: str, optional: bool = False) -> datetime | None:
        raw = self._get(key, str, optional=optional)
        if raw is None:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise BadAnswer(f"{self.where}.{key}: not an ISO timestamp: {raw[:40]!r}") from None
        if value.tzinfo is None:
            raise BadAnswer(f"{self.where}.{key}: timestamp without a time zone")
        return value

    def date(self, key: str, optional: bool = False) -> date | None:
        raw = self._get(key, str, optional=optional)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise BadAnswer(f"{self.where}.{key}: not an ISO date: {raw[:40]!r}") from None

    def enum(self, key: str, kind: type[E]) -> E:
        raw = self.str(key)
        try:
            return kind(raw)
        except ValueError:
            raise BadAnswer(f"{self.where}.{key}: unknown value {raw[:40]!r}") from None

    def obj(self, key: str, optional: bool = False) -> Obj | None:
        raw = self._get(key, dict, optional=optional)
        return None if raw is None else Obj(raw, f"{self.where}.{key}")

    def list(self, key: str) -> list[Any]:
        return self._get(key, list)


def _tuple(types: type | tuple) -> tuple:
    return types if isinstance(types, tuple) else (types,)


def _names(types: type | tuple) -> str:
    return " or ".join(t.__name__ for t in _tuple(types))


def _strings(values: list[Any], where: str) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in values):
        raise BadAnswer(f"{where}: expected a list of strings")
    return tuple(values)


def ticket(o: Obj) -> Ticket:
    return Ticket(
        number=o.str("number"), service_prefix=o.str("service_prefix"), service_name=o.str("service_name"),
        service_name_en=o.str("service_name_en"), state=o.enum("state", TicketState),
        issued_at=o.datetime("issued_at"), tracking_code=o.str("tracking_code"),
        people_ahead=o.int("people_ahead"), estimated_wait_min=o.int("estimated_wait_min"),
        priority=o.bool("priority"), appointment=o.bool("appointment"), window=o.opt_int("window"),
        called_at=o.datetime("called_at", optional=True), reprint=o.bool("reprint"),
        service_day=o.date("service_day", optional=True))


def ticket_answer(value: Any, *, optional: bool = False) -> Ticket | None:
    inner = Obj(value, "answer").obj("ticket", optional=optional)
    return None if inner is None else ticket(inner)


def hall(value: Any) -> HallInfo:
    o = Obj(value, "hall")
    services = []
    for i, raw in enumerate(o.list("services")):
        s = Obj(raw, f"hall.services[{i}]")
        hours = []
        for j, pair in enumerate(s.list("issuing_hours")):
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise BadAnswer(f"{s.where}.issuing_hours[{j}]: expected [start, end]")
            hours.append((pair[0], pair[1]))
        services.append(Service(
            prefix=s.str("prefix"), name=s.str("name"), name_en=s.str("name_en"), department=s.str("department"),
            daily_cap=s.int("daily_cap"), priority_weight=s.int("priority_weight"), issuing_hours=tuple(hours),
            available=s.bool("available"), waiting=s.int("waiting")))
    windows = []
    for i, raw in enumerate(o.list("windows")):
        w = Obj(raw, f"hall.windows[{i}]")
        windows.append(Window(number=w.int("number"), services=_strings(w.list("services"), f"{w.where}.services"),
                              name=w.str("name")))
    return HallInfo(id=o.str("id"), name=o.str("name"), name_en=o.str("name_en"), timezone=o.str("timezone"),
                    services=tuple(services), windows=tuple(windows),
                    elderly_priority_age=o.int("elderly_priority_age"))


def session(value: Any) -> ClerkSession:
    o = Obj(value, "session")
    return ClerkSession(window=o.int("window"), staff_id=o.str("staff_id"), staff_name=o.str("staff_name"),
                        token=o.str("token"))


def window_status(value: Any) -> WindowStatus:
    o = Obj(value, "window")
    current = o.obj("current", optional=True)
    return WindowStatus(
        window=o.int("window"), services=_strings(o.list("services"), "window.services"), paused=o.bool("paused"),
        pause_reason=o.str("pause_reason"), current=ticket(current) if current else None,
        waiting=tuple(ticket(Obj(t, f"window.waiting[{i}]")) for i, t in enumerate(o.list("waiting"))),
        held=tuple(ticket(Obj(t, f"window.held[{i}]")) for i, t in enumerate(o.list("held"))),
        served_today=o.int("served_today"), no_show_today=o.int("no_show_today"),
        waiting_count=o.int("waiting_count"))


def call_events(value: Any) -> list[CallEvent]:
    o = Obj(value, "calls")
    o.int("last_seq")
    events = []
    for i, raw in enumerate(o.list("events")):
        e = Obj(raw, f"calls.events[{i}]")
        events.append(CallEvent(seq=e.int("seq"), ticket_number=e.str("ticket_number"), window=e.int("window"),
                                kind=e.enum("kind", CallKind), at=e.datetime("at")))
    return events


def board(value: Any) -> HallBoard:
    """``GET /v1/display/board``; ``satisfaction`` is optional (absent or null: the platform gives none)."""
    o = Obj(value, "board")
    windows = []
    for i, raw in enumerate(o.list("windows")):
        w = Obj(raw, f"board.windows[{i}]")
        windows.append(BoardWindow(number=w.int("number"), name=w.str("name"), state=w.enum("state", WindowState),
                                   serving=w.opt_str("serving")))
    waiting = []
    for i, raw in enumerate(o.list("services")):
        s = Obj(raw, f"board.services[{i}]")
        count = s.int("waiting")
        if count < 0:
            raise BadAnswer(f"{s.where}.waiting: negative")
        waiting.append((s.str("prefix"), count))
    rated = o.obj("satisfaction", optional=True)
    satisfaction = None
    if rated is not None:
        rate, count = rated.number("rate"), rated.int("ratings")
        if not 0.0 <= rate <= 1.0 or count < 0:
            raise BadAnswer(f"{rated.where}: rate outside 0..1 or a negative count")
        satisfaction = Satisfaction(rate=rate, ratings=count)
    return HallBoard(windows=tuple(windows), waiting=tuple(waiting), satisfaction=satisfaction)


def ok(value: Any) -> None:
    if Obj(value, "answer").bool("ok") is not True:
        raise BadAnswer("answer.ok: not true")
