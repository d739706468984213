"""Request and response bodies of the hall server's API (pydantic; they make up /openapi.json).

Requests are strict (no "1" for 1, no unknown fields) and bounded (string lengths, patterns), so a
malformed request is a 400 ``invalid_request`` naming the field, never a 500. Responses mirror the
dataclasses of ``core.domain`` field for field; the client parses them back into those dataclasses.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from core.domain import CallKind, Outcome, TicketState

PREFIX = r"^[A-Z]{1,2}$"
REQUEST_ID = r"^[A-Za-z0-9-]{8,64}$"
ID_NUMBER = r"^[0-9A-Za-z]{6,32}$"
CODE = r"^[A-Za-z0-9_-]{1,64}$"
TICKET_NUMBER = r"^[A-Za-z]{1,2}[0-9]{1,6}$"
STAFF_ID = r"^[A-Za-z0-9._:-]{1,64}$"


class _Request(BaseModel):
    # Strict: no "1" for 1, no 1 for "1", no true for 1. Dates and enums arrive as JSON strings, so those
    # fields alone are lax, behind validators that accept strings only.
    model_config = ConfigDict(extra="forbid", strict=True)


def _string_only(value):
    if value is not None and not isinstance(value, str):
        raise ValueError("must be a string")
    return value


class IssueRequest(_Request):
    service_prefix: str = Field(pattern=PREFIX, description="the service's ticket prefix")
    request_id: str = Field(pattern=REQUEST_ID, description="fresh per press of the button; a retry repeats it")
    id_number: str | None = Field(None, pattern=ID_NUMBER,
                                  description="ID document number; stored only as a keyed hash")
    birth_date: date | None = Field(None, strict=False,
                                    description="for elderly priority (else taken from a resident ID)")
    appointment_code: str | None = Field(None, pattern=CODE)

    @field_validator("birth_date", mode="before")
    @classmethod
    def _iso_date_only(cls, value):
        if value is not None and not isinstance(value, str):
            raise ValueError("must be an ISO date string (YYYY-MM-DD)")
        return value


class LoginRequest(_Request):
    window: StrictInt = Field(ge=1, le=9999)
    staff_id: str = Field(pattern=STAFF_ID)
    pin: str = Field(min_length=4, max_length=32)


class NumberRequest(_Request):
    number: str = Field(pattern=TICKET_NUMBER, description="a ticket number of today, e.g. A012")


class TransferRequest(_Request):
    service_prefix: str | None = Field(None, pattern=PREFIX)
    window: StrictInt | None = Field(None, ge=1, le=9999)


class PauseRequest(_Request):
    reason: str = Field(min_length=1, max_length=200)


class FinishRequest(_Request):
    outcome: Outcome = Field(strict=False)

    _outcome_is_a_string = field_validator("outcome", mode="before")(_string_only)


# --- responses -------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    reason: str = Field(description="machine-readable reason, e.g. bad_signature, daily_cap_reached")
    message: str = Field(description="English detail for logs and technicians")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Ok(BaseModel):
    ok: bool = True


class Health(BaseModel):
    ok: bool
    version: str
    hall: str | None


class ServiceModel(BaseModel):
    prefix: str
    name: str
    name_en: str
    department: str
    daily_cap: int
    priority_weight: int
    issuing_hours: list[list[str]]
    available: bool
    waiting: int


class WindowModel(BaseModel):
    number: int
    services: list[str]
    name: str


class HallModel(BaseModel):
    id: str
    name: str
    name_en: str
    timezone: str
    services: list[ServiceModel]
    windows: list[WindowModel]
    elderly_priority_age: int


class TicketModel(BaseModel):
    number: str
    service_prefix: str
    service_name: str
    service_name_en: str
    state: TicketState
    issued_at: datetime
    tracking_code: str
    people_ahead: int
    estimated_wait_min: int
    priority: bool
    appointment: bool
    window: int | None
    called_at: datetime | None
    reprint: bool
    service_day: date | None


class TicketAnswer(BaseModel):
    ticket: TicketModel


class MaybeTicketAnswer(BaseModel):
    ticket: TicketModel | None = Field(description="null when nobody is waiting")


class SessionModel(BaseModel):
    window: int
    staff_id: str
    staff_name: str
    token: str = Field(description="send as the X-Clerk-Session header on every clerk request")


class WindowStatusModel(BaseModel):
    window: int
    services: list[str]
    paused: bool
    pause_reason: str
    current: TicketModel | None
    waiting: list[TicketModel]
    held: list[TicketModel]
    served_today: int
    no_show_today: int
    waiting_count: int


class CallEventModel(BaseModel):
    seq: int
    ticket_number: str
    window: int
    kind: CallKind
    at: datetime


class CallEventsModel(BaseModel):
    events: list[CallEventModel]
    last_seq: int = Field(description="the highest seq the server has; ask for events after it next time")

