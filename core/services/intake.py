"""The papers of intake, from a matter's guide: ``receipt_for``, ``notice_for``, ``checklist_for``.

    receipt = receipt_for(guide, case_number="32010220261121000123", applicant=identity,
                          accepted_at=hall_now, window=3, clerk=Clerk("0107", "王𠮷"), calendar=calendar,
                          pages={"m1": 2, "m3": 1}, follow=("m4",), pickup=Pickup.WINDOW, host=platform_host)
    notice = notice_for(guide, number="GZ-20261121-0007", missing=("m4", "m5"), issued_at=hall_now, …)
    checklist = checklist_for(guide, host=platform_host)

The promised date is the hall calendar's (``HallCalendar.due_date``, docs/intake.md): the guide's promised
working days from the day of acceptance, provisional when the calendar does not know the year. A 容缺
material (``may_follow``) is due its ``follow_days`` working days after acceptance. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from core.domain.codes import rating_payload
from core.domain.identity import Identity
from core.domain.intake import (
    Applicant,
    Checklist,
    Clerk,
    FollowUp,
    MaterialItem,
    MatterRef,
    Notice,
    Pickup,
    Receipt,
    ReceivedMaterial,
    checklist_qr,
    receipt_qr,
)
from core.services.guide import Guide
from core.services.working_days import HallCalendar

# A material brought later without its own deadline in the guide is due within this many working days
# (a default of ours, docs/intake.md "On paper"; a guide that knows better gives follow_days).
DEFAULT_FOLLOW_DAYS = 5


def needs_notice_pdf(guide: Guide) -> bool:
    """Whether the matter asks for an A4 受理通知书 besides the receipt (the guide's ``needs_notice_pdf``)."""
    return guide.data.get("needs_notice_pdf") is True


def matter_ref(guide: Guide) -> MatterRef:
    data = guide.data
    return MatterRef(guide.code, guide.name, _text(data, "name_en"), _text(data, "version"), guide.department)


def materials(guide: Guide) -> dict[str, MaterialItem]:
    """The guide's materials by id, as papers list them."""
    out = {}
    for m in guide.data.get("materials", ()):
        if isinstance(m, dict) and isinstance(m.get("id"), str):
            copies = m.get("copies") if isinstance(m.get("copies"), int) else 0
            out[m["id"]] = MaterialItem(_text(m, "name"), _text(m, "form"), copies, _text(m, "source"),
                                        _text(m, "condition") or _text(m, "note"))
    return out


def receipt_for(guide: Guide, *, case_number: str, applicant: Identity | None, accepted_at: datetime, window: int,
                clerk: Clerk, calendar: HallCalendar, pages: Mapping[str, int], follow: Collection[str] = (),
                pickup: Pickup | None = None, host: str = "", record_ref: str = "") -> Receipt:
    """The receipt of a case accepted now: ``pages`` per material id received, ``follow`` the ids of 容缺
    materials (each must be one the guide lets follow). ``accepted_at`` is in the hall's time zone.
    ``case_number`` "" (the platform has not answered yet): ``record_ref`` names the record instead and
    the receipt has no QR. With the platform's public ``host`` and a case number the receipt also carries
    the link to rate the case from a phone (https://<host>/rate/<case number>). ``applicant`` None (no card was read): the receipt prints a dash."""
    items = materials(guide)
    _known(items, [*pages, *follow])
    day = accepted_at.date()
    follow_ups = []
    for material_id in follow:
        entry = _entry(guide, material_id)
        if entry.get("may_follow") is not True:
            raise ValueError(f"{material_id}: the guide does not let this material follow (容缺)")
        days = entry.get("follow_days") or DEFAULT_FOLLOW_DAYS
        follow_ups.append(FollowUp(items[material_id].name, calendar.due_date(day, days)))
    promised = guide.data.get("promised_days", 0)
    due = calendar.due_date(day, promised)
    return Receipt(
        case_number=case_number,
        matter=matter_ref(guide),
        applicant=(Applicant.masked(applicant.name or applicant.english_name, applicant.id_number) if applicant
                   else Applicant("—", "—")),
        received=tuple(ReceivedMaterial(items[i].name, n) for i, n in pages.items()),
        follow_ups=tuple(follow_ups),
        accepted_at=accepted_at,
        window=window,
        clerk=clerk,
        promised_days=promised,
        due=due,
        due_provisional=not (calendar.knows(day) and calendar.knows(due)),
        pickup=pickup or _pickups(guide)[0],
        phone=_text(guide.data, "phone"),
        qr=receipt_qr(case_number, host) if case_number else "",
        record_ref="" if case_number else record_ref,
        rate_qr=rating_payload(case_number, host) if case_number and host else "",
    )


def notice_for(guide: Guide, *, number: str, missing: Collection[str], issued_at: datetime, window: int,
               clerk: Clerk) -> Notice:
    """The one-time notice naming every material in ``missing`` (ids of the guide's materials)."""
    items = materials(guide)
    _known(items, missing)
    return Notice(number, matter_ref(guide), tuple(items[i] for i in missing), _text(guide.data, "basis"),
                  guide.data.get("promised_days", 0), _text(guide.data, "phone"), issued_at, window, clerk)


def checklist_for(guide: Guide, *, host: str = "") -> Checklist:
    """What to bring for the matter, in the guide's order, with the QR code of its guide."""
    return Checklist(matter_ref(guide), tuple(materials(guide).values()), _text(guide.data, "place"),
                     _text(guide.data, "phone"), checklist_qr(guide.code, host))


def _pickups(guide: Guide) -> list[Pickup]:
    listed = guide.data.get("pickup")
    return [Pickup(p) for p in listed] if isinstance(listed, list) and listed else [Pickup.WINDOW]


def _entry(guide: Guide, material_id: str) -> Mapping[str, Any]:
    return next(m for m in guide.data.get("materials", ()) if isinstance(m, dict) and m.get("id") == material_id)


def _known(items: Mapping[str, MaterialItem], ids: Collection[str]) -> None:
    unknown = [i for i in ids if i not in items]
    if unknown:
        raise ValueError(f"not materials of this matter: {', '.join(unknown)}")


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""

