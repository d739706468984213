"""SerialScanner (devices/scanner/serial_scanner.py) against the TCP simulator over pyserial socket://."""

from __future__ import annotations

import queue
import threading

import pytest

from devices.scanner import SerialScanner
from simulators.scanner import ScannerSimulator
from core.errors import DeviceNotFound, DeviceProtocolError
from core.ports.scanner import ScannerState

WAIT_S = 3.0


class Recorder:
    def __init__(self) -> None:
        self.scans: queue.Queue[str] = queue.Queue()
        self.errors: queue.Queue = queue.Queue()
        self.states: list[ScannerState] = []
        self.threads: set[str] = set()
        self._state_changed = threading.Condition()

    def on_scan(self, payload: str) -> None:
        self.threads.add(threading.current_thread().name)
        self.scans.put(payload)

    def on_error(self, error) -> None:
        self.errors.put(error)

    def on_state(self, state: ScannerState) -> None:
        with self._state_changed:
            self.states.append(state)
            self._state_changed.notify_all()

    def wait_state(self, state: ScannerState, count: int = 1) -> bool:
        with self._state_changed:
            return self._state_changed.wait_for(lambda: self.states.count(state) >= count, WAIT_S)

    def next_scan(self) -> str:
        return self.scans.get(timeout=WAIT_S)


@pytest.fixture
def rig():
    sim = ScannerSimulator().start()
    rec = Recorder()
    scanner = SerialScanner(sim.url, on_scan=rec.on_scan, on_error=rec.on_error, on_state=rec.on_state,
                            reconnect_s=0.1)
    scanner.start()
    assert sim.wait_connected(WAIT_S)
    assert rec.wait_state(ScannerState.READY)
    yield sim, scanner, rec
    scanner.stop()
    sim.close()


@pytest.mark.parametrize("ending", ["cr", "lf", "crlf", "none"])
@pytest.mark.parametrize("split", [1, 4])
def test_each_line_ending_and_split_writes_give_one_scan(rig, ending, split):
    """GIVEN a scanner connected to the simulator
    WHEN the simulator sends a Chinese code with this suffix, in this many writes
    THEN exactly that code arrives once, on the scanner's own thread."""
    sim, _, rec = rig
    sim.send_code("预约码YY202611210001236李䶮", ending=ending, split=split)
    assert rec.next_scan() == "预约码YY202611210001236李䶮"
    assert rec.threads == {"device:scanner"}
    sim.send_code("HALL:R:32010220261121000123", ending=ending)
    assert rec.next_scan() == "HALL:R:32010220261121000123"
    assert rec.scans.empty()


def test_gb18030_code_page_is_decoded(rig):
    """GIVEN a scanner set to a Chinese code page WHEN it sends GB18030 bytes THEN the text is right."""
    sim, _, rec = rig
    sim.send_code("受理回执 李䶮", ending="crlf", encoding="gb18030")
    assert rec.next_scan() == "受理回执 李䶮"


def test_garbage_and_overlong_codes_are_errors_and_the_next_code_still_arrives(rig):
    """GIVEN a connected scanner
    WHEN garbage bytes, then a 10 KiB code, then a good code arrive
    THEN two protocol errors are reported, nothing of them is scanned, and the good code arrives."""
    sim, _, rec = rig
    sim.send_garbage()
    sim.send_overlong()
    sim.send_code("YY202611210001236", ending="cr")
    assert rec.next_scan() == "YY202611210001236"
    errors = [rec.errors.get(timeout=WAIT_S) for _ in range(2)]
    assert all(isinstance(e, DeviceProtocolError) for e in errors)
    assert {e.key for e in errors} == {"codes.error.undecodable", "codes.error.overlong"}
    assert rec.scans.empty()


def test_unplug_and_replug_reconnects(rig):
    """GIVEN a connected scanner
    WHEN the cable is pulled mid-code and plugged back in
    THEN the scanner reports DISCONNECTED and DeviceNotFound, reconnects by itself, drops the half code,
    and scans again."""
    sim, scanner, rec = rig
    sim.send_raw(b"HALF-A-CO")
    sim.unplug()
    assert rec.wait_state(ScannerState.DISCONNECTED)
    assert isinstance(rec.errors.get(timeout=WAIT_S), DeviceNotFound)
    sim.replug()
    assert sim.wait_connected(WAIT_S, connections=2)
    assert rec.wait_state(ScannerState.READY, count=2)
    sim.send_code("AFTER", ending="cr")
    assert rec.next_scan() == "AFTER"
    assert rec.scans.empty()
    assert scanner.state is ScannerState.READY


def test_a_port_that_is_not_there_reports_not_found_once_and_stops_cleanly():
    """GIVEN no scanner listening WHEN the scanner starts THEN one DeviceNotFound, state DISCONNECTED,
    and stop() ends its thread within the bounded wait."""
    sim = ScannerSimulator().start()
    url = sim.url
    sim.close()  # nobody listens on this port now
    rec = Recorder()
    scanner = SerialScanner(url, on_error=rec.on_error, on_state=rec.on_state, reconnect_s=0.05).start()
    assert rec.wait_state(ScannerState.DISCONNECTED, count=3)  # retried several times…
    assert isinstance(rec.errors.get(timeout=WAIT_S), DeviceNotFound)
    assert rec.errors.empty()  # …but reported once
    scanner.stop(timeout_s=2.0)
    assert scanner.state is ScannerState.STOPPED


def test_a_failing_callback_does_not_stop_the_scanner(rig):
    sim, scanner, rec = rig
    good = rec.on_scan

    def flaky(payload: str) -> None:
        if payload == "BOOM":
            raise RuntimeError("listener bug")
        good(payload)

    scanner.on_scan = flaky
    sim.send_code("BOOM")
    sim.send_code("FINE")
    assert rec.next_scan() == "FINE"
