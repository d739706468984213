"""The technician window's scanner tab (ui/technician_scanner.py), built by the composition root for
``role = "technician"``: live scans from the serial scanner driver reading a ``ScannerSimulator`` over
``socket://`` and from a keyboard-wedge burst, each with its class and control characters escaped, and
"decode an image file" through the same code path as ``kiosk diag decode``."""

from __future__ import annotations

import io

import pytest
import qrcode
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_ui_technician_service import technician_config

from simulators.scanner import ScannerSimulator
from kiosk.app import build_terminal
from core.ports.scanner import ScannerState
from ui.app import role_window
from ui.technician_scanner import ScannerPanel

WAIT_MS = 6000


@pytest.fixture
def simulator():
    with ScannerSimulator(thread_name="scanner-sim-tech") as sim:
        yield sim


@pytest.fixture
def window_for(qtbot):
    made = []

    def make(cfg):
        terminal = build_terminal(cfg, sync=False)
        window = role_window(terminal, language="en")
        qtbot.addWidget(window)
        window.show()
        made.append((terminal, window))
        return terminal, window

    yield make
    for terminal, window in made:
        window.close()
        terminal.close()


def test_live_scans_show_their_class_and_rejected_codes_their_reason(qtbot, window_for, simulator, tmp_path):
    """GIVEN [devices] scanner = the simulator's socket:// URL WHEN the technician listens and an appointment
    code, a hostile payload and line noise arrive THEN the state shows ready, each code is a line with its
    class, the noise a "rejected" line; Stop frees the port."""
    _t, window = window_for(technician_config("http://127.0.0.1:9", tmp_path, scanner=simulator.url))
    panel = window.panels["scanner"]
    assert isinstance(panel, ScannerPanel)
    window.show_tab("scanner")
    qtbot.mouseClick(panel.listen_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.source.current_state is ScannerState.READY, timeout=WAIT_MS)
    assert panel.state.text() == "Code scanner ready"
    simulator.send_code("YY202611210001236", ending="crlf")
    simulator.send_code("<script>alert('x')</script>")
    simulator.send_garbage()
    qtbot.waitUntil(lambda: len(panel.scans) == 2 and "rejected" in panel.log.toPlainText(), timeout=WAIT_MS)
    assert panel.scans == [("appointment", "YY202611210001236"), ("unknown", "<script>alert('x')</script>")]
    assert "appointment (Appointment code)  YY202611210001236" in panel.log.toPlainText()
    qtbot.mouseClick(panel.listen_button, Qt.MouseButton.LeftButton)
    assert not panel.listening and panel.listen_button.text() == "Listen for scans"


def test_wedge_scans_are_listed_and_control_characters_shown_escaped(qtbot, window_for, tmp_path):
    """GIVEN no serial scanner WHEN a wedge scanner types a code, and a payload with an ESC in it arrives
    THEN both are lines with their class (unknown), the ESC shown as \\x1b, never raw."""
    _t, window = window_for(technician_config("http://127.0.0.1:9", tmp_path))
    panel = window.panels["scanner"]
    window.show_tab("scanner")
    panel.listen()
    window.activateWindow()
    panel.listen_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusObject() is panel.listen_button, timeout=WAIT_MS)
    for ch in "HALL:R:1234":
        QTest.keyClick(panel.listen_button, ch)
    QTest.keyClick(panel.listen_button, Qt.Key.Key_Return)
    # A control character cannot come through a key's text; the scan source delivers what a serial
    # scanner's framing would have stripped, so inject one the way a keypad would.
    panel.source.inject("ab\x1bcd")
    qtbot.waitUntil(lambda: len(panel.scans) == 2, timeout=WAIT_MS)
    assert panel.scans == [("unknown", "HALL:R:1234"), ("unknown", "ab\\x1bcd")]
    assert "\x1b" not in panel.log.toPlainText()
    panel.stop()


def test_decode_an_image_file_shows_each_code_with_its_format_and_class(qtbot, window_for, tmp_path):
    """GIVEN a PNG holding a receipt QR code, and a file that is not an image WHEN each is decoded THEN the
    code shows with its format and class receipt; the bad file gives a technician's error line."""
    _t, window = window_for(technician_config("http://127.0.0.1:9", tmp_path))
    panel = window.panels["scanner"]
    picture = tmp_path / "回执.png"
    buffer = io.BytesIO()
    qrcode.make("HALL:R:32010220261121000123", box_size=8, border=4).save(buffer)
    picture.write_bytes(buffer.getvalue())
    panel.decode(str(picture))
    qtbot.waitUntil(lambda: panel.decoded is not None, timeout=WAIT_MS * 3)
    assert panel.decoded["codes"] == [{"text": "HALL:R:32010220261121000123", "format": "QRCode"}]
    assert "QRCode  receipt  HALL:R:32010220261121000123" in panel.log.toPlainText()
    not_image = tmp_path / "notes.png"
    not_image.write_text("not a picture")
    panel.decode(str(not_image))
    qtbot.waitUntil(lambda: panel.decode_button.isEnabled() and "! " in panel.log.toPlainText(),
                    timeout=WAIT_MS)
