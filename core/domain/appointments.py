"""Appointments (预约) and the cases (办件) a receipt's tracking number follows: plain values.

Codes and their shapes: core/domain/codes.py and docs/codes.md. Neither value holds personal data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime


class AppointmentState(enum.StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Appointment:
    code: str  # "YY202611210001236"
    day: date
    slot: str  # "09:00-09:30"
    service_prefix: str
    state: AppointmentState
    matter_code: str | None = None
    ticket_tracking_code: str | None = None  # the ticket issued at check-in


class CaseState(enum.StrEnum):
    ACCEPTED = "accepted"  # 已受理
    IN_REVIEW = "in_review"  # 审核中
    APPROVED = "approved"  # 已办结
    READY_FOR_PICKUP = "ready_for_pickup"  # 待领取
    PICKED_UP = "picked_up"  # 已领取
    REJECTED = "rejected"  # 不予受理 / 退回: not taken in at intake
    REFUSED = "refused"  # 不予许可: reviewed and decided against, with the reason (a citizen may contest it)
    NOTICE_GIVEN = "notice_given"  # 补正告知: the applicant was told at once what is missing
    PRE_APPLICATION_WAITING = "pre_application_waiting"  # 自助申报, waiting for a clerk to review it
    WITHDRAWN = "withdrawn"  # 已撤回


class PickupMethod(enum.StrEnum):
    """How a decided case's result (证照, 批文, 决定书) reaches the applicant."""

    WINDOW = "window"  # at a window of the hall
    LOCKER = "locker"  # in the hall's smart locker (智能柜), opened with the code sent by text message
    POST = "post"  # posted (EMS), with its waybill number


class Collector(enum.StrEnum):
    """Who collected a result: the applicant, or a proxy (代领, with the applicant's authorisation)."""

    APPLICANT = "applicant"
    PROXY = "proxy"


@dataclass(frozen=True)
class Pickup:
    """Where a result waits: ``window`` for a window's number; ``place`` names the locker (e.g. "大厅东侧
    智能柜") or the post's waybill number. Never personal data: a postal address is not kept here."""

    method: PickupMethod
    window: int | None = None
    place: str = ""


@dataclass(frozen=True)
class CaseStep:
    """One step of a case's history: the state it reached, when, and who moved it (a staff id for a
    clerk, the terminal's id for a kiosk); ``window`` the window it happened at, if any."""

    state: CaseState
    at: datetime
    actor: str
    window: int | None = None


@dataclass(frozen=True)
class Case:
    """One application (办件) as its receipt's tracking number shows it."""

    tracking: str  # 20 digits: region, date, serial
    matter_code: str
    matter_name: str
    matter_name_en: str
    state: CaseState
    accepted_on: date
    promised_on: date | None = None
    pickup_window: int | None = None
    history: tuple[CaseStep, ...] = ()  # oldest first; empty for a case the platform keeps no history of
    refusal_reason: str | None = None  # a refused case's reason, as the decision states it (shown to whoever asks)
    pickup: Pickup | None = None  # where a ready result waits (None: not ready, or the platform does not say)
    collected_by: Collector | None = None  # a collected result: who took it


@dataclass(frozen=True)
class PreApplication:
    """A 自助申报 as the clerk reviews it: its case, the matter, the form version it was filled in on (and
    the catalogue's current one: None when the matter has left it), the form data (personal data: never
    logged), the materials captured at the kiosk (material id → pages) and their attachments' SHA-256."""

    case: Case
    matter_code: str
    version: str
    current_version: str | None
    form: dict
    materials: dict[str, int]
    submitted_at: datetime
    attachments: tuple[str, ...] = ()

    @property
    def outdated(self) -> bool:
        """Filled in on a form that is no longer current: the clerk checks it against the new one."""
        return self.current_version != self.version

