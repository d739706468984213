"""Cases on the hall server (hall_server/cases.py, case_records.py, api/cases.py): the records a terminal's
outbox syncs (``application``, ``notice``, ``pre_application``) open and move cases, checked against the
platform's own catalogue; a receipt's number opens the case at the kiosk. Against the real hall server on
loopback, every request signed, its clock on a Monday at 10:00 in the hall's time zone."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime

import pytest
from server_fixtures import MONDAY_10AM, STAFF_PIN, fresh_hall  # noqa: F401

from core.domain.appointments import CaseState
from core.domain.codes import CodeKind, classify, pre_application_payload
from core.errors import PlatformConflict, PlatformRejected
from core.i18n import Translator
from core.ports.outbox import RecordKind
from hall_server import HallStore, ServerThread, sample_hall
from hall_server.api.matters import content_version, load_matters
from hall_server.cases import has_case_reference, load_case_reference
from platform_client.appointments import AppointmentsClient
from platform_client.cases import CasesClient
from platform_client.sync import SyncClient

COMPANY = "320100-XK-0001"  # promised in 1 working day; materials m1–m4 required, m5 optional
HOME = "320100-QR-0002"  # promised in 3 working days
NOW = MONDAY_10AM.isoformat()
FORM = {"company_name": "示例䶮𠮷科技有限公司", "legal_rep": "李䶮", "legal_rep_id": "11010519491231002X",
        "capital": 100, "address": "示例市玄武区北京东路 41 号", "phone": "13812345678", "scope": "软件开发"}
HOME_FORM = {"seller": "王𠮷", "buyer": "李䶮", "buyer_id": "11010519491231002X",
             "cert_no": "苏(2026)示例市不动产权第0001234号", "location": "示例市玄武区北京东路 41 号", "area": 89.5,
             "price": 1200000, "phone": "13812345678"}
# The forms' versions as the platform serves them (the sample hall gives none: a hash of each entry's content).
CURRENT = {m["code"]: m.get("version") or content_version(m) for m in sample_hall()["matters"]}
RECEIVED = [{"id": "m1", "pages": 2}, {"id": "m2", "pages": 5}, {"id": "m3", "pages": 1}]


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    """The fresh hall with the sample hall's matter catalogue, calendar and region loaded."""
    load_matters(fresh_hall.store, sample_hall())
    load_case_reference(fresh_hall.store, sample_hall())
    return fresh_hall


def sync(hall, terminal: str) -> SyncClient:
    client = SyncClient(hall.url, terminal, hall.secret(terminal))
    hall._clients.append(client)
    return client


def application(**changes) -> dict:
    content = {"matter_code": COMPANY, "version": CURRENT[COMPANY], "form": FORM, "materials": RECEIVED,
               "deficiencies": ["m4"], "window": 1, "clerk": "S1001", "accepted_at": NOW, "ticket_number": "E012"}
    return {"content": {**content, **changes}, "attachments": []}


def pre_application(**changes) -> dict:
    content = {"matter_code": COMPANY, "version": CURRENT[COMPANY], "form": FORM, "materials": [{"id": "m3", "pages": 2}],
               "submitted_at": NOW}
    return {"content": {**content, **changes}, "attachments": []}


def notice(**changes) -> dict:
    content = {"matter_code": HOME, "missing": ["m4", "m6"], "window": 2, "clerk": "S1002", "given_at": NOW}
    return {"content": {**content, **changes}, "attachments": []}


def login(hall, window: int) -> str:
    return hall.send(f"window-{window}", "POST", "/v1/clerk/login", body={
        "window": window, "staff_id": f"S{1000 + window}", "pin": STAFF_PIN}).json()["token"]


def test_an_application_opens_one_case_and_a_resend_gets_the_same_number(hall):
    """GIVEN a clerk's accepted application WHEN its record is sent twice THEN the platform opens one case
    in 已受理, due one working day later on the hall's calendar, and answers both with the same number."""
    clerk = sync(hall, "window-1")
    rid = str(uuid.uuid4())
    first = clerk.post_record(RecordKind.APPLICATION, rid, application())
    again = clerk.post_record(RecordKind.APPLICATION, rid, application())
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.case_number == again.case_number
    assert first.case_number == f"320100{MONDAY_10AM:%Y%m%d}000001"
    case = AppointmentsClient(hall.client("kiosk-1")).case(first.case_number)
    assert case.state is CaseState.ACCEPTED and case.matter_code == COMPANY
    assert (case.accepted_on, case.promised_on) == (date(2026, 11, 23), date(2026, 11, 24))
    assert [(s.state, s.actor, s.window) for s in case.history] == [(CaseState.ACCEPTED, "S1001", 1)]
    assert case.history[0].at == MONDAY_10AM
    rows = hall.store._con().execute("SELECT COUNT(*) FROM case_records").fetchone()[0]
    assert rows == 1


def test_a_resend_after_the_catalogue_changed_gets_the_first_answer(hall):
    """GIVEN an application the platform accepted WHEN the matter leaves the catalogue and the terminal,
    which never saw the answer, sends the record again THEN it gets the same answer and number, not a
    refusal: the record was checked once, when it arrived."""
    clerk = sync(hall, "window-1")
    rid = str(uuid.uuid4())
    first = clerk.post_record(RecordKind.APPLICATION, rid, application())
    load_matters(hall.store, {"matters": [m for m in sample_hall()["matters"] if m["code"] != COMPANY]})
    with pytest.raises(PlatformRejected) as now_unknown:
        clerk.post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application())
    again = clerk.post_record(RecordKind.APPLICATION, rid, application())
    assert now_unknown.value.reason == "matter_unknown"
    assert (again.duplicate, again.case_number) == (True, first.case_number)


def test_an_unknown_matter_and_an_outdated_form_are_refused_with_their_reason(hall):
    """GIVEN applications for a matter the catalogue lacks, and one filled in on a form version that is not
    the current one THEN each is refused for good (422) with its reason, the current version named, and
    the terminal has a message for it in both languages; no case is opened."""
    clerk = sync(hall, "window-1")
    with pytest.raises(PlatformRejected) as unknown:
        clerk.post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application(matter_code="320100-XK-9999"))
    with pytest.raises(PlatformRejected) as outdated:
        clerk.post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application(version="2025.3"))
    assert (unknown.value.status, unknown.value.reason) == (422, "matter_unknown")
    assert (outdated.value.status, outdated.value.reason) == (422, "form_outdated")
    assert outdated.value.params["current_version"] == CURRENT[COMPANY]
    for error in (unknown.value, outdated.value):
        for audience in ("citizen", "clerk", "technician"):
            assert error.message(audience, "zh_CN") != Translator("zh_CN")("error.platform.rejected")
            assert error.message(audience, "en") != Translator("en")("error.platform.rejected")
    assert "表" in outdated.value.message("clerk", "zh_CN")
    assert hall.store._con().execute("SELECT COUNT(*) FROM case_history").fetchone()[0] == 0


def test_invalid_form_data_is_refused_with_every_problem_at_its_path(hall):
    """GIVEN an application whose ID number fails its check digit, whose capital is zero, that lacks a
    required material without calling it 容缺 and names a material the matter does not have
    THEN it is refused as form_invalid with each problem's path and message key."""
    clerk = sync(hall, "window-1")
    bad = application(form={**FORM, "legal_rep_id": "110105194912310021", "capital": 0}, deficiencies=[],
                      materials=[*RECEIVED, {"id": "m99", "pages": 1}])
    with pytest.raises(PlatformRejected) as refused:
        clerk.post_record(RecordKind.APPLICATION, str(uuid.uuid4()), bad)
    assert refused.value.reason == "form_invalid"
    problems = refused.value.params["problems"]
    assert {(p.path, p.key) for p in problems} == {
        ("legal_rep_id", "form.problem.id_number"), ("capital", "form.problem.too_small"),
        ("materials[3].id", "form.problem.choice"), ("materials", "form.problem.required")}
    assert next(p for p in problems if p.path == "materials").params == {"material": "m4"}
    assert next(p for p in problems if p.path == "capital").params == {"limit": 0.01}
    assert "11010519491231002" not in refused.value.detail


def test_records_come_from_the_right_terminal_and_name_a_real_clerk(hall):
    """GIVEN an application sent by a kiosk, a pre-application sent by a clerk window, an application naming
    a staff id that does not exist and one dated next week THEN each is refused and nothing is opened."""
    with pytest.raises(PlatformRejected) as kiosk:
        sync(hall, "kiosk-1").post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application())
    with pytest.raises(PlatformRejected) as window:
        sync(hall, "window-1").post_record(RecordKind.PRE_APPLICATION, str(uuid.uuid4()), pre_application())
    with pytest.raises(PlatformRejected) as stranger:
        sync(hall, "window-1").post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application(clerk="S9999"))
    with pytest.raises(PlatformRejected) as future:
        sync(hall, "window-1").post_record(RecordKind.APPLICATION, str(uuid.uuid4()),
                                           application(accepted_at="2026-11-30T10:00:00+08:00"))
    assert (kiosk.value.reason, window.value.reason) == ("forbidden_role", "forbidden_role")
    assert (stranger.value.reason, future.value.reason) == ("invalid_request", "invalid_request")
    assert "clerk" in stranger.value.detail and "accepted_at" in future.value.detail
    assert hall.store._con().execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 0


def test_a_notice_opens_a_case_in_buzheng_gaozhi_that_the_kiosk_shows_with_history(hall):
    """GIVEN a 一次性告知 given at window 2 WHEN its record is synced THEN a case in 补正告知 exists, without
    a promised date, and GET /v1/cases/{n} shows it with its one step."""
    ack = sync(hall, "window-2").post_record(RecordKind.NOTICE, str(uuid.uuid4()), notice())
    answer = hall.send("kiosk-1", "GET", f"/v1/cases/{ack.case_number}")
    assert answer.status_code == 200
    case = answer.json()["case"]
    assert (case["state"], case["matter_code"], case["promised_on"]) == ("notice_given", HOME, None)
    assert [(s["state"], s["actor"], s["window"]) for s in case["history"]] == [("notice_given", "S1002", 2)]
    assert Translator("zh_CN")("ui_case.state.notice_given") == "补正告知"


def test_a_pre_application_is_reviewed_by_a_clerk_and_then_accepted(hall):
    """GIVEN a 自助申报 from a kiosk WHEN a logged-in clerk opens its code (a kiosk may not, nor a window
    nobody is logged in at) and accepts it with an application that refers to it THEN the clerk sees the matter, version and form data, the same case number moves from
    待受理 to 已受理 with both steps in its history, and a second acceptance is a conflict."""
    slip = sync(hall, "kiosk-1").post_record(RecordKind.PRE_APPLICATION, str(uuid.uuid4()), pre_application())
    assert classify(f"HALL:R:{slip.case_number}").kind is CodeKind.RECEIPT
    assert hall.send("kiosk-1", "GET", f"/v1/applications/pre/{slip.case_number}").status_code == 403
    assert hall.send("window-1", "GET", f"/v1/applications/pre/{slip.case_number}").json()["error"]["reason"] \
        == "not_logged_in"
    review = hall.send("window-1", "GET", f"/v1/applications/pre/{slip.case_number}", session=login(hall, 1)).json()
    assert (review["matter_code"], review["version"], review["current_version"]) == (COMPANY, CURRENT[COMPANY], CURRENT[COMPANY])
    assert review["form"] == FORM and review["case"]["state"] == "pre_application_waiting"
    clerk = sync(hall, "window-1")
    accepted = clerk.post_record(RecordKind.APPLICATION, str(uuid.uuid4()),
                                 application(form=review["form"], pre_application=slip.case_number))
    assert accepted.case_number == slip.case_number
    case = AppointmentsClient(hall.client("kiosk-1")).case(slip.case_number)
    assert case.state is CaseState.ACCEPTED and case.promised_on == date(2026, 11, 24)
    assert [(s.state, s.actor) for s in case.history] == [(CaseState.PRE_APPLICATION_WAITING, "kiosk-1"),
                                                          (CaseState.ACCEPTED, "S1001")]
    with pytest.raises(PlatformConflict) as twice:
        clerk.post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application(pre_application=slip.case_number))
    assert twice.value.reason == "wrong_state"


def test_a_slip_opens_its_pre_application_by_the_kiosks_record_id_once_synced(hall):
    """GIVEN the code a kiosk prints on a 自助申报 slip (``HALL:P:<record id>``, printed before the platform
    answered a number) WHEN a clerk opens it THEN it names the same case as its number; a record id the
    platform has not received yet is "not found", and a malformed code never leaves the terminal."""
    record_id = str(uuid.uuid4())
    code = classify(pre_application_payload(record_id))
    assert code.kind is CodeKind.PRE_APPLICATION and code.fields["record_id"] == record_id
    client = hall.client("window-1")
    session, cases = client.login(1, "S1001", STAFF_PIN), CasesClient(client)
    with pytest.raises(PlatformRejected) as early:
        cases.pre_application(session, record_id)
    assert early.value.reason == "not_found"
    slip = sync(hall, "kiosk-1").post_record(RecordKind.PRE_APPLICATION, record_id, pre_application())
    by_id = cases.pre_application(session, code.fields["record_id"])
    assert by_id.case.tracking == slip.case_number and by_id.form == FORM
    for bad in ("HALL:P:../../v1/cases", record_id.upper(), record_id + "0"):
        assert classify(f"HALL:P:{bad}").kind is CodeKind.UNKNOWN
    with pytest.raises(PlatformRejected) as bad:
        cases.pre_application(session, "../x")
    assert bad.value.reason == "invalid_request"


def test_a_clerk_withdraws_a_case_and_the_step_is_audited(hall):
    """GIVEN an accepted case WHEN a logged-in clerk withdraws it with a reason THEN it is 已撤回, the step
    names the clerk, the window and (for clerks only) the reason; withdrawing again is a wrong state and a
    terminal without a clerk session may not withdraw at all."""
    number = sync(hall, "window-1").post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application()).case_number
    path = f"/v1/cases/{number}/withdraw"
    assert hall.send("window-3", "POST", path, body={"reason": "申请人要求撤回"}).json()["error"]["reason"] \
        == "not_logged_in"
    assert hall.send("kiosk-1", "POST", path, body={"reason": "x"}).status_code == 403
    token = login(hall, 3)
    done = hall.send("window-3", "POST", path, body={"reason": "申请人要求撤回"}, session=token)
    assert done.status_code == 200
    step = done.json()["case"]["history"][-1]
    assert (step["state"], step["actor"], step["window"], step["note"]) == ("withdrawn", "S1003", 3, "申请人要求撤回")
    public = hall.send("kiosk-1", "GET", f"/v1/cases/{number}").json()["case"]
    assert public["state"] == "withdrawn" and public["history"][-1]["note"] is None
    again = hall.send("window-3", "POST", path, body={"reason": "again"}, session=token)
    assert (again.status_code, again.json()["error"]["reason"]) == (409, "wrong_state")


def test_a_withdrawal_reason_is_sealed_at_rest_and_survives_a_key_rotation(hall):
    """GIVEN a case withdrawn with a reason that names the applicant THEN the database holds the reason only
    sealed, and after the hall's key is rotated a clerk still reads it."""
    number = sync(hall, "window-1").post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application()).case_number
    token = login(hall, 1)
    hall.send("window-1", "POST", f"/v1/cases/{number}/withdraw", body={"reason": "李䶮本人要求撤回"}, session=token)
    stored = hall.store._con().execute("SELECT note FROM case_history WHERE state = 'withdrawn'").fetchone()[0]
    assert "李䶮".encode() not in bytes(stored)
    hall.store.rotate_key()
    case = hall.send("window-1", "GET", f"/v1/cases/{number}").json()["case"]
    assert case["history"][-1]["note"] == "李䶮本人要求撤回"
    assert case["history"][0]["note"] == ""


def test_case_numbers_are_unique_under_concurrent_terminals(hall):
    """GIVEN ten clerk windows and two kiosks sending at the same moment THEN every record gets its own
    case number, numbered 1…n for the day without a gap."""
    terminals = [f"window-{n}" for n in range(1, 11)] + ["kiosk-1", "kiosk-2"]
    barrier = threading.Barrier(len(terminals))
    numbers, errors = [], []

    def send(terminal: str) -> None:
        client = SyncClient(hall.url, terminal, hall.secret(terminal))
        try:
            barrier.wait(5)
            for _ in range(3):
                if terminal.startswith("kiosk"):
                    ack = client.post_record(RecordKind.PRE_APPLICATION, str(uuid.uuid4()), pre_application())
                else:
                    n = int(terminal.split("-")[1])
                    ack = client.post_record(RecordKind.NOTICE, str(uuid.uuid4()),
                                             notice(window=n, clerk=f"S{1000 + n}"))
                numbers.append(ack.case_number)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=send, args=(t,), name=f"case-race-{t}") for t in terminals]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(numbers) == len(set(numbers)) == 36
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 37))


@pytest.mark.parametrize("reference, promised", [(True, date(2026, 10, 10)), (False, date(2026, 10, 5))])
def test_the_promise_is_counted_on_the_hall_calendar(fresh_hall, reference, promised):  # noqa: F811
    """GIVEN a three-day matter accepted on 30 September 2026, the eve of the National Day holiday
    WHEN the hall's calendar is loaded THEN the holiday week is skipped and the worked Saturday counts
    (due 10 October); a hall seeded before cases (no calendar, no region) counts weekends alone (due
    5 October) and takes its case numbers' region from the hall id (3201-0042 → 320100)."""
    load_matters(fresh_hall.store, sample_hall())
    if reference:
        load_case_reference(fresh_hall.store, sample_hall())
    eve = datetime(2026, 9, 30, 10, 0, tzinfo=MONDAY_10AM.tzinfo)
    fresh_hall.clock.set(eve)
    materials = [{"id": f"m{i}", "pages": 1} for i in range(1, 7)]
    ack = sync(fresh_hall, "window-1").post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application(
        matter_code=HOME, version=CURRENT[HOME], form=HOME_FORM, deficiencies=[], materials=materials,
        accepted_at=eve.isoformat()))
    assert ack.case_number == "32010020260930000001"
    case = AppointmentsClient(fresh_hall.client("kiosk-1")).case(ack.case_number)
    assert (case.accepted_on, case.promised_on) == (date(2026, 9, 30), promised)


def test_the_kiosk_tracks_a_case_from_the_receipt_qr(hall):
    """GIVEN an accepted application WHEN its receipt's QR (HALL:R:<number>) is scanned at a kiosk THEN the
    code is a receipt and the kiosk's client opens the case by the tracking number it carries."""
    number = sync(hall, "window-1").post_record(RecordKind.APPLICATION, str(uuid.uuid4()), application()).case_number
    code = classify(f"HALL:R:{number}")
    assert code.kind is CodeKind.RECEIPT and code.fields["region"] == "320100"
    case = AppointmentsClient(hall.client("kiosk-2")).case(code.fields["tracking"])
    assert case.tracking == number and case.matter_name.startswith("企业开办")


def test_a_hall_seeded_before_cases_gets_its_calendar_from_the_seed_at_the_next_start(tmp_path):
    """GIVEN a hall database seeded before cases existed (no calendar) WHEN the server starts with the seed
    file THEN the calendar and region are taken from it, and the hall itself is left as it was."""
    db = tmp_path / "hall.db"
    old = HallStore(db)
    old.load_hall(sample_hall())
    assert not has_case_reference(old)
    old.close()
    with ServerThread(db, seed=sample_hall(), thread_name="hall-server-reseed") as server:
        assert has_case_reference(server.store)
        assert server.store.hall_info().name == sample_hall()["hall"]["name"]
