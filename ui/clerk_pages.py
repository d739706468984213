"""The clerk window's pages: login, the queue panel with its inline choice panel, the application page.

Widgets only: what they show comes from ``core.presenters.clerk`` (``StatusView``, ``Choice``) through
ui/clerk.py ``ClerkWindow``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.presenters.clerk import StatusView, TicketRow
from ui.applicant import ApplicantPanel
from ui.materials_panel import MaterialsPanel
from ui.texts import Texts
from ui.widgets import Banner, Page, button, clear_layout, label

# (action id, message key, F-key)
ACTIONS = (
    ("call_next", "ui.clerk.call_next", "F1"),
    ("recall", "ui.clerk.recall", "F2"),
    ("no_show", "ui.clerk.no_show", "F3"),
    ("finish", "ui.clerk.finish", "F4"),
    ("hold", "ui.clerk.hold", "F5"),
    ("transfer", "ui.clerk.transfer", "F6"),
    ("return_to_queue", "ui.clerk.return_to_queue", "F7"),
    ("pause", "ui.clerk.pause", "F8"),
    ("call_number", "ui.clerk.call_number", "F9"),
    ("call_back", "ui.clerk.call_back", "F10"),
)


class LoginPage(Page):
    name = "login"

    def __init__(self, texts: Texts, window: int, hint: tuple[str, dict] | None) -> None:
        super().__init__()
        self.title = texts.bind(label("", "title"), "ui.clerk.login_title", window=window)
        self.staff = QLineEdit()
        self.staff.setObjectName("staff-id")
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        texts.bind(self.staff, "ui.clerk.staff_id", setter="setPlaceholderText")
        texts.bind(self.pin, "ui.clerk.pin", setter="setPlaceholderText")
        texts.bind(self.staff, "ui.clerk.staff_id", setter="setAccessibleName")
        texts.bind(self.pin, "ui.clerk.pin", setter="setAccessibleName")
        self.login_button = texts.bind(button("", "primary", name="login"), "ui.clerk.login")
        self.message = Banner()
        self.message.setObjectName("login-message")
        self.hint = label("", "notice")
        self.hint.setObjectName("login-hint")
        if hint is not None:  # the demo tells the person its staff ids and PINs (demo only)
            texts.bind(self.hint, hint[0], **hint[1])
        self.hint.setVisible(hint is not None)
        for widget in (self.title, self.staff, self.pin, self.login_button, self.message, self.hint):
            self.box.addWidget(widget)
        self.box.addStretch(1)
        self.pin.returnPressed.connect(self.login_button.click)


class ChoicePanel(QFrame):
    """A row of option buttons (or a text field) replacing the action buttons until one is chosen."""

    def __init__(self, texts: Texts) -> None:
        super().__init__()
        self.setObjectName("choice-panel")
        self.texts = texts
        self.box = QVBoxLayout(self)
        self.title = label("", "subtitle")
        self.options = QGridLayout()
        self.field = QLineEdit()
        self.field.setObjectName("choice-field")
        self.ok = texts.bind(button("", "primary", name="choice-ok"), "ui.common.ok")
        self.cancel = texts.bind(button("", name="choice-cancel"), "ui.common.cancel")
        self.box.addWidget(self.title)
        self.box.addLayout(self.options)
        self.box.addWidget(self.field)
        row = QHBoxLayout()
        row.addWidget(self.ok)
        row.addWidget(self.cancel)
        self.box.addLayout(row)
        self._on_text: Callable[[str], None] | None = None
        self.ok.clicked.connect(self._submit_text)
        self.field.returnPressed.connect(self._submit_text)

    def ask_choice(self, title: str, options: list[tuple[str, Callable[[], None]]]) -> None:
        clear_layout(self.options)
        self.title.setText(title)
        for index, (text, chosen) in enumerate(options):
            widget = button(text, name=f"choice-{index}")
            widget.clicked.connect(lambda _=False, c=chosen: c())
            self.options.addWidget(widget, index // 3, index % 3)
        self.field.hide()
        self.ok.hide()
        self._on_text = None

    def ask_text(self, title: str, on_text: Callable[[str], None]) -> None:
        clear_layout(self.options)
        self.title.setText(title)
        self.field.clear()
        self.field.show()
        self.ok.show()
        self._on_text = on_text
        self.field.setFocus()

    def _submit_text(self) -> None:
        if self._on_text is not None and self.field.text().strip():
            self._on_text(self.field.text().strip())


class TicketList(QListWidget):
    """A list of tickets that asks for little height (it scrolls): the window fits a 1080p desktop with
    the applicant panel above the lists."""

    def sizeHint(self):  # noqa: N802 (Qt's name)
        hint = super().sizeHint()
        hint.setHeight(100)
        return hint


class QueuePage(Page):
    name = "queue"

    def __init__(self, texts: Texts, today: Callable[[], date]) -> None:
        super().__init__()
        self.box.setContentsMargins(40, 8, 40, 8)  # a desk screen of 768 lines under a title bar and the
        self.box.setSpacing(10)                    # status area: every line counts
        self.texts = texts
        self._shown: dict[str, tuple] = {}  # list name -> the rows it shows
        top = QHBoxLayout()
        self.who = label("", "subtitle")
        self.window_state = label("", "notice")
        self.window_state.setObjectName("window-state")
        self.logout_button = texts.bind(button("", name="logout"), "ui.clerk.logout")
        self.logout_button.setMaximumWidth(220)
        self.application_button = texts.bind(button("", name="open-application"), "materials.action.open")
        self.application_button.setMaximumWidth(220)
        self.application_button.hide()  # shown when the window has an application page
        top.addWidget(self.who, 2)
        top.addWidget(self.window_state, 2)
        top.addWidget(self.application_button)
        top.addWidget(self.logout_button)
        self.box.addLayout(top)
        self.message = Banner()
        self.message.setObjectName("clerk-message")
        self.box.addWidget(self.message)
        self.pad_state = label("", "muted")  # the rating pad's progress (never the level chosen)
        self.pad_state.setObjectName("pad-state")
        self.pad_state.hide()
        self.box.addWidget(self.pad_state)

        body = QHBoxLayout()
        left = QVBoxLayout()
        self.current_title = texts.bind(label("", "muted"), "ui.clerk.current")
        self.current_number = label("", "number")
        self.current_number.setObjectName("current-number")
        self.current_detail = label("", "subtitle")
        self.current_detail.setWordWrap(True)
        left.addWidget(self.current_title)
        current = QHBoxLayout()  # the number and its service on one line: the page fits a 768-line screen
        current.addWidget(self.current_number)
        current.addSpacing(24)
        current.addWidget(self.current_detail, 1, Qt.AlignmentFlag.AlignVCenter)
        left.addLayout(current)
        self.actions_stack = QStackedWidget()
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        self.action_buttons: dict[str, object] = {}
        for index, (action, key, fkey) in enumerate(ACTIONS):
            widget = texts.bind(button("", "primary" if action == "call_next" else "", name=f"action-{action}"),
                                key, shortcut=fkey)
            widget.setProperty("compact", True)  # a desktop window: 60 px targets, all ten on one screen
            grid.addWidget(widget, index // 3, index % 3)  # three a row: F1–F3, F4–F6 …
            self.action_buttons[action] = widget
        self.choice = ChoicePanel(texts)
        self.actions_stack.addWidget(grid_host)
        self.actions_stack.addWidget(self.choice)
        left.addWidget(self.actions_stack, 1)
        body.addLayout(left, 3)

        right = QVBoxLayout()
        self.applicant = ApplicantPanel(texts, today)
        right.addWidget(self.applicant)
        self.waiting_title = label("", "muted")
        self.waiting = TicketList()
        self.waiting.setObjectName("waiting-list")
        self.held_title = texts.bind(label("", "muted"), "ui.clerk.held")
        self.held = TicketList()
        self.held.setObjectName("held-list")
        texts.bind(self.waiting, "ui.a11y.waiting_list", setter="setAccessibleName")
        texts.bind(self.held, "ui.clerk.held", setter="setAccessibleName")
        self.counts = label("", "muted")
        self.counts.setObjectName("counts")
        for widget in (self.waiting_title, self.waiting, self.held_title, self.held, self.counts):
            right.addWidget(widget)
        body.addLayout(right, 2)
        self.box.addLayout(body, 1)

    def show_status(self, view: StatusView | None) -> None:
        if view is None:
            return
        self.window_state.setText(view.window_state)
        self.current_number.setText(view.current_number)
        self.current_detail.setText(view.current_detail)
        self.waiting_title.setText(view.waiting_title)
        self._fill(self.waiting, view.waiting)
        self._fill(self.held, view.held)
        self.counts.setText(view.counts)
        self.texts.bind(self.action_buttons["pause"], "ui.clerk.resume" if view.paused else "ui.clerk.pause",
                        shortcut="F8")

    def _fill(self, widget: QListWidget, rows: tuple[TicketRow, ...]) -> None:
        """Shows ``rows`` in ``widget``; rows that are already shown are left alone (a status comes with
        every call in the hall: rebuilding an unchanged list each time costs the GUI thread for nothing)."""
        shown = tuple((row.text, row.number) for row in rows)
        if self._shown.get(widget.objectName()) == shown:
            return
        self._shown[widget.objectName()] = shown
        selected = widget.currentItem().data(Qt.ItemDataRole.UserRole) if widget.currentItem() else None
        widget.clear()
        for row in rows:
            item = QListWidgetItem(row.text)
            item.setData(Qt.ItemDataRole.UserRole, row.number)
            widget.addItem(item)
            if row.number == selected:
                widget.setCurrentItem(item)

    def selected_held(self) -> str | None:
        item = self.held.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


class ApplicationPage(Page):
    name = "application"

    def __init__(self, panel: MaterialsPanel) -> None:
        super().__init__()
        self.panel = panel
        self.box.setContentsMargins(12, 4, 12, 4)
        self.box.addWidget(panel, 1)
