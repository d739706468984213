"""The locker's bus driver (devices/locker/bus.py) against the lock-board simulator over a real transport:
pyserial's socket:// and a pseudo-terminal. Every wait is bounded; faults of a real bus come out as the
core's DeviceError family; an adapter pulled mid-command is reported and picked up again."""

from __future__ import annotations

import os
import time

import pytest

from devices.locker import LockerBus, Wiring
from devices.locker.protocol import Frame
from simulators.locker import LockerSimulator
from core.errors import DeviceNotFound, DeviceProtocolError, DeviceTimeout
from core.ports.lifecycle import LifecycleState
from core.ports.locker import BoardScan, DoorState

TIMEOUT_S = 0.2


@pytest.fixture
def sim():
    with LockerSimulator({1: 4, 2: 2}, thread_prefix="locker-sim-test") as simulator:
        yield simulator


@pytest.fixture(params=["socket", "pty"])
def bus_url(request, sim):
    if request.param == "pty":
        if os.name != "posix":
            pytest.skip("pseudo-terminals are POSIX")
        return sim.open_pty()
    return sim.url


@pytest.fixture
def bus(bus_url):
    with LockerBus(bus_url, timeout_s=TIMEOUT_S, retries=1, reconnect_s=0.2, idle_check_s=0.1) as b:
        yield b


def test_opening_a_lock_releases_it_and_its_door_swings_open(sim, bus):
    """GIVEN a closed door WHEN its lock is opened THEN the board says opened, and the door reads open
    until the person shuts it."""
    assert bus.door(1, 3) is DoorState.CLOSED
    result = bus.open_lock(1, 3)
    assert (result.board, result.lock, result.opened, result.status) == (1, 3, True, 0x00)
    assert sim.door(1, 3) is DoorState.OPEN and bus.door(1, 3) is DoorState.OPEN
    sim.close_door(1, 3)
    assert bus.door(1, 3) is DoorState.CLOSED


def test_a_jammed_lock_answers_not_opened_and_the_door_stays_shut(sim, bus):
    sim.jam(2, 1)
    result = bus.open_lock(2, 1)
    assert result.opened is False and result.status == 0x11
    assert bus.door(2, 1) is DoorState.CLOSED


def test_a_door_left_open_reads_open(sim, bus):
    sim.open_door(1, 4)
    assert bus.door(1, 4) is DoorState.OPEN


def test_open_all_releases_every_lock_of_one_board(sim, bus):
    assert bus.open_all(1) is True
    assert all(sim.door(1, n) is DoorState.OPEN for n in range(1, 5))
    assert sim.door(2, 1) is DoorState.CLOSED


def test_a_silent_board_is_a_timeout_within_the_bound_after_its_retries(sim, bus):
    """GIVEN a board that does not answer WHEN a door is read THEN the request goes out 1 + retries times
    and DeviceTimeout comes within those waits (a bus has no error reply)."""
    sim.silence(2)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as caught:
        bus.door(2, 1)
    elapsed = time.monotonic() - started
    assert caught.value.key == "locker.error.no_answer" and caught.value.device == "locker"
    assert 2 * TIMEOUT_S <= elapsed < 2 * TIMEOUT_S + 1.0
    assert sum(1 for r in sim.requests if r.board == 2) == 2


def test_a_bad_checksum_is_a_protocol_error(sim, bus):
    """GIVEN an answer damaged on the line (wrong BCC) THEN DeviceProtocolError, not a wrong door state;
    the next exchange works."""
    sim.corrupt(1)
    with pytest.raises(DeviceProtocolError) as caught:
        bus.door(1, 1)
    assert caught.value.key == "locker.error.checksum"
    assert bus.door(1, 1) is DoorState.CLOSED


def test_noise_before_an_answer_is_skipped_and_the_frame_found(sim, bus_url):
    """GIVEN noise before every answer, with a false head byte in it THEN the driver resynchronises on the
    real answer, and shows the skipped bytes on its raw tap."""
    seen: list[tuple[str, bytes]] = []
    sim.noise(bytes.fromhex("00 FF 8A 01 55"))
    with LockerBus(bus_url, timeout_s=TIMEOUT_S, on_raw=lambda d, b: seen.append((d, b))) as bus:
        assert bus.open_lock(1, 2).opened is True
        assert bus.door(1, 2) is DoorState.OPEN
    skipped = b"".join(b for d, b in seen if d == "skip")
    assert bytes.fromhex("00 FF 8A 01 55") in skipped
    assert ("rx", Frame(0x8A, 1, 2, 0x00).raw) in seen


def test_an_answer_of_another_board_is_set_aside(sim, bus):
    """GIVEN a stray answer of board 9 on the line before the right one THEN it does not pass for it."""
    sim.noise(Frame(0x80, 9, 9, 0x00).raw)
    assert bus.door(1, 1) is DoorState.CLOSED


def test_a_scan_lists_the_boards_that_answer_and_their_doors(sim, bus):
    """GIVEN boards at 1 (4 locks, door 2 open) and 2 (2 locks) and nothing at 3 THEN the scan says so,
    reading board 2 only up to the locks it has."""
    sim.open_door(1, 2)
    scans = bus.scan({1: 4, 2: 6, 3: 4})
    closed, opened = DoorState.CLOSED, DoorState.OPEN
    assert scans == [BoardScan(1, True, {1: closed, 2: opened, 3: closed, 4: closed}),
                     BoardScan(2, True, {1: closed, 2: closed}), BoardScan(3, False, {})]


def test_reversed_feedback_wiring_reads_right_when_configured(sim, bus_url):
    sim.wiring = Wiring(opened=0x11, closed=0x00)
    with LockerBus(bus_url, timeout_s=TIMEOUT_S, wiring=Wiring(opened=0x11, closed=0x00)) as bus:
        assert bus.door(1, 1) is DoorState.CLOSED
        assert bus.open_lock(1, 1).opened is True
        assert bus.door(1, 1) is DoorState.OPEN


def test_the_adapter_pulled_mid_command_is_a_clear_error_and_the_runner_reconnects(sim):
    """GIVEN a working bus WHEN the adapter goes away while a board is being asked THEN the call fails at
    once with DeviceNotFound (not a timeout), the lifecycle says reconnecting, and once the adapter is
    back the runner reconnects by itself and the next call works."""
    with LockerBus(sim.url, timeout_s=TIMEOUT_S, reconnect_s=0.2, idle_check_s=0.1) as bus:
        assert bus.lifecycle.wait_for(LifecycleState.READY, 3.0)
        sim.unplug_on_request()
        started = time.monotonic()
        with pytest.raises(DeviceNotFound) as caught:
            bus.door(1, 1)
        assert caught.value.key == "locker.error.lost" and time.monotonic() - started < 2 * TIMEOUT_S + 0.5
        assert bus.lifecycle.wait_for(LifecycleState.RECONNECTING, 3.0)
        with pytest.raises(DeviceNotFound):
            bus.door(1, 1)  # still gone: the call tries at once and says so
        sim.plug()
        assert bus.lifecycle.wait_for(LifecycleState.READY, 3.0)
        assert bus.door(1, 1) is DoorState.CLOSED


def test_an_adapter_unplugged_while_idle_shows_in_the_lifecycle(sim):
    with LockerBus(sim.url, timeout_s=TIMEOUT_S, reconnect_s=0.2, idle_check_s=0.1) as bus:
        assert bus.lifecycle.wait_for(LifecycleState.READY, 3.0)
        sim.unplug()
        assert bus.lifecycle.wait_for(LifecycleState.RECONNECTING, 3.0)
        sim.plug()
        assert bus.lifecycle.wait_for(LifecycleState.READY, 3.0)


def test_a_pty_pulled_mid_command_is_a_clear_error(sim):
    if os.name != "posix":
        pytest.skip("pseudo-terminals are POSIX")
    with LockerBus(sim.open_pty(), timeout_s=TIMEOUT_S, reconnect_s=0.2) as bus:
        assert bus.door(1, 1) is DoorState.CLOSED
        sim.unplug_on_request()
        with pytest.raises(DeviceNotFound):
            bus.door(1, 1)
        assert bus.lifecycle.wait_for(LifecycleState.RECONNECTING, 3.0)


def test_a_port_that_cannot_be_opened_is_device_not_found(tmp_path):
    with LockerBus(str(tmp_path / "ttyUSB9"), timeout_s=TIMEOUT_S, reconnect_s=0.2) as bus:
        with pytest.raises(DeviceNotFound) as caught:
            bus.door(1, 1)
    assert caught.value.key == "locker.error.not_found"


def test_noise_and_a_damaged_answer_is_a_protocol_error_not_a_timeout(sim, bus):
    """GIVEN noise and then an answer damaged on the line THEN the noise is skipped and the damaged frame
    reported: DeviceProtocolError naming its BCC, after one bounded wait (an answered request is not
    repeated)."""
    sim.corrupt(1)
    sim.noise(bytes.fromhex("00 FF 55"))
    with pytest.raises(DeviceProtocolError) as caught:
        bus.door(1, 1)
    assert caught.value.key == "locker.error.checksum" and "BCC" in caught.value.detail
    assert sum(1 for r in sim.requests if r.board == 1) == 1
