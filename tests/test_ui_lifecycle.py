"""Every device's state changes reach the windows the same way: ``ui.lifecycle.LifecycleBridge`` turns the
changes published on device threads into one Qt signal on the GUI thread."""

from __future__ import annotations

import threading

from core.i18n import Translator
from core.ports.lifecycle import LifecycleState, StateChange
from devices.scanner.frame_decoder import FrameDecoder
from devices.scanner.serial_scanner import SerialScanner
from simulators.scanner import ScannerSimulator
from ui.lifecycle import LifecycleBridge, state_text

S = LifecycleState


def test_changes_of_several_devices_arrive_in_order_on_the_gui_thread(qtbot):
    """GIVEN a bridge over a scanner (on its simulator) and a frame decoder WHEN both start and the scanner
    is plugged in THEN every change arrives as ``changed`` on the GUI thread, in each device's order;
    after ``close`` nothing more arrives."""
    sim = ScannerSimulator(thread_name="scanner-sim-ui-lifecycle").start()
    sim.unplug()
    scanner = SerialScanner(sim.url, reconnect_s=0.05)
    decoder = FrameDecoder(thread_name="device:frame-decoder-ui")
    bridge = LifecycleBridge([scanner.lifecycle, None, decoder.lifecycle])
    got: list[tuple[StateChange, bool]] = []
    gui = threading.current_thread()
    bridge.changed.connect(lambda change: got.append((change, threading.current_thread() is gui)))
    try:
        scanner.start()
        decoder.start()
        sim.replug()
        qtbot.waitUntil(lambda: bridge.states() == {"scanner": S.READY, "frame_decoder": S.READY}, timeout=5000)
        qtbot.waitUntil(lambda: any(c.device == "scanner" and c.state is S.READY for c, _ in got), timeout=5000)
        bridge.close()
        decoder.stop()
        qtbot.wait(50)
    finally:
        scanner.stop()
        decoder.stop()
        sim.close()
    assert all(on_gui for _, on_gui in got)
    assert [c.state for c, _ in got if c.device == "scanner"] == [S.CONNECTING, S.READY]
    assert [c.state for c, _ in got if c.device == "frame_decoder"] == [S.READY]


def test_announce_tells_each_device_state_now_and_the_states_have_texts(qtbot):
    decoder = FrameDecoder(thread_name="device:frame-decoder-ui")
    bridge = LifecycleBridge([decoder.lifecycle])
    got: list[StateChange] = []
    bridge.changed.connect(got.append)
    bridge.announce()
    qtbot.waitUntil(lambda: len(got) == 1, timeout=2000)
    bridge.close()
    assert got[0] == StateChange("frame_decoder", S.STOPPED, S.STOPPED)
    zh, en = Translator("zh_CN"), Translator("en")
    assert state_text(zh, S.READY) == "就绪" and state_text(en, S.RECONNECTING) == "Connection lost, reconnecting"
    assert all(state_text(zh, state) != f"lifecycle.state.{state.value}" for state in S)
