"""A matter's guide, a hall calendar and the people of intake, for the intake paper tests.

The matter is written out here (not read from the sample hall) so that the golden files only change when the
layout does.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.domain import CardType, Identity
from core.domain.intake import Clerk
from core.services.guide import GuideBook
from core.services.working_days import HallCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CASE = "32010220260930000123"
MATTER = {
    "code": "320100-QR-0002", "name": "二手房转移登记", "name_en": "Transfer registration of a resold home",
    "version": "2026.1", "department": "不动产登记中心", "service": "B", "promised_days": 3,
    "basis": "《不动产登记暂行条例》", "phone": "025-12345", "place": "示例市䶮山区政务服务中心二楼 B 区",
    "pickup": ["post", "window"], "needs_notice_pdf": True,
    "materials": [
        {"id": "m1", "name": "不动产登记申请书", "required": True, "form": "原件1份", "copies": 1, "source": "form"},
        {"id": "m2", "name": "买卖双方身份证明", "required": True, "form": "原件核验", "source": "公安机关"},
        {"id": "m3", "name": "存量房买卖合同", "required": True, "form": "原件1份", "copies": 1,
         "source": "房产交易管理部门"},
        {"id": "m4", "name": "完税凭证", "required": True, "form": "复印件1份", "copies": 1, "source": "税务机关",
         "may_follow": True, "follow_days": 2},
        {"id": "m5", "name": "授权委托书", "required": False, "condition": "委托他人办理时", "form": "原件1份",
         "may_follow": True},
    ],
}
# The 2026 National Day holiday as the State Council's notice gives it (docs/intake.md).
CALENDAR_2026 = HallCalendar.from_data([{"year": 2026, "holidays": [["2026-10-01", "2026-10-07"]],
                                         "workdays": ["2026-09-20", "2026-10-10"]}])
APPLICANT = Identity(CardType.RESIDENT, "李䶮", "320102195503121234")
CLERK = Clerk("0107", "王𠮷")
ACCEPTED = datetime(2026, 9, 30, 9, 41, tzinfo=SHANGHAI)


def guide(**changes):
    """The test matter's guide, with top-level fields changed or (given None) removed."""
    entry = {**MATTER, **changes}
    entry = {k: v for k, v in entry.items() if v is not None}
    return GuideBook.from_catalogue({"matters": [entry]}).guides[MATTER["code"]]
