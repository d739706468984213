"""One master on the locker's RS-485 bus: the pickup window's door commands go through the platform to the
terminal that drives the boards (hall_server/locker_relay.py, platform_client/locker_relay.py,
kiosk/locker_agent.py; docs/locker.md "One master").

The real hall server on loopback, the locker simulator on socket:// driven by the real ``LockerBus`` of the
kiosk (``kiosk-1``, the locker's bus in the hall file), its ``BusAgent`` long-polling the platform; the
pickup window (``window-3``) has no bus of its own and deposits through ``RelayedLocker``."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from pickup_support import (  # noqa: F401 (fixtures)
    LOCKERS, Clock, approved, bus, clerk_session, hall, sim)
from server_fixtures import fresh_hall  # noqa: F401

from core.domain.codes import receipt_payload
from core.domain.pickup import Size
from core.errors import DeviceTimeout, PlatformRejected
from core.i18n import Translator
from core.ports.locker import DoorState
from core.presenters import run_inline
from core.presenters.pickup_window import Step, WindowPickupPresenter
from hall_server.lockers import load_lockers
from kiosk.locker_agent import BusAgent, run_command
from platform_client.locker_relay import BusRelayClient, RelayedLocker
from platform_client.pickup import WindowPickupClient





@pytest.fixture
def agent(hall, bus):
    """The kiosk beside the locker answering relayed commands on its bus."""
    running = BusAgent(bus, lambda: BusRelayClient(hall.client("kiosk-1")), wait_s=2.0).start()
    yield running
    running.stop()


@pytest.fixture
def window(hall):
    client, session = clerk_session(hall)
    doors = RelayedLocker(client, session=lambda: session, answer_within_s=8.0)
    return client, session, doors



def test_a_deposit_at_a_window_without_a_bus_opens_the_door_through_the_kiosk(hall, sim, agent, window):
    """GIVEN the pickup window with no bus of its own and the kiosk driving the locker WHEN the window
    deposits an approved case THEN door A-1 opens (the kiosk's bus opened it), the window reads it open,
    then closed once the clerk shut it, and the case waits in the locker."""
    client, session, doors = window
    number = approved(hall, (client, session))
    desk = WindowPickupPresenter(WindowPickupClient(client), doors, run_inline, Translator("zh_CN"),
                                 session=lambda: session, monotonic=Clock())
    desk.scanned(receipt_payload(number))
    desk.deposit(Size.SMALL)
    assert desk.step is Step.DEPOSITING and sim.door(1, 1) is DoorState.OPEN
    desk.tick()
    assert desk.door_seen_open
    sim.close_door(1, 1)
    desk.tick()
    assert desk.step is Step.DEPOSITED
    assert hall.store._con().execute("SELECT state FROM cases WHERE tracking = ?", (number,)).fetchone()[0] == \
        "ready_for_pickup"
    assert agent.answered == 3  # open, door (open), door (closed)


def test_a_window_can_only_address_the_door_of_its_own_deposit(hall, sim, agent, window):
    """GIVEN no deposit in progress at window 3 WHEN it asks to open board 1 lock 2 THEN the platform
    refuses (not_found) and no door opens: the relay is no way into somebody else's compartment."""
    _client, _session, doors = window
    with pytest.raises(PlatformRejected) as refused:
        doors.open_lock(1, 2)
    assert refused.value.reason == "not_found"
    assert all(sim.door(1, lock) is DoorState.CLOSED for lock in range(1, 5))


def test_the_terminal_driving_the_bus_never_relays_to_itself(hall):
    """GIVEN a hall file naming window 3 as the locker's bus THEN a door command from window 3 is refused:
    it must use its own bus."""
    load_lockers(hall.store, {**LOCKERS, "lockers": [{**LOCKERS["lockers"][0], "bus": "window-3"}]})
    client, session = clerk_session(hall)
    number = approved(hall, (client, session))
    WindowPickupClient(client).deposit(session, number, Size.SMALL)
    with pytest.raises(PlatformRejected) as refused:
        RelayedLocker(client, session=lambda: session).open_lock(1, 1)
    assert refused.value.reason == "invalid_request"


def test_a_bus_terminal_that_is_off_is_a_bus_that_did_not_answer(hall, window):
    """GIVEN the kiosk off (nobody takes commands) WHEN the window opens its deposit's door THEN it gets
    DeviceTimeout once the platform gives the command up (taken by nobody within its bound) — the presenter
    reports the deposit failed as for a silent bus."""
    client, session, _doors = window
    number = approved(hall, (client, session))
    WindowPickupClient(client).deposit(session, number, Size.SMALL)
    started = time.monotonic()
    doors = RelayedLocker(client, session=lambda: session, answer_within_s=3.0)
    asked = client._request("POST", "/v1/locker/doors", session=session, body={"board": 1, "lock": 1,
                                                                                 "action": "open"})
    hall.clock.set(hall.clock.now() + timedelta(seconds=7))  # past the platform's bound for taking it
    state = client._request("GET", f"/v1/locker/doors/{asked['id']}")
    assert state["state"] == "expired" and state["result"] is None
    with pytest.raises(DeviceTimeout):
        doors.open_lock(1, 1)  # a new command, never taken (the hall's clock stands still here): the client's bound
    assert time.monotonic() - started < 8.0


def test_a_silent_board_is_answered_as_such_at_once(hall, sim, agent, window):
    """GIVEN board 1 silent WHEN the window asks to open its deposit's door THEN the kiosk's bus times out
    and says so: the window raises DeviceTimeout without waiting out its own bound."""
    client, session, doors = window
    number = approved(hall, (client, session))
    WindowPickupClient(client).deposit(session, number, Size.SMALL)
    sim.silence(1)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout):
        doors.open_lock(1, 1)
    assert time.monotonic() - started < 6.0


def test_a_relayed_command_runs_on_the_bus_and_every_bus_failure_is_an_answer(sim, bus):
    """The agent's side, alone: open and door read the simulator; a silent board is ``no_answer``, an
    unknown action touches nothing."""
    assert run_command(bus, "open", 1, 3)["opened"] is True and sim.door(1, 3) is DoorState.OPEN
    assert run_command(bus, "door", 1, 3) == {"door": "open"}
    assert run_command(bus, "unlock_all", 1, 4) == {"error": "protocol"} and sim.door(1, 4) is DoorState.CLOSED
    sim.silence(1)
    assert run_command(bus, "door", 1, 3) == {"error": "no_answer"}


def test_the_hall_file_names_a_bus_among_the_locker_s_terminals(hall):
    """A ``bus`` that is not one of the locker's terminals is refused, nothing changed."""
    broken = {**LOCKERS, "lockers": [{**LOCKERS["lockers"][0], "bus": "kiosk-9"}]}
    with pytest.raises(ValueError, match="bus"):
        load_lockers(hall.store, broken)
    con = hall.store._con()
    assert con.execute("SELECT terminal FROM locker_bus WHERE locker = 'A'").fetchone()[0] == "kiosk-1"
