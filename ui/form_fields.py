"""One editor per field kind of a matter's form (docs/forms.md, "Rendering"), over ``FormPresenter``.

An editor is a widget that forwards what the person types to ``presenter.set(path, value)`` and shows the
presenter's value back (``show_value``) without echoing it. Every editor widget is named ``form-<path>`` and
carries the field's label as its accessible name.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (QBoxLayout, QButtonGroup, QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QPlainTextEdit,
                               QRadioButton, QWidget)

from core.domain import regions
from core.presenters.form import FormPresenter
from ui.texts import Texts
from ui.widgets import label

RADIO_MAX = 4  # a choice of up to this many options is radio buttons, more a drop-down
RADIO_ROW_CHARS = 24  # options longer than this in all stand one under another, not cut off at the edge
PATTERNS = {"id_number": (r"[0-9]{0,17}[0-9Xx]?", 18), "mobile": (r"[0-9]{0,11}", 11),
            "date": (r"[0-9]{0,4}(-[0-9]{0,2}(-[0-9]{0,2})?)?", 10), "number": (r"-?[0-9,]*\.?[0-9]*", 20)}


def _name(widget: QWidget, path: str, accessible: str, suffix: str = "") -> QWidget:
    widget.setObjectName(f"form-{path}{suffix}")
    widget.setAccessibleName(accessible)
    return widget


class Editor(QWidget):
    """The base: ``path`` in the presenter, a guard so that showing a value does not send it back."""

    def __init__(self, presenter: FormPresenter, path: str, texts: Texts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presenter, self.path, self.texts = presenter, path, texts
        self._showing = False
        self._sending = False
        self.box = QHBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)

    def send(self, value: Any) -> None:
        if self._showing:
            return
        self._sending = True
        try:
            self.presenter.set(self.path, value)
        finally:
            self._sending = False

    def show_value(self, value: Any) -> None:
        """Shows the presenter's value, unless it is the echo of what this editor just sent."""
        if self._sending:
            return
        self._showing = True
        try:
            self.display(value)
        finally:
            self._showing = False

    def display(self, value: Any) -> None:
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self


class LineEditor(Editor):
    """text, address, id_number, mobile, date, number: one line; the formats get a validator and a length."""

    def __init__(self, presenter: FormPresenter, path: str, texts: Texts, accessible: str, kind: str,
                 unit: str = "") -> None:
        super().__init__(presenter, path, texts)
        self.edit = _name(QLineEdit(), path, accessible)
        if kind in PATTERNS:
            pattern, length = PATTERNS[kind]
            self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), self.edit))
            self.edit.setMaxLength(length)
        if kind == "date":
            self.edit.setPlaceholderText(texts("ui_form.date_hint"))
        self.upper = kind == "id_number"
        self.box.addWidget(self.edit, 1)
        if unit:
            self.box.addWidget(label(unit, wrap=False))
        self.edit.textEdited.connect(self._edited)

    def _edited(self, text: str) -> None:
        if self.upper and "x" in text:
            position = self.edit.cursorPosition()
            text = text.upper()
            self.edit.setText(text)
            self.edit.setCursorPosition(position)
        self.send(text)

    def display(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if self.edit.text() != text:
            self.edit.setText(text)

    def focus_widget(self) -> QWidget:
        return self.edit


class LongTextEditor(Editor):
    def __init__(self, presenter: FormPresenter, path: str, texts: Texts, accessible: str) -> None:
        super().__init__(presenter, path, texts)
        self.edit = _name(QPlainTextEdit(), path, accessible)
        self.edit.setTabChangesFocus(True)
        self.edit.setMinimumHeight(120)
        self.box.addWidget(self.edit)
        self.edit.textChanged.connect(lambda: self.send(self.edit.toPlainText()))

    def display(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if self.edit.toPlainText() != text:
            self.edit.setPlainText(text)

    def focus_widget(self) -> QWidget:
        return self.edit


class ChoiceEditor(Editor):
    """One of the options: radio buttons for a few, a drop-down for more."""

    def __init__(self, presenter: FormPresenter, path: str, texts: Texts, accessible: str) -> None:
        super().__init__(presenter, path, texts)
        self.options = presenter.options(path)
        _name(self, path, accessible)
        if len(self.options) <= RADIO_MAX:
            self.combo = None
            self.group = QButtonGroup(self)
            for i, option in enumerate(self.options):
                radio = _name(QRadioButton(str(option)), path, str(option), f"-{i}")
                self.group.addButton(radio, i)
                self.box.addWidget(radio)
            if sum(len(str(option)) for option in self.options) > RADIO_ROW_CHARS:
                self.box.setDirection(QBoxLayout.Direction.TopToBottom)  # long options: one under another
            self.box.addStretch(1)
            self.group.idClicked.connect(lambda i: self.send(self.options[i]))
        else:
            self.combo = _name(QComboBox(), path, accessible, "-options")
            self.combo.addItem(texts("ui_form.choose"))
            for option in self.options:
                self.combo.addItem(str(option))
            self.box.addWidget(self.combo, 1)
            self.combo.currentIndexChanged.connect(
                lambda i: self.send(self.options[i - 1] if i > 0 else None))

    def display(self, value: Any) -> None:
        index = self.options.index(value) if value in self.options else -1
        if self.combo is not None:
            self.combo.setCurrentIndex(index + 1)
            return
        if index >= 0:
            self.group.button(index).setChecked(True)
        elif self.group.checkedButton() is not None:
            self.group.setExclusive(False)
            self.group.checkedButton().setChecked(False)
            self.group.setExclusive(True)


class MultiChoiceEditor(Editor):
    def __init__(self, presenter: FormPresenter, path: str, texts: Texts, accessible: str) -> None:
        super().__init__(presenter, path, texts)
        self.options = presenter.options(path)
        _name(self, path, accessible)
        self.boxes = []
        for i, option in enumerate(self.options):
            check = _name(QCheckBox(str(option)), path, str(option), f"-{i}")
            check.toggled.connect(self._toggled)
            self.boxes.append(check)
            self.box.addWidget(check)
        self.box.addStretch(1)

    def _toggled(self) -> None:
        self.send([o for o, check in zip(self.options, self.boxes) if check.isChecked()])

    def display(self, value: Any) -> None:
        chosen = value if isinstance(value, list) else []
        for option, check in zip(self.options, self.boxes):
            check.setChecked(option in chosen)


class YesNoEditor(Editor):
    """Two radio buttons: "no" is an answer, unlike a checkbox left alone."""

    def __init__(self, presenter: FormPresenter, path: str, texts: Texts, accessible: str) -> None:
        super().__init__(presenter, path, texts)
        _name(self, path, accessible)
        self.group = QButtonGroup(self)
        self.yes = _name(QRadioButton(), path, texts("ui_form.yes"), "-yes")
        self.no = _name(QRadioButton(), path, texts("ui_form.no"), "-no")
        texts.bind(self.yes, "ui_form.yes")
        texts.bind(self.no, "ui_form.no")
        for i, radio in enumerate((self.yes, self.no)):
            self.group.addButton(radio, i)
            self.box.addWidget(radio)
        self.box.addStretch(1)
        self.group.idClicked.connect(lambda i: self.send(i == 0))

    def display(self, value: Any) -> None:
        if value is True:
            self.yes.setChecked(True)
        elif value is False:
            self.no.setChecked(True)


class RegionEditor(Editor):
    """Province → city → district over the GB/T 2260 table (core/domain/regions.py), and the six-digit
    code itself, typed freely when the table lacks the division."""

    def __init__(self, presenter: FormPresenter, path: str, texts: Texts, accessible: str) -> None:
        super().__init__(presenter, path, texts)
        _name(self, path, accessible)
        self.levels = []
        for suffix, key in (("-province", "ui_form.province"), ("-city", "ui_form.city"),
                            ("-district", "ui_form.district")):
            combo = _name(QComboBox(), path, texts(key), suffix)
            self.levels.append(combo)
            self.box.addWidget(combo, 1)
        self.code = _name(QLineEdit(), path, texts("ui_form.region_code"), "-code")
        self.code.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,6}"), self.code))
        self.code.setMaxLength(6)
        self.code.setPlaceholderText("320102")
        self.box.addWidget(self.code)
        self._fill(0, "")
        for level, combo in enumerate(self.levels):
            combo.activated.connect(lambda _i, level=level: self._chosen(level))
        self.code.textEdited.connect(self._typed)

    def _fill(self, level: int, parent: str) -> None:
        for combo in self.levels[level:]:
            combo.clear()
            combo.addItem(self.texts("ui_form.choose"), "")
        if level < len(self.levels) and (level == 0 or parent):
            for region in regions.children(parent):
                self.levels[level].addItem(region.label(self.texts.language), region.code)

    def _chosen(self, level: int) -> None:
        code = self.levels[level].currentData() or ""
        if level + 1 < len(self.levels):
            self._fill(level + 1, code)
        if len(code) == 6:
            self.code.setText(code)
            self.send(code)

    def _typed(self, text: str) -> None:
        self._select(text)
        self.send(text)

    def _select(self, code: str) -> None:
        parts = regions.path(code) if len(code) == 6 else ("", "", "")
        for level, part in enumerate(parts):
            if level > 0:
                self._fill(level, parts[level - 1])
            self.levels[level].setCurrentIndex(max(0, self.levels[level].findData(part)) if part else 0)

    def display(self, value: Any) -> None:
        code = value if isinstance(value, str) else ""
        if self.code.text() != code:
            self.code.setText(code)
            self._select(code)

    def focus_widget(self) -> QWidget:
        return self.levels[0]


def editor(presenter: FormPresenter, path: str, texts: Texts, accessible: str, kind: str, unit: str = "") -> Editor:
    """The editor of one (non-group) field kind."""
    if kind == "long_text":
        return LongTextEditor(presenter, path, texts, accessible)
    if kind == "choice":
        return ChoiceEditor(presenter, path, texts, accessible)
    if kind == "multi_choice":
        return MultiChoiceEditor(presenter, path, texts, accessible)
    if kind == "yes_no":
        return YesNoEditor(presenter, path, texts, accessible)
    if kind == "region":
        return RegionEditor(presenter, path, texts, accessible)
    return LineEditor(presenter, path, texts, accessible, kind, unit)
