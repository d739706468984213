"""Every device's lifecycle (core/lifecycle.py) against its simulator over a real transport: start returns
at once with nothing plugged in, the device is picked up when it appears, stop is bounded while a call
hangs, and the state changes are published in order, the same way for every device and the sync engine.
"""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from core.config import PrinterConfig
from core.errors import DeviceNotFound
from core.ports.lifecycle import LifecycleState
from devices.camera.service import CaptureService
from devices.idcard.reader import IdCardReader
from devices.printer import open_printer
from devices.scanner.frame_decoder import FrameDecoder
from devices.scanner.serial_scanner import SerialScanner
from lifecycle_support import WAIT_S, Changes
from simulators.idcard import Fault as ReaderFault
from simulators.idcard import IdCardSimulator
from simulators.printer import Fault as PrinterFault
from simulators.printer import PrinterSimulator
from simulators.scanner import ScannerSimulator
from sync_fixtures import make_engine, proxy, server, store, wait_for  # noqa: F401

S = LifecycleState
AT_ONCE_S = 0.1


def started_at_once(device) -> Changes:
    """Subscribes to ``device.lifecycle``, starts it and checks that start did not wait for the device."""
    changes = Changes()
    device.lifecycle.subscribe(changes)
    began = time.monotonic()
    device.start()
    assert time.monotonic() - began < AT_ONCE_S
    return changes


# --- ID-card reader -----------------------------------------------------------------------------------


@pytest.fixture
def reader_sim():
    with IdCardSimulator(thread_name="idcard-sim-lifecycle") as simulator:
        yield simulator


def test_an_idcard_reader_plugged_in_after_start_is_picked_up(reader_sim):
    """GIVEN the reader unplugged WHEN the driver starts THEN it returns at once, CONNECTING; WHEN the reader
    is plugged in THEN READY, and a card placed is read; unplugged again THEN RECONNECTING, then READY."""
    reader_sim.unplug()
    time.sleep(0.1)  # the simulator closes its port
    cards: list = []
    reader = IdCardReader(reader_sim.url, poll_interval_s=0.05, reconnect_interval_s=0.1, on_card=cards.append)
    try:
        changes = started_at_once(reader)
        time.sleep(0.3)
        assert reader.lifecycle.state is S.CONNECTING
        reader_sim.replug()
        assert changes.wait_for(S.READY)
        reader_sim.place("li_yan")
        assert wait_for(lambda: len(cards) == 1, WAIT_S) and cards[0].name == "李䶮"
        reader_sim.unplug()
        assert changes.wait_for(S.RECONNECTING)
        reader_sim.replug()
        assert changes.wait_for(S.READY, count=2)
    finally:
        reader.stop()
    # (a reconnect may meet the simulator's port before it closes: READY, RECONNECTING once more)
    assert changes.states[:3] == [S.CONNECTING, S.READY, S.RECONNECTING]
    assert changes.states[-3:] == [S.READY, S.STOPPING, S.STOPPED] and changes.chained()
    assert set(changes.threads[1:3]) == {"device:idcard_reader"}  # published on the owner thread


def test_stopping_an_idcard_reader_is_bounded_while_its_answer_hangs(reader_sim):
    """GIVEN a reader that stopped answering, the driver waiting for an answer WHEN stopped with a short
    bound THEN stop returns within it (STOPPING) and STOPPED follows once the bounded wait is over."""
    reader = IdCardReader(reader_sim.url, poll_interval_s=0.05, answer_timeout_s=1.0)
    changes = started_at_once(reader)
    assert changes.wait_for(S.READY)
    reader_sim.inject(ReaderFault.NO_ANSWER, times=1000)
    time.sleep(0.2)
    began = time.monotonic()
    reader.stop(timeout_s=0.1)
    assert time.monotonic() - began < 0.5
    assert reader.lifecycle.state in (S.STOPPING, S.STOPPED)
    assert changes.wait_for(S.STOPPED, timeout_s=3.0) and not reader.running
    assert changes.states == [S.CONNECTING, S.READY, S.STOPPING, S.STOPPED]


# --- serial scanner -----------------------------------------------------------------------------------


def test_a_scanner_plugged_in_after_start_is_picked_up():
    """GIVEN no scanner on the line WHEN the driver starts THEN at once, CONNECTING; WHEN the scanner is
    plugged in THEN READY and its codes arrive; pulled out THEN RECONNECTING."""
    sim = ScannerSimulator(thread_name="scanner-sim-lifecycle").start()
    sim.unplug()
    scans: list[str] = []
    scanner = SerialScanner(sim.url, on_scan=scans.append, reconnect_s=0.05)
    try:
        changes = started_at_once(scanner)
        time.sleep(0.2)
        assert scanner.lifecycle.state is S.CONNECTING
        sim.replug()
        assert changes.wait_for(S.READY) and sim.wait_connected(WAIT_S)
        sim.send_code("YY202611210001236")
        assert wait_for(lambda: scans == ["YY202611210001236"], WAIT_S)
        sim.unplug()
        assert changes.wait_for(S.RECONNECTING)
    finally:
        scanner.stop()
        sim.close()
    assert changes.states == [S.CONNECTING, S.READY, S.RECONNECTING, S.STOPPING, S.STOPPED]
    assert changes.chained()


# --- document camera ----------------------------------------------------------------------------------


def test_a_camera_plugged_in_after_start_is_picked_up(tmp_path):
    """GIVEN a camera source that is not there WHEN the service starts THEN at once, CONNECTING (no frame);
    WHEN the source appears THEN READY and frames flow, with no restart."""
    folder = tmp_path / "camera"
    camera = CaptureService(f"folder:{folder}?fps=20")
    try:
        changes = started_at_once(camera)
        time.sleep(0.3)
        assert camera.lifecycle.state is S.CONNECTING and camera.info() is None
        folder.mkdir()
        page = np.full((360, 480, 3), 235, np.uint8)
        cv2.rectangle(page, (80, 60), (400, 300), (30, 30, 30), 4)
        assert cv2.imwrite(str(folder / "page.png"), page)
        info = camera.wait_ready(timeout_s=WAIT_S)  # the reopen pauses grow to 2 s at most before this
        assert (info.negotiated.width, info.negotiated.height) == (480, 360)
        seq, frame = camera.wait_frame(0, timeout_s=2)
        assert frame.shape == (360, 480, 3)
    finally:
        camera.stop()
    assert changes.states == [S.CONNECTING, S.READY, S.STOPPING, S.STOPPED]
    assert changes.chained()


def test_a_camera_that_is_unplugged_publishes_reconnecting_then_ready():
    camera = CaptureService("synthetic:?size=320x180&fps=30&drop_after=10&drop_s=0.5")
    try:
        changes = started_at_once(camera)
        assert changes.wait_for(S.READY, count=2)
    finally:
        camera.stop()
    assert changes.states == [S.CONNECTING, S.READY, S.RECONNECTING, S.READY, S.STOPPING, S.STOPPED]
    assert camera.reconnects == 1


# --- camera-frame decoder -----------------------------------------------------------------------------


def test_the_frame_decoder_is_ready_at_once_and_stops_within_its_bound_mid_decode():
    """GIVEN a decoder busy with a large frame WHEN stopped THEN within its bound, STOPPING then STOPPED."""
    decoder = FrameDecoder(thread_name="device:frame-decoder-lifecycle")
    changes = started_at_once(decoder)
    assert decoder.lifecycle.state is S.READY
    decoder.submit(np.random.default_rng(5).integers(0, 255, (1944, 2592), dtype=np.uint8))
    began = time.monotonic()
    decoder.stop(timeout_s=3.0)
    assert time.monotonic() - began < 3.0
    assert changes.states == [S.READY, S.STOPPING, S.STOPPED]


# --- ticket printer -----------------------------------------------------------------------------------


def test_a_printer_reports_its_link_through_the_same_lifecycle():
    """GIVEN a network printer WHEN its first call works THEN READY; unplugged THEN the failed call makes it
    RECONNECTING; plugged back THEN the next call reconnects: READY."""
    with PrinterSimulator(thread_prefix="printer-sim-lifecycle") as sim:
        printer = open_printer(PrinterConfig("ticket", sim.url, width_mm=80), timeout_s=0.5)
        changes = Changes()
        printer.lifecycle.subscribe(changes)
        try:
            assert printer.lifecycle.state is S.STOPPED  # nothing runs before the first call
            printer.status()
            sim.unplug()
            with pytest.raises(DeviceNotFound):
                printer.status()
            sim.plug()
            printer.status()
        finally:
            printer.close()
    assert changes.states == [S.CONNECTING, S.READY, S.RECONNECTING, S.READY, S.STOPPING, S.STOPPED]
    assert changes.chained()


def test_closing_a_printer_is_bounded_while_a_call_hangs():
    """GIVEN a printer that does not answer, a status call waiting for it WHEN the printer is closed THEN
    close returns within the printer's bound and the owner thread ends."""
    with PrinterSimulator(thread_prefix="printer-sim-lifecycle") as sim:
        printer = open_printer(PrinterConfig("ticket", sim.url, width_mm=80), timeout_s=0.5)
        printer.status()
        sim.set_fault(PrinterFault.SILENT)
        caller = threading.Thread(target=lambda: _swallow(printer.status), name="printer-caller")
        caller.start()
        time.sleep(0.1)
        began = time.monotonic()
        printer.close()
        assert time.monotonic() - began < 2.0
        caller.join(WAIT_S)
    assert printer.lifecycle.wait_for(S.STOPPED, WAIT_S)


def _swallow(fn) -> None:
    try:
        fn()
    except Exception:  # the call's own error does not matter here: the close does
        pass


# --- sync engine --------------------------------------------------------------------------------------


def test_the_sync_engine_starts_at_once_and_is_ready_when_the_platform_answers(server, proxy, store):
    """GIVEN the network down WHEN the engine starts THEN at once; RECONNECTING after its first probe;
    WHEN the network is back THEN READY; wrong credentials THEN FAILED (a person must act)."""
    proxy.set_down(True)
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"])
    try:
        changes = started_at_once(engine)
        assert changes.wait_for(S.RECONNECTING)
        proxy.set_down(False)
        assert changes.wait_for(S.READY)
    finally:
        engine.stop(WAIT_S)
        client.close()
    assert changes.states == [S.CONNECTING, S.RECONNECTING, S.READY, S.STOPPING, S.STOPPED]
    assert changes.chained()


def test_a_blocked_sync_engine_has_failed_and_stops_within_its_bound(server, proxy, store):
    store.enqueue("device_health", {"score": 5})
    engine, client = make_engine(store, proxy.url, "not-the-secret")
    try:
        changes = started_at_once(engine)
        assert changes.wait_for(S.FAILED)
        assert "blocked" in engine.lifecycle.detail
        proxy.set_weights({"timeout": 1})  # the next request hangs until the client's timeout
        engine.retry_now()
        time.sleep(0.1)
        began = time.monotonic()
        engine.stop(timeout_s=2.0)
        assert time.monotonic() - began < 2.0
    finally:
        client.close()
    assert changes.states[-2:] == [S.STOPPING, S.STOPPED] and changes.chained()


# --- the terminal -------------------------------------------------------------------------------------


def test_a_terminal_builds_without_waiting_for_its_devices_and_lists_their_lifecycles(tmp_path, reader_sim):
    """GIVEN a kiosk whose ID-card reader and camera are not plugged in WHEN the terminal is built and
    started THEN neither waits for them; its camera is there (not left out) and connecting; every device
    it runs shows its lifecycle; WHEN the camera is plugged in THEN it streams; closing stops them all."""
    from core.config import parse
    from kiosk.app import build_terminal

    reader_sim.unplug()
    time.sleep(0.1)  # the simulator closes its port
    frames = tmp_path / "frames"
    cfg = parse({
        "role": "citizen", "terminal_id": "K-01", "hall_id": "3201-0042", "data_dir": str(tmp_path / "k"),
        "platform": {"url": "http://127.0.0.1:9", "terminal_secret": "x", "timeout_s": 1.0},
        "printers": {"ticket": {"url": "virtual://lifecycle-ticket", "width_mm": 80}},
        "devices": {"ticket_printer": "ticket", "idcard_reader": reader_sim.url,
                    "camera": f"folder:{frames}?fps=20"},
    }, source="test")
    began = time.monotonic()
    terminal = build_terminal(cfg, sync=False)
    try:
        terminal.start()
        assert time.monotonic() - began < 1.0
        assert terminal.camera is not None
        assert {lc.device: lc.state for lc in terminal.lifecycles()} == {
            "idcard_reader": S.CONNECTING, "camera": S.CONNECTING}
        frames.mkdir()
        assert cv2.imwrite(str(frames / "page.png"), np.full((240, 320, 3), 200, np.uint8))
        assert terminal.camera.lifecycle.wait_for(S.READY, WAIT_S)
        terminal.printers["ticket"].open()  # a printer shows once it is opened (at its first use)
        assert {lc.device for lc in terminal.lifecycles()} == {"idcard_reader", "camera", "printer:ticket"}
    finally:
        terminal.close()
    assert {lc.state for lc in terminal.lifecycles()} == {S.STOPPED}
