"""Intake on paper: the acceptance receipt (受理回执), the one-time notice (一次性告知单) and the materials
checklist (材料清单), as plain values.

What each carries and why is in docs/intake.md and docs/printing.md ("Receipts, notices and checklists").
The receipt never holds the applicant's full name or ID number: ``Applicant.masked`` keeps only the masked
forms (GB/T 35273-2020 de-identification, as ``identity.mask_name`` / ``mask_id_number``), so a receipt
can be printed, rendered, logged or written to a PDF without leaking them.

The receipt's QR code is the receipt code the kiosk's 办件查询 already reads (core/domain/codes.py,
``HALL:R:<tracking>`` or ``https://<platform host>/track/<tracking>``); the checklist's opens the matter's
guide (``HALL:G:<matter code>`` or ``https://<platform host>/guide/<matter code>``).

Imports nothing of ours but the domain.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime

from core.domain.codes import CodeKind, classify, guide_payload, rating_payload, receipt_payload
from core.domain.identity import mask_id_number, mask_name

# 办件编号: 6-digit administrative region code, 8-digit date, 6-digit serial (docs/codes.md).
CASE_NUMBER = re.compile(r"[0-9]{6}[0-9]{8}[0-9]{6}", re.ASCII)
# The short form of an outbox record's id (its first 8 hex digits) that a paper prints before the platform
# answered its case number.
RECORD_REF = re.compile(r"[0-9a-f]{8}", re.ASCII)
# A notice's own number, as the hall numbers its records: letters, digits and dashes.
NOTICE_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{3,39}", re.ASCII)


class Pickup(enum.StrEnum):
    """How the result reaches the applicant (the guide's ``pickup``)."""

    WINDOW = "window"
    LOCKER = "locker"
    POST = "post"


@dataclass(frozen=True)
class MatterRef:
    """Which matter, as its guide names it, and the guide's version the case was accepted under."""

    code: str
    name: str
    name_en: str = ""
    version: str = ""
    department: str = ""

    def display_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


@dataclass(frozen=True)
class Clerk:
    """The clerk who accepted or told: staff number and name (a public role, printed in full)."""

    staff_number: str
    name: str


@dataclass(frozen=True)
class Applicant:
    """The applicant as a receipt shows them: masked only. Build with ``Applicant.masked``."""

    name: str
    id_number: str

    @classmethod
    def masked(cls, name: str, id_number: str) -> Applicant:
        """``李䶮``, ``320102195503121234`` → ``李*``, ``3201**********1234``."""
        return cls(mask_name(name), mask_id_number(id_number))


@dataclass(frozen=True)
class MaterialItem:
    """One material as the guide lists it: name, form (原件1份, 复印件1份), copies, issuing body."""

    name: str
    form: str = ""
    copies: int = 0
    source: str = ""
    condition: str = ""


@dataclass(frozen=True)
class ReceivedMaterial:
    """A material handed in, with the number of pages taken."""

    name: str
    pages: int


@dataclass(frozen=True)
class FollowUp:
    """A 容缺 material: the case is accepted without it and it is brought by ``due``."""

    name: str
    due: date


@dataclass(frozen=True)
class Receipt:
    """受理回执: the proof a case was accepted, what was taken, and when it is promised."""

    case_number: str
    matter: MatterRef
    applicant: Applicant
    received: tuple[ReceivedMaterial, ...]
    follow_ups: tuple[FollowUp, ...]
    accepted_at: datetime  # in the hall's time zone
    window: int
    clerk: Clerk
    promised_days: int
    due: date
    due_provisional: bool  # the hall calendar did not know the year: weekends alone were counted
    pickup: Pickup
    phone: str  # the hall's number for questions about the case (the guide's 咨询电话)
    qr: str
    # While the platform has not answered a number (offline): case_number "" and qr "", and record_ref the
    # short form of the outbox record's id (its first 8 hex digits), printed as 受理编号待同步.
    record_ref: str = ""
    # The link to rate the case later from a phone (https://<platform host>/rate/<case number>): only with a
    # case number and the platform's public host, else "".
    rate_qr: str = ""

    @property
    def pending(self) -> bool:
        return not self.case_number

    def __post_init__(self) -> None:
        if self.pending:
            if not RECORD_REF.fullmatch(self.record_ref) or self.qr or self.rate_qr:
                raise ValueError("a receipt without its case number names its record (8 hex digits) and has no QR")
            return
        if not CASE_NUMBER.fullmatch(self.case_number):
            raise ValueError(f"{self.case_number!r} is not a case number (region 6, date 8, serial 6 digits)")
        code = classify(self.qr, platform_hosts=(_host(self.qr),))
        if code.kind is not CodeKind.RECEIPT or code.fields["tracking"] != self.case_number:
            raise ValueError("a receipt's QR code is the receipt code of its own case")
        if self.rate_qr and self.rate_qr != rating_payload(self.case_number, _host(self.rate_qr)):
            raise ValueError("a receipt's rating link rates its own case")


@dataclass(frozen=True)
class Notice:
    """一次性告知单: every missing material at once, the legal basis, the time limit and the contact."""

    number: str
    matter: MatterRef
    missing: tuple[MaterialItem, ...]
    basis: str  # the matter's own legal basis (设定依据), "" when the guide gives none
    promised_days: int  # working days to finish once the materials are complete
    phone: str
    issued_at: datetime  # in the hall's time zone
    window: int
    clerk: Clerk

    def __post_init__(self) -> None:
        if not NOTICE_NUMBER.fullmatch(self.number):
            raise ValueError(f"{self.number!r} is not a notice number (capitals, digits and dashes)")
        if not self.missing:
            raise ValueError("a one-time notice names at least one missing material")


@dataclass(frozen=True)
class Checklist:
    """材料清单: what to bring for a matter, where, whom to ask, and a QR code opening its guide."""

    matter: MatterRef
    materials: tuple[MaterialItem, ...]
    place: str
    phone: str
    qr: str

    def __post_init__(self) -> None:
        code = classify(self.qr, platform_hosts=(_host(self.qr),))
        if code.kind is not CodeKind.GUIDE or code.fields["matter"] != self.matter.code:
            raise ValueError("a checklist's QR code opens its own matter's guide")


def receipt_qr(case_number: str, host: str = "") -> str:
    """The receipt code for a case: the platform's tracking URL when a host is given, else ``HALL:R:``."""
    return receipt_payload(case_number, host)


def checklist_qr(matter_code: str, host: str = "") -> str:
    """The guide code for a matter: the platform's guide URL when a host is given, else ``HALL:G:``."""
    return guide_payload(matter_code, host)


def _host(payload: str) -> str:
    """The host of an https payload ("" for a bare code): the object checks its shape, not the host list."""
    if payload.startswith("https://"):
        return payload[len("https://"):].split("/", 1)[0]
    return ""
