"""Result pickup on the hall server (hall_server/lockers.py, pickup_kiosk.py, api/pickup.py): the pickup
window deposits an approved case's result in a free compartment, the applicant gets the pickup code by
text message, and a kiosk beside the locker finds it by the ID card it has just read or by the code —
never anybody else's — and records the pickup only once the door was seen opened and then closed. Against
the real hall server on loopback, every request signed, its clock on a Monday at 10:00."""

from __future__ import annotations

import json

import pytest
from pickup_support import (APPLICANT_ID, LOCKERS, PROXY_ID, STRANGER_ID, approved, clerk_session, notices,
                            pickup_code, pickup_hall)
from server_fixtures import fresh_hall  # noqa: F401

from core.domain.appointments import CaseState, Collector, PickupMethod
from core.domain.pickup import DoorFault, Size
from core.errors import PlatformConflict, PlatformRejected
from hall_server import lockers, pickup_kiosk
from hall_server.__main__ import main as hall_admin
from hall_server.lockers import load_lockers
from platform_client.pickup import KioskPickupClient, WindowPickupClient


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    return pickup_hall(fresh_hall)


def window(hall):
    client, session = clerk_session(hall)
    return WindowPickupClient(client), session


def deposit(hall, number: str, size: Size = Size.SMALL):
    pickup, session = window(hall)
    spot = pickup.deposit(session, number, size)
    return spot, pickup.deposited(session, number)


def test_a_deposit_assigns_a_free_compartment_and_texts_a_code_without_naming_the_person(hall):
    """GIVEN an approved case WHEN the pickup window deposits it (a small compartment) and the door is seen
    closed THEN compartment 1 on board 1 lock 1 is assigned, the case waits in the locker named by the
    locker's name only, and the text message carries a six-digit code, no ID number and no name."""
    number = approved(hall)
    spot, case = deposit(hall, number)
    assert (spot.locker, spot.number, spot.board, spot.lock, spot.size) == ("A", 1, 1, 1, Size.SMALL)
    assert case.state is CaseState.READY_FOR_PICKUP
    assert (case.pickup.method, case.pickup.place) == (PickupMethod.LOCKER, "大厅东侧智能柜")
    assert [s.actor for s in case.history][-1] == "S1003"
    text = [n for n in notices(hall) if n["number"] == number][-1]["text"]
    code = pickup_code(hall, number)
    assert len(code) == 6 and "5 天内" in text
    assert APPLICANT_ID not in text and "李䶮" not in text
    stored = hall.store._con().execute("SELECT code_hash FROM locker_items WHERE tracking = ?", (number,)).fetchone()
    assert stored[0] != code and len(stored[0]) == 64


def test_compartments_are_not_shared_and_a_size_falls_back_to_a_larger_one(hall):
    """GIVEN two small, one medium and one large compartment WHEN five cases want small ones THEN they get
    1, 2, then the medium 3 and the large 4, and the fifth is refused locker_full."""
    numbers = [approved(hall) for _ in range(5)]
    pickup, session = window(hall)
    assigned = [pickup.deposit(session, n, Size.SMALL).number for n in numbers[:4]]
    assert assigned == [1, 2, 3, 4]
    with pytest.raises(PlatformConflict) as refused:
        pickup.deposit(session, numbers[4], Size.SMALL)
    assert refused.value.reason == "locker_full"
    assert pickup.deposit(session, numbers[0], Size.SMALL).number == 1  # asked again: the same compartment


def test_only_an_approved_case_goes_into_the_locker(hall):
    """GIVEN a case still in review WHEN the window tries to deposit it THEN wrong_state, nothing assigned."""
    from pickup_support import accept

    number = accept(hall)
    pickup, session = window(hall)
    with pytest.raises(PlatformConflict) as refused:
        pickup.deposit(session, number, Size.SMALL)
    assert refused.value.reason == "wrong_state"


def test_a_kiosk_finds_the_item_by_the_applicants_or_the_proxys_card_and_nobody_elses(hall):
    """GIVEN a case in the locker WHEN the kiosk asks with the applicant's card, the proxy's card, and a
    stranger's card THEN the first two find compartment 1 (as applicant, as proxy), the stranger nothing."""
    number = approved(hall)
    deposit(hall, number)
    kiosk = KioskPickupClient(hall.client("kiosk-1"))
    mine = kiosk.by_id_card(APPLICANT_ID)
    assert [(i.compartment.tracking, i.compartment.number, i.collector) for i in mine] == [(number, 1, "applicant")]
    assert [i.collector for i in kiosk.by_id_card(PROXY_ID)] == ["proxy"]
    assert kiosk.by_id_card(STRANGER_ID) == []


def test_a_kiosk_that_does_not_drive_the_locker_finds_nothing(hall):
    """GIVEN a case in the locker kiosk-1 drives WHEN kiosk-2 asks with the applicant's card THEN nothing."""
    number = approved(hall)
    deposit(hall, number)
    assert KioskPickupClient(hall.client("kiosk-2")).by_id_card(APPLICANT_ID) == []


def test_a_pickup_is_recorded_only_after_the_door_was_seen_opened_and_closed(hall):
    """GIVEN the applicant's item found at the kiosk WHEN the kiosk reports the door not confirmed THEN it is
    refused and the case stays in the locker; WHEN it reports it opened and closed THEN the case is picked
    up by the applicant, the compartment free again, and the grant spent."""
    number = approved(hall)
    deposit(hall, number)
    kiosk = KioskPickupClient(hall.client("kiosk-1"))
    item = kiosk.by_id_card(APPLICANT_ID)[0]
    refused = hall.send("kiosk-1", "POST", "/v1/locker/pickups/collected",
                        body={"grant": item.grant, "opened": True, "closed": False})
    assert refused.status_code == 400
    assert hall.store._con().execute("SELECT state FROM cases WHERE tracking = ?", (number,)).fetchone()[0] == \
        "ready_for_pickup"
    case = kiosk.collected(item)
    assert case.state is CaseState.PICKED_UP and case.collected_by is Collector.APPLICANT
    assert case.history[-1].actor == "kiosk-1"
    with pytest.raises(PlatformConflict) as spent:
        kiosk.collected(item)
    assert spent.value.reason == "pickup_grant_unknown"
    assert kiosk.by_id_card(APPLICANT_ID) == []
    assert notices(hall)[-1]["state"] == "picked_up"


def test_the_pickup_code_opens_the_item_and_wrong_codes_lock_the_kiosk_out(hall):
    """GIVEN a case in the locker WHEN a kiosk is sent four wrong codes THEN each is pickup_code_wrong and
    the good code still works (and clears the count); WHEN five wrong codes follow THEN the fifth locks the
    code entry and even the good code is refused too_many_attempts until the lock has passed."""
    number = approved(hall)
    deposit(hall, number)
    code = pickup_code(hall, number)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    kiosk = KioskPickupClient(hall.client("kiosk-1"))
    for _ in range(4):
        with pytest.raises(PlatformRejected) as refused:
            kiosk.by_code(wrong)
        assert refused.value.reason == "pickup_code_wrong"
    assert [i.compartment.tracking for i in kiosk.by_code(code)] == [number]
    for _ in range(4):
        with pytest.raises(PlatformRejected):
            kiosk.by_code(wrong)
    with pytest.raises(PlatformRejected) as fifth:
        kiosk.by_code(wrong)
    assert fifth.value.reason == "pickup_code_wrong"
    with pytest.raises(PlatformRejected) as locked:
        kiosk.by_code(code)
    assert locked.value.reason == "too_many_attempts"
    hall.clock.advance(seconds=pickup_kiosk.CODE_LOCK_S + 1)
    assert [i.compartment.tracking for i in kiosk.by_code(code)] == [number]


def test_a_jammed_door_is_an_alert_and_the_case_stays_in_the_locker(hall, capsys):
    """GIVEN the applicant's item found WHEN the kiosk reports the lock jammed THEN the case stays ready for
    pickup, the compartment is out of service for new deposits, and ``hall-admin locker --alerts`` lists it."""
    number = approved(hall)
    deposit(hall, number)
    kiosk = KioskPickupClient(hall.client("kiosk-1"))
    item = kiosk.by_id_card(APPLICANT_ID)[0]
    kiosk.fault(item, DoorFault.JAMMED)
    assert hall.store._con().execute("SELECT state FROM cases WHERE tracking = ?", (number,)).fetchone()[0] == \
        "ready_for_pickup"
    other = approved(hall)
    pickup, session = window(hall)
    assert pickup.deposit(session, other, Size.SMALL).number == 2
    assert hall_admin(["--db", hall.store.db_path, "locker", "--alerts", "--json"]) == 0
    alerts = json.loads(capsys.readouterr().out)
    assert [(a["locker"], a["number"], a["fault"], a["tracking"]) for a in alerts] == [("A", 1, "jammed", number)]


def test_a_deposit_whose_door_did_not_open_releases_the_compartment(hall):
    """GIVEN a compartment assigned WHEN the window reports the door jammed THEN the case is still approved,
    and depositing again assigns the next compartment."""
    number = approved(hall)
    pickup, session = window(hall)
    assert pickup.deposit(session, number, Size.SMALL).number == 1
    pickup.deposit_failed(session, number, DoorFault.JAMMED)
    assert hall.store._con().execute("SELECT state FROM cases WHERE tracking = ?", (number,)).fetchone()[0] == \
        "approved"
    assert pickup.deposit(session, number, Size.SMALL).number == 2


def test_items_not_collected_within_the_configured_days_are_listed_overdue(hall, capsys):
    """GIVEN two cases deposited six and one days ago, the hall's overdue days 5 WHEN staff list the overdue
    items THEN only the older one is; ``hall-admin locker --json`` lists both, oldest first, and names no
    person."""
    old, new = approved(hall), approved(hall)
    deposit(hall, old)
    hall.clock.advance(days=5)
    deposit(hall, new)
    hall.clock.advance(days=1)
    overdue = lockers.items(hall.store, overdue=True)
    assert [(i["tracking"], i["days"], i["overdue"]) for i in overdue] == [(old, 6, True)]
    assert [i["tracking"] for i in lockers.items(hall.store)] == [old, new]
    assert hall_admin(["--db", hall.store.db_path, "locker", "--json"]) == 0
    out = capsys.readouterr().out
    assert [(i["tracking"], i["locker"], i["number"]) for i in json.loads(out)] == [(old, "A", 1), (new, "A", 2)]
    assert APPLICANT_ID not in out and "李䶮" not in out


def test_the_window_hands_over_to_the_applicant_or_to_a_proxy_with_the_authorisation(hall):
    """GIVEN two cases ready at the window WHEN the clerk reads the proxy's card THEN both are listed as the
    proxy's; handing one over without the authorisation is refused, with it the case is picked up by a
    proxy and the record keeps the authorisation's hash; a stranger's card is not_a_collector."""
    from platform_client.cases import CasesClient

    first, second = approved(hall), approved(hall)
    client, session = clerk_session(hall)
    for number in (first, second):
        CasesClient(client).result_ready(session, number, "window", window=3)
    pickup = WindowPickupClient(client)
    assert [(r.case.tracking, r.collector) for r in pickup.ready_for(session, PROXY_ID)] == \
        [(first, "proxy"), (second, "proxy")]
    with pytest.raises(PlatformRejected):
        pickup.hand_over(session, first, PROXY_ID)
    done = pickup.hand_over(session, first, PROXY_ID, authorisation="a" * 64)
    assert done.state is CaseState.PICKED_UP and done.collected_by is Collector.PROXY
    assert pickup_kiosk.handover_record(hall.store, first)["authorisation"] == "a" * 64
    with pytest.raises(PlatformRejected) as stranger:
        pickup.hand_over(session, second, STRANGER_ID)
    assert stranger.value.reason == "not_a_collector"


@pytest.mark.parametrize("broken, problem", [
    ({"lockers": [{"id": "A", "name": "柜", "terminals": ["k"], "compartments": []}]}, "at least one"),
    ({"lockers": [{"id": "A", "name": "柜", "terminals": ["k"],
                   "compartments": [{"number": 1, "board": 1, "lock": 1, "size": "XL"}]}]}, "size"),
    ({"lockers": [{"id": "A", "name": "柜", "terminals": ["k"],
                   "compartments": [{"number": 1, "board": 1, "lock": 1, "size": "S"},
                                    {"number": 2, "board": 1, "lock": 1, "size": "S"}]}]}, "share"),
    ({**LOCKERS, "locker_overdue_days": 0}, "locker_overdue_days"),
])
def test_a_hall_file_with_a_broken_locker_is_refused_naming_the_field(hall, broken, problem):
    """GIVEN a hall file whose locker is wrong WHEN it is loaded THEN ValueError names the problem and the
    lockers already loaded stay as they were."""
    with pytest.raises(ValueError, match=problem):
        load_lockers(hall.store, broken)
    assert hall.store._con().execute("SELECT COUNT(*) FROM locker_compartments").fetchone()[0] == 4


def test_staff_reclaim_an_item_to_the_pickup_window_and_the_applicant_is_told(hall, capsys):
    """GIVEN a case in the locker WHEN staff run ``hall-admin locker --reclaim NUMBER --staff S1008 --window
    8`` THEN the case waits at window 8 (a history step by S1008), the applicant is told to come to window
    8, the code no longer opens anything and the compartment takes the next deposit."""
    number = approved(hall)
    deposit(hall, number)
    code = pickup_code(hall, number)
    assert hall_admin(["--db", hall.store.db_path, "locker", "--reclaim", number, "--staff", "S1008",
                       "--window", "8"]) == 0
    assert "window 8" in capsys.readouterr().out
    row = hall.store._con().execute("SELECT pickup_window FROM cases WHERE tracking = ?", (number,)).fetchone()
    assert row[0] == 8
    assert "8 号窗口" in notices(hall)[-1]["text"]
    with pytest.raises(PlatformRejected):
        KioskPickupClient(hall.client("kiosk-1")).by_code(code)
    other = approved(hall)
    pickup, session = window(hall)
    assert pickup.deposit(session, other, Size.SMALL).number == 1
