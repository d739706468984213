"""The technician window's tabs share one shape: a line of buttons, a summary line and a log of raw details."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from core.services.diagnostics import technician_text


def log_view() -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setObjectName("tech-log")
    view.setReadOnly(True)
    view.setMaximumBlockCount(2000)
    view.setStyleSheet("font-family: monospace; font-size: 13px;")
    return view


class DevicePanel(QWidget):
    """A tab: a line of buttons, a summary line and a log of raw details."""

    def __init__(self, window) -> None:
        """``window``: the ``TechnicianWindow`` the tab belongs to (its translator and worker)."""
        super().__init__()
        self.w = window
        self.tr_ = window.tr_
        self.buttons = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("tech-summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log = log_view()
        self.log.setAccessibleName(self.tr_("ui.a11y.tech_log"))
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.buttons)
        self.layout_.addWidget(self.summary)

    def add_button(self, key: str, slot, name: str) -> QPushButton:
        b = QPushButton(self.tr_(key))
        b.setObjectName(name)
        b.clicked.connect(slot)
        self.buttons.addWidget(b)
        return b

    def note(self, text: str) -> None:
        self.log.appendPlainText(text)

    def failed(self, exc: BaseException) -> None:
        text = technician_text(exc, self.tr_.language)
        self.summary.setText(self.tr_("technician.failed", detail=text))
        self.note(f"! {text}")
