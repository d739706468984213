"""The demo's "demo devices" window: place a sample ID card on (or lift it from) a simulated reader,
and "scan" sample codes on a simulated serial scanner.

The demo (kiosk/demo.py) runs one ID-card reader simulator for the kiosk and one for the clerk's window
(simulators/idcard.py, on 127.0.0.1); the terminals' drivers poll them over ``socket://`` exactly
as they would a real reader. This window is the person's hand: one button per sample card (labels
``idcard.sample.<key>``) and "lift" for each reader. ``place``/``lift`` only set the simulator's card
slot under its lock; they never wait for the reader.

Code scanners (``DemoScanner``): one button per sample code (labels ``ui_codes.demo.sample.<key>``);
``scan(scanner, key)`` writes the code and a CR to the scanner simulator's socket on 127.0.0.1 (a few
bytes, one write: it does not wait for the terminal), which the terminal's ``SerialScanner`` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QGridLayout, QGroupBox, QVBoxLayout, QWidget

from ui import theme
from ui.texts import Texts
from ui.widgets import button, label


@dataclass(frozen=True)
class DemoReader:
    """One simulated reader: its title (message key and parameters) and the simulator (``place(key)``,
    ``lift()``, ``card`` with a ``key``)."""

    key: str
    title_key: str
    title_params: dict
    simulator: Any


@dataclass(frozen=True)
class DemoScanner:
    """One simulated serial scanner: its title key, the ``ScannerSimulator`` and the sample codes it can
    scan, by key (``appointment``, ``receipt``, ``e_licence``, ``hostile``)."""

    key: str
    title_key: str
    simulator: Any
    codes: dict


class DemoDevicesWindow(QWidget):
    def __init__(self, readers: list[DemoReader], sample_keys: list[str], *, language: str = "zh_CN",
                 scanners: list[DemoScanner] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("demo-devices")
        # A technician's tool, not a citizen screen: smaller buttons so every card fits on one line.
        theme.style_window(self, theme.stylesheet()
                          + "QPushButton, QPushButton[compact=\"true\"] { min-height: 40px; font-size: 16pt; }")
        self.texts = Texts(language, self)
        self.readers = {r.key: r for r in readers}
        self.states: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.texts.bind(label("", "subtitle"), "ui.demo.devices.title"))
        for reader in readers:
            group = QGroupBox()
            group.setObjectName(f"reader-{reader.key}")
            self.texts.bind(group, reader.title_key, setter="setTitle", **reader.title_params)
            grid = QGridLayout(group)
            state = label("", "muted")
            state.setObjectName(f"reader-{reader.key}-state")
            self.states[reader.key] = state
            grid.addWidget(state, 0, 0, 1, 2)
            for index, sample in enumerate(sample_keys):
                place = self.texts.bind(button("", name=f"place-{reader.key}-{sample}"), f"idcard.sample.{sample}")
                place.setProperty("compact", True)
                place.clicked.connect(lambda _=False, r=reader.key, s=sample: self.place(r, s))
                grid.addWidget(place, 1 + index, 0)
            lift = self.texts.bind(button("", "primary", name=f"lift-{reader.key}"), "idcard.sample.lift")
            lift.setProperty("compact", True)
            lift.clicked.connect(lambda _=False, r=reader.key: self.lift(r))
            grid.addWidget(lift, 1 + len(sample_keys), 0)
            layout.addWidget(group)
        self.scanners = {s.key: s for s in scanners or ()}
        for scanner in scanners or ():
            group = QGroupBox()
            group.setObjectName(f"scanner-{scanner.key}")
            self.texts.bind(group, scanner.title_key, setter="setTitle")
            grid = QGridLayout(group)
            for index, sample in enumerate(scanner.codes):
                label_key = f"ui_codes.demo.sample.{sample}"
                if not self.texts.tr.has(label_key):  # the clerk's e-licences (ui_materials catalogue)
                    label_key = f"materials.demo.sample.{sample}"
                scan = self.texts.bind(button("", name=f"scan-{scanner.key}-{sample}"), label_key)
                scan.setProperty("compact", True)
                scan.clicked.connect(lambda _=False, k=scanner.key, s=sample: self.scan(k, s))
                grid.addWidget(scan, index // 2, index % 2)
            layout.addWidget(group)
        layout.addStretch(1)
        self.texts.changed.connect(lambda _: self._show_states())
        self._show_states()
        self.resize(760, 760)

    def place(self, reader: str, sample: str) -> None:
        self.readers[reader].simulator.place(sample)
        self._show_states()

    def scan(self, scanner: str, sample: str) -> None:
        """The sample code ``sample`` is scanned on ``scanner`` (no-op while the terminal is not connected)."""
        demo = self.scanners[scanner]
        try:
            demo.simulator.send_code(demo.codes[sample])
        except OSError:  # the terminal's scanner has not connected (yet): nothing is scanned
            pass

    def lift(self, reader: str) -> None:
        self.readers[reader].simulator.lift()
        self._show_states()

    def _show_states(self) -> None:
        t = self.texts
        for key, reader in self.readers.items():
            card = reader.simulator.card
            self.states[key].setText(t("ui.demo.devices.placed", card=t(f"idcard.sample.{card.key}"))
                                     if card is not None else t("ui.demo.devices.empty"))
