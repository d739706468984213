"""The technician window's scanner tab: live scans with their class, and "decode an image file".

    add_scanner_tab(technician_window)        # ui/app.py and ui/demo/walk.py, after building the window

- **Listen**: a ``ScanSource`` (ui/scan_source.py) over the configured serial scanner (``[devices]
  scanner``; its state shows: connecting / ready / disconnected) and the keyboard-wedge filter (a wedge
  scanner needs no setting: scan while this window is active). Each scan is one line: time, its class
  (``core.domain.codes.classify``) and the payload with control characters escaped
  (``escape_controls``), as ``kiosk diag scanner`` prints it; a rejected code (garbage, overlong) is a
  line with the driver's reason. **Stop** closes it (the serial port is free again).
- **Decode an image file…**: the same code path as ``kiosk diag decode`` (``kiosk.diag.decode.decode_file``
  with ``still_decoder``), on the window's worker: each code with its format, class and escaped text.

The technician usually services a terminal whose own process holds the serial port; listening here
then shows "disconnected" until that terminal is stopped (a port has one owner).
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.domain.codes import CodeKind, classify, escape_controls
from core.i18n import keys_for
from core.ports.scanner import ScannerState
from core.services.diagnostics import DeviceSlot, technician_text
from ui.scan_source import ScanSource
from ui.technician_panel import log_view as _log_view

DECODE_TIMEOUT_S = 20.0
KIND_KEYS, STATE_KEYS = keys_for("codes.kind.", CodeKind), keys_for("codes.scanner.state.", ScannerState)




class ScannerPanel(QWidget):
    def __init__(self, window, slot: DeviceSlot, *, scanner_factory=None) -> None:
        """``scanner_factory()``: a ``CodeScanner`` for ``slot.address`` (default: ``SerialScanner``);
        without an address only wedge scans are listened to."""
        super().__init__()
        self.setObjectName("scanner-panel")
        self.w = window
        self.tr_ = window.tr_
        self.slot = slot
        self._factory = scanner_factory
        self.source: ScanSource | None = None
        self.scans: list[tuple[str, str]] = []  # (kind, escaped payload) as shown, for tests
        self.decoded: dict | None = None
        buttons = QHBoxLayout()
        self.listen_button = self._button("ui_codes.tech.listen", self.toggle, "scanner-listen")
        self.decode_button = self._button("ui_codes.tech.decode_file", self.choose_file, "scanner-decode")
        for b in (self.listen_button, self.decode_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("tech-summary")
        self.summary.setWordWrap(True)
        self.state = QLabel()
        self.state.setObjectName("scanner-state")
        note = QLabel(self.tr_("ui_codes.tech.wedge_note"))
        note.setWordWrap(True)
        self.log = _log_view()
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.state)
        layout.addWidget(note)
        layout.addWidget(QLabel(self.tr_("ui_codes.tech.live")))
        layout.addWidget(self.log, 1)
        self.summary.setText(self.tr_("ui_codes.tech.configured", url=slot.address) if slot.configured
                             else self.tr_("ui_codes.tech.wedge_only"))

    def _button(self, key: str, slot, name: str) -> QPushButton:
        b = QPushButton(self.tr_(key))
        b.setObjectName(name)
        b.clicked.connect(slot)
        return b

    # --- listening ------------------------------------------------------------------------------

    @property
    def listening(self) -> bool:
        return self.source is not None

    def toggle(self) -> None:
        if self.listening:
            self.stop()
        else:
            self.listen()

    def listen(self) -> None:
        if self.listening:
            return
        scanner = None
        if self.slot.configured:
            factory = self._factory or self.w.diagnostics.open_scanner
            scanner = factory()
        self.source = ScanSource(QApplication.instance(), scanner=scanner, wedge=True)
        self.source.window = self.w
        self.source.scanned.connect(self._scanned)
        self.source.state.connect(self._state)
        self.source.error.connect(self._error)
        self.source.start()
        self.listen_button.setText(self.tr_("ui_codes.tech.stop"))
        self._state(self.source.current_state if scanner is not None else None)

    def stop(self) -> None:
        source, self.source = self.source, None
        if source is not None:
            source.close()
            source.deleteLater()
        self.listen_button.setText(self.tr_("ui_codes.tech.listen"))
        self.state.setText("")

    def _now(self) -> str:
        return time.strftime("%H:%M:%S")

    def _scanned(self, payload: str) -> None:
        kind = classify(payload).kind
        shown = escape_controls(payload)
        self.scans.append((kind.value, shown))
        self.log.appendPlainText(self.tr_("ui_codes.tech.scan_line", time=self._now(),
                                          kind=f"{kind.value} ({self.tr_(f'codes.kind.{kind.value}')})",
                                          payload=shown))

    def _state(self, state: ScannerState | None) -> None:
        if state is None:
            self.state.setText("")
            return
        self.state.setText(self.tr_(f"codes.scanner.state.{state.value}"))

    def _error(self, error) -> None:
        self.log.appendPlainText(self.tr_("ui_codes.tech.rejected_line", time=self._now(),
                                          detail=escape_controls(technician_text(error, self.tr_.language))))

    # --- decode an image file ---------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr_("ui_codes.tech.decode_file"), "",
                                              "Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff)")
        if path:
            self.decode(path)

    def decode(self, path: str) -> None:
        """Decodes the codes in the image file ``path`` on the window's worker."""
        self.decode_button.setEnabled(False)
        self.log.appendPlainText(f"> decode {escape_controls(path)}")
        self.w.run(self.w.diagnostics.decode_image, path, on_done=self._decoded, on_error=self._decode_failed,
                   timeout_s=DECODE_TIMEOUT_S)

    def _decoded(self, record: dict) -> None:
        self.decode_button.setEnabled(True)
        self.decoded = record
        self.log.appendPlainText(self.tr_("ui_codes.tech.decode_result", path=escape_controls(record["path"]),
                                          count=len(record["codes"]), ms=record["ms"]))
        for code in record["codes"]:
            self.log.appendPlainText(self.tr_("ui_codes.tech.decode_code", format=code["format"],
                                              kind=classify(code["text"]).kind.value,
                                              text=escape_controls(code["text"])))

    def _decode_failed(self, exc: BaseException) -> None:
        self.decode_button.setEnabled(True)
        self.log.appendPlainText(f"! {technician_text(exc, self.tr_.language)}")

    def shutdown(self) -> None:
        self.stop()


def add_scanner_tab(window, *, scanner_factory=None) -> ScannerPanel | None:
    """Puts the scanner panel in ``window``'s (a ``TechnicianWindow``) scanner tab."""
    slot = next((s for s in window.diagnostics.slots() if s.kind == "scanner"), None)
    if slot is None:
        return None
    panel = ScannerPanel(window, slot, scanner_factory=scanner_factory)
    window.add_device_tab("scanner", panel, window.tr_("technician.tab.scanner"))
    return panel
