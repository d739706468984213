"""The demo under a real X server, with a probe a test talks to (tests/test_wedge_x11.py).

Run as ``python tests/x_demo_probe.py DATA_DIR`` with ``DISPLAY`` set and ``QT_QPA_PLATFORM=xcb``: it runs
``kiosk demo`` exactly as a person would start it (hall server, simulated devices, the kiosk, clerk,
display and technician windows in one process), and answers one JSON line on stdout per line it reads
on stdin. It never types or clicks: the test does that with real X events (xdotool), and asks the probe
only where a widget is on the screen and what the windows hold.

    {"probe": "ready"}                      printed once the clerk's login page is on the screen
    clerk      → {"window": X id, "x", "y": the staff-id field's centre on the screen}
    technician → the technician window listens on its scanner tab; {"window", "x", "y": the tab's log}
    state      → {"staff": the staff-id field's text, "scans": {"citizen"|"clerk"|"technician": [codes]},
                  "active": the active window's class, "focus": the focused widget's object name}
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QObject, QTimer, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ui.app import application  # noqa: E402


def _answer(record: dict) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _on_screen(window: QWidget, widget: QWidget) -> dict:
    centre = widget.mapToGlobal(widget.rect().center())
    return {"window": int(window.winId()), "x": centre.x(), "y": centre.y()}


class Probe(QObject):
    command = Signal(str)  # from the stdin thread, queued to the GUI thread

    def __init__(self) -> None:
        super().__init__()
        self.windows: dict[str, QWidget] = {}
        self.scans: dict[str, list[str]] = {"citizen": [], "clerk": [], "technician": []}
        self.command.connect(self._run)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._look_for_windows)
        self.timer.start()

    def _look_for_windows(self) -> None:
        from ui.citizen import CitizenWindow
        from ui.clerk import ClerkWindow
        from ui.technician import TechnicianWindow

        roles = {"citizen": CitizenWindow, "clerk": ClerkWindow, "technician": TechnicianWindow}
        for widget in QApplication.topLevelWidgets():
            for role, kind in roles.items():
                if isinstance(widget, kind) and widget.isVisible():
                    self.windows[role] = widget
        clerk = self.windows.get("clerk")
        if len(self.windows) == len(roles) and clerk.login_page.staff.isVisible():
            self.timer.stop()
            for role in ("citizen", "clerk"):
                self.windows[role].scans.scanned.connect(self.scans[role].append)
            _answer({"probe": "ready"})

    def _run(self, line: str) -> None:
        try:
            _answer(getattr(self, f"do_{line.strip()}")())
        except Exception as exc:  # the test reads the reason instead of waiting for an answer
            _answer({"error": repr(exc)})

    def do_clerk(self) -> dict:
        clerk = self.windows["clerk"]
        return _on_screen(clerk, clerk.login_page.staff)

    def do_technician(self) -> dict:
        tech = self.windows["technician"]
        panel = tech.panels["scanner"]
        tech.show_tab("scanner")
        panel.listen()
        panel.source.scanned.connect(self.scans["technician"].append)
        return _on_screen(tech, panel.log)

    def do_state(self) -> dict:
        active, focus = QApplication.activeWindow(), QApplication.focusWidget()
        return {"staff": self.windows["clerk"].login_page.staff.text(), "scans": self.scans,
                "active": type(active).__name__ if active is not None else None,
                "focus": focus.objectName() if focus is not None else None}


def main() -> int:
    from kiosk.demo import run_demo

    application()  # the demo's windows open on this application
    probe = Probe()

    def read_commands() -> None:
        for line in sys.stdin:
            probe.command.emit(line)

    threading.Thread(target=read_commands, name="probe-stdin", daemon=True).start()
    return run_demo(data_dir=sys.argv[1])


if __name__ == "__main__":
    sys.exit(main())
