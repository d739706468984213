"""PlatformClient against the real hall server on loopback: every QueuePlatform method parses into the
domain values, and the server's refusals arrive as PlatformRejected/PlatformConflict with their reason."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from server_fixtures import STAFF_PIN, fresh_hall, hall_server  # noqa: F401

from core.domain import CallEvent, ClerkSession, HallInfo, Outcome, Ticket, TicketState, WindowStatus
from core.errors import PlatformConflict, PlatformRejected, PlatformUnreachable
from platform_client import PlatformClient
from core.ports import QueuePlatform


def test_the_client_implements_the_port_exactly():
    import inspect

    for name, member in inspect.getmembers(QueuePlatform, inspect.isfunction):
        if name.startswith("_"):
            continue
        ours = getattr(PlatformClient, name)
        assert inspect.signature(ours).parameters.keys() == inspect.signature(member).parameters.keys(), name


def test_a_whole_visit_through_the_client(fresh_hall):
    kiosk, clerk, display = (fresh_hall.client(t) for t in ("kiosk-1", "window-3", "display-1"))
    info = kiosk.hall_info()
    assert isinstance(info, HallInfo) and info.service("C").name_en == "Social and medical insurance"
    ticket = kiosk.issue_ticket("C", request_id=str(uuid.uuid4()), id_number="320102195503121234",
                                birth_date=date(1955, 3, 12))
    assert isinstance(ticket, Ticket) and ticket.priority and ticket.issued_at.tzinfo is not None
    session = clerk.login(3, "S1003", STAFF_PIN)
    assert isinstance(session, ClerkSession)
    called = clerk.call_next(session)
    assert (called.number, called.state, called.window) == ("C001", TicketState.CALLED, 3)
    status = clerk.window_status(session)
    assert isinstance(status, WindowStatus) and status.current.number == "C001"
    assert clerk.recall(session).number == "C001"
    events = display.call_events(0)
    assert all(isinstance(e, CallEvent) for e in events) and len(events) == 2
    assert clerk.finish(session, Outcome.ACCEPTED).state is TicketState.DONE
    assert kiosk.ticket(ticket.tracking_code).state is TicketState.DONE
    clerk.pause(session, "培训")
    clerk.resume(session)
    clerk.logout(session)


def test_rare_name_characters_and_chinese_reasons_survive_the_round_trip(fresh_hall):
    clerk = fresh_hall.client("window-1")
    fresh_hall.store.add_staff("S2001", "李䶮", "1357", [1])
    session = clerk.login(1, "S2001", "1357")
    assert session.staff_name == "李䶮"
    clerk.pause(session, "系统维护 𠀀")
    assert clerk.window_status(session).pause_reason == "系统维护 𠀀"


@pytest.mark.parametrize(("call", "error", "reason", "status"), [
    (lambda c, s: c.call_number(s, "A999"), PlatformRejected, "ticket_not_found", 404),
    (lambda c, s: c.recall(s), PlatformConflict, "no_current_ticket", 409),
    (lambda c, s: c.resume(s), PlatformConflict, "wrong_state", 409),
    (lambda c, s: c.transfer(s, service_prefix="Q"), PlatformConflict, "no_current_ticket", 409),
])
def test_refusals_carry_the_servers_reason(fresh_hall, call, error, reason, status):
    clerk = fresh_hall.client("window-1")
    session = clerk.login(1, "S1001", STAFF_PIN)
    with pytest.raises(error) as caught:
        call(clerk, session)
    assert (type(caught.value), caught.value.reason, caught.value.status) == (error, reason, status)
    assert caught.value.reason_key == f"error.reason.{reason}"


def test_a_bad_ticket_number_is_refused_by_the_server_not_sent_blind(hall_server):
    clerk = hall_server.client("window-9")
    session = clerk.login(9, "S1009", STAFF_PIN)
    with pytest.raises(PlatformRejected) as caught:
        clerk.call_number(session, "A-1; 1=1")
    assert caught.value.reason == "invalid_request"


def test_a_tracking_code_with_strange_characters_never_leaves_the_client(hall_server):
    with pytest.raises(PlatformRejected) as caught:
        hall_server.client("kiosk-1").ticket("../clerk/window")
    assert caught.value.reason == "invalid_request"


def test_a_server_that_is_gone_is_unreachable(tmp_path):
    from hall_server import ServerThread, sample_hall

    server = ServerThread(tmp_path / "h.db", seed=sample_hall()).start()
    secret = server.store.add_terminal("k", "citizen")
    url = server.url
    server.stop()
    with PlatformClient(url, "k", secret, timeout_s=1.0) as client, pytest.raises(PlatformUnreachable):
        client.hall_info()


def test_messages_exist_for_every_reason_in_both_languages():
    from core.errors import PlatformRejected
    from hall_server.problems import STATUS
    from core.i18n import Translator

    for language in ("zh_CN", "en"):
        t = Translator(language)
        for reason in STATUS:
            assert t.has(f"error.reason.{reason}") or t.has(f"error.reason.{reason}.citizen"), (language, reason)
    message = PlatformRejected("x", reason="daily_cap_reached", status=422).message("citizen", "zh_CN")
    assert "今日" in message
