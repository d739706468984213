"""The kiosk's tracking page (ui/citizen_codes.py ``TrackingPage``) drawn offscreen: the case number whole,
the timeline with dates, a late case said as a problem, a refusal with its reason and remedy, where to
collect a ready result; it follows the language and forgets the case when the session ends."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from core.domain.appointments import Case, CaseState, CaseStep, Pickup, PickupMethod
from core.services.working_days import HallCalendar
from ui.citizen_codes import TrackingPage
from ui.texts import Texts

HALL = timezone(timedelta(hours=8))
NUMBER = "32010020261123000001"
CALENDAR = HallCalendar.from_data([{"year": 2026, "holidays": [["2026-10-01", "2026-10-08"]],
                                    "workdays": ["2026-09-27", "2026-10-10"]}])


def step(state: CaseState, day: int) -> CaseStep:
    return CaseStep(state, datetime(2026, 11, day, 10, tzinfo=HALL), "S1003", 3)


def page(qtbot, language: str = "zh_CN") -> TrackingPage:
    shown = TrackingPage(Texts(language))
    qtbot.addWidget(shown)
    shown.resize(1280, 800)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def test_a_late_case_under_review_shows_its_timeline_and_says_it_is_late(qtbot):
    """GIVEN a case promised by Monday 23 November and still under review WHEN it is looked up on Wednesday
    THEN the page shows the number whole, the steps done with their dates and those to come, and the
    lateness (two working days) as a problem; in English it says the same."""
    late = Case(NUMBER, "320100-XK-0001", "企业开办一件事", "Starting a company (one-stop)", CaseState.IN_REVIEW,
                date(2026, 11, 20), date(2026, 11, 23), history=(step(CaseState.ACCEPTED, 20),
                                                                  step(CaseState.IN_REVIEW, 20)))
    shown = page(qtbot)
    shown.show_case(late, today=date(2026, 11, 25), calendar=CALENDAR)
    assert shown.number.text() == f"办件编号 {NUMBER}" and "*" not in shown.number.text()
    assert shown.state.text() == "审核中"
    assert [s.text() for s in shown.steps] == ["2026-11-20  窗口受理了您的申请", "2026-11-20  开始审核",
                                                "审核通过，准予许可（待办）", "办理结果可以领取（待办）",
                                                "办理结果已领取（待办）"]
    assert shown.timing.isVisible() and shown.timing.property("role") == "problem"
    assert shown.timing.text().startswith("已超过承诺办结日期 2 个工作日")
    assert not shown.refusal.isVisible() and not shown.pickup.isVisible()
    shown.texts.set_language("en")
    assert shown.state.text() == "Under review"
    assert shown.steps[0].text() == "2026-11-20  A window accepted your application"
    assert shown.number.text() == f"Case number {NUMBER}"
    shown.clear()
    assert shown.case is None and shown.steps == [] and not shown.timing.isVisible()


def test_a_refused_case_shows_the_reason_and_the_remedy(qtbot):
    refused = Case(NUMBER, "320100-XK-0001", "企业开办一件事", "", CaseState.REFUSED, date(2026, 11, 20),
                   date(2026, 11, 23), history=(step(CaseState.ACCEPTED, 20), step(CaseState.IN_REVIEW, 20),
                                                step(CaseState.REFUSED, 23)),
                   refusal_reason="经营范围涉及前置审批，未取得许可证件")
    shown = page(qtbot)
    shown.show_case(refused, today=date(2026, 11, 25), calendar=CALENDAR)
    assert shown.refusal.isVisible()
    assert "经营范围涉及前置审批" in shown.refusal.text()
    assert "可依法申请行政复议或者提起行政诉讼" in shown.refusal.text()
    assert shown.timing.text() == "已在承诺期限内办结" and shown.timing.property("role") == "notice"
    assert shown.steps[-1].text() == "2026-11-23  审核结论：不予许可"


def test_a_ready_result_says_where_it_waits(qtbot):
    ready = Case(NUMBER, "320100-XK-0001", "企业开办一件事", "", CaseState.READY_FOR_PICKUP, date(2026, 11, 20),
                 date(2026, 11, 23), history=(step(CaseState.ACCEPTED, 20), step(CaseState.APPROVED, 23),
                                              step(CaseState.READY_FOR_PICKUP, 24)),
                 pickup=Pickup(PickupMethod.LOCKER, None, "大厅东侧智能柜"))
    shown = page(qtbot)
    shown.show_case(ready, today=date(2026, 11, 25), calendar=CALENDAR)
    assert shown.pickup.isVisible() and shown.pickup.text() == "办理结果已存入大厅东侧智能柜，请凭短信中的取件码领取"
    assert shown.steps[-1].text() == "办理结果已领取（待办）"
