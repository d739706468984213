"""The technician window's smart-locker tab (智能柜): scan the boards, open one lock, read one door.

    add_locker_tab(technician_window)        # ui/technician.py, when [locker] names a bus

Each button runs ``Diagnostics.check_locker`` (the code path of ``kiosk diag locker``) on the window's
worker, never the GUI thread: the bus is opened for the check and closed after, so the port is free
between checks. The summary says what happened (released, jammed, the door's state, which boards
answered); the log shows every frame in hex and one JSON record per lock. While a check runs the buttons
are disabled; its wait is bounded (``core.presenters.locker.check_bound_s``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox

from core.presenters.locker import check_bound_s, configured_text, log_lines, summary_text
from core.services.locker_check import LockerReport
from ui.technician_panel import DevicePanel


class LockerPanel(DevicePanel):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.setObjectName("locker-panel")
        self.cfg = window.diagnostics.cfg.locker
        self.board = self._spin("locker-board", min(self.cfg.boards, default=1))
        self.lock = self._spin("locker-lock", 1)
        picks = QHBoxLayout()
        for key, spin in (("locker.tab.board", self.board), ("locker.tab.lock", self.lock)):
            picks.addWidget(QLabel(self.tr_(key)))
            picks.addWidget(spin)
        picks.addStretch(1)
        self.scan_button = self.add_button("locker.tab.scan", self.scan, "locker-scan")
        self.open_button = self.add_button("locker.tab.open", self.open_lock, "locker-open")
        self.status_button = self.add_button("locker.tab.status", self.read_door, "locker-status")
        self.buttons.addStretch(1)
        self.layout_.insertLayout(0, picks)
        self.layout_.addWidget(self.log, 1)
        self.summary.setText(configured_text(self.tr_, self.cfg))
        self.report: LockerReport | None = None
        self.error: BaseException | None = None

    def _spin(self, name: str, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(1, 255)
        spin.setValue(value)
        return spin

    @property
    def busy(self) -> bool:
        return not self.scan_button.isEnabled()

    def scan(self) -> None:
        self._check("scan")

    def open_lock(self) -> None:
        self._check("open")

    def read_door(self) -> None:
        self._check("status")

    def _check(self, action: str) -> None:
        if self.busy:
            return
        board, lock = self.board.value(), self.lock.value()
        self._enable(False)
        self.summary.setText(self.tr_("locker.tab.busy"))
        self.note(f"> {action}" + ("" if action == "scan" else f" board={board} lock={lock}"))
        self.w.run(self.w.diagnostics.check_locker, action, board, lock, on_done=self._done,
                   on_error=self._failed, timeout_s=check_bound_s(self.cfg, action))

    def _enable(self, enabled: bool) -> None:
        for button in (self.scan_button, self.open_button, self.status_button):
            button.setEnabled(enabled)

    def _done(self, report: LockerReport) -> None:
        self._enable(True)
        self.report, self.error = report, None
        for line in log_lines(report):
            self.note(line)
        self.summary.setText(summary_text(self.tr_, report))

    def _failed(self, exc: BaseException) -> None:
        self._enable(True)
        self.report, self.error = None, exc
        self.failed(exc)


def add_locker_tab(window) -> LockerPanel | None:
    """Puts the smart-locker panel in ``window``'s (a ``TechnicianWindow``) 智能柜 tab when ``[locker]``
    names a bus; a terminal without a locker has no such tab."""
    if window.diagnostics.locker_factory is None:
        return None
    panel = LockerPanel(window)
    window.add_device_tab("locker", panel, window.tr_("locker.tab.title"))
    return panel
