"""The citizen kiosk locked down: full screen and frameless, no close, the shortcuts an app can catch
swallowed, and the technician's hidden way in (docs/deployment.md, "Locking the kiosk down").

    lock = KioskLockdown(window, GatePresenter(gate, worker.run, monotonic=time.monotonic),
                         open_technician=lambda actor: ..., texts=window.texts)

- The window is shown full screen, frameless and above other windows; a close request (Alt+F4, the window
  manager) is refused unless a technician chose to leave or the program is being stopped (SIGTERM from
  systemd: ``quit_on_signals`` in ui/app.py marks the application ``quitting``).
- An application-wide filter swallows the key combinations that close or leave a window, or open a
  desktop's launcher: Alt+F4, Ctrl+Q, Ctrl+W, Alt+Tab, Alt+Esc, Ctrl+Esc and the Super/Meta keys. Keys the
  kiosk uses (digits, letters and Enter from a keyboard-wedge scanner, arrows, Esc and Enter of a keypad)
  pass. What only the OS sees (Ctrl+Alt+F1…, SysRq) the OS must turn off: `kiosk diag lockdown`.
- Every press and release on the window feeds the corner gesture (``CornerGesture``); it never takes an
  event from the citizen's page. When it completes, the gate page covers the window: staff id and PIN on
  its own pad, then 技术维护 (the technician window), 退出程序 (exit status ``MAINTENANCE_STATUS``, which the
  systemd unit does not restart: the kiosk stays stopped for maintenance until started again) or 重新启动
  (exit status ``RESTART_STATUS``, which the unit restarts at once).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.presenters.technician_gate import CornerGesture, GatePresenter, Step
from ui.texts import Texts
from ui.widgets import button, label

log = logging.getLogger(__name__)

RESTART_STATUS = 75  # EX_TEMPFAIL: the unit restarts the program at once (Restart=always)
MAINTENANCE_STATUS = 10  # a technician's exit: the unit's RestartPreventExitStatus keeps the kiosk stopped
_MODS = Qt.KeyboardModifier
SWALLOWED = frozenset({
    (Qt.Key.Key_F4, _MODS.AltModifier), (Qt.Key.Key_Q, _MODS.ControlModifier), (Qt.Key.Key_W, _MODS.ControlModifier),
    (Qt.Key.Key_Tab, _MODS.AltModifier), (Qt.Key.Key_Escape, _MODS.AltModifier),
    (Qt.Key.Key_Escape, _MODS.ControlModifier)})
SUPER_KEYS = frozenset({Qt.Key.Key_Meta, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R, Qt.Key.Key_Menu})
PAD_KEYS = "1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def swallowed(event: QKeyEvent) -> bool:
    """Whether a key press is one the kiosk keeps from the window (and from the desktop behind it)."""
    key = Qt.Key(event.key())
    mods = event.modifiers() & (_MODS.AltModifier | _MODS.ControlModifier | _MODS.MetaModifier)
    return key in SUPER_KEYS or (key, mods) in SWALLOWED or bool(mods & _MODS.MetaModifier)


class GatePage(QFrame):
    """The technician's page over the kiosk's: staff id and PIN on its own pad, then the ways out."""

    def __init__(self, presenter: GatePresenter, texts: Texts, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("technician-gate")
        self.setAutoFillBackground(True)
        self.presenter = presenter
        self.title = texts.bind(label("", "title"), "lockdown.gate.title")
        self.message = label("", "muted")
        self.message.setObjectName("gate-message")
        self.staff = button("", name="gate-staff")
        self.pin = button("", name="gate-pin")
        self.pad = QWidget()
        grid = QGridLayout(self.pad)
        self.keys: dict[str, object] = {}
        for i, char in enumerate(PAD_KEYS + "⌫"):
            key = button(char, name=f"gate-key-{char}")
            key.setProperty("compact", True)
            key.clicked.connect(lambda _=False, c=char: presenter.key(c))
            grid.addWidget(key, i // 10, i % 10)
            self.keys[char] = key
        self.ok = texts.bind(button("", "primary", name="gate-ok"), "lockdown.gate.ok")
        self.cancel = texts.bind(button("", name="gate-cancel"), "lockdown.gate.cancel")
        self.technician = texts.bind(button("", "primary", name="gate-technician"), "lockdown.gate.technician")
        self.exit = texts.bind(button("", name="gate-exit"), "lockdown.gate.exit")
        self.restart = texts.bind(button("", name="gate-restart"), "lockdown.gate.restart")
        fields = QHBoxLayout()
        for widget in (self.staff, self.pin):
            fields.addWidget(widget)
        actions = QHBoxLayout()
        for widget in (self.ok, self.technician, self.exit, self.restart, self.cancel):
            actions.addWidget(widget)
        layout = QVBoxLayout(self)
        for part in (self.title, self.message):
            layout.addWidget(part)
        layout.addLayout(fields)
        layout.addWidget(self.pad)
        layout.addLayout(actions)
        layout.addStretch(1)
        self.texts = texts
        self.staff.clicked.connect(lambda: presenter.focus("staff_id"))
        self.pin.clicked.connect(lambda: presenter.focus("pin"))
        self.ok.clicked.connect(presenter.submit)
        self.cancel.clicked.connect(presenter.close)
        self.hide()

    def show_state(self) -> None:
        p = self.presenter
        asking = p.step in (Step.ASKING, Step.CHECKING)
        self.setVisible(p.step is not Step.CLOSED)
        self.message.setText(p.message)
        mark = "▶ "
        staff = self.texts("lockdown.gate.staff", value=p.staff_id)
        pin = self.texts("lockdown.gate.pin", value="●" * len(p.pin))
        self.staff.setText((mark if p.field == "staff_id" else "") + staff)
        self.pin.setText((mark if p.field == "pin" else "") + pin)
        for widget in (self.staff, self.pin, self.pad, self.ok):
            widget.setVisible(asking)
            widget.setEnabled(p.step is Step.ASKING)
        for widget in (self.technician, self.exit, self.restart):
            widget.setVisible(p.step is Step.GRANTED)
        if p.step is not Step.CLOSED:
            self.setGeometry(self.parentWidget().rect())
            self.raise_()


class KioskLockdown(QObject):
    def __init__(self, window: QWidget, presenter: GatePresenter, *, texts: Texts,
                 open_technician: Callable[[str], None] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self.window, self.presenter, self.open_technician = window, presenter, open_technician
        self.monotonic = monotonic
        self.released = False
        self.gesture = CornerGesture()
        self.page = GatePage(presenter, texts, window)
        presenter.events.subscribe(lambda _change: self.page.show_state())
        texts.changed.connect(presenter.set_language)
        self.page.technician.clicked.connect(self._technician)
        self.page.exit.clicked.connect(lambda: self._leave(MAINTENANCE_STATUS))
        self.page.restart.clicked.connect(lambda: self._leave(RESTART_STATUS))
        self.page.technician.setEnabled(open_technician is not None)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(presenter.tick)
        self.timer.start()
        window.setWindowFlags(window.windowFlags() | Qt.WindowType.FramelessWindowHint
                              | Qt.WindowType.WindowStaysOnTopHint)
        QApplication.instance().installEventFilter(self)  # sees every event once, the window's Close too

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind == QEvent.Type.KeyPress and swallowed(event):
            log.info("kiosk: a key combination that leaves the window was swallowed")
            return True
        if watched is self.window and kind == QEvent.Type.Close:
            if QApplication.instance().property("quitting"):  # systemd stopping the kiosk (SIGTERM)
                self.released = True
            if not self.released:
                event.ignore()
                return True
            self.shutdown()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease) and isinstance(watched, QWidget) \
                and watched.window() is self.window:
            self._feed(event, kind == QEvent.Type.MouseButtonPress)
        return False

    def shutdown(self) -> None:
        """The window goes (a technician let it): the page's timer and the key filter go with it."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _feed(self, event, pressed: bool) -> None:
        point = self.window.mapFromGlobal(event.globalPosition().toPoint())
        size, t = self.window.size(), self.monotonic()
        args = (point.x(), point.y(), size.width(), size.height(), t)
        if pressed:
            self.gesture.press(*args)
        elif self.gesture.release(*args) and self.presenter.step is Step.CLOSED:
            log.info("kiosk: the technician's gesture; asking for a staff id and PIN")
            self.presenter.open()

    def _technician(self) -> None:
        access = self.presenter.granted
        if access is None or self.open_technician is None:
            return
        self.presenter.close()
        self.open_technician(access.staff_id)

    def _leave(self, status: int) -> None:
        access = self.presenter.granted
        if access is None:
            return
        log.info("kiosk: %s by technician %s", "restart" if status == RESTART_STATUS else "exit for maintenance",
                 access.staff_id)
        self.released = True
        self.presenter.close()
        self.shutdown()
        QApplication.instance().exit(status)
