"""The pickup window (core/presenters/pickup_window.py) and the whole life of a locker pickup, end to
end: the real hall server on loopback, the locker simulator on socket:// driven by the real ``LockerBus``,
the presenters' calls run inline. accept → review → approve → the pickup window scans the case's QR and
deposits it (the door opens, the clerk closes it) → the applicant's card at the kiosk opens the same door →
closed → collected. And at the counter: a proxy with their own card and the captured authorisation."""

from __future__ import annotations

import pytest
from pickup_support import (  # noqa: F401 (fixtures)
    APPLICANT_ID, PROXY_ID, Clock, approved, bus, clerk_session, hall, notices, pickup_code, sim)
from server_fixtures import fresh_hall  # noqa: F401

from core.domain.codes import receipt_payload
from core.domain.pickup import Size
from core.i18n import Translator
from core.presenters import run_inline
from core.presenters.pickup_kiosk import KioskPickupPresenter, Screen
from core.presenters.pickup_window import Step, WindowPickupPresenter
from hall_server import lockers
from platform_client.cases import CasesClient
from platform_client.pickup import KioskPickupClient, WindowPickupClient






@pytest.fixture
def desk(hall, bus):
    client, session = clerk_session(hall)
    presenter = WindowPickupPresenter(WindowPickupClient(client), bus, run_inline, Translator("zh_CN"),
                                      session=lambda: session, monotonic=Clock())
    presenter.client, presenter.login = client, session
    return presenter


def state(hall, number: str) -> str:
    return hall.store._con().execute("SELECT state FROM cases WHERE tracking = ?", (number,)).fetchone()[0]


def test_a_case_goes_from_acceptance_into_the_locker_and_out_to_the_applicants_card(hall, desk, bus, sim):
    """GIVEN a case accepted with 李䶮's card read, reviewed and approved WHEN the pickup window scans its QR
    and deposits it small THEN door A-1 opens and the clerk is told to put the documents in and close it;
    WHEN the clerk closes the door THEN the case waits in the locker and the code is texted; WHEN 李䶮's
    card is read at the kiosk THEN the same door opens; WHEN it is closed THEN the case is collected."""
    number = approved(hall, (desk.client, desk.login))
    desk.scanned(receipt_payload(number))
    assert desk.tracking == number and desk.can_deposit
    desk.deposit(Size.SMALL)
    assert desk.step is Step.DEPOSITING and "A-1 号柜门已打开" in desk.detail and sim.door(1, 1).value == "open"
    desk.tick()
    sim.close_door(1, 1)
    desk.tick()
    assert desk.step is Step.DEPOSITED and state(hall, number) == "ready_for_pickup"
    assert len(pickup_code(hall, number)) == 6
    kiosk = KioskPickupPresenter(KioskPickupClient(hall.client("kiosk-1")), bus, run_inline,
                                 Translator("zh_CN"), monotonic=Clock())
    kiosk.card_read(APPLICANT_ID)
    assert kiosk.view.screen is Screen.TAKE and kiosk.view.compartment == "A-1"
    kiosk.tick()
    sim.close_door(1, 1)
    kiosk.tick()
    assert kiosk.view.screen is Screen.DONE and state(hall, number) == "picked_up"
    assert [n["state"] for n in notices(hall) if n["number"] == number] == [
        "accepted", "in_review", "approved", "ready_for_pickup", "picked_up"]  # one message with the code


def test_a_jammed_lock_at_deposit_is_reported_and_the_next_deposit_takes_another_door(hall, desk, sim):
    """GIVEN lock 1 jammed WHEN the window deposits a case THEN the clerk is told door A-1 did not open, the
    case is still approved, an alert is kept; depositing again opens door A-2."""
    number = approved(hall, (desk.client, desk.login))
    sim.jam(1, 1)
    desk.set_tracking(number)
    desk.deposit(Size.SMALL)
    assert desk.step is Step.JAMMED and "A-1" in desk.detail
    assert state(hall, number) == "approved"
    assert [(a["number"], a["fault"]) for a in lockers.alerts(hall.store)] == [(1, "jammed")]
    desk.deposit(Size.SMALL)
    assert desk.step is Step.DEPOSITING and desk.compartment.number == 2


def test_a_silent_bus_at_deposit_deposits_nothing(hall, desk, sim):
    """GIVEN the board silent WHEN the window deposits THEN the clerk is told the locker does not answer and
    the case is still approved."""
    number = approved(hall, (desk.client, desk.login))
    sim.silence(1)
    desk.set_tracking(number)
    desk.deposit(Size.SMALL)
    assert desk.step is Step.NO_BUS and state(hall, number) == "approved"


def test_a_proxy_collects_at_the_counter_with_their_card_and_the_captured_authorisation(hall, desk, tmp_path):
    """GIVEN a case ready at window 3 WHEN the proxy's card is read THEN the case is listed as the proxy's;
    handing it over first asks for the authorisation; once it is captured the case is handed over, collected
    by a proxy, the platform keeps the authorisation's hash, and the terminal's encrypted store holds a
    clerk_action record with the authorisation as its PDF attachment, waiting to be sent."""
    import hashlib

    import numpy as np

    from core.services.pickup import Authorisations
    from offline_cache import Store

    store = Store(tmp_path / "data", margin_bytes=0)
    desk.authorisations = Authorisations(store, window=3)
    number = approved(hall, (desk.client, desk.login))
    CasesClient(desk.client).result_ready(desk.login, number, "window", window=3)
    desk.card_read(PROXY_ID)
    assert desk.step is Step.CASES and [(c.case.tracking, c.collector) for c in desk.cases] == [(number, "proxy")]
    desk.hand_over(0)
    assert desk.step is Step.NEED_AUTHORISATION and state(hall, number) == "ready_for_pickup"
    page = np.full((400, 300, 3), 255, dtype=np.uint8)  # a white sheet, as the camera's page arrives
    page[50:60, 30:270] = 0
    desk.capture_image(page)
    assert len(desk.authorisation) == 64
    desk.hand_over(0)
    assert desk.step is Step.HANDED and number in desk.detail and desk.cases == []
    assert state(hall, number) == "picked_up"
    from hall_server.pickup_kiosk import handover_record

    assert handover_record(hall.store, number)["authorisation"] == desk.authorisation
    [entry] = store.entries()
    assert entry.kind == "clerk_action"
    record = store.load(entry.record_id)
    assert record.content["tracking"] == number and record.content["collector"] == "proxy"
    [paper] = record.attachments
    pdf = store.read_blob(paper["blob"])
    assert paper["label"] == "authorisation" and paper["sha256"] == desk.authorisation
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == desk.authorisation
    store.close()


def test_a_card_of_nobody_concerned_lists_nothing_and_a_wrong_code_is_not_a_case(hall, desk):
    """GIVEN a case ready WHEN a stranger's card is read THEN nothing is listed; WHEN a ticket's QR is
    scanned THEN the clerk is told it is not a case receipt."""
    approved(hall, (desk.client, desk.login))
    desk.card_read("110101199003074514")
    assert desk.step is Step.NONE and desk.cases == []
    desk.scanned("HALL:T:ABCDEFGHIJKLMNOP")
    assert desk.step is Step.NOT_A_CASE and not desk.can_deposit


def test_a_clerk_terminal_is_made_the_pickup_window_in_its_configuration_and_only_a_clerks():
    """GIVEN ``[window] pickup = true`` WHEN a clerk's configuration is read THEN it is the pickup window;
    a kiosk's configuration saying so is refused naming window.pickup; without it a window is not one."""
    from core import config
    from core.errors import ConfigError

    clerk = {"role": "clerk", "terminal_id": "W-08", "hall_id": "3201-0042",
             "platform": {"url": "https://platform.example", "terminal_secret": "s"}, "window": {"number": 8}}
    assert not config.parse(clerk, source="test").pickup_window
    assert config.parse({**clerk, "window": {"number": 8, "pickup": True}}, source="test").pickup_window
    kiosk = {**clerk, "role": "citizen", "window": {"pickup": True}, "printers": {"t": {"url": "virtual://t"}},
             "devices": {"ticket_printer": "t"}}
    with pytest.raises(ConfigError) as refused:
        config.parse(kiosk, source="test")
    assert refused.value.params["setting"] == "window.pickup"
