"""The on-screen keyboard under a real X server, with a probe a test talks to (tests/test_keyboard_x11.py).

Run as ``python tests/x_keyboard_probe.py`` with ``DISPLAY`` set and ``QT_QPA_PLATFORM=xcb``: a window with
a text field and the keyboard below it, themed like the kiosk, the field focused. It never clicks: the test
clicks the keys with real X events (xdotool) and asks the probe only where the keys are and what shows.

    {"probe": "ready", ...state}        printed once the window is on the screen and the pinyin index loaded
    state       → {"text": the field's text, "preedit": the bar's pinyin, "candidates": [shown texts],
                   "keys": {object name: [x, y] centre on the screen, for every key shown},
                   "focus": the focused widget's object name}
    shot PATH   → saves a picture of the whole X screen (as the X server has it) to PATH; {"shot": PATH}
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QObject, QTimer, Signal  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget  # noqa: E402

from ui import theme  # noqa: E402
from ui.pinyin_keyboard import OnScreenKeyboard  # noqa: E402
from ui.widgets import label  # noqa: E402


def _answer(record: dict) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class Probe(QObject):
    command = Signal(str)  # from the stdin thread, queued to the GUI thread

    def __init__(self) -> None:
        super().__init__()
        self.window = QWidget()
        self.window.setWindowTitle("keyboard probe")
        box = QVBoxLayout(self.window)
        box.addWidget(label("姓名 / 地址", "subtitle"))
        self.field = QLineEdit()
        self.field.setObjectName("field")
        box.addWidget(self.field)
        self.keyboard = OnScreenKeyboard()
        box.addWidget(self.keyboard)
        theme.style_window(self.window)
        self.window.resize(1280, 860)
        self.window.show()
        self.window.activateWindow()
        self.field.setFocus()
        self.command.connect(self._run)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._wait_ready)
        self.timer.start()

    def _wait_ready(self) -> None:
        if self.keyboard.ready and self.window.isActiveWindow() and self.field.hasFocus():
            self.timer.stop()
            _answer({"probe": "ready", **self._state()})
        elif not self.field.hasFocus():
            self.window.activateWindow()
            self.field.setFocus()

    def _state(self) -> dict:
        keys = {}
        for key in self.keyboard.findChildren(QPushButton):
            if key.isVisible():
                centre = key.mapToGlobal(key.rect().center())
                keys[key.objectName()] = [centre.x(), centre.y()]
        shown = [b.text() for b in self.keyboard.bar_buttons + self.keyboard.grid_buttons
                 if b.isVisible() and b.text()]
        focus = QApplication.focusWidget()
        return {"text": self.field.text(), "preedit": self.keyboard.preedit.text(), "candidates": shown,
                "keys": keys, "focus": focus.objectName() if focus else ""}

    def _run(self, line: str) -> None:
        try:
            command, _, argument = line.strip().partition(" ")
            if command == "state":
                _answer(self._state())
            elif command == "shot":
                QGuiApplication.primaryScreen().grabWindow(0).save(argument)
                _answer({"shot": argument})
            elif command == "quit":
                QApplication.quit()
            else:
                _answer({"error": f"unknown command {command!r}"})
        except Exception as exc:  # noqa: BLE001 (reported to the test)
            _answer({"error": repr(exc)})


def main() -> None:
    app = QApplication(sys.argv[:1])
    theme.apply(app)
    probe = Probe()

    def read() -> None:
        for line in sys.stdin:
            probe.command.emit(line)
        probe.command.emit("quit")

    threading.Thread(target=read, name="probe-stdin", daemon=True).start()
    app.exec()
    probe.keyboard.wait_loaded(5.0)


if __name__ == "__main__":
    main()
