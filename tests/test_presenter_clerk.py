"""The clerk's window rules, without Qt: ``ClerkPresenter`` over a ``ClerkQueueService`` talking to the
real hall server on loopback, its calls run inline (``run_inline``) so each intent's effect is there
when the call returns."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from server_fixtures import SettableClock
from test_services_queue_support import STAFF_PIN

from core.domain import CardType, Identity
from core.presenters import run_inline
from core.presenters.clerk import OUTCOMES, ClerkPresenter
from core.services.queue import ClerkQueueService, KioskQueueService, SessionChanged

LI_YAN = Identity(CardType.RESIDENT, "李䶮", "320102195503121230", birth_date=date(1955, 3, 12))


@pytest.fixture
def clerk(hall):
    """A presenter for window 3 that records the parts it announced as changed."""
    client = hall.client("W-03")
    service = ClerkQueueService(client, 3)
    presenter = ClerkPresenter(service, run_inline)
    presenter.changes = []
    presenter.events.subscribe(lambda change: presenter.changes.append(change.part))
    service.events.subscribe(presenter.on_service_event)  # the window forwards them on its thread
    yield presenter
    presenter.close()
    client.close()


def logged_in(clerk: ClerkPresenter) -> ClerkPresenter:
    clerk.login("S1003", STAFF_PIN)
    assert clerk.page == "queue"
    return clerk


def test_a_login_needs_a_staff_id_and_a_pin_and_a_wrong_pin_is_said_in_clerk_words(clerk):
    """GIVEN the login page WHEN the PIN is missing THEN the clerk is asked for both and nothing is sent;
    WHEN the PIN is wrong THEN the platform's refusal is said as a problem, the PIN field is to be cleared
    and the window stays on the login page."""
    clerk.login("S1003", "")
    assert clerk.login_message.text == "请输入工号和密码。" and clerk.login_message.role == "problem"
    assert clerk.service.session is None and "login_done" not in clerk.changes

    clerk.login("S1003", "0000")
    assert clerk.page == "login" and not clerk.login_busy
    assert clerk.login_message.role == "problem" and clerk.login_message.text != clerk.tr("ui.common.wait")
    assert "login_done" in clerk.changes and "logged_in" not in clerk.changes


def test_after_login_the_queue_page_shows_who_is_at_the_window_and_the_status(clerk, issue):
    """GIVEN one number waiting WHEN the clerk logs in THEN the queue page names the window and the
    clerk, and the status view counts the one waiting, with nobody called yet."""
    number = issue("A")
    logged_in(clerk)
    assert clerk.who() == "3 号窗口 · 陈思远（S1003）"
    assert "logged_in" in clerk.changes and clerk.login_message is None
    view = clerk.status_view()
    assert view.current_number == "—" and view.current_detail == "尚未叫号"
    assert view.waiting_title == "等候中（1）" and [row.number for row in view.waiting] == [number]
    assert view.counts == "今日已办结 0 · 未到 0 · 等候 1"
    assert clerk.hall is not None  # fetched after login: the transfer choices need it


def test_calling_with_nobody_waiting_says_so_and_a_refused_action_is_a_problem(clerk):
    logged_in(clerk)
    clerk.act("call_next")
    assert clerk.message.text == "目前没有等候的号码。" and clerk.message.role == "notice"
    clerk.act("recall")  # nothing to recall: the platform refuses
    assert clerk.message.role == "problem" and clerk.message.text


def test_finishing_asks_for_the_outcome_and_choosing_one_finishes_the_ticket(clerk, issue):
    """GIVEN a ticket being served WHEN the clerk finishes THEN a choice of every outcome opens;
    WHEN one is chosen THEN the choice closes, the ticket is finished and the clerk is told."""
    number = issue("A")
    logged_in(clerk)
    clerk.act("call_next")
    assert clerk.current.number == number and clerk.message.text == f"已呼叫 {number}"
    clerk.ask_outcome()
    assert clerk.choice.title == "办理结果"
    assert [text for text, _ in clerk.choice.options] == [clerk.tr(f"ui.clerk.outcome.{o.value}") for o in OUTCOMES]
    dict(clerk.choice.options)["已受理"]()
    assert clerk.choice is None and clerk.current is None
    assert clerk.status.served_today == 1 and clerk.message.text == f"{number} 已办结"


def test_a_transfer_offers_the_hall_services_and_every_other_window(clerk, issue):
    issue("A")
    logged_in(clerk)
    clerk.act("call_next")
    clerk.ask_transfer()
    texts = [text for text, _ in clerk.choice.options]
    assert "3 号窗口" not in texts and "6 号窗口" in texts
    assert texts[0] == f"{clerk.hall.services[0].prefix} {clerk.hall.services[0].name}"
    dict(clerk.choice.options)["6 号窗口"]()
    assert clerk.current is None and clerk.message.text.endswith("已转移")


def test_pausing_asks_for_a_reason_and_resuming_does_not(clerk):
    logged_in(clerk)
    clerk.pause_or_resume()
    assert [text for text, _ in clerk.choice.options] == ["休息", "会议", "内部会商", "其他"]
    dict(clerk.choice.options)["休息"]()
    assert clerk.status.paused and clerk.status_view().window_state == "暂停服务：休息"
    assert clerk.message.text == "窗口已暂停服务"
    clerk.pause_or_resume()
    assert clerk.choice is None and not clerk.status.paused and clerk.status_view().window_state == "正在服务"


def test_calling_back_takes_the_selected_held_ticket_or_the_only_one(clerk, issue):
    """GIVEN two held tickets WHEN none is selected THEN the clerk is asked to select one; WHEN one is
    selected THEN it is called back. GIVEN one held ticket THEN it is called back without selecting."""
    first, second = issue("A"), issue("A")
    logged_in(clerk)
    for _ in range(2):
        clerk.act("call_next")
        clerk.act("hold")
    clerk.call_back(None)
    assert clerk.message.text == "请先在挂起列表中选择一个号码。" and clerk.current is None
    clerk.call_back(second)
    assert clerk.current.number == second
    clerk.act("hold")
    clerk.act("call_back", second)
    clerk.ask_outcome()
    clerk.choice.options[0][1]()
    assert [t.number for t in clerk.status.held] == [first]
    clerk.call_back(None)
    assert clerk.current.number == first


def test_a_number_typed_in_is_called(clerk, issue):
    issue("A")
    number = issue("A")
    logged_in(clerk)
    clerk.ask_number()
    assert clerk.choice.on_text is not None and clerk.choice.title.startswith("请输入要呼叫的号码")
    clerk.choice.on_text(number.lower())
    assert clerk.current.number == number


def test_a_card_counts_only_while_logged_in_and_leaves_with_the_ticket(clerk, issue):
    """GIVEN nobody logged in WHEN a card is read THEN it is not kept; GIVEN a ticket being served WHEN a
    card is read THEN it is the applicant; WHEN the ticket is finished THEN the applicant is gone."""
    clerk.card(LI_YAN)
    assert clerk.service.applicant is None and clerk.applicant is None
    issue("A")
    logged_in(clerk)
    clerk.act("call_next")
    clerk.card(LI_YAN)
    assert clerk.applicant is LI_YAN and "applicant" in clerk.changes and clerk.takes_scan()
    clerk.ask_outcome()
    clerk.choice.options[0][1]()
    assert clerk.applicant is None and clerk.service.applicant is None and not clerk.takes_scan()


def test_when_the_session_ends_the_window_goes_back_to_login_and_says_why(clerk):
    logged_in(clerk)
    clerk.ask_outcome()
    clerk.on_service_event(SessionChanged(None))
    assert clerk.page == "login" and clerk.status is None and clerk.choice is None
    assert clerk.login_message.text == "登录已失效，请重新登录。"


def test_logging_out_returns_to_login_without_a_session_ended_message_and_stops_the_refreshes(clerk):
    logged_in(clerk)
    clerk.logout()
    assert clerk.page == "login" and clerk.service.session is None and clerk.login_message is None
    before = list(clerk.changes)
    clerk.refresh()
    assert clerk.changes == before  # nobody logged in: nothing asked


def test_the_service_day_is_the_hall_date_by_the_terminal_clock(hall):
    """GIVEN the terminal's clock at 17:00 UTC on 31 December (01:00 on 1 January in the hall's zone)
    THEN the service day, by which a card's expiry is judged, is 1 January, before and after the hall's
    own time zone is known."""
    client = hall.client("W-03")
    try:
        clock = SettableClock(datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc))
        presenter = ClerkPresenter(ClerkQueueService(client, 3), run_inline, clock=clock)
        assert presenter.service_day() == date(2027, 1, 1)
        presenter.hall = presenter.service.hall()
        assert presenter.hall.timezone == "Asia/Shanghai" and presenter.service_day() == date(2027, 1, 1)
    finally:
        client.close()


def test_the_status_is_worded_in_the_language_chosen_and_marks_priority_tickets(clerk, hall):
    client = hall.client("K-01")
    kiosk = KioskQueueService(client, None)
    kiosk.set_identity(LI_YAN)
    number = kiosk.issue(kiosk.new_request("A"), without_print=True).ticket.number
    client.close()
    logged_in(clerk)
    assert clerk.status_view().waiting[0].text == f"{number}  综合受理  优先"
    clerk.set_language("en")
    assert "language" in clerk.changes
    view = clerk.status_view()
    assert view.waiting_title == "Waiting (1)" and view.counts.startswith("Today: served 0")
    assert view.waiting[0].text == f"{number}  General acceptance  priority"
