"""The technician window's support bundle button (pytest-qt, offscreen): the technician chooses where to
save it, the zip is written on the window's worker while the window keeps answering, and the window says
where it went."""

from __future__ import annotations

import json
import threading
import zipfile

from test_ui_technician import window_for  # noqa: F401
from test_ui_technician_service import technician_config

from PySide6.QtWidgets import QFileDialog

import core.services.diagnostics as diagnostics_module


def test_the_button_writes_the_bundle_on_the_worker_and_says_where(qtbot, window_for, tmp_path, monkeypatch):  # noqa: F811
    """GIVEN the technician window of a terminal with two virtual printers
    WHEN the technician presses "Support bundle…" and chooses a file in the save dialog
    THEN the button is disabled while it is written, the zip is written off the GUI thread, and the window
    names the file when it is done."""
    _terminal, window = window_for(technician_config("http://127.0.0.1:9", tmp_path / "data"))
    target = tmp_path / "support.zip"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "ZIP (*.zip)"))
    threads = []
    write = diagnostics_module.Diagnostics.support_bundle

    def recording(self, path):
        threads.append(threading.current_thread())
        return write(self, path)

    monkeypatch.setattr(diagnostics_module.Diagnostics, "support_bundle", recording)
    window.bundle.button.click()
    assert not window.bundle.button.isEnabled()
    qtbot.waitUntil(lambda: window.bundle.saved is not None, timeout=30000)
    assert window.bundle.button.isEnabled() and str(target) in window.bundle.result.text()
    assert threads and threads[0] is not threading.main_thread()
    with zipfile.ZipFile(target) as bundle:
        devices = json.loads(bundle.read("devices.json"))
    assert {t["device"] for t in devices["tests"]} == {"printer:ticket", "printer:receipt"}
    assert devices["platform"]["reachable"] is False
