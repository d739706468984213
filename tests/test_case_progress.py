"""A case after acceptance on the hall server (hall_server/case_progress.py, notify.py, api/cases.py): a
logged-in clerk moves it on — review, decision, result ready, collected — each step in its history, each
refused when the case's state does not allow it, each safe to send again; and the applicant's text message
at every step, in the notices file, never with an ID number or a name. Against the real hall server on
loopback, every request signed, its clock on a Monday at 10:00 in the hall's time zone."""

from __future__ import annotations

import json
import uuid

import pytest
from server_fixtures import COMPANY_FORM, MONDAY_10AM, STAFF_PIN, fresh_hall, with_catalogue  # noqa: F401

from core.domain.appointments import CaseState, Collector, PickupMethod
from core.errors import PlatformConflict, PlatformRejected
from core.ports.outbox import RecordKind
from hall_server import sample_hall
from hall_server.api.matters import content_version
from hall_server.notify import FileNotifier
from platform_client.appointments import AppointmentsClient
from platform_client.cases import CasesClient
from platform_client.sync import SyncClient

COMPANY = "320100-XK-0001"
CURRENT = {m["code"]: m.get("version") or content_version(m) for m in sample_hall()["matters"]}
ID_NUMBER = COMPANY_FORM["legal_rep_id"]
NAME = COMPANY_FORM["legal_rep"]
NAMES = ("李䶮", "王𠮷")  # the applicants' names in the sample forms


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    return with_catalogue(fresh_hall)


def accept(hall) -> str:
    """A clerk's application at window 1, synced: the new case's number."""
    client = SyncClient(hall.url, "window-1", hall.secret("window-1"))
    hall._clients.append(client)
    content = {"matter_code": COMPANY, "version": CURRENT[COMPANY], "form": COMPANY_FORM,
               "materials": [{"id": "m1", "pages": 2}, {"id": "m2", "pages": 5}, {"id": "m3", "pages": 1}],
               "deficiencies": ["m4"], "window": 1, "clerk": "S1001", "accepted_at": MONDAY_10AM.isoformat()}
    return client.post_record(RecordKind.APPLICATION, str(uuid.uuid4()),
                              {"content": content, "attachments": []}).case_number


def clerk(hall, window: int = 3):
    """The clerk's cases client at ``window`` and a logged-in session."""
    client = hall.client(f"window-{window}")
    return CasesClient(client), client.login(window, f"S{1000 + window}", STAFF_PIN)


def notices(hall) -> list[dict]:
    notifier = hall.store.notifier
    assert isinstance(notifier, FileNotifier)
    return notifier.read()


def send(hall, path: str, body: dict, *, window: int = 3, token: str | None = None):
    return hall.send(f"window-{window}", "POST", path, body=body, session=token)


# --- the moves ---------------------------------------------------------------------------------------


def test_a_case_moves_from_acceptance_to_collection_with_every_step_in_its_history(hall):
    """GIVEN an accepted case WHEN a clerk at window 3 reviews it, approves it, makes the result ready at
    window 5 and hands it to a proxy THEN each step is in its history with the clerk, the window and the
    server's time, and the kiosk reads the pickup and who collected."""
    number = accept(hall)
    cases, session = clerk(hall)
    assert cases.review(session, number).state is CaseState.IN_REVIEW
    assert cases.decide(session, number, "approved").state is CaseState.APPROVED
    ready = cases.result_ready(session, number, "window", window=5)
    assert ready.state is CaseState.READY_FOR_PICKUP and ready.pickup_window == 5
    assert (ready.pickup.method, ready.pickup.window) == (PickupMethod.WINDOW, 5)
    done = cases.collected(session, number, "proxy")
    assert done.state is CaseState.PICKED_UP and done.collected_by is Collector.PROXY
    assert [(s.state, s.actor, s.window) for s in done.history] == [
        (CaseState.ACCEPTED, "S1001", 1), (CaseState.IN_REVIEW, "S1003", 3), (CaseState.APPROVED, "S1003", 3),
        (CaseState.READY_FOR_PICKUP, "S1003", 3), (CaseState.PICKED_UP, "S1003", 3)]
    assert all(s.at == MONDAY_10AM for s in done.history)
    public = AppointmentsClient(hall.client("kiosk-1")).case(number)
    assert public.state is CaseState.PICKED_UP and public.pickup.window == 5 and public.collected_by is Collector.PROXY


def test_a_refusal_keeps_its_reason_for_the_kiosk_and_ends_the_case(hall):
    """GIVEN a case under review WHEN it is refused with a reason THEN the kiosk reads the reason; a refused
    case moves on no further (no result to make ready), and a refusal without a reason is not taken."""
    number = accept(hall)
    cases, session = clerk(hall)
    cases.review(session, number)
    empty = send(hall, f"/v1/cases/{number}/decide", {"decision": "refused"}, token=session.token)
    assert (empty.status_code, empty.json()["error"]["reason"]) == (400, "invalid_request")
    refused = cases.decide(session, number, "refused", reason="经营范围涉及前置审批，未取得许可证件")
    assert refused.state is CaseState.REFUSED
    public = AppointmentsClient(hall.client("kiosk-1")).case(number)
    assert public.refusal_reason == "经营范围涉及前置审批，未取得许可证件" and public.pickup is None
    with pytest.raises(PlatformConflict) as raised:
        cases.result_ready(session, number, "window", window=3)
    assert raised.value.reason == "wrong_state"


@pytest.mark.parametrize("steps, path, body", [
    ((), "decide", {"decision": "approved"}),                       # not reviewed yet
    ((), "result-ready", {"method": "window", "window": 2}),         # not decided
    ((), "collected", {"collected_by": "applicant"}),                # nothing to collect
    (("review",), "collected", {"collected_by": "applicant"}),
    (("review", "approve"), "review", {}),                           # no way back
    (("review", "approve"), "decide", {"decision": "refused", "reason": "改判"}),  # a decision stands
    (("review", "approve", "ready"), "decide", {"decision": "approved"}),
    (("review", "approve", "ready", "collect"), "result-ready", {"method": "post", "place": "EA123456789CN"}),
])
def test_a_move_the_state_does_not_allow_is_refused_as_wrong_state(hall, steps, path, body):
    """GIVEN a case some steps along WHEN a clerk asks for a move its state does not allow THEN the answer
    is 409 ``wrong_state`` naming the states it may move from, and the case and its history are unchanged."""
    number = accept(hall)
    cases, session = clerk(hall)
    actions = {"review": lambda: cases.review(session, number),
               "approve": lambda: cases.decide(session, number, "approved"),
               "ready": lambda: cases.result_ready(session, number, "window", window=2),
               "collect": lambda: cases.collected(session, number, "applicant")}
    for step in steps:
        actions[step]()
    before = hall.send("window-3", "GET", f"/v1/cases/{number}").json()["case"]
    refused = send(hall, f"/v1/cases/{number}/{path}", body, token=session.token)
    assert (refused.status_code, refused.json()["error"]["reason"]) == (409, "wrong_state")
    assert "cannot move to" in refused.json()["error"]["message"] or "already" in refused.json()["error"]["message"]
    assert hall.send("window-3", "GET", f"/v1/cases/{number}").json()["case"] == before


def test_withdrawn_and_notice_cases_do_not_move_on(hall):
    """GIVEN a withdrawn case WHEN a clerk tries to review it THEN ``wrong_state``; an unknown number is
    ``not_found``."""
    number = accept(hall)
    cases, session = clerk(hall)
    cases.withdraw(session, number, "申请人要求撤回")
    with pytest.raises(PlatformConflict):
        cases.review(session, number)
    unknown = send(hall, "/v1/cases/32010020261123999999/review", {}, token=session.token)
    assert (unknown.status_code, unknown.json()["error"]["reason"]) == (404, "not_found")


def test_a_move_sent_again_is_answered_as_it_is(hall):
    """GIVEN a move whose answer was lost WHEN the clerk's terminal sends it again THEN the answer is the
    case as it is, with no second step and no second message; the same state with other details (another
    window) is ``wrong_state``."""
    number = accept(hall)
    cases, session = clerk(hall)
    cases.review(session, number)
    again = cases.review(session, number)
    cases.decide(session, number, "approved")
    cases.result_ready(session, number, "locker", place="大厅东侧智能柜")
    twice = cases.result_ready(session, number, "locker", place="大厅东侧智能柜")
    assert again.state is CaseState.IN_REVIEW
    assert [s.state for s in twice.history].count(CaseState.READY_FOR_PICKUP) == 1
    assert [s.state for s in twice.history].count(CaseState.IN_REVIEW) == 1
    assert [n["state"] for n in notices(hall)] == ["accepted", "in_review", "approved", "ready_for_pickup"]
    with pytest.raises(PlatformConflict):
        cases.result_ready(session, number, "window", window=2)


@pytest.mark.parametrize("path, body", [
    ("decide", {"decision": "maybe"}),
    ("decide", {"decision": "approved", "reason": "准予"}),             # only a refusal has a reason
    ("decide", {"decision": "refused", "reason": "x" * 201}),
    ("result-ready", {"method": "window"}),                            # which window?
    ("result-ready", {"method": "locker"}),                            # which locker?
    ("result-ready", {"method": "post", "place": ""}),                 # which waybill?
    ("result-ready", {"method": "window", "window": "3"}),             # strict: a number is a number
    ("collected", {"collected_by": "neighbour"}),
    ("review", {"state": "approved"}),                                 # no field a move does not know
])
def test_a_move_with_bad_details_is_refused_before_anything_changes(hall, path, body):
    """GIVEN a case under review WHEN a move's body is not what that move holds THEN 400
    ``invalid_request`` and the case is as it was."""
    number = accept(hall)
    cases, session = clerk(hall)
    cases.review(session, number)
    answer = send(hall, f"/v1/cases/{number}/{path}", body, token=session.token)
    assert (answer.status_code, answer.json()["error"]["reason"]) == (400, "invalid_request")
    assert AppointmentsClient(hall.client("kiosk-1")).case(number).state is CaseState.IN_REVIEW


def test_only_a_logged_in_clerk_moves_a_case(hall):
    """GIVEN an accepted case THEN a kiosk may not move it (403), nor a clerk terminal without a session;
    the client refuses a malformed number before sending anything."""
    number = accept(hall)
    assert hall.send("kiosk-1", "POST", f"/v1/cases/{number}/review", body={}).status_code == 403
    nobody = send(hall, f"/v1/cases/{number}/review", {})
    assert nobody.json()["error"]["reason"] == "not_logged_in"
    cases, session = clerk(hall)
    with pytest.raises(PlatformRejected):
        cases.review(session, "../" + number)


# --- the applicant's messages ------------------------------------------------------------------------


def test_every_step_sends_one_text_message_without_id_number_or_name(hall):
    """GIVEN an application whose form holds the applicant's ID number, name and mobile number WHEN the case
    goes from acceptance to collection THEN the notices file holds one JSON line a step — the case number,
    the state, when, channel "sms", the text in Chinese — and none of them holds the ID number or a name."""
    number = accept(hall)
    cases, session = clerk(hall)
    cases.review(session, number)
    cases.decide(session, number, "approved")
    cases.result_ready(session, number, "post", place="EA123456789CN")
    cases.collected(session, number, "applicant")
    sent = notices(hall)
    assert [n["state"] for n in sent] == ["accepted", "in_review", "approved", "ready_for_pickup", "picked_up"]
    assert all(n["number"] == number and n["channel"] == "sms" for n in sent)
    assert sent[0]["at"] == MONDAY_10AM.isoformat() and "承诺 2026-11-24 前办结" in sent[0]["text"]
    assert "运单号 EA123456789CN" in sent[3]["text"] and "申请人本人" in sent[4]["text"]
    raw = hall.store.notifier.path.read_text(encoding="utf-8")
    assert ID_NUMBER not in raw and "13812345678" not in raw
    assert not any(name in raw for name in NAMES)
    assert all(number in n["text"] and "企业开办" in n["text"] for n in sent)


def test_a_refusal_message_gives_the_reason_and_the_remedy_masking_any_number_in_it(hall):
    """GIVEN a refusal whose reason (a clerk's free text) carries an ID number THEN the reason is kept with
    the number masked (whoever scans the receipt reads it), and the message gives it and says how to contest
    the decision."""
    number = accept(hall)
    cases, session = clerk(hall)
    cases.review(session, number)
    cases.decide(session, number, "refused", reason=f"申请材料与身份证 {ID_NUMBER} 登记信息不一致")
    text = notices(hall)[-1]["text"]
    assert ID_NUMBER not in text and "1101**********002X" in text
    public = AppointmentsClient(hall.client("kiosk-1")).case(number)
    assert public.refusal_reason == "申请材料与身份证 1101**********002X 登记信息不一致"
    assert "可依法申请行政复议或者提起行政诉讼" in text


def test_a_failing_notifier_never_stops_a_case_and_is_logged(hall, caplog):
    """GIVEN a notifier that fails (the SMS gateway down) WHEN a clerk moves a case THEN the case moves all
    the same and the failure is logged."""
    number = accept(hall)

    class Down:
        def send(self, notice):
            raise ConnectionError("gateway down")

    hall.store.notifier = Down()
    cases, session = clerk(hall)
    with caplog.at_level("WARNING", logger="hall_server.notify"):
        assert cases.review(session, number).state is CaseState.IN_REVIEW
    assert any("was not sent" in r.getMessage() and "gateway down" in r.getMessage() for r in caplog.records)


def test_a_withdrawal_is_told_too_without_its_reason(hall):
    """GIVEN a case withdrawn with a reason naming the applicant THEN the applicant is told it is withdrawn,
    and the reason (a clerk's note) is not in the message."""
    number = accept(hall)
    cases, session = clerk(hall)
    cases.withdraw(session, number, f"{NAME}本人要求撤回")
    last = notices(hall)[-1]
    assert last["state"] == "withdrawn" and NAME not in json.dumps(last, ensure_ascii=False)


# --- the client's strict reading ----------------------------------------------------------------------


ANSWER = {"tracking": "32010020261123000001", "matter_code": COMPANY, "matter_name": "企业开办一件事",
          "matter_name_en": "", "state": "ready_for_pickup", "accepted_on": "2026-11-23", "promised_on": "2026-11-24",
          "pickup_window": None, "history": [], "refusal_reason": None,
          "pickup": {"method": "locker", "window": None, "place": "大厅东侧智能柜"}, "collected_by": None}


def test_the_client_reads_the_outcome_strictly_and_an_older_platforms_case_without_it():
    """GIVEN a case answer THEN its pickup, reason and collector are read into the domain; an unknown method
    or collector is not the platform's answer (``BadAnswer``); an answer without them (an older platform)
    reads as none."""
    from core.wire import BadAnswer
    from platform_client.appointments import _case

    case = _case(ANSWER)
    assert case.pickup.method is PickupMethod.LOCKER and case.pickup.place == "大厅东侧智能柜"
    for bad in ({"pickup": {"method": "drone", "window": None, "place": ""}}, {"collected_by": "neighbour"},
                {"pickup": {"method": "window", "window": "5", "place": ""}}, {"refusal_reason": 7},
                {"state": "lost"}):
        with pytest.raises(BadAnswer):
            _case({**ANSWER, **bad})
    older = {k: v for k, v in ANSWER.items() if k not in ("refusal_reason", "pickup", "collected_by")}
    read = _case(older)
    assert (read.pickup, read.refusal_reason, read.collected_by) == (None, None, None)
