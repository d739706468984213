"""The keypad in a text field (ui/keypad.py): Left and Right move the caret through what the person typed
before they move on to the control before or after; Up and Down always move between controls. Real key
events to a real window with the product's navigator."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.keypad import KeypadNavigator

K = Qt.Key


@pytest.fixture
def form(qtbot):
    window = QWidget()
    box = QVBoxLayout(window)
    window.before, window.field, window.after = QPushButton("上一步"), QLineEdit(), QPushButton("下一步")
    for widget in (window.before, window.field, window.after):
        widget.setAccessibleName(widget.text() if isinstance(widget, QPushButton) else "姓名")
        box.addWidget(widget)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.keypad = KeypadNavigator(window, back=lambda: None)
    yield window
    window.keypad.close()


def press(window, key) -> None:
    QTest.keyClick(window.focusWidget() or window, key)


def test_left_and_right_go_through_the_text_then_on(qtbot, form):
    """GIVEN the focus in a field holding 王䶮 with the caret at its end WHEN Left is pressed twice THEN the
    caret walks to the start and the field keeps the focus; WHEN Left again THEN the focus moves to the
    control before. Back in the field, Right walks the caret to the end and one more Right moves on."""
    form.keypad.focus(form.field)
    form.field.setText("王䶮")
    form.field.setCursorPosition(len(form.field.text()))
    press(form, K.Key_Left)
    press(form, K.Key_Left)
    assert form.field.hasFocus() and form.field.cursorPosition() == 0
    press(form, K.Key_Left)
    assert form.keypad.focused() is form.before

    form.keypad.focus(form.field)
    form.field.setCursorPosition(0)
    steps = len(form.field.text())  # 䶮 is one character to the caret
    for _ in range(steps):
        press(form, K.Key_Right)
    assert form.field.hasFocus() and form.field.cursorPosition() == len(form.field.text())
    press(form, K.Key_Right)
    assert form.keypad.focused() is form.after


def test_up_and_down_always_move_between_controls(qtbot, form):
    """GIVEN the caret in the middle of the field's text WHEN Down is pressed THEN the next control has the
    focus; an empty field lets Left and Right move on at once."""
    form.keypad.focus(form.field)
    form.field.setText("12345")
    form.field.setCursorPosition(2)
    press(form, K.Key_Down)
    assert form.keypad.focused() is form.after
    form.field.clear()
    form.keypad.focus(form.field)
    press(form, K.Key_Right)
    assert form.keypad.focused() is form.after
