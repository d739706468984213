"""Client of the appointments and case-tracking API (hall_server/appointments.py, hall_server/api/cases.py).

    appointments = AppointmentsClient(platform_client)     # shares its session, signing and errors
    appointment, ticket = appointments.check_in("YY202611210001236", request_id=new_request_id())

Implements ``core.ports.appointments.AppointmentPlatform``. Codes are checked against their exact
shape (core/domain/codes.py) before anything is sent: a hostile payload never reaches a URL path.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.domain import Ticket
from core.domain.appointments import (
    Appointment,
    AppointmentState,
    Case,
    CaseState,
    CaseStep,
    Collector,
    Pickup,
    PickupMethod,
)
from core.domain.codes import CodeKind, classify
from core.errors import PlatformRejected
from core import wire as parse
from platform_client.client import PlatformClient, _TransportFailure


def _appointment(value: Any, where: str = "appointment") -> Appointment:
    o = parse.Obj(value, where)
    return Appointment(code=o.str("code"), day=o.date("day"), slot=o.str("slot"),
                       service_prefix=o.str("service_prefix"), state=o.enum("state", AppointmentState),
                       matter_code=o._get("matter_code", str, optional=True),
                       ticket_tracking_code=o._get("ticket_tracking_code", str, optional=True))


def _case(value: Any) -> Case:
    o = parse.Obj(value, "case")
    return Case(tracking=o.str("tracking"), matter_code=o.str("matter_code"), matter_name=o.str("matter_name"),
                matter_name_en=o.str("matter_name_en"), state=o.enum("state", CaseState),
                accepted_on=o.date("accepted_on"), promised_on=o.date("promised_on", optional=True),
                pickup_window=o.opt_int("pickup_window"), history=_history(value),
                refusal_reason=o._get("refusal_reason", str, optional=True), pickup=_pickup(o),
                collected_by=o.enum("collected_by", Collector) if o.value.get("collected_by") is not None else None)


def _pickup(o: parse.Obj) -> Pickup | None:
    """Where a ready result waits (an answer of a platform that does not say: None)."""
    p = o.obj("pickup", optional=True)
    if p is None:
        return None
    return Pickup(method=p.enum("method", PickupMethod), window=p.opt_int("window"), place=p.str("place"))


def _history(value: Any) -> tuple[CaseStep, ...]:
    """The case's steps, oldest first (an answer without ``history`` has none)."""
    steps = value.get("history", []) if isinstance(value, dict) else []
    if not isinstance(steps, list):
        raise parse.BadAnswer("case.history is not a list")
    out = []
    for i, step in enumerate(steps):
        o = parse.Obj(step, f"case.history[{i}]")
        out.append(CaseStep(state=o.enum("state", CaseState), at=o.datetime("at"), actor=o.str("actor"),
                            window=o.opt_int("window")))
    return tuple(out)


def _check_code(code: str) -> None:
    if classify(code).kind is not CodeKind.APPOINTMENT:
        raise PlatformRejected("not an appointment code", reason="invalid_request")


class AppointmentsClient:
    def __init__(self, client: PlatformClient) -> None:
        self._client = client

    def book(self, service_prefix: str, day: date, slot: str, matter_code: str | None = None) -> Appointment:
        body: dict = {"service_prefix": service_prefix, "day": day.isoformat(), "slot": slot}
        if matter_code is not None:
            body["matter_code"] = matter_code
        payload = self._client._request("POST", "/v1/appointments", body=body)
        return self._client._parse("appointment", lambda p: _appointment(parse.Obj(p, "answer")._get(
            "appointment", dict)), payload)

    def appointment(self, code: str) -> Appointment:
        _check_code(code)
        payload = self._client._request("GET", f"/v1/appointments/{code}")
        return self._client._parse("appointment", lambda p: _appointment(parse.Obj(p, "answer")._get(
            "appointment", dict)), payload)

    def check_in(self, code: str, *, request_id: str) -> tuple[Appointment, Ticket]:
        _check_code(code)
        path = f"/v1/appointments/{code}/check-in"
        try:
            payload = self._client._request("POST", path, body={"request_id": request_id})
        except _TransportFailure:  # the first try may have checked in: a repeat gives the same ticket
            payload = self._client._request("POST", path, body={"request_id": request_id})

        def read(p: Any) -> tuple[Appointment, Ticket]:
            answer = parse.Obj(p, "answer")
            return _appointment(answer._get("appointment", dict)), parse.ticket(answer.obj("ticket"))

        return self._client._parse("check-in", read, payload)

    def case(self, tracking: str) -> Case:
        if len(tracking) != 20 or not tracking.isascii() or not tracking.isdigit():
            raise PlatformRejected("not a tracking number", reason="invalid_request")
        payload = self._client._request("GET", f"/v1/cases/{tracking}")
        return self._client._parse("case", lambda p: _case(parse.Obj(p, "answer")._get("case", dict)), payload)
