"""The technician window's 智能柜 tab (pytest-qt, offscreen), built by the composition root for a
terminal whose ``[locker]`` names the lock-board simulator: scan the boards, open a lock, read a door,
each on the window's worker while the GUI thread stays free."""

from __future__ import annotations

import time

import pytest

from simulators.locker import LockerSimulator
from kiosk.app import build_terminal
from core import config
from core.ports.locker import DoorState
from ui.app import role_window
from ui.technician_locker import LockerPanel


def locker_config(data_dir, port: str) -> config.Config:
    return config.parse({
        "role": "technician", "terminal_id": "T-01", "hall_id": "3201-0042", "data_dir": str(data_dir),
        "language": "en", "platform": {"url": "http://127.0.0.1:9", "timeout_s": 2.0},
        "locker": {"port": port, "boards": {"1": 4, "2": 2}, "timeout_s": 0.3, "retries": 1},
    }, source="test")


@pytest.fixture
def sim():
    with LockerSimulator({1: 4}, thread_prefix="locker-sim-test") as simulator:
        yield simulator


@pytest.fixture
def panel(qtbot, sim, tmp_path):
    terminal = build_terminal(locker_config(tmp_path, sim.url))
    window = role_window(terminal, language="en")
    qtbot.addWidget(window)
    window.show()
    yield window.panels["locker"]
    window.close()
    terminal.close()


def finish(qtbot, panel: LockerPanel, button) -> None:
    panel.report = panel.error = None
    button.click()
    qtbot.waitUntil(lambda: panel.report is not None or panel.error is not None, timeout=15000)


def test_the_tab_is_there_when_a_locker_is_configured(panel):
    """GIVEN [locker] naming a bus THEN the window has a Smart locker tab before Platform and Outbox,
    saying where the bus is and which boards it drives."""
    window = panel.w
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Smart locker" in titles and titles[-2:] == ["Platform", "Outbox"]
    assert "socket://127.0.0.1" in panel.summary.text() and "1×4, 2×2" in panel.summary.text()


def test_a_terminal_without_a_locker_has_no_locker_tab(qtbot, tmp_path):
    """GIVEN no [locker] port THEN the window has no 智能柜 tab (the other tabs stay as they are)."""
    terminal = build_terminal(locker_config(tmp_path, ""))
    window = role_window(terminal, language="en")
    qtbot.addWidget(window)
    try:
        assert "locker" not in window.panels
        assert "Smart locker" not in [window.tabs.tabText(i) for i in range(window.tabs.count())]
    finally:
        window.close()
        terminal.close()


def test_scan_shows_the_boards_that_answer_and_those_that_do_not(qtbot, panel, sim):
    """GIVEN board 1 on the bus and board 2 configured but silent THEN the scan says board 1 answers with
    one of its four doors open, and that nobody answered at 2; the log holds one JSON record per door."""
    sim.open_door(1, 3)
    finish(qtbot, panel, panel.scan_button)
    assert panel.error is None, panel.error
    text = panel.summary.text()
    assert "Boards answering: 1; 1 of 4 doors open" in text and "No answer at: 2" in text
    assert '< {"board": 1, "lock": 3, "door": "open", "opened": false}' in panel.log.toPlainText()
    assert "tx 80 01 01 33 B3" in panel.log.toPlainText()


def test_open_a_lock_and_read_its_door(qtbot, panel, sim):
    panel.board.setValue(1)
    panel.lock.setValue(2)
    finish(qtbot, panel, panel.open_button)
    assert panel.summary.text() == "Board 1 lock 2 released; the door is open."
    assert sim.door(1, 2) is DoorState.OPEN
    sim.close_door(1, 2)
    finish(qtbot, panel, panel.status_button)
    assert panel.summary.text() == "Board 1 lock 2: the door is closed."


def test_a_jammed_lock_is_shown_as_not_opened(qtbot, panel, sim):
    sim.jam(1, 1)
    panel.lock.setValue(1)
    finish(qtbot, panel, panel.open_button)
    assert "did NOT open" in panel.summary.text() and panel.report.outcome == "jammed"


def test_a_silent_board_is_an_error_and_the_gui_thread_never_waits_for_it(qtbot, panel, sim):
    """GIVEN a silent board WHEN its door is read THEN the click returns at once (the wait runs on the
    worker), the buttons are disabled meanwhile, and the tab then shows the timeout in the technician's
    words with its class."""
    sim.silence(1)
    panel.report = panel.error = None
    started = time.monotonic()
    panel.status_button.click()
    assert time.monotonic() - started < 0.2
    assert panel.busy
    qtbot.waitUntil(lambda: panel.error is not None, timeout=15000)
    assert not panel.busy
    assert "did not answer" in panel.summary.text() and "DeviceTimeout" in panel.log.toPlainText()
