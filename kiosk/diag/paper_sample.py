"""Samples for ``kiosk diag print receipt|notice|checklist|slip``: intake papers as a hall would print them.

The matter is the built-in one below (the shape of a catalogue entry, docs/guide.md), or ``--matter CODE``
from the catalogue file given with ``--catalogue FILE`` (``{"matters": [...]}``, as ``kiosk guide`` reads
it; a ``calendar`` list beside the matters is the hall calendar, a ``hall`` object its time zone). The
applicant and the clerk carry rare characters (䶮, 𠮷) so that a test print shows how they come out; the
receipt masks the applicant as it always does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.domain import CardType, Identity
from core.domain.intake import Checklist, Clerk, Notice, Receipt
from core.domain.slip import PreApplicationSlip
from core.errors import ConfigError
from core.services.guide import Guide, GuideBook
from core.services.intake import checklist_for, notice_for, receipt_for
from core.services.working_days import CalendarDataError, HallCalendar

SAMPLE_TIMEZONE = "Asia/Shanghai"
SAMPLE_REGION = "320102"
SAMPLE_MATTER: dict[str, Any] = {
    "code": "320100-QR-0002", "name": "二手房转移登记", "name_en": "Transfer registration of a resold home",
    "version": "2026.1", "department": "不动产登记中心", "service": "B", "kind": "行政确认",
    "promised_days": 3, "legal_days": 30, "basis": "《不动产登记暂行条例》", "phone": "025-12345",
    "place": "示例市政务服务中心二楼 B 区", "pickup": ["window", "post"], "needs_notice_pdf": True,
    "materials": [
        {"id": "m1", "name": "不动产登记申请书", "required": True, "form": "原件1份", "copies": 1, "source": "form"},
        {"id": "m2", "name": "买卖双方身份证明", "required": True, "form": "原件核验", "source": "公安机关"},
        {"id": "m3", "name": "不动产权证书", "required": True, "form": "原件1份", "copies": 1,
         "source": "不动产登记机构"},
        {"id": "m4", "name": "存量房买卖合同", "required": True, "form": "原件1份", "copies": 1,
         "source": "房产交易管理部门"},
        {"id": "m5", "name": "完税凭证", "required": True, "form": "复印件1份", "copies": 1, "source": "税务机关",
         "may_follow": True, "follow_days": 5},
    ],
}
SAMPLE_APPLICANT = Identity(CardType.RESIDENT, "李䶮", "11010519491231002X")
SAMPLE_CLERK = Clerk("0107", "王𠮷")
SAMPLE_WINDOW = 3


@dataclass(frozen=True)
class Source:
    guide: Guide
    calendar: HallCalendar
    timezone: str


def source(catalogue: str | None, matter: str | None) -> Source:
    """The matter to print and the hall calendar, from the catalogue file or the built-in sample."""
    if not catalogue:
        if matter and matter != SAMPLE_MATTER["code"]:
            raise ConfigError(f"--matter {matter}: the built-in sample has {SAMPLE_MATTER['code']} only; "
                              "give --catalogue FILE", setting="--matter", problem="not in the built-in sample")
        book = GuideBook.from_catalogue({"matters": [SAMPLE_MATTER]})
        return Source(book.guides[SAMPLE_MATTER["code"]], HallCalendar(), SAMPLE_TIMEZONE)
    body = _read(catalogue)
    book = GuideBook.from_catalogue(body)
    guide = book.get(matter) if matter else next(iter(book.guides.values()), None)
    if guide is None:
        what = f"no matter {matter} in" if matter else "no usable matter in"
        raise ConfigError(f"{what} {catalogue}", setting="--matter" if matter else "--catalogue",
                          problem="not in the catalogue")
    try:
        calendar = HallCalendar.from_data(body.get("calendar") or ())
    except (CalendarDataError, AttributeError, TypeError) as exc:
        raise ConfigError(f"{catalogue}: calendar: {exc}", setting="--catalogue", problem="bad calendar") from None
    hall = body.get("hall") if isinstance(body.get("hall"), dict) else {}
    return Source(guide, calendar, hall.get("timezone") or SAMPLE_TIMEZONE)


def _read(path: str) -> dict:
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--catalogue {path}: {exc}", setting="--catalogue", problem="cannot be read") from None
    if not isinstance(body, dict) or not isinstance(body.get("matters"), list):
        raise ConfigError(f"--catalogue {path}: not a matter catalogue (no list of matters)",
                          setting="--catalogue", problem="not a catalogue")
    return body


def _now(timezone: str) -> datetime:
    try:
        return datetime.now(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.now(ZoneInfo(SAMPLE_TIMEZONE))


def _materials(guide: Guide) -> list[dict]:
    return [m for m in guide.data.get("materials", ()) if isinstance(m, dict) and isinstance(m.get("id"), str)]


def sample_receipt(src: Source) -> Receipt:
    """Every required material received (a page or two each) but those the guide lets follow (容缺)."""
    now = _now(src.timezone)
    required = [m for m in _materials(src.guide) if m.get("required")]
    follow = [m["id"] for m in required if m.get("may_follow")]
    pages = {m["id"]: 1 + i % 2 for i, m in enumerate(required) if m["id"] not in follow}
    return receipt_for(src.guide, case_number=f"{SAMPLE_REGION}{now:%Y%m%d}000001", applicant=SAMPLE_APPLICANT,
                       accepted_at=now, window=SAMPLE_WINDOW, clerk=SAMPLE_CLERK, calendar=src.calendar,
                       pages=pages, follow=follow)


def sample_notice(src: Source) -> Notice:
    """The last two required materials missing (or every material, for a matter that lists fewer)."""
    listed = _materials(src.guide)
    required = [m["id"] for m in listed if m.get("required")] or [m["id"] for m in listed]
    if not required:
        raise ConfigError(f"{src.guide.code} lists no materials: there is nothing to tell",
                          setting="--matter", problem="no materials")
    now = _now(src.timezone)
    return notice_for(src.guide, number=f"GZ-{now:%Y%m%d}-0001", missing=required[-2:], issued_at=now,
                      window=SAMPLE_WINDOW, clerk=SAMPLE_CLERK)


def sample_checklist(src: Source) -> Checklist:
    return checklist_for(src.guide)


SAMPLE_RECORD = "5e1c7a2b-9d3f-4b6a-8c0e-1f2a3b4c5d6e"


def sample_slip(src: Source) -> PreApplicationSlip:
    """A 自助申报 slip as printed offline (编号待同步 and the short id), the first required material handed in
    at the kiosk and the others to bring."""
    from core.services.slip import slip_for

    required = [m["id"] for m in _materials(src.guide) if m.get("required")]
    return slip_for(src.guide, record_id=SAMPLE_RECORD, case_number=None, applicant=SAMPLE_APPLICANT,
                    submitted_at=_now(src.timezone), provided=required[:1])
