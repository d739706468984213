"""PySide6 6.12 on CPython 3.11 drops a reference to None on every call of a method that returns nothing;
importing ``ui`` keeps None alive however many calls a long day at a kiosk makes (ui/__init__.py)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QPushButton

import ui  # noqa: F401  (the guard runs when ui is imported)


def test_none_survives_many_qt_calls(qtbot):
    """GIVEN a button WHEN its text is set 20 000 times (None starts with about 6 000 references) THEN the
    process is still alive and None's count is far out of reach of such calls (the guard adds 2**40; every
    test before this one may have taken some of it, a day at a kiosk takes millions, never 2**39)."""
    widget = QPushButton()
    qtbot.addWidget(widget)
    for n in range(20000):
        widget.setText(str(n % 10))
    assert widget.text() == "9"
    assert sys.version_info >= (3, 12) or sys.getrefcount(None) > 1 << 39
