"""One keyboard-wedge capture per application (ui/wedge.py ``WedgeCapture``), shared by every window that
listens, with key events offscreen (tests/test_wedge_x11.py does the same with real X key events).

Several windows in one process (the demo: kiosk, clerk, technician) each listen for wedge scans. They
share the application's one filter: a burst goes to the window it was typed into, and a person's typing
reaches the focused field intact whatever the number of listeners."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout, QWidget

from ui.scan_source import ScanSource
from ui.wedge import WedgeCapture, listen_for_scans

WAIT_MS = 3000


class Window(QWidget):
    """A window with a text field, and what a wedge listener bound to it received."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.field = QLineEdit()
        QVBoxLayout(self).addWidget(self.field)
        self.scans: list[str] = []


@pytest.fixture
def windows(qtbot):
    made = []

    def make(name: str) -> Window:
        window = Window(name)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()


@pytest.fixture
def listeners():
    """Listeners on the application's capture; whatever the test left open is closed after it."""
    made = []

    def listen(window=None, into: list | None = None):
        listener = listen_for_scans(QApplication.instance(), (into if into is not None else window.scans).append,
                                    window=window)
        made.append(listener)
        return listener

    yield listen
    for listener in made:
        listener.close()
    assert WedgeCapture.of(QApplication.instance()) is None


def focus(qtbot, widget) -> None:
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusObject() is widget, timeout=WAIT_MS)


def person_types(qtbot, widget, text: str) -> None:
    for ch in text:
        QTest.keyClick(widget, ch)
        qtbot.wait(80)


def scanner_types(widget, text: str) -> None:
    for ch in text:
        QTest.keyClick(widget, ch)
    QTest.keyClick(widget, Qt.Key.Key_Return)


def test_every_listener_shares_the_one_filter_of_the_application(qtbot, windows, listeners):
    """GIVEN three windows that listen for wedge scans THEN the application has one capture and one filter,
    and every listener is on it."""
    made = [listeners(windows(name)) for name in ("kiosk", "clerk", "technician")]
    capture = WedgeCapture.of(QApplication.instance())
    assert capture is not None and all(listener.capture is capture for listener in made)
    assert capture.listeners == made
    assert len(QApplication.instance().findChildren(WedgeCapture)) == 1


def test_a_person_typing_with_three_listeners_types_intact(qtbot, windows, listeners):
    """GIVEN kiosk, clerk and technician windows each listening
    WHEN a person types S1003 into the clerk's field, 80 ms a key
    THEN the field holds S1003 and nobody got a scan."""
    kiosk, clerk, technician = (windows(name) for name in ("kiosk", "clerk", "technician"))
    for window in (kiosk, clerk, technician):
        listeners(window)
    focus(qtbot, clerk.field)
    person_types(qtbot, clerk.field, "S1003")
    qtbot.waitUntil(lambda: clerk.field.text() == "S1003", timeout=WAIT_MS)
    qtbot.wait(100)
    assert clerk.field.text() == "S1003"
    assert kiosk.scans == clerk.scans == technician.scans == []


def test_a_burst_goes_only_to_the_window_it_was_typed_into(qtbot, windows, listeners):
    """GIVEN kiosk and clerk windows each listening WHEN a scanner types a code into the clerk's field
    THEN the clerk's listener gets it once, the kiosk's nothing, and the field stays empty; and the other
    way round when the kiosk has the focus."""
    kiosk, clerk = windows("kiosk"), windows("clerk")
    listeners(kiosk)
    listeners(clerk)
    focus(qtbot, clerk.field)
    scanner_types(clerk.field, "DZZZ:JMSFZ:91320100MA1XY8K12E:JM2026000001")
    assert clerk.scans == ["DZZZ:JMSFZ:91320100MA1XY8K12E:JM2026000001"] and kiosk.scans == []
    assert clerk.field.text() == ""
    focus(qtbot, kiosk.field)
    scanner_types(kiosk.field, "YY202611210001236")
    assert kiosk.scans == ["YY202611210001236"]
    assert clerk.scans == ["DZZZ:JMSFZ:91320100MA1XY8K12E:JM2026000001"]
    assert kiosk.field.text() == ""


def test_a_dialog_of_a_window_scans_for_that_window(qtbot, windows, listeners):
    """GIVEN the clerk's window listening and a dialog of it with the focus WHEN a scanner types a code
    into the dialog THEN the clerk's listener gets it."""
    kiosk, clerk = windows("kiosk"), windows("clerk")
    listeners(kiosk)
    listeners(clerk)
    dialog = QDialog(clerk)
    field = QLineEdit(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    focus(qtbot, field)
    scanner_types(field, "HALL:R:32010220261121000123")
    assert clerk.scans == ["HALL:R:32010220261121000123"] and kiosk.scans == []
    assert field.text() == ""
    dialog.close()


def test_a_listener_bound_to_no_window_gets_bursts_nobody_else_listens_for(qtbot, windows, listeners):
    """GIVEN a listener bound to the kiosk and one bound to no window
    WHEN a scanner types into the kiosk THEN only the kiosk's listener gets it;
    WHEN a scanner types into another window THEN the unbound listener gets it."""
    kiosk, display = windows("kiosk"), windows("display")
    anywhere: list[str] = []
    listeners(kiosk)
    listeners(None, into=anywhere)
    focus(qtbot, kiosk.field)
    scanner_types(kiosk.field, "YY202611210001236")
    assert kiosk.scans == ["YY202611210001236"] and anywhere == []
    focus(qtbot, display.field)
    scanner_types(display.field, "YY202611210009999")
    assert anywhere == ["YY202611210009999"] and kiosk.scans == ["YY202611210001236"]


def test_closing_one_listener_keeps_the_capture_for_the_others_and_the_last_removes_it(qtbot, windows,
                                                                                      listeners):
    """GIVEN the clerk's and the technician's listeners WHEN the technician's closes THEN the capture stays
    and the clerk still gets its scans; WHEN the clerk's closes too THEN the filter is gone and a burst is
    only typing."""
    clerk, technician = windows("clerk"), windows("technician")
    clerk_listener = listeners(clerk)
    technician_listener = listeners(technician)
    capture = WedgeCapture.of(QApplication.instance())
    technician_listener.close()
    assert not technician_listener.listening and WedgeCapture.of(QApplication.instance()) is capture
    focus(qtbot, clerk.field)
    scanner_types(clerk.field, "ABCDEFGH")
    assert clerk.scans == ["ABCDEFGH"] and clerk.field.text() == ""
    clerk_listener.close()
    assert WedgeCapture.of(QApplication.instance()) is None
    scanner_types(clerk.field, "ABCDEFGH")
    assert clerk.field.text() == "ABCDEFGH" and clerk.scans == ["ABCDEFGH"]


def test_a_new_listener_after_the_last_one_closed_makes_a_new_capture(qtbot, windows, listeners):
    clerk = windows("clerk")
    listeners(clerk).close()
    again = listeners(clerk)
    assert again.capture is WedgeCapture.of(QApplication.instance()) is not None
    focus(qtbot, clerk.field)
    scanner_types(clerk.field, "ABCDEFGH")
    assert clerk.scans == ["ABCDEFGH"]


def test_scan_sources_of_two_windows_share_the_capture(qtbot, windows):
    """GIVEN the kiosk's and the clerk's ScanSource (as the demo builds them), each bound to its window
    WHEN a scanner types into the clerk THEN the clerk's source emits it, the kiosk's does not;
    WHEN the clerk's source closes THEN the kiosk's still scans."""
    kiosk, clerk = windows("kiosk"), windows("clerk")
    sources = {name: ScanSource(QApplication.instance()) for name in ("kiosk", "clerk")}
    try:
        sources["kiosk"].window, sources["clerk"].window = kiosk, clerk
        sources["kiosk"].scanned.connect(kiosk.scans.append)
        sources["clerk"].scanned.connect(clerk.scans.append)
        assert sources["kiosk"].wedge.capture is sources["clerk"].wedge.capture
        focus(qtbot, clerk.field)
        scanner_types(clerk.field, "DZZZ:JMSFZ:91320100MA1XY8K12E:JM2026000001")
        assert clerk.scans == ["DZZZ:JMSFZ:91320100MA1XY8K12E:JM2026000001"] and kiosk.scans == []
        sources["clerk"].close()
        focus(qtbot, kiosk.field)
        scanner_types(kiosk.field, "YY202611210001236")
        assert kiosk.scans == ["YY202611210001236"]
    finally:
        for source in sources.values():
            source.close()
    assert WedgeCapture.of(QApplication.instance()) is None
