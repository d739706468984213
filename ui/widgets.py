"""Small building blocks shared by the windows: labelled buttons, banners, a page base class, a page stack, a
column that scrolls."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

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


class PageStack(QStackedWidget):
    """A stack of pages sized by the page shown, not by the largest of them (QStackedWidget's way).

    Each page must fit the screen on its own; the one shown decides the window's minimum. A hidden page also
    keeps the sizes its layouts and splitters measured before its window's style sheet reached it (Qt brings
    them up to date only for what is visible), which would make the window taller than any page needs the
    moment it shows; the page is measured afresh before it does."""

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 (Qt's name)
        self.setCurrentIndex(self.indexOf(page))

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802 (Qt's name)
        self._measure(self.widget(index))
        super().setCurrentIndex(index)
        self.updateGeometry()

    @staticmethod
    def _measure(page: QWidget | None) -> None:
        """Before the page shows (showing it resizes the window to its minimum at once): the window's style
        sheet on every child, and every size its layouts and splitters keep measured afresh."""
        if page is None:
            return
        page.ensurePolished()
        for widget in page.findChildren(QWidget):
            widget.updateGeometry()  # drops the size its layout item kept for it
        for layout in page.findChildren(QLayout):
            layout.invalidate()
        page.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()


class ColumnScroll(QScrollArea):
    """A column that scrolls up and down when the screen is shorter than it (banners come and go), never
    sideways: as wide as its content needs, so no label in it is cut; as short as the screen wants."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(content.sizePolicy().horizontalPolicy(), QSizePolicy.Policy.Expanding)
        content.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the content's needs changed (another language, a banner): ours with them
        return super().eventFilter(watched, event)

    def bar_width(self) -> int:
        """The room its scroll bar takes beside the content."""
        return self.verticalScrollBar().sizeHint().width()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        hint = self.widget().sizeHint()
        return QSize(hint.width() + self.bar_width(), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        content = self.widget()  # as wide as it asks to be (within its own bounds): labels whole
        width = max(content.minimumSizeHint().width(), min(content.sizeHint().width(), content.maximumWidth()))
        return QSize(width + self.bar_width(), 120)

