"""The ONE place keyboard-wedge scanners are captured: one application-wide Qt event filter.

A wedge scanner types its code like a keyboard, into whatever has focus. ``WedgeScanFilter``, installed on
the QApplication, sees every key first, asks ``core.services.wedge.BurstRecogniser`` whether it can be
part of a scanner burst, and holds those keys back; a burst ending in Enter becomes ``scanned(str)`` and
none of its keys reaches the focused field. Keys that turn out to be a person typing are re-delivered, in
order, to the focused object (late by at most ``max_gap_s``). How and why: docs/codes.md,
"Keyboard-wedge scanners".

An application has exactly one such filter, in its ``WedgeCapture``: a second filter would hold the keys
the first re-delivers, and re-deliver them again, and a person's typing would be lost. Windows listen
through it (``ScanSource`` does this for them):

    listener = listen_for_scans(app, on_scan, window=window)   # the first listener installs the filter
    ...                                                          # on_scan(text): GUI thread, UNTRUSTED text
    listener.close()                                             # the last one removes it

A burst goes to the listeners of the window that has the keyboard focus (or of the window owning the
focused dialog); if none is bound to it, to the listeners bound to no window (docs/codes.md).

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
from PySide6.QtWidgets import QApplication

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

    @property
    def holding(self) -> bool:
        """Keys are held now: they may be a scanner's burst (an Enter now may end it)."""
        return self._rec.holding

    @property
    def replaying(self) -> bool:
        """Held keys are being re-delivered as a person's typing now."""
        return self._replaying

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


# --- the application's one capture, shared by every window that listens ---------------------------------

_CAPTURE_NAME = "wedge-capture"


class WedgeListener:
    """One listener's claim on the application's capture (``listen_for_scans``). ``window``: the window whose
    scans it wants (None: scans typed into a window nobody else listens for); ``close()`` gives it up."""

    def __init__(self, capture: WedgeCapture, on_scan: Callable[[str], None], window=None) -> None:
        self.capture: WedgeCapture | None = capture
        self.on_scan = on_scan
        self.window = window

    @property
    def listening(self) -> bool:
        return self.capture is not None

    def close(self) -> None:
        capture, self.capture = self.capture, None
        if capture is not None:
            capture.remove(self)


class WedgeCapture(QObject):
    """The keyboard-wedge capture of one QApplication: its only ``WedgeScanFilter`` and the listeners it
    hands scans to. A child of the application (found again by ``of(app)``); made by the first listener,
    removed with the last. Two filters on one application would each hold and re-deliver the other's keys
    and lose a person's typing, hence one capture per application."""

    def __init__(self, app: QObject) -> None:
        super().__init__(app)
        self.setObjectName(_CAPTURE_NAME)
        self.filter: WedgeScanFilter | None = WedgeScanFilter(app)
        self.filter.scanned.connect(self._route)
        self.listeners: list[WedgeListener] = []

    @classmethod
    def of(cls, app: QObject) -> WedgeCapture | None:
        """The application's capture while anyone listens, else None."""
        return app.findChild(WedgeCapture, _CAPTURE_NAME, Qt.FindChildOption.FindDirectChildrenOnly)

    def add(self, on_scan: Callable[[str], None], window=None) -> WedgeListener:
        listener = WedgeListener(self, on_scan, window)
        self.listeners.append(listener)
        return listener

    def remove(self, listener: WedgeListener) -> None:
        """Forgets ``listener``; with the last one the filter comes off the application (keys it held are
        re-delivered as typing) and the capture goes."""
        if listener in self.listeners:
            self.listeners.remove(listener)
        if self.listeners or self.filter is None:
            return
        wedge, self.filter = self.filter, None
        wedge.close()
        self.setObjectName("")  # a listener that comes later makes a new capture
        wedge.deleteLater()  # not at once: this may run inside the filter's own signal
        self.deleteLater()

    def recipients(self) -> list[WedgeListener]:
        """Who gets a scan now: the listeners of the window with the keyboard focus, or of the window it
        belongs to (a dialog's owner); else the listeners bound to no window. With no window focused at
        all, every listener (nothing tells them apart)."""
        target = _focused_window()
        if target is None:
            return list(self.listeners)
        while target is not None:
            bound = [listener for listener in self.listeners if listener.window is target]
            if bound:
                return bound
            owner = target.parentWidget()
            target = owner.window() if owner is not None else None
        return [listener for listener in self.listeners if listener.window is None]

    def _route(self, text: str) -> None:
        for listener in self.recipients():
            if listener.capture is self:
                listener.on_scan(text)


def _focused_window():
    window = QApplication.activeWindow()
    if window is None and (focus := QApplication.focusWidget()) is not None:
        window = focus.window()
    return window


def listen_for_scans(app: QObject, on_scan: Callable[[str], None], *, window=None) -> WedgeListener:
    """Listens for wedge scans on ``app``'s one capture (made now if nobody listens yet): ``on_scan(text)``
    on the GUI thread for every burst typed while ``window`` (or a dialog of it) has the keyboard focus;
    ``window`` may be set later on the listener. ``close()`` the listener when done."""
    capture = WedgeCapture.of(app) or WedgeCapture(app)
    return capture.add(on_scan, window)
