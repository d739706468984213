"""Intake papers as values: what a receipt, a one-time notice and a checklist hold, built from a guide."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

import pytest

from core.domain.codes import CodeKind, classify, guide_payload, receipt_payload
from core.domain.intake import Pickup
from core.services.intake import checklist_for, needs_notice_pdf, notice_for, receipt_for
from core.services.working_days import HallCalendar
from tests.intake_support import ACCEPTED, APPLICANT, CALENDAR_2026, CASE, CLERK, guide


def receipt(**changes):
    args = dict(case_number=CASE, applicant=APPLICANT, accepted_at=ACCEPTED, window=3, clerk=CLERK,
                calendar=CALENDAR_2026, pages={"m1": 2, "m2": 1, "m3": 4}, follow=("m4",))
    args.update(changes)
    return receipt_for(guide(), **args)


def test_the_receipt_holds_the_applicant_masked_only():
    """GIVEN an applicant 李䶮 with a full ID number WHEN a receipt is made THEN only 李* and 3201…1234 are in it,
    in no field and not in its repr."""
    r = receipt()
    assert (r.applicant.name, r.applicant.id_number) == ("李*", "3201**********1234")
    everything = repr(r) + "".join(repr(getattr(r, f.name)) for f in fields(r))
    assert "䶮" not in everything and "320102195503121234" not in everything


def test_the_promise_counts_working_days_of_the_hall_calendar():
    """GIVEN a case accepted on 30 September 2026 with a promise of 3 working days WHEN the National Day
    holiday (1-7 October) follows THEN the days are 8 and 9 October and Saturday 10 October, a working day
    by the holiday notice, so it is due on 10 October and the date is not provisional."""
    r = receipt()
    assert (r.due, r.promised_days, r.due_provisional) == (date(2026, 10, 10), 3, False)


def test_a_year_the_calendar_does_not_know_makes_the_date_provisional():
    r = receipt(calendar=HallCalendar(), accepted_at=datetime(2027, 3, 5, 10, 0))
    assert (r.due, r.due_provisional) == (date(2027, 3, 10), True)  # Friday + 3 working days, weekends only
    late = receipt(accepted_at=datetime(2026, 12, 30, 10, 0))  # due in 2027, a year the calendar lacks
    assert late.due_provisional


def test_a_material_that_may_follow_gets_its_own_deadline():
    """GIVEN 完税凭证 may follow within 2 working days and 授权委托书 without a number of days WHEN both follow
    THEN they are due 2 and 5 working days after acceptance, over the holiday (8, 9, 10, 12, 13 October)."""
    r = receipt(follow=("m4", "m5"))
    assert [(f.name, f.due) for f in r.follow_ups] == [("完税凭证", date(2026, 10, 9)), ("授权委托书", date(2026, 10, 13))]
    assert [(m.name, m.pages) for m in r.received] == [("不动产登记申请书", 2), ("买卖双方身份证明", 1), ("存量房买卖合同", 4)]


def test_a_material_the_guide_does_not_let_follow_cannot_be_deferred():
    with pytest.raises(ValueError, match="m3"):
        receipt(follow=("m3",))
    with pytest.raises(ValueError, match="m9"):
        receipt(pages={"m9": 1})


def test_the_receipt_qr_is_the_receipt_code_the_kiosk_reads():
    """The bare code without a platform host, the tracking URL with one; both classify as this receipt."""
    assert receipt().qr == f"HALL:R:{CASE}"
    url = receipt(host="zwfw.example.gov.cn").qr
    assert url == f"https://zwfw.example.gov.cn/track/{CASE}"
    code = classify(url)
    assert (code.kind, code.fields["tracking"]) == (CodeKind.RECEIPT, CASE)


def test_a_case_number_that_is_not_one_is_refused():
    for bad in ("3201022026093000012", "32010220261332000123", "A2010220260930000123"):
        with pytest.raises(ValueError):
            receipt(case_number=bad)


def test_pickup_is_the_guide_first_unless_chosen():
    assert receipt().pickup is Pickup.POST
    assert receipt(pickup=Pickup.LOCKER).pickup is Pickup.LOCKER
    assert receipt_for(guide(pickup=None), case_number=CASE, applicant=APPLICANT, accepted_at=ACCEPTED, window=3,
                       clerk=CLERK, calendar=CALENDAR_2026, pages={}).pickup is Pickup.WINDOW


def test_the_notice_names_every_missing_material_with_form_copies_and_issuer():
    n = notice_for(guide(), number="GZ-20260930-0007", missing=("m3", "m5"), issued_at=ACCEPTED, window=3,
                   clerk=CLERK)
    assert [(m.name, m.form, m.copies, m.source, m.condition) for m in n.missing] == [
        ("存量房买卖合同", "原件1份", 1, "房产交易管理部门", ""), ("授权委托书", "原件1份", 0, "", "委托他人办理时")]
    assert (n.basis, n.promised_days, n.phone) == ("《不动产登记暂行条例》", 3, "025-12345")


def test_a_notice_needs_a_number_and_something_missing():
    with pytest.raises(ValueError):
        notice_for(guide(), number="gz 7", missing=("m3",), issued_at=ACCEPTED, window=3, clerk=CLERK)
    with pytest.raises(ValueError):
        notice_for(guide(), number="GZ-20260930-0007", missing=(), issued_at=ACCEPTED, window=3, clerk=CLERK)


def test_the_checklist_lists_the_guide_and_its_qr_opens_the_same_guide():
    c = checklist_for(guide(), host="zwfw.example.gov.cn")
    assert [m.name for m in c.materials] == ["不动产登记申请书", "买卖双方身份证明", "存量房买卖合同", "完税凭证", "授权委托书"]
    assert (c.place, c.phone) == ("示例市䶮山区政务服务中心二楼 B 区", "025-12345")
    code = classify(c.qr)
    assert (code.kind, code.fields["matter"]) == (CodeKind.GUIDE, "320100-QR-0002")
    assert checklist_for(guide()).qr == "HALL:G:320100-QR-0002"


@pytest.mark.parametrize("payload", [
    "HALL:G:32", "HALL:G:320100_QR", "HALL:G:320100-QR-0002\n", "https://evil.example.com/guide/320100-QR-0002",
    "https://zwfw.example.gov.cn/guide/320100-QR-0002?x=1", "http://zwfw.example.gov.cn/guide/320100-QR-0002",
])
def test_a_guide_code_is_only_the_exact_shape_on_a_platform_host(payload):
    assert classify(payload).kind is CodeKind.UNKNOWN


def test_payload_makers_refuse_what_the_classifier_would_not_read_back():
    with pytest.raises(ValueError):
        receipt_payload("123", "")
    with pytest.raises(ValueError):
        guide_payload("bad code", "zwfw.example.gov.cn")


def test_needs_notice_pdf_follows_the_guide():
    assert needs_notice_pdf(guide()) and not needs_notice_pdf(guide(needs_notice_pdf=None))
