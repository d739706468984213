"""The kiosk's 取件 from the smart locker (core/presenters/pickup_kiosk.py), end to end: the real hall
server on loopback, the locker simulator on socket:// driven by the real ``LockerBus``, the presenter's
calls run inline, its clock moved by the test. A case is accepted at a window (the applicant's ID card
read there, a proxy registered), reviewed, approved and deposited by the pickup window; then the citizen
comes to the kiosk."""

from __future__ import annotations

import pytest
from pickup_support import (  # noqa: F401 (fixtures)
    APPLICANT_ID, PROXY_ID, STRANGER_ID, Clock, approved, bus, clerk_session, hall, notices, pickup_code, sim)
from server_fixtures import fresh_hall  # noqa: F401

from core.domain.pickup import Size
from core.i18n import Translator
from core.presenters import run_inline
from core.presenters.pickup_kiosk import DoorTimings, KioskPickupPresenter, Screen
from hall_server import lockers
from platform_client.pickup import KioskPickupClient, WindowPickupClient

TIMINGS = DoorTimings(poll_s=0.1, open_within_s=3, remind_after_s=30, alert_after_s=90, give_up_after_s=600)






@pytest.fixture
def kiosk(hall, bus):
    clock = Clock()
    presenter = KioskPickupPresenter(KioskPickupClient(hall.client("kiosk-1")), bus, run_inline,
                                     Translator("zh_CN"), monotonic=clock, timings=TIMINGS)
    presenter.clock = clock
    return presenter


def in_locker(hall) -> str:
    """An approved case deposited by the pickup window into compartment 1 (board 1, lock 1), door closed."""
    number = approved(hall)
    client, session = clerk_session(hall)
    window = WindowPickupClient(client)
    assert window.deposit(session, number, Size.SMALL).lock == 1
    window.deposited(session, number)
    return number


def state(hall, number: str) -> str:
    return hall.store._con().execute("SELECT state FROM cases WHERE tracking = ?", (number,)).fetchone()[0]


def test_the_applicant_picks_up_with_the_id_card_and_the_pickup_is_recorded_when_the_door_closes(hall, kiosk, sim):
    """GIVEN a case in compartment 1 WHEN the applicant's card is read at the kiosk THEN lock 1 is released
    and the screen says door A-1 is open, take the documents and close it; WHILE the door stays open the
    case is still waiting; WHEN the citizen closes it THEN the pickup is recorded (picked up, by the
    applicant) and the screen says done."""
    number = in_locker(hall)
    assert kiosk.view.screen is Screen.START and kiosk.view.compartment == ""
    kiosk.card_read(APPLICANT_ID)
    assert kiosk.view.screen is Screen.TAKE
    assert kiosk.view.title == "A-1 号柜门已打开" and "关好柜门" in kiosk.view.detail
    assert sim.door(1, 1).value == "open"
    kiosk.tick()
    assert kiosk.view.screen is Screen.TAKE and state(hall, number) == "ready_for_pickup"
    sim.close_door(1, 1)
    kiosk.tick()
    assert kiosk.view.screen is Screen.DONE and "1 件" in kiosk.view.detail
    assert state(hall, number) == "picked_up"
    assert notices(hall)[-1]["state"] == "picked_up" and "申请人本人" in notices(hall)[-1]["text"]


def test_a_proxy_picks_up_with_their_own_card_and_a_stranger_is_told_nothing_waits(hall, kiosk, sim):
    """GIVEN a case in the locker WHEN a stranger's card is read THEN nothing waits, and no door opens;
    WHEN the registered proxy's card is read THEN the door opens and the pickup is recorded as a proxy's."""
    number = in_locker(hall)
    kiosk.card_read(STRANGER_ID)
    assert kiosk.view.screen is Screen.NOTHING and kiosk.view.compartment == ""
    assert sim.door(1, 1).value == "closed"
    kiosk.reset()
    kiosk.card_read(PROXY_ID)
    kiosk.tick()
    sim.close_door(1, 1)
    kiosk.tick()
    assert kiosk.view.screen is Screen.DONE
    assert hall.store._con().execute("SELECT collected_by FROM case_outcomes WHERE tracking = ?",
                                     (number,)).fetchone()[0] == "proxy"


def test_the_pickup_code_on_the_digit_pad_opens_the_door(hall, kiosk, sim):
    """GIVEN a case in the locker WHEN the citizen types the code from the text message THEN submit is
    enabled only at six digits, and the door opens."""
    number = in_locker(hall)
    kiosk.enter_code()
    for d in pickup_code(hall, number)[:5]:
        kiosk.digit(d)
    assert not kiosk.can_submit
    kiosk.digit(pickup_code(hall, number)[5])
    kiosk.digit("9")  # a seventh digit is not taken
    assert kiosk.can_submit and len(kiosk.code) == 6
    kiosk.submit_code()
    assert kiosk.view.screen is Screen.TAKE and sim.door(1, 1).value == "open"


def test_wrong_codes_are_said_so_then_lock_the_code_entry_out(hall, kiosk):
    """GIVEN a case in the locker WHEN five wrong codes are typed THEN the first four say the code is
    wrong, and after the fifth even the right one says too many wrong codes (the ID card still works)."""
    number = in_locker(hall)
    wrong = f"{(int(pickup_code(hall, number)) + 1) % 10**6:06d}"
    screens = []
    for _ in range(6):
        kiosk.enter_code()
        for d in wrong:
            kiosk.digit(d)
        kiosk.submit_code()
        screens.append(kiosk.view.screen)
    assert screens == [Screen.CODE_WRONG] * 5 + [Screen.CODE_LOCKED]
    assert "身份证" in kiosk.view.detail


def test_a_jammed_lock_asks_for_staff_alerts_them_and_the_case_stays_in_the_locker(hall, kiosk, sim, tmp_path):
    """GIVEN compartment 1's lock jammed WHEN the applicant's card is read THEN the screen says the door did
    not open and to ask staff, the platform keeps a jammed alert, the kiosk's store holds a device_health
    record of locker:A-1 jammed for the technician's console, and the case is not collected."""
    from core.services.health import DeviceHealthReporter
    from offline_cache import Store

    store = Store(tmp_path / "data", margin_bytes=0)
    kiosk.health = DeviceHealthReporter("kiosk-1", lambda: store).report
    number = in_locker(hall)
    sim.jam(1, 1)
    kiosk.card_read(APPLICANT_ID)
    assert kiosk.view.screen is Screen.JAMMED and "工作人员" in kiosk.view.detail
    assert [(a["number"], a["fault"]) for a in lockers.alerts(hall.store)] == [(1, "jammed")]
    assert state(hall, number) == "ready_for_pickup"
    [entry] = store.entries()
    health = store.load(entry.record_id).content
    assert (entry.kind, health["device"], health["state"]) == ("device_health", "locker:A-1", "jammed")
    store.close()


def test_a_door_left_open_is_reminded_then_alerted_and_closing_it_still_records_the_pickup(hall, kiosk, sim):
    """GIVEN the door opened for the applicant WHEN it stays open 31 s THEN a reminder; 91 s THEN staff are
    alerted (left_open) and the screen says so; WHEN it is closed at last THEN the pickup is recorded."""
    number = in_locker(hall)
    kiosk.card_read(APPLICANT_ID)
    kiosk.tick()
    kiosk.clock.now += 31
    kiosk.tick()
    assert kiosk.view.screen is Screen.REMIND and kiosk.view.title == "请关好 A-1 号柜门"
    kiosk.clock.now += 60
    kiosk.tick()
    assert kiosk.view.screen is Screen.LEFT_OPEN
    assert [a["fault"] for a in lockers.alerts(hall.store)] == ["left_open"]
    assert state(hall, number) == "ready_for_pickup"
    sim.close_door(1, 1)
    kiosk.tick()
    assert kiosk.view.screen is Screen.DONE and state(hall, number) == "picked_up"


def test_a_silent_bus_says_the_locker_is_out_of_order_and_never_records_a_pickup(hall, kiosk, sim):
    """GIVEN the lock-control board silent WHEN the applicant's card is read THEN the screen says the locker
    is out of order (collect at the window), staff get a no_answer alert, and the case is not collected."""
    number = in_locker(hall)
    sim.silence(1)
    kiosk.card_read(APPLICANT_ID)
    assert kiosk.view.screen is Screen.NO_BUS and "取件窗口" in kiosk.view.detail
    assert [a["fault"] for a in lockers.alerts(hall.store)] == ["no_answer"]
    assert state(hall, number) == "ready_for_pickup"


def test_a_door_that_never_reads_open_counts_as_jammed(hall, kiosk, sim):
    """GIVEN a lock that releases but a door that sticks shut (the simulator's door closed again at once)
    WHEN it still reads closed after the open window THEN jammed, and the case is not collected."""
    number = in_locker(hall)
    kiosk.card_read(APPLICANT_ID)
    sim.close_door(1, 1)
    kiosk.clock.now += TIMINGS.open_within_s + 1
    kiosk.tick()
    assert kiosk.view.screen is Screen.JAMMED
    assert state(hall, number) == "ready_for_pickup"
