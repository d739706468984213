"""The locked-down kiosk window (ui/lockdown.py) with real Qt key and mouse events, offscreen: the key
combinations that leave a window are swallowed, a close is refused, and the corner gesture opens the
technician's gate, whose pad, check and ways out work; typing and Enter (a keyboard-wedge scanner) pass."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from test_technician_access import PIN, REFERENCE

from core.presenters import run_inline
from core.presenters.technician_gate import GatePresenter, Step
from core.services.technician_access import TechnicianGate, credentials_from_reference
from kiosk.lockdown import JsonFileState
from ui.lockdown import KioskLockdown
from ui.texts import Texts


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def kiosk(qtbot, tmp_path):
    window = QWidget()
    field = QLineEdit(window)
    QVBoxLayout(window).addWidget(field)
    window.resize(1280, 800)
    qtbot.addWidget(window)
    clock, opened = Clock(), []
    gate = TechnicianGate(lambda: credentials_from_reference(REFERENCE), record=lambda e: None, clock=clock,
                          state=JsonFileState(tmp_path / "gate.json"))
    lock = KioskLockdown(window, GatePresenter(gate, run_inline, monotonic=clock), texts=Texts("zh_CN", window),
                         open_technician=opened.append, monotonic=clock)
    window.show()
    qtbot.waitExposed(window)
    lock.clock, lock.opened, lock.field = clock, opened, field
    yield lock
    lock.released = True
    window.close()


def press_release(window, point: QPoint, clock: Clock, held_s: float) -> None:
    QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    clock.now += held_s
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def test_leaving_keys_are_swallowed_a_close_is_refused_and_scanner_typing_passes(qtbot, kiosk):
    window, field = kiosk.window, kiosk.field
    field.setFocus()
    QTest.keyClicks(field, "HALL:T:3201")
    QTest.keyClick(field, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(field, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(field, Qt.Key.Key_Meta)
    assert field.text() == "HALL:T:3201"
    assert window.close() is False and window.isVisible()
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint


def test_the_corner_gesture_opens_the_gate_and_the_right_pin_offers_the_ways_out(qtbot, kiosk):
    window, clock, page = kiosk.window, kiosk.clock, kiosk.page
    assert not page.isVisible()
    press_release(window, QPoint(5, 5), clock, 3.2)
    press_release(window, QPoint(1275, 795), clock, 0.1)
    press_release(window, QPoint(1275, 795), clock, 0.1)
    assert page.isVisible() and kiosk.presenter.step is Step.ASKING
    for char in "T0001":
        qtbot.mouseClick(page.keys[char], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.pin, Qt.MouseButton.LeftButton)
    for char in PIN:
        qtbot.mouseClick(page.keys[char], Qt.MouseButton.LeftButton)
    assert page.pin.text().endswith("●" * len(PIN)) and PIN not in page.pin.text()
    qtbot.mouseClick(page.ok, Qt.MouseButton.LeftButton)
    assert kiosk.presenter.step is Step.GRANTED and page.technician.isVisible() and page.exit.isVisible()
    qtbot.mouseClick(page.technician, Qt.MouseButton.LeftButton)
    assert kiosk.opened == ["T0001"] and not page.isVisible() and not kiosk.released


def test_a_wrong_pin_keeps_the_kiosk_locked(qtbot, kiosk):
    kiosk.presenter.open()
    page = kiosk.page
    qtbot.mouseClick(page.keys["T"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.pin, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.keys["1"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.ok, Qt.MouseButton.LeftButton)
    assert page.message.text() == "工号或密码不正确" and not page.exit.isVisible()
    qtbot.mouseClick(page.cancel, Qt.MouseButton.LeftButton)
    assert not page.isVisible() and kiosk.window.close() is False


def test_the_program_being_stopped_closes_the_locked_window(qtbot, kiosk):
    """systemd stopping the kiosk (SIGTERM → ``quit_on_signals`` marks the application quitting) must not be
    refused like a citizen's Alt+F4: the window closes, so workers join and logs flush."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    app.setProperty("quitting", True)
    try:
        assert kiosk.window.close() is True and kiosk.released
    finally:
        app.setProperty("quitting", False)
