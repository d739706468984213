"""The citizen kiosk's idle timeout: warn, let the person extend with one touch, then wipe.

docs/privacy.md, "Kiosk sessions": after ``idle_s`` without a touch the session is
wiped and the home screen returns; ``idle_warning_s`` before that a warning with a one-touch "continue"
appears (WCAG 2.2.1). The guard watches every mouse, touch and key event of its window through an
application event filter, and runs its timer only while armed (never on the home screen).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

_ACTIVITY = {
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate, QEvent.Type.KeyPress, QEvent.Type.Wheel,
}


class IdleGuard(QObject):
    warn = Signal(int)  # whole seconds left before the wipe
    warning_over = Signal()  # the person touched the screen during the warning
    expired = Signal()

    def __init__(self, window: QWidget, idle_s: float, warning_s: float) -> None:
        super().__init__(window)
        self.window = window
        self.idle_s = idle_s
        self.warning_s = warning_s
        self._last = time.monotonic()
        self._warning = False
        self._timer = QTimer(self)
        self._timer.setInterval(max(50, min(1000, int(warning_s * 1000 / 4))))
        self._timer.timeout.connect(self._tick)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def armed(self) -> bool:
        return self._timer.isActive()

    @property
    def warning(self) -> bool:
        return self._warning

    def arm(self) -> None:
        self.touch()
        if not self._timer.isActive():
            self._timer.start()

    def disarm(self) -> None:
        self._timer.stop()
        self._end_warning()

    def touch(self) -> None:
        self._last = time.monotonic()
        self._end_warning()

    def close(self) -> None:
        self.disarm()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _end_warning(self) -> None:
        if self._warning:
            self._warning = False
            self.warning_over.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in _ACTIVITY and self._timer.isActive() and isinstance(watched, QWidget):
            if watched.window() is self.window:
                self.touch()
        return False

    def _tick(self) -> None:
        idle = time.monotonic() - self._last
        if idle >= self.idle_s:
            self._timer.stop()
            self._warning = False
            self.expired.emit()
        elif idle >= self.idle_s - self.warning_s:
            self._warning = True
            self.warn.emit(max(1, round(self.idle_s - idle)))
