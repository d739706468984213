"""Small building blocks shared by the windows: labelled buttons, banners, a page base class."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ui.theme import restyle


def label(text: str = "", role: str = "", *, wrap: bool = True, align=None) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    if align is not None:
        widget.setAlignment(align)
    return widget


def button(text: str = "", role: str = "", *, name: str = "") -> QPushButton:
    widget = QPushButton(text)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return widget


class Banner(QLabel):
    """A calm one-line notice (role ``notice``) or a problem (role ``problem``); hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(56)
        self.hide()

    def show_text(self, text: str, role: str = "notice") -> None:
        if self.property("role") != role:
            self.setProperty("role", role)
            restyle(self)
        self.setText(text)
        self.setVisible(bool(text))

    def clear_text(self) -> None:
        self.setText("")
        self.hide()


class Page(QFrame):
    """One screen of a stacked window. ``name`` identifies it in tests and logs."""

    name = "page"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"page-{self.name}")
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(40, 16, 40, 16)
        self.box.setSpacing(16)


def clear_layout(layout) -> None:
    """Removes and deletes every widget and sub-layout of ``layout``."""
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().hide()  # gone from the screen (and the keypad's order) now, deleted later
            item.widget().deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())
