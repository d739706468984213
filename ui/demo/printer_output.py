"""What the simulated printers printed (demo): the latest ticket as it would come out of the printer.

``post(printer, png)`` may be called from any thread (the virtual printer calls back on its owner
thread); the picture reaches the GUI thread through a queued signal.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from ui import theme
from ui.texts import Texts
from ui.widgets import label


class PrinterOutputWindow(QWidget):
    _job = Signal(str, bytes)

    def __init__(self, *, language: str = "zh_CN", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("printer-output")
        theme.style_window(self)
        self.texts = Texts(language, self)
        self.count = 0
        self.title = self.texts.bind(label("", "subtitle"), "ui.demo.printer_output")
        self.caption = self.texts.bind(label("", "muted"), "ui.demo.no_tickets")
        self.paper = QLabel()
        self.paper.setObjectName("paper")
        self.paper.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.paper.setStyleSheet("background: #F2F2F2; padding: 12px;")
        self._pixmap = QPixmap()
        scroll = QScrollArea()
        scroll.setWidget(self.paper)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.caption)
        layout.addWidget(scroll, 1)
        self._job.connect(self._show)
        self._closed = False
        self.resize(460, 900)

    def post(self, printer: str, png: bytes) -> None:
        """Thread-safe: shows ``png`` (one printed job) as the latest output of ``printer``."""
        if self._closed:
            return
        try:
            self._job.emit(printer, png)
        except RuntimeError:  # the window is gone
            pass

    def _show(self, printer: str, png: bytes) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        self.count += 1
        self._pixmap = pixmap
        self._fit()
        self.texts.bind(self.caption, "ui.demo.printer_job", printer=printer, n=self.count)

    def _fit(self) -> None:
        """The paper scaled to the window's width (a 80 mm ticket is 576 dots wide)."""
        if self._pixmap.isNull():
            return
        width = max(200, self.width() - 60)
        scaled = self._pixmap if self._pixmap.width() <= width else self._pixmap.scaledToWidth(
            width, Qt.TransformationMode.SmoothTransformation)
        self.paper.setPixmap(scaled)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._closed = True
        super().closeEvent(event)
