"""The technician window's "support bundle" button: asks where to save the zip, then writes it on the
window's worker (device self-tests take seconds: never on the GUI thread) and says where it went.

    bar = BundleBar(window)          # window.bundle; its button ``support-bundle``
    bar.save_to("/tmp/support.zip")  # what the button does once a path is chosen
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from core.services.diagnostics import technician_text

BUNDLE_TIMEOUT_S = 60.0  # every device self-test in it is bounded; the platform check too


class BundleBar(QWidget):
    def __init__(self, window) -> None:
        super().__init__()
        self.w = window
        self.button = QPushButton(window.tr_("technician.bundle.button"))
        self.button.setObjectName("support-bundle")
        self.button.clicked.connect(self.choose)
        self.result = QLabel()
        self.result.setObjectName("support-bundle-result")
        self.result.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.result, 1)
        self.saved: str | None = None

    def default_path(self) -> str:
        cfg = self.w.diagnostics.cfg
        return str(Path.home() / f"support-{cfg.terminal_id}-{time.strftime('%Y%m%d-%H%M%S')}.zip")

    def choose(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.w.tr_("technician.bundle.button"), self.default_path(),
                                              "ZIP (*.zip)")
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> None:
        self.button.setEnabled(False)
        self.result.setText(self.w.tr_("technician.bundle.writing", path=path))
        self.w.run(self.w.diagnostics.support_bundle, path, on_done=lambda written: self._done(path, written),
                   on_error=self._failed, timeout_s=BUNDLE_TIMEOUT_S)

    def _done(self, path: str, written: dict) -> None:
        self.saved = path
        self.button.setEnabled(True)
        self.result.setText(self.w.tr_("technician.bundle.written", path=path, kb=max(1, sum(written.values()) // 1024)))

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        self.result.setText(self.w.tr_("technician.failed", detail=technician_text(exc, self.w.tr_.language)))
