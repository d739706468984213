"""The technician's window (``role = "technician"``): a desktop window, one tab per device class, the
platform link, and the outbox with its dead letters.

    window = TechnicianWindow(diagnostics, store=store, engine=engine, language="zh_CN")

- Every check is a call on ``core.services.diagnostics.Diagnostics`` run on a ``ui.worker.Worker``
  (never on the GUI thread); results come back as queued signals and are shown in the technician's words
  with the raw details (driver errors with their class and detail, frames in hex, HTTP round trips).
- Printers (ticket, fallback, receipt): status (DLE EOT), print a test page, and a picture of the last
  job the printer printed (the virtual printer keeps every job; a real one shows the test page printed
  from here).
- ID-card reader: read one card (masked as ``kiosk diag idcard`` masks it) with the frames that went by
  (masked too: a long answer shows its header only).
- Scanner and camera: their tab says "not configured" when ``[devices]`` names none; their engineers put
  their own panels in (``TechnicianWindow.add_device_tab``).
- Smart locker (智能柜), when ``[locker]`` names a bus: scan the boards, open a lock, read a door
  (ui/technician_locker.py).
- Platform: reachable (unsigned health check), this terminal's credentials accepted (a signed request),
  clock skew against the server's ``Date``.
- Outbox: counts, age of the oldest, free disk, and ``OutboxView`` (ui/sync_status.py): resend or discard
  a dead letter with a reason, which goes into the store's audit log.
- The support bundle (ui/technician_bundle.py): one button writes ``kiosk diag bundle``'s zip on the worker.
- The status area at the bottom: ``SyncStatusWidget`` when the terminal runs an engine in this process
  (the demo), else the outbox counts read every few seconds on the worker.
"""

from __future__ import annotations

import getpass
import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.i18n import Translator, keys_for
from core.presenters.technician import (
    card_texts,
    not_configured_text,
    outbox_refresh_due,
    outbox_summary,
    platform_lines,
    platform_log_line,
    printer_log_line,
    printer_summary,
    status_line,
)
from core.services.diagnostics import (
    DEVICE_CLASSES,
    CardReport,
    DeviceSlot,
    Diagnostics,
    OutboxReport,
    PlatformReport,
    PrinterReport,
    technician_text,
)
from ui.closing import ClosingWindow
from ui.sync_status import OutboxView, SyncStatusWidget, outbox_service
from ui.technician_panel import DevicePanel as _Panel
from ui.worker import Worker

log = logging.getLogger(__name__)

CARD_TIMEOUT_S = 10.0
OUTBOX_REFRESH_MS = 5000
TAB_KEYS = keys_for("technician.tab.", DEVICE_CLASSES)


class PrinterPanel(_Panel):
    def __init__(self, window: TechnicianWindow, slot: DeviceSlot) -> None:
        super().__init__(window)
        self.slot = slot
        self.status_button = self.add_button("technician.printer.status", self.check_status, "printer-status")
        self.test_button = self.add_button("technician.printer.test_page", self.print_test_page, "printer-test")
        self.render_button = self.add_button("technician.printer.render", self.render_last, "printer-render")
        self.buttons.addStretch(1)
        self.picture = QLabel()
        self.picture.setObjectName("printer-picture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(self.picture)
        scroll.setWidgetResizable(True)
        row = QHBoxLayout()
        row.addWidget(self.log, 1)
        row.addWidget(scroll, 1)
        self.layout_.addLayout(row, 1)
        self.summary.setText(self.tr_("technician.printer.configured", name=slot.name, url=slot.address))
        self.report: PrinterReport | None = None
        self.png: bytes | None = None

    def check_status(self) -> None:
        self.note(f"> status {self.slot.name} ({self.slot.address})")
        self.w.run(self.w.diagnostics.printer_status, self.slot.name, on_done=self._show, on_error=self.failed)

    def print_test_page(self) -> None:
        self.note(f"> test page {self.slot.name}")
        self.w.run(self.w.diagnostics.print_test_page, self.slot.name, on_done=self._printed, on_error=self.failed)

    def _printed(self, report: PrinterReport) -> None:
        self._show(report)
        if report.status != "error":
            self.render_last()

    def _show(self, report: PrinterReport) -> None:
        self.report = report
        self.summary.setText(printer_summary(self.tr_, report))
        self.note(printer_log_line(report))

    def render_last(self) -> None:
        self.w.run(self.w.diagnostics.render_last, self.slot.name, on_done=self._rendered, on_error=self.failed)

    def _rendered(self, png: bytes | None) -> None:
        self.png = png
        if png is None:
            self.picture.setText(self.tr_("technician.printer.nothing_printed"))
            self.note(f"< {self.slot.name}: no job printed yet")
            return
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        self.picture.setPixmap(pixmap)
        self.note(f"< {self.slot.name}: last job rendered ({pixmap.width()}×{pixmap.height()} px)")


class CardPanel(_Panel):
    def __init__(self, window: TechnicianWindow, slot: DeviceSlot) -> None:
        super().__init__(window)
        self.slot = slot
        self.read_button = self.add_button("technician.idcard.read", self.read, "idcard-read")
        self.buttons.addStretch(1)
        self.card = QLabel()
        self.card.setObjectName("idcard-record")
        self.card.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.card.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.card, 1)
        row.addWidget(self.log, 2)
        self.layout_.addLayout(row, 1)
        self.summary.setText(self.tr_("technician.idcard.configured", url=slot.address))
        self.report: CardReport | None = None

    def read(self) -> None:
        self.read_button.setEnabled(False)
        self.summary.setText(self.tr_("technician.idcard.waiting", timeout=f"{CARD_TIMEOUT_S:g}", url=self.slot.address))
        self.note(f"> read one card ({self.slot.address}, {CARD_TIMEOUT_S:g} s)")
        self.w.run(self.w.diagnostics.read_card, CARD_TIMEOUT_S, on_done=self._read, on_error=self._failed,
                   timeout_s=CARD_TIMEOUT_S + 10.0)

    def _failed(self, exc: BaseException) -> None:
        self.read_button.setEnabled(True)
        self.failed(exc)

    def _read(self, report: CardReport) -> None:
        self.read_button.setEnabled(True)
        self.report = report
        summary, fields, log_lines = card_texts(self.tr_, report)
        for line in log_lines:
            self.note(line)
        self.summary.setText(summary)
        self.card.setText(fields)


class NotConfiguredPanel(QWidget):
    """The place for a device class this window has no panel for yet, or that is not configured."""

    def __init__(self, tr_: Translator, slot: DeviceSlot) -> None:
        super().__init__()
        self.message = QLabel(not_configured_text(tr_, slot))
        self.message.setObjectName("device-not-configured")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addStretch(1)


class PlatformPanel(_Panel):
    def __init__(self, window: TechnicianWindow) -> None:
        super().__init__(window)
        self.check_button = self.add_button("technician.platform.check", self.check, "platform-check")
        self.buttons.addStretch(1)
        self.layout_.addWidget(self.log, 1)
        self.summary.setText(self.tr_("technician.platform.url", url=window.diagnostics.cfg.platform.url))
        self.report: PlatformReport | None = None

    def check(self) -> None:
        self.note(f"> GET {self.w.diagnostics.cfg.platform.url}/v1/health, signed GET /v1/hall")
        self.w.run(self.w.diagnostics.check_platform, on_done=self._show, on_error=self.failed)

    def _show(self, r: PlatformReport) -> None:
        self.report = r
        self.summary.setText("\n".join(platform_lines(self.tr_, r)))
        self.note(platform_log_line(r))


class OutboxPanel(QWidget):
    def __init__(self, window: TechnicianWindow, store, engine) -> None:
        super().__init__()
        self.w = window
        self.summary = QLabel(window.tr_("technician.outbox.no_store"))
        self.summary.setObjectName("outbox-summary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        self.view = None
        if store is not None:
            self.view = OutboxView(outbox_service(store, engine, window.actor), language=window.tr_.language)
            layout.addWidget(self.view, 1)
        else:
            layout.addStretch(1)
        self.report: OutboxReport | None = None

    def refresh(self) -> None:
        self.w.run(self.w.diagnostics.outbox, on_done=self._show, on_error=self._failed)
        if self.view is not None:
            self.view.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(self.w.tr_("technician.failed", detail=technician_text(exc, self.w.tr_.language)))

    def _show(self, r: OutboxReport | None) -> None:
        self.report = r
        if r is None:
            return
        self.w._outbox_read(r)
        self.summary.setText(outbox_summary(self.w.tr_, r))

    def shutdown(self) -> None:
        if self.view is not None:
            self.view.shutdown()


class TechnicianWindow(ClosingWindow, QWidget):
    def __init__(self, diagnostics: Diagnostics, *, store=None, engine=None, language: str = "zh_CN",
                 actor: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("technician-window")
        self.diagnostics = diagnostics
        self.tr_ = Translator(language)
        self.actor = actor or getpass.getuser()
        # Three threads: a card read may wait ten seconds while a printer or the platform is checked.
        self.worker = Worker(self, name="technician", max_workers=3)
        self.at_shutdown(self.worker.shutdown)
        self.at_shutdown(self._shutdown_panels)
        self.setWindowTitle(self.tr_("technician.title", terminal=diagnostics.cfg.terminal_id))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("technician-tabs")
        # Every device's tab stays in view, with no 16 px scroll arrows: a name too long for its share is elided.
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.panels: dict[str, QWidget] = {}
        for slot in diagnostics.slots():
            if slot.kind in ("ticket_printer", "ticket_printer_fallback", "receipt_printer") and slot.configured:
                panel: QWidget = PrinterPanel(self, slot)
            elif slot.kind == "idcard_reader" and slot.configured:
                panel = CardPanel(self, slot)
            elif slot.kind == "camera" and slot.configured and diagnostics.camera_factory is not None:
                from ui.technician_camera import CameraPanel

                panel = CameraPanel(self, slot)
            else:
                panel = NotConfiguredPanel(self.tr_, slot)
            self.add_device_tab(slot.kind, panel, self.tr_(f"technician.tab.{slot.kind}"))
        from ui.technician_scanner import add_scanner_tab

        add_scanner_tab(self)  # live scans and "decode an image file" (ui/technician_scanner.py)
        from ui.technician_locker import add_locker_tab

        add_locker_tab(self)  # the smart locker's boards, when [locker] names a bus (ui/technician_locker.py)
        from ui.technician_voice import add_voice_tab

        add_voice_tab(self)  # the speaker test (ui/technician_voice.py)
        self.platform = PlatformPanel(self)
        self.tabs.addTab(self.platform, self.tr_("technician.tab.platform"))
        self.outbox = OutboxPanel(self, store, engine)
        self.tabs.addTab(self.outbox, self.tr_("technician.tab.outbox"))
        self.at_shutdown(self.outbox.shutdown)
        self.tabs.currentChanged.connect(self._tab_changed)

        self.status = SyncStatusWidget(engine, language=language, parent=self) if engine is not None else None
        layout = QVBoxLayout(self)
        heading = QLabel(self.tr_("technician.heading", terminal=diagnostics.cfg.terminal_id,
                                  role=diagnostics.cfg.role, source=diagnostics.cfg.source or "-"))
        heading.setObjectName("technician-heading")
        layout.addWidget(heading)
        from ui.technician_bundle import BundleBar

        self.bundle = BundleBar(self)  # the support bundle (kiosk diag bundle), written on the worker
        layout.addWidget(self.bundle)
        layout.addWidget(self.tabs, 1)
        if self.status is not None:
            layout.addWidget(self.status)
            self.at_shutdown(self.status.shutdown)
        else:
            layout.addWidget(self._status_line())
        self.timer = QTimer(self)
        self.timer.setInterval(OUTBOX_REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.at_shutdown(self.timer.stop)
        self.resize(1200, 760)

    def _status_line(self) -> QLabel:
        """Without an engine here: the outbox summary at the bottom too (read by the timer)."""
        line = QLabel()
        line.setObjectName("technician-status")
        self.status_line = line
        return line

    def add_device_tab(self, kind: str, panel: QWidget, title: str) -> None:
        """Puts ``panel`` in the tab of device class ``kind`` (replacing a "not configured" place)."""
        old = self.panels.get(kind)
        if old is not None:
            index = self.tabs.indexOf(old)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, panel, title)
            old.deleteLater()
        else:
            self.tabs.addTab(panel, title)
        self.panels[kind] = panel

    def run(self, fn, *args, on_done, on_error, timeout_s: float = 15.0) -> None:
        if not self.closed:
            self.worker.run(fn, *args, on_done=on_done, on_error=on_error, timeout_s=timeout_s)

    def show_tab(self, key: str) -> None:
        widget = self.panels.get(key) or {"platform": self.platform, "outbox": self.outbox}[key]
        self.tabs.setCurrentWidget(widget)

    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.outbox:
            self.outbox.refresh()

    def _tick(self) -> None:
        if outbox_refresh_due(outbox_tab_shown=self.tabs.currentWidget() is self.outbox,
                              live_status=self.status is not None):
            self.outbox.refresh()

    def _outbox_read(self, r: OutboxReport) -> None:
        if self.status is None:
            self.status_line.setText(status_line(self.tr_, r))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self.closed and not self.timer.isActive():
            self.timer.start()
            self._tick()

    def _shutdown_panels(self) -> None:
        for panel in self.panels.values():
            if hasattr(panel, "shutdown"):
                panel.shutdown()
