"""The keyboard-wedge Qt event filter (ui/wedge.py) with real key events, offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from ui.wedge import WedgeScanFilter


@pytest.fixture
def field(qtbot):
    window = QWidget()
    layout = QVBoxLayout(window)
    line = QLineEdit()
    layout.addWidget(line)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    line.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusObject() is line)
    yield line
    window.close()
    del window


@pytest.fixture
def wedge(qtbot):
    scans: list[str] = []
    f = WedgeScanFilter(QApplication.instance())
    f.scanned.connect(scans.append)
    yield f, scans
    f.close()


def scanner_types(widget, text: str) -> None:
    """Key presses and releases back to back, as a wedge scanner sends them (no delay), then Enter."""
    for ch in text:
        QTest.keyClick(widget, ch)
    QTest.keyClick(widget, Qt.Key.Key_Return)


def test_a_scanner_burst_is_a_scan_and_never_reaches_the_field(qtbot, field, wedge):
    """GIVEN a focused text field WHEN a wedge scanner types a code and Enter in a burst
    THEN scanned(code) is emitted once and the field stays empty."""
    _, scans = wedge
    scanner_types(field, "YY202611210001236")
    assert scans == ["YY202611210001236"]
    assert field.text() == ""


def test_a_person_typing_slowly_types_into_the_field(qtbot, field, wedge):
    """GIVEN a focused field WHEN a person types at 80 ms a key THEN the text is in the field, no scan."""
    _, scans = wedge
    for ch in "hello":
        QTest.keyClick(field, ch)
        qtbot.wait(80)
    qtbot.waitUntil(lambda: field.text() == "hello", timeout=1000)
    entered = []
    field.returnPressed.connect(lambda: entered.append(True))
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert entered == [True]
    assert scans == []


def test_a_short_fast_sequence_is_released_as_typing(qtbot, field, wedge):
    """GIVEN a focused field WHEN two keys come fast with no Enter (key rollover) THEN both reach the field
    in order once the gap has passed."""
    _, scans = wedge
    QTest.keyClick(field, "t")
    QTest.keyClick(field, "h")
    qtbot.waitUntil(lambda: field.text() == "th", timeout=1000)
    assert scans == []


def test_typing_then_scanning_keeps_both_apart(qtbot, field, wedge):
    _, scans = wedge
    QTest.keyClick(field, "a")
    qtbot.waitUntil(lambda: field.text() == "a", timeout=1000)
    scanner_types(field, "HALL:R:32010220261121000123")
    assert scans == ["HALL:R:32010220261121000123"]
    assert field.text() == "a"


def test_a_burst_through_an_input_method_is_one_clean_scan(qtbot, field, wedge):
    """GIVEN an active Chinese input method that turns keys into pre-edit and commit events
    WHEN a scanner burst arrives that way (pre-edit letters, committed text, Enter)
    THEN it is one scan with the committed text, and neither pre-edit nor text is left in the field."""
    _, scans = wedge
    events = []
    preedit = QInputMethodEvent("yy", [])
    events.append(preedit)
    commit = QInputMethodEvent("", [])
    commit.setCommitString("YY2026")
    events.append(commit)
    chinese = QInputMethodEvent("", [])
    chinese.setCommitString("预约")
    events.append(chinese)
    for event in events:
        QApplication.sendEvent(field, event)
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert scans == ["YY2026预约"]
    assert field.text() == ""
    assert field.inputMethodQuery(Qt.InputMethodQuery.ImSurroundingText) == ""


def test_a_person_using_the_input_method_still_types(qtbot, field, wedge):
    _, scans = wedge
    commit = QInputMethodEvent("", [])
    commit.setCommitString("李䶮")
    QApplication.sendEvent(field, commit)
    qtbot.waitUntil(lambda: field.text() == "李䶮", timeout=1000)
    assert scans == []


def test_shortcuts_and_navigation_keys_pass_straight_through(qtbot, field, wedge):
    _, scans = wedge
    field.setText("abc")
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    assert field.text() == "ab"
    QTest.keyClick(field, "a", Qt.KeyboardModifier.ControlModifier)  # select all, not text
    assert field.selectedText() == "ab"
    assert scans == []


def test_close_releases_held_keys_and_removes_the_filter(qtbot, field):
    scans: list[str] = []
    f = WedgeScanFilter(QApplication.instance())
    f.scanned.connect(scans.append)
    QTest.keyClick(field, "x")  # held
    f.close()
    assert field.text() == "x"
    scanner_types(field, "ABCDEFGH")  # no filter any more: it is typing
    assert field.text() == "xABCDEFGH"
    assert scans == []


def test_key_events_with_parent_propagation_are_counted_once(qtbot, field, wedge):
    """A key the field ignores is offered to its parents; the burst must not see it twice."""
    _, scans = wedge
    for ch in "ABCDEF":
        QApplication.sendEvent(field, QKeyEvent(QEvent.Type.KeyPress, ord(ch), Qt.KeyboardModifier.NoModifier, ch))
    QApplication.sendEvent(field, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"))
    assert scans == ["ABCDEF"]
