"""The ONE place keyboard-wedge scanners are captured: an application-wide Qt event filter.

A wedge scanner types its code like a keyboard, into whatever has focus. This filter, installed on the
QApplication, sees every key first, asks ``core.services.wedge.BurstRecogniser`` whether it can be part
of a scanner burst, and holds those keys back; a burst ending in Enter becomes ``scanned(str)`` and none
of its keys reaches the focused field. Keys that turn out to be a person typing are re-delivered, in
order, to the focused object (late by at most ``max_gap_s``). Reference: scanners-cameras.md,
"Keyboard-wedge".

    wedge = WedgeScanFilter(app)            # installs itself on the application
    wedge.scanned.connect(on_scan)          # on the GUI thread; the text is untrusted: classify it
    ...
    wedge.close()                           # removes the filter, stops its timer

Input methods: with a Chinese IME active the keys may never arrive as key events; the IME sends
``QInputMethodEvent``s instead (pre-edit while composing, a commit string when done). The filter treats a
commit string as the text of a key and holds pre-edit events with the burst, so a scanner burst that goes
through the IME is still one scan and leaves no pre-edit behind in the field. Text is taken from what the
key *types* (``QKeyEvent.text()`` / the commit string), never from key codes, so a non-US layout gives the
characters the layout types. Alt+numpad sequences (how some scanners send Chinese) are not supported:
configure such scanners for serial mode (docs/codes.md).

Only the event's first delivery is looked at (the focus object, or the window when nothing has focus):
Qt also offers a key event to the focus widget's parents when it is ignored, and those re-deliveries must
not count twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QInputMethodEvent, QKeyEvent

from core.services.wedge import Action, BurstRecogniser, Outcome

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta,
                  Qt.Key.Key_AltGr, Qt.Key.Key_CapsLock)
_COMMAND_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                      | Qt.KeyboardModifier.MetaModifier)


@dataclass(frozen=True)
class _HeldKey:
    key: int
    modifiers: Qt.KeyboardModifier
    text: str


@dataclass(frozen=True)
class _HeldInput:
    preedit: str
    commit: str


class WedgeScanFilter(QObject):
    scanned = Signal(str)

    def __init__(self, app: QObject, *, recogniser: BurstRecogniser | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(app)
        self._app = app
        self._rec: BurstRecogniser = recogniser or BurstRecogniser()
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._expired)
        self._replaying = False
        self._swallowed_presses: dict[int, int] = {}  # key → presses held whose release must be held too
        self._installed = True
        app.installEventFilter(self)

    def close(self) -> None:
        """Removes the filter and re-delivers anything held; no signal after this."""
        self._timer.stop()
        if self._installed:
            self._app.removeEventFilter(self)
            self._installed = False
        self._replay(self._rec.clear())

    # --- the filter ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if self._replaying or kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease,
                                           QEvent.Type.InputMethod):
            return False
        if not self._first_delivery(watched):
            return False
        now = self._clock()
        if kind == QEvent.Type.InputMethod:
            return self._input_method(event, now)  # type: ignore[arg-type]
        if kind == QEvent.Type.KeyRelease:
            return self._release(event)  # type: ignore[arg-type]
        return self._press(event, now)  # type: ignore[arg-type]

    def _first_delivery(self, watched: QObject) -> bool:
        focus = QGuiApplication.focusObject()
        return watched is focus if focus is not None else watched.isWindowType()

    def _press(self, event: QKeyEvent, now: float) -> bool:
        key = event.key()
        if key in _MODIFIER_KEYS:
            return False  # Shift for capitals: neither part of the text nor an end of the burst
        text = event.text()
        if key in _ENTER_KEYS:
            outcome = self._rec.enter(_HeldKey(key, event.modifiers(), text), now)
        elif text and text.isprintable() and not event.modifiers() & _COMMAND_MODIFIERS:
            outcome = self._rec.text_key(text, _HeldKey(key, event.modifiers(), text), now)
        else:
            outcome = self._rec.other_key(None, now)
        swallow = self._act(outcome)
        if swallow:
            self._swallowed_presses[key] = self._swallowed_presses.get(key, 0) + 1
        return swallow

    def _release(self, event: QKeyEvent) -> bool:
        count = self._swallowed_presses.get(event.key(), 0)
        if not count:
            return False
        if count == 1:
            del self._swallowed_presses[event.key()]
        else:
            self._swallowed_presses[event.key()] = count - 1
        return True

    def _input_method(self, event: QInputMethodEvent, now: float) -> bool:
        commit, preedit = event.commitString(), event.preeditString()
        if not commit and not preedit and not self._rec.holding:
            return False  # an IME housekeeping event outside a burst
        return self._act(self._rec.text_key(commit, _HeldInput(preedit, commit), now))

    def _act(self, outcome: Outcome) -> bool:
        """Does what the recogniser answered; True if the current event is swallowed."""
        self._replay(outcome.replay)
        if outcome.action is Action.SCAN:
            self._timer.stop()
            self.scanned.emit(outcome.text)
            return True
        if outcome.action is Action.HOLD:
            deadline = self._rec.deadline
            if deadline is not None:
                self._timer.start(max(1, int((deadline - self._clock()) * 1000) + 1))
            return True
        if not self._rec.holding:
            self._timer.stop()
        return False

    def _expired(self) -> None:
        self._replay(self._rec.expire(self._clock()))
        if self._rec.holding and (deadline := self._rec.deadline) is not None:  # fired a little early
            self._timer.start(max(1, int((deadline - self._clock()) * 1000) + 1))

    def _replay(self, tokens: list) -> None:
        """Delivers held keys to whatever has focus now, as a person's typing."""
        if not tokens:
            return
        target = QGuiApplication.focusObject()
        self._replaying = True
        try:
            for token in tokens:
                if target is None:
                    break
                if isinstance(token, _HeldKey):
                    QGuiApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, token.key,
                                                                token.modifiers, token.text))
                    QGuiApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyRelease, token.key,
                                                                token.modifiers, token.text))
                    self._swallowed_presses.pop(token.key, None)
                elif isinstance(token, _HeldInput):
                    replayed = QInputMethodEvent(token.preedit, [])
                    replayed.setCommitString(token.commit)
                    QGuiApplication.sendEvent(target, replayed)
        finally:
            self._replaying = False
