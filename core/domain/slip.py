"""The 自助申报 slip (预申报回执): what a citizen takes from the kiosk to a window, as a plain value.

A kiosk's pre-application is a ``pre_application`` record in the terminal's outbox (docs/intake.md, "What
a case is"); the slip names it so that a clerk can open it: the case number when the platform answered in
time, else 编号待同步 and the record's short id (its first eight characters: what the outbox and the
platform's records call it), and in every case the QR code ``HALL:P:<record id>`` (core/domain/codes.py),
which the platform looks up by record id once the record has synced, so a slip printed offline still works.

Like a receipt, the slip never holds the applicant's full name or ID number: ``Applicant.masked`` keeps
only the masked forms. Imports nothing of ours but the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain.codes import CodeKind, classify, pre_application_payload
from core.domain.intake import CASE_NUMBER, Applicant, MaterialItem, MatterRef

SHORT_ID = 8  # characters of the record id a slip prints while the case number is not known


@dataclass(frozen=True)
class PreApplicationSlip:
    """预申报回执: the record, the matter, the masked applicant, when, and what to bring to the window."""

    record_id: str
    case_number: str | None  # the platform's, when it answered in time; None: 编号待同步 + short id
    matter: MatterRef
    applicant: Applicant
    submitted_at: datetime  # in the hall's time zone
    provided: tuple[str, ...]  # the materials handed in at the kiosk (captured or an e-licence), by name
    bring: tuple[MaterialItem, ...]  # required materials still to bring to the window
    place: str  # where the window is (the guide's 办理地点), "" when the guide gives none
    phone: str
    qr: str

    def __post_init__(self) -> None:
        if self.case_number is not None and not CASE_NUMBER.fullmatch(self.case_number):
            raise ValueError(f"{self.case_number!r} is not a case number (region 6, date 8, serial 6 digits)")
        code = classify(self.qr)
        if code.kind is not CodeKind.PRE_APPLICATION or code.fields["record_id"] != self.record_id:
            raise ValueError("a slip's QR code is the pre-application code of its own record")

    @property
    def short_id(self) -> str:
        return self.record_id[:SHORT_ID]


def slip_qr(record_id: str) -> str:
    """``HALL:P:<record id>``; ValueError for something that is not an outbox record id."""
    return pre_application_payload(record_id)
