"""The citizen kiosk's idle timeout: warn, let the person extend with one touch, then wipe.

docs/privacy.md, "Kiosk sessions": after ``idle_s`` without a touch the session is
wiped and the home screen returns; ``idle_warning_s`` before that a warning with a one-touch "continue"
appears (WCAG 2.2.1). The guard watches every mouse, touch and key event of its window through an
application event filter, and runs its timer only while armed (never on the home screen).

Time that adapts (docs/accessibility.md, "Time that adapts"): a person who uses the keypad gets
``keypad_factor`` times the time, elders' mode ``elders_factor`` times (the larger applies), until the session
ends (``end_session``); "continue" extends the time ``extensions`` times per session (0: without limit; a
hall that sets a limit sets at least ten, WCAG 2.2.1), and ``extensions_left`` says how many remain.
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

    def __init__(self, window: QWidget, idle_s: float, warning_s: float, *, keypad_factor: float = 2.0,
                 elders_factor: float = 2.0, extensions: int = 0) -> None:
        super().__init__(window)
        self.window = window
        self.base_idle_s = idle_s
        self.base_warning_s = warning_s
        self.keypad_factor = keypad_factor
        self.elders_factor = elders_factor
        self.extensions = extensions
        self.extended = 0
        self.keypad = False
        self.elders = False
        self._last = time.monotonic()
        self._warning = False
        self._timer = QTimer(self)
        self._timer.setInterval(max(50, min(1000, int(warning_s * 1000 / 4))))
        self._timer.timeout.connect(self._tick)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def factor(self) -> float:
        return max(1.0, self.keypad_factor if self.keypad else 1.0, self.elders_factor if self.elders else 1.0)

    @property
    def idle_s(self) -> float:
        return self.base_idle_s * self.factor

    @property
    def warning_s(self) -> float:
        return self.base_warning_s * self.factor

    @property
    def extensions_left(self) -> int | None:
        """How often "continue" may still extend this session (None: without limit)."""
        return None if self.extensions <= 0 else max(0, self.extensions - self.extended)

    def use_keypad(self) -> None:
        """A keypad key was used: more time for the rest of the session."""
        self.keypad = True

    def set_elders(self, on: bool) -> None:
        self.elders = on

    def extend(self) -> bool:
        """The person asked for more time ("continue"); False once the session's extensions are used up."""
        if self.extensions_left == 0:
            return False
        self.extended += 1
        self.touch()
        return True

    def end_session(self) -> None:
        """The session ended: the next person starts with the hall's own times."""
        self.keypad = False
        self.extended = 0

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
