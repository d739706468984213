"""The kiosk's on-screen keyboard: pinyin, letters, digits and punctuation for a touch screen (docs/keyboard.md).

    keyboard = OnScreenKeyboard(texts)          # the window's Texts: it follows the window's language
    layout.addWidget(keyboard)
    keyboard.follow(form_view)                  # shown when one of its text fields takes the focus

Its keys never take the focus, so the form's field keeps it; what a key types goes to
``QApplication.focusWidget()`` as a ``QInputMethodEvent`` commit (QLineEdit, QPlainTextEdit, QTextEdit, an
editable QComboBox, a spin box for digits), so a character outside the BMP (𠮷) arrives whole. In 中 mode
the letters compose pinyin (core/services/pinyin_ime.py): the pinyin and its candidates show in the bar
above the keys, ◀ ▶ page through them, 更多 opens a grid of many at once; space takes the first candidate.
Backspace edits the pinyin while composing, else is sent to the field as a Backspace key.

The pinyin index loads on a thread of its own the first time a keyboard is made (about a second); until
then the letters typed wait in the bar and English, digits and punctuation work at once.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QSizePolicy, QStackedWidget, QTextEdit,
                               QVBoxLayout, QWidget)

from core.services.pinyin_ime import Candidate, Composer, PinyinEngine
from ui.texts import Texts
from ui.theme import TOUCH_PX

log = logging.getLogger(__name__)
LETTER_ROWS = ("qwertyuiop", "asdfghjkl'", "zxcvbnm")
DIGIT_ROW = "1234567890"
SYMBOL_ROWS = ("-/:;()@#.,", "，。、？！：；“”…")
BAR_SIZE = 6  # candidates in the bar
GRID_COLUMNS, GRID_ROWS = 8, 4  # candidates in the grid (更多)


# A field that asks for digits (QWidget.setInputMethodHints) gets the digits page first.
_DIGIT_HINTS = (Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhFormattedNumbersOnly
                | Qt.InputMethodHint.ImhDialableCharactersOnly)


class _Loader(QObject):
    ready = Signal(object)


class OnScreenKeyboard(QWidget):
    """Big keys (at least ``TOUCH_PX``), a candidate bar, modes 中/英 and 123/符号; ``done`` on 完成."""

    done = Signal()

    def __init__(self, texts: Texts | None = None, *, engine: PinyinEngine | None = None, language: str = "zh_CN",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinyin-keyboard")
        self.texts = texts or Texts(language, self)
        self.composer = Composer(engine or PinyinEngine.loaded())
        self.chinese = True  # 中 mode: letters compose pinyin
        self.upper = False
        self.page = 0
        self._options: list[Candidate] = []
        self._loader: threading.Thread | None = None
        self._load_failed = False  # then the letters typed in 中 mode can only be committed as letters
        self.keys: dict[str, QPushButton] = {}  # every character key, by its character
        outer = QVBoxLayout(self)
        outer.setSpacing(6)
        outer.addLayout(self._candidate_bar())
        self.stack = QStackedWidget()
        self.letters_page = self._rows_page(LETTER_ROWS, shift=True)
        self.symbols_page = self._rows_page((DIGIT_ROW, *SYMBOL_ROWS))
        self.grid_page = self._grid_page()
        for page in (self.letters_page, self.symbols_page, self.grid_page):
            self.stack.addWidget(page)
        outer.addWidget(self.stack)
        outer.addLayout(self._bottom_row())
        self.texts.changed.connect(lambda _language: self._refresh())
        if self.composer.engine is None:
            self._start_loading()
        self._refresh()

    # ------------------------------------------------------------------ building

    def _key(self, text: str, name: str, handler, *, key: str = "", role: str = "") -> QPushButton:
        widget = QPushButton(text)
        widget.setObjectName(name)
        widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        widget.setMinimumSize(TOUCH_PX, TOUCH_PX)
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        if role:
            widget.setProperty("role", role)
        if key:
            self.texts.bind(widget, key)
        widget.clicked.connect(handler)
        return widget

    def _candidate_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.preedit = QLabel()
        self.preedit.setObjectName("kb-preedit")
        self.preedit.setMinimumWidth(160)
        bar.addWidget(self.preedit)
        self.bar_buttons = [self._key("", f"kb-candidate-{i}", lambda _=False, i=i: self._choose(i),
                                      role="candidate") for i in range(BAR_SIZE)]
        for widget in self.bar_buttons:
            bar.addWidget(widget)
        self.prev_button = self._key("", "kb-prev", lambda: self._turn(-1), key="ui_keyboard.prev_page")
        self.next_button = self._key("", "kb-next", lambda: self._turn(1), key="ui_keyboard.next_page")
        self.more_button = self._key("", "kb-more", self._toggle_grid)
        for widget in (self.prev_button, self.next_button, self.more_button):
            bar.addWidget(widget)
        return bar

    def _rows_page(self, rows: tuple[str, ...], *, shift: bool = False) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        for index, row in enumerate(rows):
            line = QHBoxLayout()
            if shift and index == len(rows) - 1:
                self.shift_button = self._key("", "kb-shift", self._toggle_shift, key="ui_keyboard.shift")
                line.addWidget(self.shift_button)
            for char in row:
                widget = self._key(char, f"kb-key-{ord(char):x}", lambda _=False, c=char: self._press(c))
                self.keys[char] = widget
                line.addWidget(widget)
            box.addLayout(line)
        return page

    def _grid_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        self.grid_buttons = []
        for i in range(GRID_COLUMNS * GRID_ROWS):
            widget = self._key("", f"kb-grid-{i}", lambda _=False, i=i: self._choose(i), role="candidate")
            grid.addWidget(widget, i // GRID_COLUMNS, i % GRID_COLUMNS)
            self.grid_buttons.append(widget)
        return page

    def _bottom_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.mode_button = self._key("", "kb-mode", self._toggle_mode)
        self.symbols_button = self._key("", "kb-symbols", self._toggle_symbols)
        self.space_button = self._key("", "kb-space", self._space, key="ui_keyboard.space")
        self.backspace_button = self._key("", "kb-backspace", self._backspace, key="ui_keyboard.backspace")
        self.clear_button = self._key("", "kb-clear", self._clear, key="ui_keyboard.clear")
        self.done_button = self._key("", "kb-done", self._done, key="ui_keyboard.done", role="primary")
        for widget, stretch in ((self.mode_button, 1), (self.symbols_button, 2), (self.space_button, 3),
                                (self.backspace_button, 1), (self.clear_button, 1), (self.done_button, 2)):
            row.addWidget(widget, stretch)
        return row

    # ------------------------------------------------------------------ the engine

    def _start_loading(self) -> None:
        loader = _Loader(self)
        loader.ready.connect(self._engine_ready, Qt.ConnectionType.QueuedConnection)

        def load() -> None:
            try:
                engine = PinyinEngine.shared()
            except Exception:  # noqa: BLE001 (a broken installation: letters, digits and symbols still work)
                log.exception("the pinyin index could not be loaded")
                engine = None
            try:
                loader.ready.emit(engine)
            except RuntimeError:  # the keyboard is gone already
                pass

        self._loader = threading.Thread(target=load, name="pinyin-index", daemon=True)
        self._loader.start()

    def _engine_ready(self, engine: PinyinEngine | None) -> None:
        self._load_failed = engine is None
        self.composer.engine = engine
        self.page = 0
        self._refresh()

    @property
    def ready(self) -> bool:
        return self.composer.engine is not None

    def wait_loaded(self, timeout_s: float = 10.0) -> bool:
        """Waits (bounded) for the index's thread; for tests and shutdown."""
        if self._loader is not None:
            self._loader.join(timeout_s)
            return not self._loader.is_alive()
        return True

    # ------------------------------------------------------------------ keys

    def _press(self, char: str) -> None:
        if self.stack.currentWidget() is self.letters_page and self.chinese:
            if self.composer.type(char):
                self.page = 0
                self._refresh()
            return
        if self.composer.composing:
            self._complete()
        self._commit(char.upper() if self.upper and self.stack.currentWidget() is self.letters_page else char)

    def _choose(self, slot: int) -> None:
        index = self.page * self._page_size() + slot
        if index >= len(self._options):
            return
        text = self.composer.pick(index)
        if text is not None:
            self._commit(text)
            if self.stack.currentWidget() is self.grid_page:
                self.stack.setCurrentWidget(self.letters_page)
        self.page = 0
        self._refresh()

    def _complete(self) -> None:
        """Ends the composition the way space does, one first candidate after another."""
        for _ in range(len(self.composer.letters) + 1):
            text = self.composer.pick(0)
            if text is not None:
                self._commit(text)
                break
        else:
            self._commit(self.composer.finish())
        self.page = 0
        self._refresh()

    def _space(self) -> None:
        if self.composer.composing:
            self.page = 0
            self._choose(0)
        else:
            self._commit(" ")

    def _backspace(self) -> None:
        if self.composer.backspace():
            self.page = 0
            self._refresh()
            return
        target = self._target()
        if target is not None:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(target, QKeyEvent(kind, Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier))

    def _clear(self) -> None:
        self.composer.clear()
        self.page = 0
        self._refresh()

    def _done(self) -> None:
        if self.composer.composing:
            self._complete()
        self.hide()
        self.done.emit()

    def _toggle_mode(self) -> None:
        if self.composer.composing:
            self._complete()
        self.chinese = not self.chinese
        self.stack.setCurrentWidget(self.letters_page)
        self._refresh()

    def _toggle_symbols(self) -> None:
        if self.composer.composing:
            self._complete()
        showing = self.stack.currentWidget() is self.symbols_page
        self.stack.setCurrentWidget(self.letters_page if showing else self.symbols_page)
        self._refresh()

    def _toggle_shift(self) -> None:
        self.upper = not self.upper
        self._refresh()

    def _toggle_grid(self) -> None:
        showing = self.stack.currentWidget() is self.grid_page
        self.stack.setCurrentWidget(self.letters_page if showing else self.grid_page)
        self.page = 0
        self._refresh()

    def _turn(self, step: int) -> None:
        pages = max(1, -(-len(self._options) // self._page_size()))
        self.page = min(max(0, self.page + step), pages - 1)
        self._refresh()

    # ------------------------------------------------------------------ the field

    def _target(self) -> QWidget | None:
        target = QApplication.focusWidget()
        if target is None or target is self or self.isAncestorOf(target):
            return None
        return target

    def _commit(self, text: str) -> None:
        target = self._target()
        if target is None or not text:
            return
        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(target, event)

    def follow(self, container: QWidget) -> None:
        """Shows the keyboard when a text field inside ``container`` takes the focus (the digits for a spin
        box or a field whose input method hints ask for digits), and hides it when the focus moves to
        something that takes no text."""
        self._followed = container
        QApplication.instance().focusChanged.connect(self._focus_changed)  # dropped with the keyboard

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        container = getattr(self, "_followed", None)
        if new is None or container is None or new is self or self.isAncestorOf(new):
            return
        if not container.isAncestorOf(new) or not _takes_text(new):
            self.setVisible(False)
            return
        if self.composer.composing:
            self.composer.clear()
        numbers = isinstance(new, QAbstractSpinBox) or bool(new.inputMethodHints() & _DIGIT_HINTS)
        self.stack.setCurrentWidget(self.symbols_page if numbers else self.letters_page)
        self.page = 0
        self._refresh()
        self.show()

    # ------------------------------------------------------------------ drawing

    def _page_size(self) -> int:
        return GRID_COLUMNS * GRID_ROWS if self.stack.currentWidget() is self.grid_page else BAR_SIZE

    def _refresh(self) -> None:
        t = self.texts
        composing = self.composer.composing
        self._options = self.composer.candidates() if composing else []
        if composing and self.stack.currentWidget() is not self.grid_page:
            self.stack.setCurrentWidget(self.letters_page)
        if not composing and self.stack.currentWidget() is self.grid_page:
            self.stack.setCurrentWidget(self.letters_page)
        waiting = composing and not self.ready and not self._load_failed
        self.preedit.setText(t("ui_keyboard.loading", pinyin=self.composer.preedit()) if waiting
                             else self.composer.preedit())
        size = self._page_size()
        shown = self._options[self.page * size:(self.page + 1) * size]
        in_grid = self.stack.currentWidget() is self.grid_page
        for i, widget in enumerate(self.bar_buttons):
            text = shown[i].text if i < len(shown) and not in_grid else ""
            widget.setText(text)
            widget.setEnabled(bool(text))
        for i, widget in enumerate(self.grid_buttons):
            widget.setText(shown[i].text if i < len(shown) else "")
            widget.setEnabled(i < len(shown))
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled((self.page + 1) * size < len(self._options))
        self.more_button.setEnabled(len(self._options) > BAR_SIZE or in_grid)
        self.more_button.setText(t("ui_keyboard.less" if in_grid else "ui_keyboard.more"))
        self.mode_button.setText(t("ui_keyboard.mode_zh" if self.chinese else "ui_keyboard.mode_en"))
        on_symbols = self.stack.currentWidget() is self.symbols_page
        self.symbols_button.setText(t("ui_keyboard.letters" if on_symbols else "ui_keyboard.symbols"))
        self.shift_button.setEnabled(not self.chinese)
        for char in LETTER_ROWS[0] + LETTER_ROWS[1] + LETTER_ROWS[2]:
            self.keys[char].setText(char.upper() if self.upper and not self.chinese else char)

    def set_language(self, language: str) -> None:
        """Switches the keyboard's words (a window that shares its Texts switches them itself)."""
        self.texts.set_language(language)


def _takes_text(widget: QWidget) -> bool:
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        return not widget.isReadOnly()
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, QAbstractSpinBox) and not widget.isReadOnly()

