"""Ratings (好差评) on the hall server (hall_server/ratings.py, rating_records.py, rating_reviews.py,
rating_stats.py, api/ratings.py): a ``rating`` record a terminal's outbox syncs is kept once per case (or
ticket) per channel, a 差评 opens a follow-up that staff move to closed, an upheld appeal takes a rating out
of the statistics. Against the real hall server on loopback, every request signed, its clock on a Monday at
10:00 in the hall's time zone (tests/server_fixtures.py)."""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import timedelta

import pytest
from hall_databases import every_value
from server_fixtures import COMPANY, COMPANY_FORM, MONDAY_10AM, STAFF_PIN, catalogue_matter, fresh_hall  # noqa: F401
from server_fixtures import with_catalogue

from core.domain.rating import Rating, RatingChannel, RatingLevel
from core.errors import PlatformConflict, PlatformRejected
from core.ports.outbox import RecordKind
from hall_server import cases, sample_hall
from hall_server.rating_records import load_rating_reference
from hall_server.ratings import applicant_hash, set_supervisor
from kiosk.cli import main as kiosk_main
from platform_client.sync import SyncClient

NOW = MONDAY_10AM.isoformat()
DEPARTMENT = "市场监督管理局"
WORDS = "等了两个小时😡，窗口说材料不全 𠮷䶮"


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    """The fresh hall with the sample catalogue, calendar, region and rating reference; S1010 (window 10) is a
    supervisor."""
    set_supervisor(fresh_hall.store, "S1010", True)
    return with_catalogue(fresh_hall)


def sync(hall, terminal: str) -> SyncClient:
    client = SyncClient(hall.url, terminal, hall.secret(terminal))
    hall._clients.append(client)
    return client


def open_case(hall) -> str:
    """A case accepted at window 1 by S1001 (the company-registration matter), as its record opens it."""
    version = catalogue_matter(hall).version
    content = {"matter_code": COMPANY, "version": version, "form": COMPANY_FORM,
               "materials": [{"id": "m1", "pages": 2}, {"id": "m2", "pages": 5}, {"id": "m3", "pages": 1}],
               "deficiencies": ["m4"], "window": 1, "clerk": "S1001", "accepted_at": NOW}
    ack = sync(hall, "window-1").post_record(RecordKind.APPLICATION, str(uuid.uuid4()),
                                             {"content": content, "attachments": []})
    return ack.case_number


def pad_rating(hall, case_number: str, level: int = 5, **changes) -> dict:
    """The record a window pad sends when the citizen rates the case at window 1."""
    rating = Rating(channel=RatingChannel.WINDOW_PAD, level=RatingLevel(level), rated_at=NOW, department=DEPARTMENT,
                    case_number=case_number, matter_code=COMPANY, matter_version=catalogue_matter(hall).version,
                    service="E", window=1, clerks=("S1001",),
                    reasons=("long_wait",) if level <= 2 else (), text=WORDS if level <= 2 else "")
    return {"content": {**rating.content(), **changes}, "attachments": []}


def kiosk_rating(level: int = 4, **changes) -> dict:
    """A ticket-only service rated at a kiosk (no case: the ticket number instead)."""
    content = Rating(channel=RatingChannel.KIOSK, level=RatingLevel(level), rated_at=NOW, department="政务服务中心",
                     ticket_number="A012", service="A").content()
    return {"content": {**content, **changes}, "attachments": []}


def login(hall, window: int) -> str:
    return hall.send(f"window-{window}", "POST", "/v1/clerk/login", body={
        "window": window, "staff_id": f"S{1000 + window}", "pin": STAFF_PIN}).json()["token"]


def as_clerk(hall, window: int, method: str, path: str, body: dict | None = None):
    return hall.send(f"window-{window}", method, path, body=body, session=login(hall, window))


def rating_count(hall) -> int:
    return hall.store._con().execute("SELECT COUNT(*) FROM ratings").fetchone()[0]


def test_a_rating_is_kept_once_and_a_resend_gets_the_same_answer(hall):
    """GIVEN a case accepted at window 1 WHEN the window pad's rating of it is sent twice with one record id
    THEN the platform keeps one rating and answers both alike (the second as a duplicate); a good rating
    opens no follow-up."""
    case = open_case(hall)
    pad, rid = sync(hall, "window-1"), str(uuid.uuid4())
    first = pad.post_record(RecordKind.RATING, rid, pad_rating(hall, case))
    again = pad.post_record(RecordKind.RATING, rid, pad_rating(hall, case))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.content_hash == again.content_hash
    answers = [hall.send("window-1", "POST", f"/v1/sync/records/{rid}",
                         body={"kind": "rating", "record": pad_rating(hall, case)}).json()["rating"] for _ in range(2)]
    assert answers[0] == answers[1] and answers[0]["follow_up"] is None
    assert rating_count(hall) == 1


def test_one_rating_per_case_per_channel_and_another_channel_is_fine(hall):
    """GIVEN a case rated at the window pad WHEN a second record rates it on the pad again THEN it is refused
    for good (409 rating_exists, a message in both languages); WHEN the citizen rates it at a kiosk THEN that
    is kept. A ticket-only service is rated once per ticket per channel the same way."""
    case = open_case(hall)
    sync(hall, "window-1").post_record(RecordKind.RATING, str(uuid.uuid4()), pad_rating(hall, case, 5))
    with pytest.raises(PlatformConflict) as twice:
        sync(hall, "window-1").post_record(RecordKind.RATING, str(uuid.uuid4()), pad_rating(hall, case, 1))
    assert (twice.value.status, twice.value.reason) == (409, "rating_exists")
    assert "评价" in twice.value.message("citizen", "zh_CN") and "rated" in twice.value.message("clerk", "en")
    kiosk = sync(hall, "kiosk-1")
    kiosk.post_record(RecordKind.RATING, str(uuid.uuid4()), kiosk_rating(3, case_number=case, ticket_number=None))
    kiosk.post_record(RecordKind.RATING, str(uuid.uuid4()), kiosk_rating(4))
    with pytest.raises(PlatformConflict):
        sync(hall, "kiosk-2").post_record(RecordKind.RATING, str(uuid.uuid4()), kiosk_rating(2, reasons=["other"]))
    assert rating_count(hall) == 3


def test_a_poor_rating_opens_a_follow_up_that_staff_move_to_closed(hall):
    """GIVEN a 差评 (level 2, a reason, the citizen's words with an emoji and rare characters) THEN its answer
    names a follow-up in verify, due 15 working days later on the hall's calendar; WHEN a clerk of another
    window moves it through correct and call_back to closed, with notes THEN each step is kept with who and
    the note (sealed at rest); a step skipped, the rated clerk's own move and a move past closed are refused."""
    case = open_case(hall)
    ack = hall.send("window-1", "POST", f"/v1/sync/records/{uuid.uuid4()}",
                    body={"kind": "rating", "record": pad_rating(hall, case, 2)}).json()
    follow_up = ack["rating"]["follow_up"]
    due = cases.calendar(hall.store._con()).due_date(MONDAY_10AM.date(), 15)
    assert (follow_up["state"], follow_up["due_on"]) == ("verify", due.isoformat())
    path = f"/v1/ratings/follow-ups/{follow_up['id']}/move"
    skipped = as_clerk(hall, 2, "POST", path, {"to": "call_back", "note": "回访"})
    own = as_clerk(hall, 1, "POST", path, {"to": "correct", "note": "我已整改"})
    assert (skipped.status_code, skipped.json()["error"]["reason"]) == (409, "wrong_state")
    assert (own.status_code, own.json()["error"]["reason"]) == (403, "not_permitted")
    for to, note in (("correct", "核实属实：材料清单已更新"), ("call_back", "已电话回访申请人"), ("closed", "申请人表示认可")):
        moved = as_clerk(hall, 2, "POST", path, {"to": to, "note": note})
        assert moved.status_code == 200, moved.text
    closed = moved.json()["follow_up"]
    assert closed["state"] == "closed" and closed["owner"] == "S1002" and not closed["overdue"]
    assert [(s["state"], s["actor"]) for s in closed["steps"]] == [
        ("verify", "platform"), ("correct", "S1002"), ("call_back", "S1002"), ("closed", "S1002")]
    assert closed["steps"][3]["note"] == "申请人表示认可" and closed["rating"]["text"] == WORDS
    past = as_clerk(hall, 2, "POST", path, {"to": "closed", "note": "again"})
    assert past.status_code == 409
    dump = every_value(hall.store.db_path)
    assert "申请人表示认可" not in dump and "等了两个小时" not in dump


def test_an_overdue_follow_up_is_listed(hall, capsys):
    """GIVEN a hall that gives a follow-up 1 working day, and a 差评 on Monday whose follow-up nobody moved
    WHEN the hall's day passes Tuesday THEN it is listed as overdue to a clerk of another window and to the
    admin command (on the machine's own clock, later still), and not to the clerk it evaluates."""
    load_rating_reference(hall.store, {"rating": {**sample_hall()["rating"], "follow_up_days": 1}})
    case = open_case(hall)
    sync(hall, "window-1").post_record(RecordKind.RATING, str(uuid.uuid4()), pad_rating(hall, case, 1))
    hall.clock.advance(days=1)
    assert as_clerk(hall, 2, "GET", "/v1/ratings/follow-ups?overdue=true").json()["follow_ups"] == []
    hall.clock.advance(days=1)
    listed = as_clerk(hall, 2, "GET", "/v1/ratings/follow-ups?overdue=true").json()["follow_ups"]
    assert [(f["state"], f["overdue"], f["rating"]["case_number"]) for f in listed] == [("verify", True, case)]
    assert listed[0]["rating"]["text"] == WORDS and listed[0]["due_on"] == "2026-11-24"
    assert as_clerk(hall, 1, "GET", "/v1/ratings/follow-ups?open=true").json()["follow_ups"] == []
    assert kiosk_main(["hall-admin", "--db", hall.store.db_path, "followups", "--overdue"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.endswith("OVERDUE") and case in line and "\tverify\t" in line


def test_an_upheld_appeal_excludes_the_rating_from_the_statistics(hall):
    """GIVEN two ratings of S1001 at window 1, 非常满意 and 非常不满意 WHEN S1001 appeals the poor one and a
    supervisor upholds it THEN the statistics count only the good one (rate 100 %, one excluded), the
    rating is kept and flagged, and its follow-up is closed. The appellant cannot decide, nor can a clerk
    who is not a supervisor, nor may a rating be appealed twice."""
    pad = sync(hall, "window-1")
    pad.post_record(RecordKind.RATING, str(uuid.uuid4()), pad_rating(hall, open_case(hall), 5))
    poor = hall.send("window-1", "POST", f"/v1/sync/records/{uuid.uuid4()}",
                     body={"kind": "rating", "record": pad_rating(hall, open_case(hall), 1)}).json()["rating"]
    filed = as_clerk(hall, 1, "POST", f"/v1/ratings/{poor['id']}/appeal", {"reason": "申请人对收费政策不满，非窗口服务问题"})
    assert filed.status_code == 200 and filed.json()["appeal"]["state"] == "pending"
    assert as_clerk(hall, 1, "POST", f"/v1/ratings/{poor['id']}/appeal", {"reason": "again"}).status_code == 409
    assert as_clerk(hall, 2, "POST", f"/v1/ratings/{poor['id']}/appeal", {"reason": "x"}).status_code == 403
    decide = f"/v1/ratings/appeals/{filed.json()['appeal']['id']}/decide"
    assert as_clerk(hall, 2, "POST", decide, {"uphold": True, "note": "ok"}).status_code == 403
    before = as_clerk(hall, 10, "GET", "/v1/ratings/stats").json()
    assert (before["total"], before["satisfaction_rate"], before["excluded"]) == (2, 0.5, 0)
    upheld = as_clerk(hall, 10, "POST", decide, {"uphold": True, "note": "经复核，差评与窗口服务无关"})
    assert upheld.json()["appeal"]["state"] == "upheld" and upheld.json()["appeal"]["decided_by"] == "S1010"
    after = as_clerk(hall, 10, "GET", "/v1/ratings/stats").json()
    assert (after["total"], after["satisfaction_rate"], after["excluded"]) == (1, 1.0, 1)
    window = next(line for line in after["by"]["window"] if line["key"] == 1)
    assert window["counts"] == {"5": 1, "4": 0, "3": 0, "2": 0, "1": 0}
    assert [line["key"] for line in after["by"]["clerk"]] == ["S1001"]
    mine = as_clerk(hall, 1, "GET", "/v1/ratings/mine").json()["ratings"]
    assert sorted((r["level"], r["excluded"], r["appeal"] and r["appeal"]["state"]) for r in mine) == [
        (1, True, "upheld"), (5, False, None)]
    follow_up = hall.store._con().execute("SELECT state FROM follow_ups WHERE rating_id = ?", (poor["id"],)).fetchone()
    assert follow_up[0] == "closed"
    assert as_clerk(hall, 2, "GET", "/v1/ratings/stats").status_code == 403


BAD = [
    ("level 0", {"level": 0}, 400, "invalid_request", "level"),
    ("level 6", {"level": 6}, 400, "invalid_request", "level"),
    ("level as text", {"level": "5"}, 400, "invalid_request", "level"),
    ("unknown reason", {"level": 2, "reasons": ["rude_robot"]}, 422, "rating_reason_unknown", "reasons[0]"),
    ("poor without reason", {"level": 1, "reasons": []}, 400, "invalid_request", "reasons"),
    ("good with reason", {"level": 5, "reasons": ["other"]}, 400, "invalid_request", "reasons"),
    ("text too long", {"level": 2, "reasons": ["other"], "text": "长" * 201}, 400, "invalid_request", "text"),
    ("control character", {"level": 2, "reasons": ["other"], "text": "好\x07"}, 400, "invalid_request", "U+0007"),
    ("escape sequence", {"level": 2, "reasons": ["other"], "text": "\x1b[2J"}, 400, "invalid_request", "text"),
    ("bidi override", {"level": 2, "reasons": ["other"], "text": "好\u202e评差"}, 400, "invalid_request", "U+202E"),
    ("unknown field", {"applicant_name": "李䶮"}, 400, "invalid_request", "applicant_name"),
    ("web channel", {"channel": "web"}, 403, "forbidden_role", "web"),
    ("kiosk channel from a window", {"channel": "kiosk"}, 403, "forbidden_role", "citizen"),
    ("no case, no ticket", {"case_number": None}, 400, "invalid_request", "case_number"),
    ("unknown case", {"case_number": "32010020261123999999"}, 400, "invalid_request", "case_number"),
    ("unknown clerk", {"clerks": ["S9999"]}, 400, "invalid_request", "clerks[0]"),
    ("no clerk at a pad", {"clerks": []}, 400, "invalid_request", "clerks"),
    ("clerk of another window", {"clerks": ["S1004"]}, 400, "invalid_request", "window 1"),
    ("unknown matter", {"matter_code": "320100-XK-9999"}, 422, "matter_unknown", "320100-XK-9999"),
    ("in the future", {"rated_at": (MONDAY_10AM + timedelta(hours=1)).isoformat()}, 400, "invalid_request", "future"),
    ("no offset", {"rated_at": "2026-11-23T10:00:00"}, 400, "invalid_request", "offset"),
]


@pytest.mark.parametrize("label, changes, status, reason, named", BAD, ids=[b[0] for b in BAD])
def test_malformed_and_hostile_ratings_are_refused_with_their_reason(hall, label, changes, status, reason, named):
    """GIVEN a window pad's rating with one field wrong ({label}) THEN it is refused with its status, reason
    and the field named, and nothing is kept."""
    case = open_case(hall)
    record = pad_rating(hall, case, 5)
    record["content"] = {k: v for k, v in {**record["content"], **changes}.items() if v is not None}
    answer = hall.send("window-1", "POST", f"/v1/sync/records/{uuid.uuid4()}", body={"kind": "rating", "record": record})
    error = answer.json()["error"]
    assert (answer.status_code, error["reason"]) == (status, reason), answer.text
    assert named in error["message"]
    assert rating_count(hall) == 0


def test_emoji_rare_characters_and_a_reason_list_survive_the_round_trip(hall):
    """GIVEN the hall's reason list served as reference data WHEN a kiosk's 差评 carries words with an emoji
    joined by ZWJ and rare characters THEN they are kept exactly, and the reference has its ETag."""
    reference = hall.send("kiosk-1", "GET", "/v1/sync/reference/rating")
    codes = [r["code"] for r in reference.json()["reasons"]]
    assert "long_wait" in codes and reference.json()["follow_up_days"] == 15
    assert hall.send("kiosk-1", "GET", "/v1/sync/reference/rating",
                     headers={"If-None-Match": reference.headers["ETag"]}).status_code == 304
    words = "👩‍👩‍👧 排队太久 𠮷䶮"
    sync(hall, "kiosk-1").post_record(RecordKind.RATING, str(uuid.uuid4()),
                                      kiosk_rating(1, reasons=["long_wait", "other"], text=words))
    listed = as_clerk(hall, 2, "GET", "/v1/ratings/follow-ups").json()["follow_ups"]
    assert listed[0]["rating"]["text"] == words and listed[0]["rating"]["reasons"] == ["long_wait", "other"]


def test_the_applicant_reference_is_kept_only_as_a_keyed_hash(hall, capsys):
    """GIVEN a rating whose terminal sent an applicant reference THEN the database holds neither it nor the
    stored record with it, only the hall's keyed hash, and the export carries that hash."""
    reference = "11010519491231002X"
    rid = str(uuid.uuid4())
    sync(hall, "kiosk-1").post_record(RecordKind.RATING, rid, kiosk_rating(5, applicant_ref=reference))
    dump = every_value(hall.store.db_path)
    assert reference not in dump
    assert "applicant_ref" not in hall.store.stored_record("kiosk-1", rid)["content"]
    assert kiosk_main(["hall-admin", "--db", hall.store.db_path, "ratings", "export"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["ratings"][0]["applicant_hash"] == applicant_hash(hall.store, reference)
    assert reference not in json.dumps(exported)


def test_the_admin_commands_print_statistics_and_the_export(hall, capsys):
    """GIVEN ratings at window 1 (5 and 2) and a kiosk's (4) WHEN an administrator runs ``kiosk hall-admin
    ratings`` THEN it prints counts per level and the satisfaction rate per window, service and clerk; with
    --json the same as data; ``ratings export`` writes the national field set; a day range backwards or a
    date that is not one exits 2."""
    pad = sync(hall, "window-1")
    pad.post_record(RecordKind.RATING, str(uuid.uuid4()), pad_rating(hall, open_case(hall), 5))
    pad.post_record(RecordKind.RATING, str(uuid.uuid4()), pad_rating(hall, open_case(hall), 2))
    sync(hall, "kiosk-1").post_record(RecordKind.RATING, str(uuid.uuid4()), kiosk_rating(4))
    db = hall.store.db_path
    assert kiosk_main(["hall-admin", "--db", db, "ratings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "all\t5:1 4:1 3:0 2:1 1:0\ttotal 3\tsatisfied 66.7%"
    assert "window 1\t5:1 4:0 3:0 2:1 1:0\ttotal 2\tsatisfied 50.0%" in lines
    assert any(line.startswith("clerk S1001 王晓雯\t") for line in lines)
    assert any(line.startswith("service A 综合受理\t5:0 4:1") for line in lines)
    assert kiosk_main(["hall-admin", "--db", db, "ratings", "--json", "--from", "2026-11-23", "--to", "2026-11-23"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 3 and [d["key"] for d in data["by"]["day"]] == ["2026-11-23"]
    assert kiosk_main(["hall-admin", "--db", db, "ratings", "--json", "--from", "2026-11-24"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 0
    assert kiosk_main(["hall-admin", "--db", db, "ratings", "export"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["format"] == "hall-evaluation/1" and exported["hall"]["region"] == "320100"
    poor = next(r for r in exported["ratings"] if r["level"] == 2)
    assert {k: poor[k] for k in ("channel", "department", "window", "clerks", "level_name", "matter_code")} == {
        "channel": "window_pad", "department": DEPARTMENT, "window": 1, "clerks": ["S1001"], "level_name": "不满意",
        "matter_code": COMPANY}
    assert poor["reasons"] == [{"code": "long_wait", "label": "等候时间长"}]
    assert poor["follow_up"]["state"] == "verify" and poor["case_number"] and poor["rated_at"].startswith("2026-11-23")
    assert kiosk_main(["hall-admin", "--db", db, "ratings", "--from", "2026-11-24", "--to", "2026-11-23"]) == 2
    with pytest.raises(SystemExit) as bad_date:
        kiosk_main(["hall-admin", "--db", db, "ratings", "--from", "yesterday"])
    assert bad_date.value.code == 2
    assert kiosk_main(["hall-admin", "--db", db, "followups", "--open", "--json"]) == 0
    assert [f["rating"]["level"] for f in json.loads(capsys.readouterr().out)] == [2]


def test_a_supervisor_is_flagged_by_the_admin_command(hall):
    """GIVEN S1002, a clerk WHEN ``add-staff S1002 … --supervisor`` runs THEN S1002 reads the statistics;
    with --no-supervisor no longer."""
    db = hall.store.db_path
    assert as_clerk(hall, 2, "GET", "/v1/ratings/stats").status_code == 403
    args = ["hall-admin", "--db", db, "add-staff", "S1002", "--name", "刘建国", "--pin", STAFF_PIN, "--windows", "2"]
    assert kiosk_main([*args, "--supervisor"]) == 0
    assert as_clerk(hall, 2, "GET", "/v1/ratings/stats").status_code == 200
    assert kiosk_main([*args, "--no-supervisor"]) == 0
    assert as_clerk(hall, 2, "GET", "/v1/ratings/stats").status_code == 403


def test_a_rejected_or_unknown_subject_refusal_reaches_the_terminal_as_a_rejection(hall):
    """GIVEN a kiosk rating whose reason the hall's list lacks THEN the terminal's client raises a
    rejection (retrying will not help) with a message for every audience in both languages."""
    with pytest.raises(PlatformRejected) as refused:
        sync(hall, "kiosk-1").post_record(RecordKind.RATING, str(uuid.uuid4()), kiosk_rating(1, reasons=["gone"]))
    assert (refused.value.status, refused.value.reason) == (422, "rating_reason_unknown")
    for audience in ("citizen", "clerk", "technician"):
        assert refused.value.message(audience, "zh_CN") and refused.value.message(audience, "en")
    assert "原因" in refused.value.message("citizen", "zh_CN")


def test_two_ratings_of_one_case_sent_at_once_keep_one(hall):
    """GIVEN two window pads' records rating one case on one channel WHEN they arrive at the same moment THEN
    exactly one is kept and the other is refused rating_exists: the database decides, not the timing."""
    case = open_case(hall)
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def send(level: int) -> None:
        record = pad_rating(hall, case, level)
        barrier.wait(timeout=5)
        answers.append(hall.send("window-1", "POST", f"/v1/sync/records/{uuid.uuid4()}",
                                 body={"kind": "rating", "record": record}).status_code)

    threads = [threading.Thread(target=send, args=(level,)) for level in (5, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=15)
    assert sorted(answers) == [201, 409]
    assert rating_count(hall) == 1


@pytest.mark.parametrize("section, named", [
    ({"reasons": [{"code": "Long Wait", "label": "等候时间长"}]}, "rating.reasons[0].code"),
    ({"reasons": [{"code": "x", "label": "甲"}, {"code": "x", "label": "乙"}]}, "rating.reasons[1].code"),
    ({"reasons": [{"code": "x", "label": ""}]}, "rating.reasons[0].label"),
    ({"follow_up_days": 0}, "rating.follow_up_days"),
    ({"follow_up_days": True}, "rating.follow_up_days"),
    ({"levels": [{"value": 5, "label": "好"}, 3]}, "rating.levels"),
    ([], "rating:"),
])
def test_a_hall_file_with_a_bad_rating_section_is_refused_and_nothing_replaced(hall, section, named):
    """GIVEN the sample hall's rating reference WHEN a hall file with a bad ``rating`` section is loaded THEN it
    is refused naming the place, and the reference served stays the one before."""
    before = hall.send("kiosk-1", "GET", "/v1/sync/reference/rating").json()
    with pytest.raises(ValueError, match=re.escape(named)):
        load_rating_reference(hall.store, {"rating": section})
    assert hall.send("kiosk-1", "GET", "/v1/sync/reference/rating").json() == before


def test_sealed_words_notes_and_appeals_survive_a_key_rotation(hall):
    """GIVEN a 差评 with the citizen's words, a follow-up note and an appeal WHEN the database's key is rotated
    THEN every one of them still reads back as written."""
    case = open_case(hall)
    poor = hall.send("window-1", "POST", f"/v1/sync/records/{uuid.uuid4()}",
                     body={"kind": "rating", "record": pad_rating(hall, case, 2)}).json()["rating"]
    path = f"/v1/ratings/follow-ups/{poor['follow_up']['id']}/move"
    assert as_clerk(hall, 2, "POST", path, {"to": "correct", "note": "核实：𠮷"}).status_code == 200
    assert as_clerk(hall, 1, "POST", f"/v1/ratings/{poor['id']}/appeal", {"reason": "误评䶮"}).status_code == 200
    hall.store.rotate_key()
    follow_up = as_clerk(hall, 2, "GET", "/v1/ratings/follow-ups").json()["follow_ups"][0]
    assert follow_up["rating"]["text"] == WORDS and follow_up["steps"][1]["note"] == "核实：𠮷"
    assert as_clerk(hall, 10, "GET", "/v1/ratings/appeals?pending=true").json()["appeals"][0]["reason"] == "误评䶮"


def test_load_hall_loads_the_rating_reference_and_refuses_a_bad_one(hall, tmp_path, capsys):
    """GIVEN a hall file whose reason list is changed WHEN ``hall-admin load-hall`` loads it THEN terminals are
    served the new list; GIVEN one with a bad reason code THEN it exits 1 naming it and changes nothing."""
    data = sample_hall()
    data["rating"]["reasons"] = [{"code": "queue", "label": "排队时间长"}]
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    data["rating"]["reasons"] = [{"code": "Queue!", "label": "排队"}]
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert kiosk_main(["hall-admin", "--db", hall.store.db_path, "load-hall", str(good)]) == 0
    assert "the rating reasons" in capsys.readouterr().out
    assert hall.send("kiosk-1", "GET", "/v1/sync/reference/rating").json()["reasons"] == [
        {"code": "queue", "label": "排队时间长", "label_en": ""}]
    assert kiosk_main(["hall-admin", "--db", hall.store.db_path, "load-hall", str(bad)]) == 1
    assert "rating.reasons[0].code" in capsys.readouterr().err
    assert [r["code"] for r in hall.send("kiosk-1", "GET", "/v1/sync/reference/rating").json()["reasons"]] == ["queue"]


def test_a_clerk_sees_only_the_ratings_that_name_them_exactly(hall):
    """GIVEN clerks S_01 and SX01 at window 1 (an underscore matches any character in SQL's LIKE) and a rating
    of SX01's service WHEN S_01 lists the ratings that evaluate them THEN that rating is not among them; once a
    rating names S_01 it is the only one listed, and SX01 still sees only their own."""
    for staff_id in ("S_01", "SX01"):
        hall.store.add_staff(staff_id, "李䶮", STAFF_PIN, [1])

    def mine(staff_id: str) -> list[str]:
        token = hall.send("window-1", "POST", "/v1/clerk/login", body={
            "window": 1, "staff_id": staff_id, "pin": STAFF_PIN}).json()["token"]
        answer = hall.send("window-1", "GET", "/v1/ratings/mine", session=token)
        assert answer.status_code == 200
        return [r["case_number"] for r in answer.json()["ratings"]]

    pad = sync(hall, "window-1")
    theirs, own = open_case(hall), open_case(hall)
    pad.post_record(RecordKind.RATING, str(uuid.uuid4()), pad_rating(hall, theirs, clerks=["SX01"]))
    assert mine("S_01") == []
    pad.post_record(RecordKind.RATING, str(uuid.uuid4()), pad_rating(hall, own, clerks=["S_01"]))
    assert mine("S_01") == [own]
    assert mine("SX01") == [theirs]
