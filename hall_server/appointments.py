"""Appointments (book, look up, check in) and the sample cases, in the hall server.

One router and its own tables (``appointments``, ``cases``), created on first use in the hall's database;
it calls the store only through ``HallStore.issue_ticket`` (check-in) and its connection helpers.

    POST /v1/appointments                     {service_prefix, day, slot, matter_code?}  → {appointment}
    GET  /v1/appointments/{code}                                                          → {appointment}
    POST /v1/appointments/{code}/check-in     {request_id}   (citizen)                   → {appointment, ticket}

Check-in issues a ticket for the appointment's service with ``appointment_code``, which the queue calls
ahead of walk-ins (issuing.py). A day is bookable from today to BOOKING_DAYS ahead, a slot must end after it
starts. Check-in works on the appointment's own day only; a repeat (same or new request
id) gives the same ticket back. Codes are made here: ``YY<yyyymmdd><serial 6><Luhn>`` (docs/codes.md).
``seed_samples(store)`` books the demo's sample appointments for today and a few sample cases (the ``cases``
table; GET /v1/cases/{tracking} is api/cases.py's, and the cases the terminals' records open are cases.py's).
"""

from __future__ import annotations

import sqlite3
import time
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field, field_validator

from core.domain.appointments import Appointment, AppointmentState, Case, CaseState
from core.domain.codes import CodeKind, classify, luhn_check_digit
from hall_server.api import ERRORS, call, store
from hall_server.auth import Terminal, require
from hall_server.models import PREFIX, REQUEST_ID, TicketModel
from hall_server.problems import HallError

SCHEMA = """
CREATE TABLE IF NOT EXISTS appointments (
    code TEXT PRIMARY KEY, day TEXT NOT NULL, serial INTEGER NOT NULL, slot TEXT NOT NULL,
    service_prefix TEXT NOT NULL, matter_code TEXT, state TEXT NOT NULL DEFAULT 'booked',
    ticket_tracking_code TEXT, created_at REAL NOT NULL, UNIQUE (day, serial));
CREATE TABLE IF NOT EXISTS cases (
    tracking TEXT PRIMARY KEY, matter_code TEXT NOT NULL, matter_name TEXT NOT NULL,
    matter_name_en TEXT NOT NULL, state TEXT NOT NULL, accepted_on TEXT NOT NULL, promised_on TEXT,
    pickup_window INTEGER);
"""
BOOKING_DAYS = 60  # how far ahead an appointment may be booked (today included)
SLOT = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"
MATTER = r"^[0-9A-Z-]{1,32}$"


class AppointmentBook:
    """The appointment and case tables next to a HallStore (same database, same write lock)."""

    def __init__(self, hall_store) -> None:
        self.store = hall_store
        with hall_store._write() as con:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)

    @staticmethod
    def _appointment(row: sqlite3.Row) -> Appointment:
        return Appointment(code=row["code"], day=date.fromisoformat(row["day"]), slot=row["slot"],
                           service_prefix=row["service_prefix"], state=AppointmentState(row["state"]),
                           matter_code=row["matter_code"], ticket_tracking_code=row["ticket_tracking_code"])

    def book(self, service_prefix: str, day: date, slot: str, matter_code: str | None = None) -> Appointment:
        with self.store._write() as con:
            self.store._service_row(con, service_prefix)  # HallError unknown_service
            today = self.store.service_day(con)
            if day < today:
                raise HallError("invalid_request", "day: an appointment cannot be booked in the past")
            if day > today + timedelta(days=BOOKING_DAYS):
                raise HallError("invalid_request", f"day: appointments are booked at most {BOOKING_DAYS} days ahead")
            serial = con.execute("SELECT COALESCE(MAX(serial), 0) + 1 FROM appointments WHERE day = ?",
                                 (day.isoformat(),)).fetchone()[0]
            if serial > 999_999:
                raise HallError("daily_cap_reached", "no appointment numbers left for that day")
            body = f"{day:%Y%m%d}{serial:06d}"
            code = f"YY{body}{luhn_check_digit(body)}"
            con.execute("INSERT INTO appointments (code, day, serial, slot, service_prefix, matter_code, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (code, day.isoformat(), serial, slot, service_prefix, matter_code, time.time()))
            return self._appointment(con.execute("SELECT * FROM appointments WHERE code = ?", (code,)).fetchone())

    def get(self, code: str) -> Appointment:
        if classify(code).kind is not CodeKind.APPOINTMENT:
            raise HallError("invalid_request", "code: not an appointment code")
        row = self.store._con().execute("SELECT * FROM appointments WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise HallError("not_found", "no appointment with this code")
        return self._appointment(row)

    def check_in(self, code: str, *, terminal_id: str, request_id: str):
        """The appointment checked in and its ticket (a ``core.domain.Ticket``)."""
        appointment = self.get(code)
        if appointment.state is AppointmentState.CANCELLED:
            raise HallError("wrong_state", "this appointment was cancelled")
        if appointment.day != self.store.service_day():
            raise HallError("wrong_state", f"this appointment is for {appointment.day.isoformat()}, not today")
        if appointment.ticket_tracking_code is not None:
            ticket = self.store.ticket_by_tracking(appointment.ticket_tracking_code)
            return appointment, ticket
        ticket = self.store.issue_ticket(terminal_id=terminal_id, service_prefix=appointment.service_prefix,
                                         request_id=request_id, appointment_code=code)
        with self.store._write() as con:
            con.execute("UPDATE appointments SET state = 'checked_in', ticket_tracking_code = ? WHERE code = ?",
                        (ticket.tracking_code, code))
        return self.get(code), ticket

    def add_case(self, case: Case) -> None:
        with self.store._write() as con:
            con.execute("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tracking) DO UPDATE SET "
                        "matter_code = excluded.matter_code, matter_name = excluded.matter_name, "
                        "matter_name_en = excluded.matter_name_en, state = excluded.state, "
                        "accepted_on = excluded.accepted_on, promised_on = excluded.promised_on, "
                        "pickup_window = excluded.pickup_window",
                        (case.tracking, case.matter_code, case.matter_name, case.matter_name_en, case.state.value,
                         case.accepted_on.isoformat(), case.promised_on.isoformat() if case.promised_on else None,
                         case.pickup_window))


def seed_samples(hall_store) -> dict[str, list[str]]:
    """Sample appointments for today (services A, B, E) and three sample cases; returns their codes."""
    book = AppointmentBook(hall_store)
    today = hall_store.service_day()
    appointments = [book.book("A", today, "09:00-09:30").code,
                    book.book("B", today, "10:00-10:30").code,
                    book.book("E", today, "14:00-14:30", matter_code="320100-XK-0001").code]
    cases = [
        Case(f"320102{today - timedelta(days=3):%Y%m%d}000123", "320100-XK-0001",
             "企业开办（设立登记、印章刻制、发票申领、社保登记、公积金开户）一件事", "Starting a company (one-stop)",
             CaseState.READY_FOR_PICKUP, today - timedelta(days=3), today, 1),
        Case(f"320102{today - timedelta(days=1):%Y%m%d}000456", "320100-QR-0002", "二手房转移登记",
             "Transfer registration of a resold home", CaseState.IN_REVIEW, today - timedelta(days=1),
             today + timedelta(days=4)),
        Case(f"320102{today:%Y%m%d}000789", "320100-XK-0001",
             "企业开办（设立登记、印章刻制、发票申领、社保登记、公积金开户）一件事", "Starting a company (one-stop)",
             CaseState.ACCEPTED, today, today + timedelta(days=1)),
    ]
    for case in cases:
        book.add_case(case)
    return {"appointments": appointments, "cases": [c.tracking for c in cases]}


# --- API ---------------------------------------------------------------------------------------------

class BookRequest(BaseModel):
    model_config = {"extra": "forbid", "strict": True}
    service_prefix: str = Field(pattern=PREFIX)
    day: date = Field(strict=False)  # an ISO string (``_iso_date_only``), parsed
    slot: str = Field(pattern=SLOT)
    matter_code: str | None = Field(None, pattern=MATTER)

    @field_validator("day", mode="before")
    @classmethod
    def _iso_date_only(cls, value):
        if not isinstance(value, str):
            raise ValueError("must be an ISO date string (YYYY-MM-DD)")
        return value

    @field_validator("slot")
    @classmethod
    def _ends_after_it_starts(cls, value: str) -> str:
        start, end = value.split("-")
        if end <= start:
            raise ValueError("a slot ends after it starts")
        return value


class CheckInRequest(BaseModel):
    model_config = {"extra": "forbid", "strict": True}
    request_id: str = Field(pattern=REQUEST_ID)


class AppointmentModel(BaseModel):
    code: str
    day: date
    slot: str
    service_prefix: str
    state: AppointmentState
    matter_code: str | None
    ticket_tracking_code: str | None


class AppointmentAnswer(BaseModel):
    appointment: AppointmentModel


class CheckInAnswer(BaseModel):
    appointment: AppointmentModel
    ticket: TicketModel


router = APIRouter(tags=["appointments"])
APPOINTMENT_CODE = r"^YY[0-9]{15}$"


def _book(request: Request) -> AppointmentBook:
    state = request.app.state
    if getattr(state, "appointments", None) is None:
        state.appointments = AppointmentBook(store(request))
    return state.appointments


@router.post("/v1/appointments", response_model=AppointmentAnswer, responses=ERRORS,
             summary="Book an appointment for a service, day and time slot")
async def book(body: BookRequest, request: Request,
               terminal: Terminal = Depends(require("citizen", "clerk"))) -> AppointmentAnswer:
    appointment = await call(request, lambda: _book(request).book(body.service_prefix, body.day, body.slot,
                                                                  body.matter_code))
    return AppointmentAnswer(appointment=AppointmentModel.model_validate(appointment, from_attributes=True))


@router.get("/v1/appointments/{code}", response_model=AppointmentAnswer, responses=ERRORS,
            summary="An appointment, by its code")
async def lookup(request: Request, code: str = Path(pattern=APPOINTMENT_CODE),
                 terminal: Terminal = Depends(require("citizen", "clerk"))) -> AppointmentAnswer:
    appointment = await call(request, lambda: _book(request).get(code))
    return AppointmentAnswer(appointment=AppointmentModel.model_validate(appointment, from_attributes=True))


@router.post("/v1/appointments/{code}/check-in", response_model=CheckInAnswer, responses=ERRORS,
             summary="Check in for today's appointment: a ticket called ahead of walk-ins")
async def check_in(body: CheckInRequest, request: Request, code: str = Path(pattern=APPOINTMENT_CODE),
                   terminal: Terminal = Depends(require("citizen"))) -> CheckInAnswer:
    appointment, ticket = await call(request, lambda: _book(request).check_in(
        code, terminal_id=terminal.id, request_id=body.request_id))
    return CheckInAnswer(appointment=AppointmentModel.model_validate(appointment, from_attributes=True),
                         ticket=TicketModel.model_validate(ticket, from_attributes=True))
