"""What the kiosk's 办件查询 says of a case (core/presenters/case_timeline.py), without a platform or Qt: the
timeline in a citizen's words with dates, the promise and whether it is late on the hall's working days
(a promise that falls on a day off runs to the next working day), a refusal's reason and remedy, where to
collect a ready result, and the case number shown whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from core.domain.appointments import Case, CaseState, CaseStep, Pickup, PickupMethod
from core.i18n import Translator
from core.presenters.case_timeline import case_progress, due_day
from core.services.working_days import HallCalendar

HALL = timezone(timedelta(hours=8))
ZH, EN = Translator("zh_CN"), Translator("en")
NUMBER = "32010020261123000001"
# 2026: National Day and the Mid-Autumn festival off from 1 to 8 October, Sunday 27 September and
# Saturday 10 October working days (the data format of core/services/working_days.py).
CALENDAR = HallCalendar.from_data([{"year": 2026, "holidays": [["2026-10-01", "2026-10-08"]],
                                    "workdays": ["2026-09-27", "2026-10-10"]}])


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=HALL)


def case(state: CaseState = CaseState.ACCEPTED, *, accepted: date = date(2026, 11, 23),
         promised: date | None = date(2026, 11, 24), steps: tuple = (), **more) -> Case:
    history = (CaseStep(CaseState.ACCEPTED, at(accepted), "S1001", 1),) + tuple(
        CaseStep(s, at(d), "S1003", 3) for s, d in steps)
    return Case(NUMBER, "320100-XK-0001", "企业开办一件事", "Starting a company (one-stop)", state, accepted,
                promised, history=history, **more)


def lines(progress, tr=ZH) -> list[tuple[str, str, bool]]:
    return [(s.words.render(tr), s.day, s.done) for s in progress.steps]


# --- the timeline ------------------------------------------------------------------------------------


def test_an_accepted_case_shows_its_step_with_the_date_then_the_steps_to_come():
    """GIVEN a case accepted on Monday THEN the timeline says when a window accepted it, then the steps still
    to come (review, decision, pickup) with no date; the number is shown whole."""
    progress = case_progress(case(), today=date(2026, 11, 23), calendar=CALENDAR)
    assert lines(progress) == [("窗口受理了您的申请", "2026-11-23", True), ("开始审核", "", False),
                               ("审核通过，准予许可", "", False), ("办理结果可以领取", "", False),
                               ("办理结果已领取", "", False)]
    assert progress.number.render(ZH) == f"办件编号 {NUMBER}"
    assert progress.state.render(ZH) == "已受理" and progress.promised.render(ZH) == "承诺办结日期：2026-11-24"


def test_a_collected_case_shows_every_step_with_its_date():
    steps = ((CaseState.IN_REVIEW, date(2026, 11, 23)), (CaseState.APPROVED, date(2026, 11, 24)),
             (CaseState.READY_FOR_PICKUP, date(2026, 11, 25)), (CaseState.PICKED_UP, date(2026, 11, 26)))
    progress = case_progress(case(CaseState.PICKED_UP, steps=steps), today=date(2026, 11, 26), calendar=CALENDAR)
    assert [(words, day) for words, day, _ in lines(progress)] == [
        ("窗口受理了您的申请", "2026-11-23"), ("开始审核", "2026-11-23"), ("审核通过，准予许可", "2026-11-24"),
        ("办理结果可以领取", "2026-11-25"), ("办理结果已领取", "2026-11-26")]
    assert all(done for *_, done in lines(progress))
    assert progress.what_next.render(ZH) == "本件已办理完毕。" and progress.pickup is None
    assert progress.timing.render(ZH) == "已在承诺期限内办结" and not progress.late


def test_a_case_the_platform_keeps_no_history_of_shows_its_acceptance_date():
    """GIVEN a case without history (a platform that keeps none) THEN the timeline starts from its
    acceptance date, then its state without a date."""
    bare = replace(case(CaseState.IN_REVIEW), history=())
    assert lines(case_progress(bare, today=date(2026, 11, 23)))[:2] == [
        ("窗口受理了您的申请", "2026-11-23", True), ("开始审核", "", True)]


def test_the_timeline_speaks_english_too():
    progress = case_progress(case(), today=date(2026, 11, 23), calendar=CALENDAR, language="en")
    assert progress.matter == "Starting a company (one-stop)"
    assert lines(progress, EN)[0] == ("A window accepted your application", "2026-11-23", True)
    assert progress.timing.render(EN) == "1 working day(s) left until the promised date"


# --- lateness on the hall's working days --------------------------------------------------------------


@pytest.mark.parametrize("promised, today, said, late", [
    (date(2026, 11, 27), date(2026, 11, 23), "距承诺办结日期还有 4 个工作日", False),   # Monday, due Friday
    (date(2026, 11, 23), date(2026, 11, 23), "今天是承诺办结的最后一天", False),
    (date(2026, 11, 23), date(2026, 11, 24), "已超过承诺办结日期 1 个工作日，可向大厅咨询台或拨打 12345 反映", True),
    (date(2026, 11, 20), date(2026, 11, 23), "已超过承诺办结日期 1 个工作日，可向大厅咨询台或拨打 12345 反映", True),
    (date(2026, 11, 20), date(2026, 11, 21), "已超过承诺办结日期 1 个工作日，可向大厅咨询台或拨打 12345 反映", True),
])
def test_a_case_due_yesterday_is_late_and_one_due_later_counts_the_working_days_left(promised, today, said, late):
    """GIVEN an open case promised by ``promised`` WHEN it is looked up on ``today`` THEN the timing counts
    the working days left, says the last day, or says it is late (a Friday's promise is one working day
    late on Saturday already, and still one on Monday: the weekend is not counted)."""
    progress = case_progress(case(CaseState.IN_REVIEW, promised=promised), today=today, calendar=CALENDAR)
    assert (progress.timing.render(ZH), progress.late) == (said, late)


def test_a_case_due_on_a_holiday_is_not_late_until_the_next_working_day_is_over():
    """GIVEN a case promised by 1 October (a holiday the calendar learnt after the promise) THEN it is not
    late during the holiday; 9 October, the first working day after it, is its last day; on Saturday
    10 October (a working day) it is late by one working day."""
    assert due_day(date(2026, 10, 1), CALENDAR) == date(2026, 10, 9)
    due_on_holiday = case(CaseState.ACCEPTED, accepted=date(2026, 9, 28), promised=date(2026, 10, 1))
    during = case_progress(due_on_holiday, today=date(2026, 10, 5), calendar=CALENDAR)
    assert not during.late and during.timing.render(ZH) == "距承诺办结日期还有 1 个工作日"
    assert case_progress(due_on_holiday, today=date(2026, 10, 9), calendar=CALENDAR).timing.render(ZH) \
        == "今天是承诺办结的最后一天"
    after = case_progress(due_on_holiday, today=date(2026, 10, 10), calendar=CALENDAR)
    assert after.late and after.timing.param("n") == 1


def test_without_the_hall_calendar_only_weekends_are_skipped():
    """GIVEN no hall calendar (the kiosk has no catalogue yet) THEN a promise on 1 October (a Thursday) is
    kept on that day and late the next."""
    due_on_holiday = case(CaseState.ACCEPTED, accepted=date(2026, 9, 28), promised=date(2026, 10, 1))
    assert case_progress(due_on_holiday, today=date(2026, 10, 2)).late


def test_a_decision_after_the_promise_says_so_and_a_finished_case_is_not_counted_against_today():
    late_decision = case(CaseState.APPROVED, steps=((CaseState.IN_REVIEW, date(2026, 11, 23)),
                                                    (CaseState.APPROVED, date(2026, 11, 26))))
    progress = case_progress(late_decision, today=date(2026, 12, 31), calendar=CALENDAR)
    assert progress.late and progress.timing.render(ZH) == "办结时已超过承诺期限 2 个工作日"


@pytest.mark.parametrize("state", [CaseState.NOTICE_GIVEN, CaseState.PRE_APPLICATION_WAITING, CaseState.WITHDRAWN])
def test_a_case_never_promised_or_withdrawn_has_no_timing(state):
    progress = case_progress(case(state, promised=None if state is not CaseState.WITHDRAWN else date(2026, 1, 5)),
                             today=date(2026, 11, 23), calendar=CALENDAR)
    assert progress.timing is None and not progress.late
    assert not any(not done for *_, done in lines(progress))  # no steps to come off the usual way


# --- a refusal, a pickup ------------------------------------------------------------------------------


def test_a_refusal_shows_its_reason_and_the_remedy():
    """GIVEN a refused case THEN the page gives the reason the decision states and the remedy words:
    可依法申请行政复议或者提起行政诉讼."""
    refused = case(CaseState.REFUSED, steps=((CaseState.IN_REVIEW, date(2026, 11, 23)),
                                             (CaseState.REFUSED, date(2026, 11, 24))),
                   refusal_reason="经营范围涉及前置审批，未取得许可证件")
    progress = case_progress(refused, today=date(2026, 11, 25), calendar=CALENDAR)
    text = progress.refusal.render(ZH)
    assert text.startswith("不予许可的理由：经营范围涉及前置审批，未取得许可证件")
    assert "可依法申请行政复议或者提起行政诉讼" in text
    assert lines(progress)[-1] == ("审核结论：不予许可", "2026-11-24", True)
    assert progress.state.render(ZH) == "不予许可" and progress.pickup is None
    no_reason = case_progress(replace(refused, refusal_reason=None), today=date(2026, 11, 25))
    assert "决定书" in no_reason.refusal.render(ZH) and "行政诉讼" in no_reason.refusal.render(ZH)


@pytest.mark.parametrize("pickup, window, said", [
    (Pickup(PickupMethod.WINDOW, 5), 5, "请带上身份证和回执到 5 号窗口领取"),
    (Pickup(PickupMethod.LOCKER, None, "大厅东侧智能柜"), None, "办理结果已存入大厅东侧智能柜，请凭短信中的取件码领取"),
    (Pickup(PickupMethod.POST, None, "EA123456789CN"), None, "办理结果已邮寄，运单号 EA123456789CN"),
    (None, 1, "请带上身份证和回执到 1 号窗口领取"),  # a platform that gives only the window
])
def test_a_ready_result_says_where_to_collect_it(pickup, window, said):
    ready = case(CaseState.READY_FOR_PICKUP, pickup=pickup, pickup_window=window)
    assert case_progress(ready, today=date(2026, 11, 24)).pickup.render(ZH) == said
