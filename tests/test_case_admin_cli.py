"""``kiosk hall-admin --db DB cases show|advance``: back-office staff without a terminal move a case on after
acceptance and read it, as a process, on the hall's database (hall_server/case_admin.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from hall_server import HallStore, sample_hall
from hall_server.appointments import seed_samples
from hall_server.cases import load_case_reference


def hall_admin(db, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", "hall-admin", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=60)


def accepted_case(db) -> str:
    """The sample hall with its sample cases: the number of the one that is 已受理."""
    store = HallStore(db)
    try:
        store.load_hall(sample_hall())
        load_case_reference(store, sample_hall())
        return seed_samples(store)["cases"][2]
    finally:
        store.close()


def test_staff_move_a_case_from_review_to_collection_and_the_applicant_is_told(tmp_path):
    """GIVEN an accepted case WHEN staff advance it step by step from the command line THEN each step is
    printed with the staff id in its history, ``show --json`` gives the platform's JSON, and every step's
    text message is in the notices file beside the database."""
    db = tmp_path / "hall.db"
    number = accepted_case(db)
    steps = [("--to", "in_review"), ("--to", "approved"),
             ("--to", "ready_for_pickup", "--method", "locker", "--place", "大厅东侧智能柜"),
             ("--to", "picked_up", "--collected-by", "proxy")]
    for step in steps:
        done = hall_admin(db, "cases", "advance", number, *step, "--staff", "S0001")
        assert done.returncode == 0, done.stderr
        assert f"state: {step[1]}" in done.stdout
    shown = hall_admin(db, "cases", "show", number, "--json")
    case = json.loads(shown.stdout)
    assert case["state"] == "picked_up" and case["collected_by"] == "proxy"
    assert case["pickup"] == {"method": "locker", "window": None, "place": "大厅东侧智能柜"}
    assert [(s["state"], s["actor"]) for s in case["history"]] == [
        ("in_review", "S0001"), ("approved", "S0001"), ("ready_for_pickup", "S0001"), ("picked_up", "S0001")]
    text = hall_admin(db, "cases", "show", number).stdout
    assert "pickup: locker (大厅东侧智能柜)" in text and "collected by: proxy" in text
    sent = [json.loads(line) for line in (tmp_path / "hall.db.notices.jsonl").read_text("utf-8").splitlines()]
    assert [n["state"] for n in sent] == ["in_review", "approved", "ready_for_pickup", "picked_up"]
    assert "大厅东侧智能柜" in sent[2]["text"]


def test_a_move_the_case_does_not_allow_or_lacks_is_an_error_and_changes_nothing(tmp_path):
    """GIVEN an accepted case THEN approving it before review is a wrong state (exit 2); once under review, a
    refusal without a reason is refused (exit 2); a malformed number is refused (exit 1) and an unknown one
    is not found (exit 2). Only the one allowed move (the review) is in the history."""
    db = tmp_path / "hall.db"
    number = accepted_case(db)
    early = hall_admin(db, "cases", "advance", number, "--to", "approved", "--staff", "S0001")
    assert early.returncode == 2 and "wrong_state" not in early.stdout and "cannot move to approved" in early.stderr
    hall_admin(db, "cases", "advance", number, "--to", "in_review", "--staff", "S0001")
    no_reason = hall_admin(db, "cases", "advance", number, "--to", "refused", "--staff", "S0001")
    assert no_reason.returncode == 2 and "reason" in no_reason.stderr
    assert hall_admin(db, "cases", "show", "12345").returncode == 1
    unknown = hall_admin(db, "cases", "show", "32010020260101999999")
    assert unknown.returncode == 2 and "no case" in unknown.stderr
    case = json.loads(hall_admin(db, "cases", "show", number, "--json").stdout)
    assert case["state"] == "in_review" and [s["state"] for s in case["history"]] == ["in_review"]
