"""The technician window's camera tab (ui/technician_camera.py), built by the composition root over a
synthetic document camera: modes and measured frame rate, the live preview, a test page, and nothing left
running when the camera is closed or the window shut."""

from __future__ import annotations

import gc

import pytest

from core import config
from kiosk.app import build_terminal
from ui.app import role_window
from ui.technician_camera import CameraPanel


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread():
    """Qt wrappers of earlier tests are freed on the GUI thread, never by a collection on a device thread."""
    gc.collect()
    yield
    gc.collect()


def camera_config(data_dir) -> config.Config:
    return config.parse({
        "role": "technician", "terminal_id": "T-01", "hall_id": "3201-0042", "data_dir": str(data_dir),
        "platform": {"url": "http://127.0.0.1:9", "terminal_secret": "", "timeout_s": 2.0},
        "printers": {"ticket": {"url": "virtual://tech-cam-ticket"}},
        "devices": {"ticket_printer": "ticket", "camera": "synthetic:?size=960x540&fps=25&still=1"},
    }, source="test")


def test_open_measure_preview_and_capture_a_test_page(qtbot, tmp_path):
    """GIVEN a technician terminal with a synthetic camera WHEN the technician opens it THEN the tab shows
    the negotiated mode and a measured frame rate, the preview paints frames; AND a test page is captured
    and shown; AND closing the camera and the window leaves no thread running."""
    terminal = build_terminal(camera_config(tmp_path))
    window = role_window(terminal, language="en")
    qtbot.addWidget(window)
    window.show()
    try:
        panel = window.panels["camera"]
        assert isinstance(panel, CameraPanel)
        window.show_tab("camera")
        panel.open_button.click()
        qtbot.waitUntil(lambda: panel.preview is not None, timeout=20000)
        assert "Negotiated" in panel.summary.text() and "fps" in panel.summary.text()
        qtbot.waitUntil(lambda: panel.preview.frame is not None, timeout=5000)
        panel.capture_button.click()
        qtbot.waitUntil(lambda: panel.page.pixmap() is not None and not panel.page.pixmap().isNull(),
                        timeout=15000)
        assert "test page" in panel.log.toPlainText()
        panel.close_button.click()
        qtbot.waitUntil(lambda: "closed" in panel.log.toPlainText(), timeout=10000)
        assert panel.open_button.isEnabled()
    finally:
        window.close()
        terminal.close()
