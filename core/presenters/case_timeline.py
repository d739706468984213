"""What the kiosk's 办件查询 says of a case, decided without Qt (ui/citizen_codes.py ``TrackingPage`` draws it).

    progress = case_progress(case, today=service_day, calendar=hall_calendar)
    progress.steps        # the timeline: each step in a citizen's words with its date, then the steps to come
    progress.timing       # "还有 2 个工作日" / "今天是承诺办结的最后一天" / "已超过承诺办结日期 1 个工作日"
    progress.late         # past the promise on the hall's working days
    progress.refusal      # a refusal's reason, and how to contest it (行政复议, 行政诉讼)
    progress.pickup       # where a ready result waits: a window, a locker, the post

A case holds no personal data (core/domain/appointments.py): its number is shown whole, as printed on the
receipt, so that a citizen can read it out to staff.

Lateness is counted on the hall's calendar (core/services/working_days.py). A promise is kept while the
service day is not past the promised date; a promised date that falls on a day off (a holiday the calendar
learnt after the promise was made) runs to the next working day: the time limits of administrative licensing
are counted in working days, holidays excluded (《中华人民共和国行政许可法》第八十二条), and a period whose
last day is a holiday ends on the first day after it (the rule of 期间 in 《行政诉讼法》 and 《民事诉讼法》).
docs/intake.md "The life of a case after acceptance" says the same. Once a case is decided, the
timing says whether the decision came within the promise; a case that was never promised a date (a notice,
a pre-application, a withdrawn one) has no timing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.domain.appointments import Case, CaseState, PickupMethod
from core.i18n import keys_for
from core.presenters.messages import Message
from core.services.working_days import HallCalendar

STATE_KEYS = keys_for("ui_case.state.", CaseState)
STEP_KEYS = keys_for("ui_case.step.", CaseState)
NEXT_KEYS = keys_for("ui_case.next.", CaseState)
PICKUP_KEYS = keys_for("ui_case.pickup.", PickupMethod)

# The way an accepted case goes when nothing goes wrong: the steps still to come are shown after the done ones.
PATH = (CaseState.ACCEPTED, CaseState.IN_REVIEW, CaseState.APPROVED, CaseState.READY_FOR_PICKUP,
        CaseState.PICKED_UP)
OPEN = frozenset({CaseState.ACCEPTED, CaseState.IN_REVIEW})  # promised, not decided yet
DECIDED = frozenset({CaseState.APPROVED, CaseState.REFUSED})
REMEDY = Message.of("ui_case.refusal.remedy")


@dataclass(frozen=True)
class TimelineStep:
    """One line of the timeline: the step in words, its date ("" for a step still to come)."""

    words: Message
    day: str
    done: bool = True


@dataclass(frozen=True)
class CaseProgress:
    """The tracking page; a None line is not shown."""

    matter: str
    number: Message
    state: Message
    steps: tuple[TimelineStep, ...]
    promised: Message | None
    timing: Message | None
    late: bool
    refusal: Message | None
    pickup: Message | None
    what_next: Message


def due_day(promised: date, calendar: HallCalendar) -> date:
    """The last day a promise is kept: the promised date, or the next working day when that is a day off."""
    day = promised
    for _ in range(366):  # a calendar with a year of days off is a data error: the promised date stands
        if calendar.is_working_day(day):
            return day
        day += timedelta(days=1)
    return promised


def _decided_on(case: Case) -> date | None:
    return next((s.at.date() for s in case.history if s.state in DECIDED), None)


def timing(case: Case, today: date, calendar: HallCalendar) -> tuple[Message | None, bool]:
    """How the case stands against its promise, and whether it is late."""
    if case.promised_on is None or not (case.state in OPEN or _decided_on(case) is not None):
        return None, False
    due = due_day(case.promised_on, calendar)
    decided = _decided_on(case)
    if decided is not None:
        if decided > due:
            return Message.of("ui_case.timing.decided_late",
                              n=calendar.working_days_between(due, decided)), True
        return Message.of("ui_case.timing.decided_in_time"), False
    if today > due:
        return Message.of("ui_case.timing.late", n=max(1, calendar.working_days_between(due, today))), True
    if today == due:
        return Message.of("ui_case.timing.due_today"), False
    return Message.of("ui_case.timing.left", n=calendar.working_days_between(today, due)), False


def timeline(case: Case) -> tuple[TimelineStep, ...]:
    """The steps done (the platform's history; without one, the acceptance alone), then those to come."""
    done = [TimelineStep(Message.of(f"ui_case.step.{s.state.value}"), s.at.date().isoformat())
            for s in case.history]
    if not done:
        done = [TimelineStep(Message.of(f"ui_case.step.{CaseState.ACCEPTED.value}"), case.accepted_on.isoformat())]
        if case.state is not CaseState.ACCEPTED:
            done.append(TimelineStep(Message.of(f"ui_case.step.{case.state.value}"), ""))
    if case.state not in PATH:
        return tuple(done)
    to_come = PATH[PATH.index(case.state) + 1:]
    return tuple(done) + tuple(TimelineStep(Message.of(f"ui_case.step.{s.value}"), "", done=False) for s in to_come)


def pickup(case: Case) -> Message | None:
    """Where a ready result waits (the platform's pickup; a platform that gives only a window: that)."""
    if case.state is not CaseState.READY_FOR_PICKUP:
        return None
    if case.pickup is not None:
        window = case.pickup.window if case.pickup.window is not None else case.pickup_window
        return Message.of(f"ui_case.pickup.{case.pickup.method.value}", window=window or "-",
                          place=case.pickup.place)
    if case.pickup_window is not None:
        return Message.of(f"ui_case.pickup.{PickupMethod.WINDOW.value}", window=case.pickup_window, place="")
    return None


def case_progress(case: Case, *, today: date, calendar: HallCalendar | None = None,
                  language: str = "zh_CN") -> CaseProgress:
    """The tracking page of ``case`` on the service day ``today`` (the hall's calendar: weekends alone when
    the kiosk has none)."""
    calendar = calendar or HallCalendar()
    english = language.startswith("en")
    said, late = timing(case, today, calendar)
    refusal = None
    if case.state is CaseState.REFUSED:
        reason = case.refusal_reason or ""
        refusal = Message.of("ui_case.refusal.reason" if reason else "ui_case.refusal.no_reason", reason=reason,
                             then=REMEDY)
    return CaseProgress(
        matter=case.matter_name_en if english and case.matter_name_en else case.matter_name,
        number=Message.of("ui_case.number", number=case.tracking),
        state=Message.of(f"ui_case.state.{case.state.value}"),
        steps=timeline(case),
        promised=Message.of("ui_case.promised_on", date=case.promised_on.isoformat()) if case.promised_on else None,
        timing=said, late=late, refusal=refusal, pickup=pickup(case),
        what_next=Message.of(f"ui_case.next.{case.state.value}"),
    )
