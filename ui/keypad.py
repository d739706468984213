"""The citizen kiosk without the touch screen: a keypad (arrows, OK, back, help and the digits) drives every
page, as closed-functionality kiosks offer (EN 301 549 clause 5.1; docs/accessibility.md, "The keypad").

    keypad = KeypadNavigator(window, back=lambda: page_back_button, help=show_help)

One application event filter looks at the key presses aimed at ``window``:

- arrows move the focus between the controls of what is on screen, in reading order (top to bottom, left to
  right): Down and Right to the next, Up and Left to the previous, round at the ends; in a line field
  with text, Left and Right move its caret first and move on once it stands at that end;
- OK (Enter, Return, Select) presses the focused button (a focused text field keeps its Enter);
- Back (Esc, the Back key) presses the page's way back (``back()`` names it; None: nothing happens);
- Help (F1, the Help key) calls ``help()``;
- digits and the erase key type into the page's number field when the page has one (``keypad_digit`` and
  ``keypad_erase`` on the page) and no text field has the focus.

Keyboard-wedge scanners (ui/wedge.py) type characters ending with Enter very fast. Their one application
filter holds such keys until it knows whether they are a burst; this filter therefore never takes a digit
that filter has not let go (it acts on digits only as they are re-delivered, or when no scanner listens)
and leaves an Enter to it while it holds keys. So a scan never types into the number field nor presses
the focused button, whichever of the two filters Qt asks first.

The focus is drawn by the theme (``:focus``, a ring of its own colour, ui/theme.py). Every move reports the
control's accessible name to ``window.voice.focus`` when the window has a voice, and ``used`` is emitted for
every key acted on (the idle guard gives a keypad user more time, ui/idle.py).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QComboBox, QLineEdit,
                               QPlainTextEdit, QScrollArea, QTextEdit, QWidget)

from ui.wedge import WedgeCapture

K = Qt.Key
NEXT_KEYS = frozenset({K.Key_Down, K.Key_Right})
PREVIOUS_KEYS = frozenset({K.Key_Up, K.Key_Left})
OK_KEYS = frozenset({K.Key_Return, K.Key_Enter, K.Key_Select})
BACK_KEYS = frozenset({K.Key_Escape, K.Key_Back})
HELP_KEYS = frozenset({K.Key_F1, K.Key_Help})
ERASE_KEYS = frozenset({K.Key_Backspace, K.Key_Delete})
DIGIT_KEYS = {getattr(K, f"Key_{d}"): str(d) for d in range(10)}
KEYPAD_KEYS = NEXT_KEYS | PREVIOUS_KEYS | OK_KEYS | BACK_KEYS | HELP_KEYS | ERASE_KEYS | frozenset(DIGIT_KEYS)
_TEXT_FIELDS = (QLineEdit, QTextEdit, QPlainTextEdit)
_CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QTextEdit, QPlainTextEdit)
_ROW_PX = 24  # controls whose tops are this close are one row of reading order


def is_control(widget: QWidget) -> bool:
    """A widget a person operates (a button, a field, a list), as the keypad and the self-audit count them."""
    return isinstance(widget, _CONTROLS) and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)


def _covered(window: QWidget, widget: QWidget) -> bool:
    """Another widget is drawn over the middle of ``widget`` (an overlay such as the rating screen). A
    control inside a scroll area counts as shown when the area is (scrolled out of view, the area scrolls
    to it when it takes the focus)."""
    scroller = _scroller(widget)
    target = widget if scroller is None else scroller
    top = window.childAt(target.mapTo(window, target.rect().center()))
    return not (top is None or top is target or target.isAncestorOf(top))


def reading_order(window: QWidget) -> list[QWidget]:
    """The controls a person can reach on ``window`` now: shown, enabled, not under an overlay, in reading
    order (rows top to bottom, each row left to right)."""
    found = []
    for widget in window.findChildren(QWidget):
        if not is_control(widget) or not widget.isVisible() or not widget.isEnabled():
            continue
        if any(isinstance(parent, QAbstractButton) for parent in _ancestors(widget, window)):
            continue  # a label-like part inside a button
        if _covered(window, widget):
            continue
        found.append(widget)
    return sorted(found, key=lambda w: _position(window, w))


def _ancestors(widget: QWidget, window: QWidget):
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        yield parent
        parent = parent.parentWidget()


def _scroller(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def _position(window: QWidget, widget: QWidget) -> tuple[int, int, int, int]:
    """Where ``widget`` comes in reading order: its row and column on the window; inside a scroll area, the
    area's, then its own in the area's content (so scrolling does not change the order)."""
    scroller = _scroller(widget)
    if scroller is None:
        corner = widget.mapTo(window, QPoint(0, 0))
        return round(corner.y() / _ROW_PX), corner.x(), 0, 0
    outer = scroller.mapTo(window, QPoint(0, 0))
    inner = widget.mapTo(scroller.widget(), QPoint(0, 0))
    return round(outer.y() / _ROW_PX), outer.x(), round(inner.y() / _ROW_PX), inner.x()


class KeypadNavigator(QObject):
    used = Signal()  # a keypad key was acted on

    def __init__(self, window: QWidget, *, back: Callable[[], QWidget | None],
                 help: Callable[[], None] | None = None, page: Callable[[], QWidget | None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self._back = back
        self._help = help
        self._page = page or (lambda: None)
        self.current: QWidget | None = None
        self._current_name = ""  # the object name of the control last moved to (found again if redrawn)
        self._installed = True
        QApplication.instance().installEventFilter(self)

    def close(self) -> None:
        if self._installed:
            self._installed = False
            QApplication.instance().removeEventFilter(self)

    # --- what has the focus --------------------------------------------------------------------------

    def focused(self) -> QWidget | None:
        """The control with the keypad's focus: the one last moved to, or the control drawn anew in its place
        when its page redrew it; else Qt's focus in this window."""
        current = self.current
        try:
            alive = current is not None and current.isVisible() and current.window() is self.window
        except RuntimeError:  # deleted: its page redrew it (the services, when the hall's counts came in)
            alive = False
        if current is not None and not alive:
            redrawn = self._redrawn()
            if redrawn is not None:
                return redrawn
        focus = QApplication.focusWidget()
        if focus is not None and focus.window() is self.window and focus is not self.window:
            return focus
        return current if alive else None

    def _redrawn(self) -> QWidget | None:
        """The control drawn anew in place of the one last moved to (the same object name), so a page that
        redraws keeps the person's place; None when there is none on screen."""
        name = self._current_name
        # The old control is hidden and deleted later; the new one may wait for the event loop to be shown.
        drawn = [w for w in self.window.findChildren(QWidget, name) if w.isVisibleTo(self.window)] if name else []
        if not drawn:
            return None
        again = drawn[-1]
        self.current = again
        again.setFocus(Qt.FocusReason.OtherFocusReason)
        return again

    def move(self, step: int) -> QWidget | None:
        """Moves the focus ``step`` controls on in reading order (round at the ends); returns the control."""
        controls = reading_order(self.window)
        if not controls:
            return None
        now = self.focused()
        if now in controls:
            target = controls[(controls.index(now) + step) % len(controls)]
        else:
            target = controls[0] if step > 0 else controls[-1]
        self.focus(target)
        return target

    def focus(self, widget: QWidget) -> None:
        self.current, self._current_name = widget, widget.objectName()
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        scroller = _scroller(widget)
        if scroller is not None:
            scroller.ensureWidgetVisible(widget)
        voice = getattr(self.window, "voice", None)
        if voice is not None:
            voice.focus(widget.accessibleName() or _text_of(widget))

    # --- the filter ----------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self.window or not self._first_delivery(watched):
            return False
        key = event.key()  # type: ignore[attr-defined]
        if key not in KEYPAD_KEYS or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:  # type: ignore
            return False
        taken = self._key(Qt.Key(key), self._wedge_sees(watched))
        if taken:
            self.used.emit()
        return taken

    def _first_delivery(self, watched: QWidget) -> bool:
        """The event's first stop (the focus, or the window itself), not Qt offering it to a parent again."""
        focus = QGuiApplication.focusObject()
        return watched is self.window or watched is focus or focus is None

    def _wedge(self):
        capture = WedgeCapture.of(QApplication.instance())
        return capture.filter if capture is not None else None

    @staticmethod
    def _wedge_sees(watched: QWidget) -> bool:
        """The wedge filter looks at this delivery too (it looks at the focus's, ui/wedge.py)."""
        focus = QGuiApplication.focusObject()
        return watched is focus if focus is not None else watched.isWindow()

    def _key(self, key: Qt.Key, wedge_sees: bool) -> bool:
        wedge = self._wedge() if wedge_sees else None
        if wedge is not None and wedge.holding:
            return False  # a scanner's burst may be under way: the wedge filter decides first
        focus = self.focused()
        if key in NEXT_KEYS or key in PREVIOUS_KEYS:
            if _moves_caret(focus, key):
                return False  # the field's own: the caret goes through the text first
            return self.move(1 if key in NEXT_KEYS else -1) is not None
        if key in OK_KEYS:
            return self._ok(focus)
        if key in BACK_KEYS:
            target = self._back()
            if target is None or not target.isVisible() or not target.isEnabled():
                return False
            target.click()
            return True
        if key in HELP_KEYS:
            if self._help is not None:
                self._help()
            return self._help is not None
        if isinstance(focus, _TEXT_FIELDS):
            return False  # digits and erase are the field's own
        if key in DIGIT_KEYS and wedge is not None and not wedge.replaying:
            return False  # the wedge filter holds digits first and hands a person's back
        return self._type(key)

    def _ok(self, focus: QWidget | None) -> bool:
        if focus is None:
            return self.move(1) is not None
        if isinstance(focus, QAbstractButton):
            if focus.isVisible() and focus.isEnabled():
                focus.click()
            return True
        return False  # a text field's or list's own Enter

    def _type(self, key: Qt.Key) -> bool:
        page = self._page()
        if key in DIGIT_KEYS and hasattr(page, "keypad_digit"):
            page.keypad_digit(DIGIT_KEYS[key])
            return True
        if key in ERASE_KEYS and hasattr(page, "keypad_erase"):
            page.keypad_erase()
            return True
        return False


def _moves_caret(focus: QWidget | None, key: Qt.Key) -> bool:
    """Left and Right in a line field with text move its caret until it stands at that end; the next press
    moves on to the control before or after (Up and Down always move between controls)."""
    if not isinstance(focus, QLineEdit) or key not in (K.Key_Left, K.Key_Right) or focus.hasSelectedText():
        return False
    caret = focus.cursorPosition()
    return caret > 0 if key == K.Key_Left else caret < len(focus.text())


def _text_of(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    return text() if callable(text) else ""


def send_key(widget: QWidget, key: Qt.Key, text: str = "") -> None:
    """Delivers one key press and release to ``widget`` as a keypad would (the self-audit's probe)."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))
