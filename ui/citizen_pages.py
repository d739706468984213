"""The pages of the citizen kiosk (ui/citizen.py stacks them; its presenter drives the flow).

Each page only shows things and reports touches through its signals; the presenter decides what happens
(core/presenters/citizen.py) and what the number page says (core/presenters/citizen_screens.py).
Text comes from the catalogues through the window's ``Texts``; pages built from data (services, a
ticket) rebuild themselves on ``Texts.changed``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from core.domain import HallInfo, Identity, Service
from core.ports import Clock
from core.presenters.citizen_screens import ServiceChoice, services_screen, ticket_screen
from core.services.queue import IssuedTicket
from ui.idcard import IdSlot
from ui.texts import Texts
from ui.theme import restyle
from ui.widgets import Banner, Page, button, clear_layout, label

CENTER = Qt.AlignmentFlag.AlignCenter


ROW_STYLE = "font-size: 26pt; font-weight: bold; min-height: %dpx;"
ROW_HEIGHT = {False: 110, True: 80}  # px: the home page's row of buttons in one row / in two rows


class HomePage(Page):
    name = "home"
    take_number = Signal()
    check_in = Signal()  # 预约签到: the "please scan your code" page
    track = Signal()  # 办件查询: the same page, for a receipt
    guide = Signal()  # 办事指南

    def __init__(self, texts: Texts, *, codes: bool = False, guide: bool = False) -> None:
        super().__init__()
        self.texts = texts
        self.hall_name = label("", "title", align=CENTER)
        self.welcome = texts.bind(label("", "subtitle", align=CENTER), "ui.home.welcome")
        self.take = texts.bind(button("", "big", name="take-number"), "ui.home.take_number")
        self.take.clicked.connect(self.take_number)
        self.hint = texts.bind(label("", "muted", align=CENTER), "ui.home.hint")
        self.box.addStretch(1)
        self.box.addWidget(self.hall_name)
        self.box.addWidget(self.welcome)
        self.box.addSpacing(40)
        self.box.addWidget(self.take)
        # Codes: shown only when the kiosk can resolve codes; never dead buttons. One row when the labels fit
        # it whole, else two columns (English labels at this size need more than a 1280 px kiosk has).
        row = QGridLayout()
        row.setSpacing(24)
        self.row_buttons: list[QPushButton] = []
        self.check_in_button = texts.bind(button("", "big", name="check-in"), "ui_codes.home.check_in")
        self.check_in_button.clicked.connect(self.check_in)
        self.track_button = texts.bind(button("", "big", name="track"), "ui_codes.home.track")
        self.track_button.clicked.connect(self.track)
        self.guide_button = texts.bind(button("", "big", name="guide"), "ui_guide.home")
        self.guide_button.clicked.connect(self.guide)
        for widget, shown in ((self.check_in_button, codes), (self.track_button, codes), (self.guide_button, guide)):
            widget.setProperty("role", "")  # secondary: "取号" stays the first thing the eye finds
            widget.setStyleSheet(ROW_STYLE % ROW_HEIGHT[1])
            widget.setVisible(shown)
            self.row_buttons.append(widget)
            widget.installEventFilter(self)
        self.box.addSpacing(16)
        self.box.addLayout(row)
        self.row = row
        self.row_columns = 0
        self.box.addWidget(self.hint)
        self.box.addStretch(2)
        texts.changed.connect(lambda _language: self.arrange_row())
        self.arrange_row()

    def add_button(self, widget) -> None:
        """A feature the composition root adds (取件 when the kiosk drives a locker) joins the code row."""
        self.row_buttons.append(widget)
        widget.installEventFilter(self)
        self.arrange_row()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        """A row button shown or hidden later (a feature that comes or goes) re-arranges the row."""
        if watched in self.row_buttons and event.type() in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
            self.row_columns = 0  # arrange again, even at the same number of columns
            QTimer.singleShot(0, self.arrange_row)
        return False

    def arrange_row(self) -> None:
        """The row's buttons side by side when every label fits whole in the page's width, else two to a
        row (an odd last one across both columns), less tall when that makes two rows: the page still fits
        an 800-line screen (``kiosk diag a11y`` measures it, with the locker's 取件 among them)."""
        shown = [b for b in self.row_buttons if not b.isHidden()]
        for b in self.row_buttons:
            b.ensurePolished()  # the style sheet's font: the labels' real widths
        margins = self.box.contentsMargins()
        width = (self.width() if self.isVisible() else self.window().width()) - margins.left() - margins.right()
        needed = sum(b.sizeHint().width() for b in shown) + self.row.horizontalSpacing() * max(0, len(shown) - 1)
        columns = len(shown) if needed <= width else 2
        if columns == self.row_columns and all(self.row.indexOf(b) >= 0 for b in self.row_buttons):
            return
        self.row_columns = columns
        for b in self.row_buttons:
            self.row.removeWidget(b)
            b.setStyleSheet(ROW_STYLE % ROW_HEIGHT[columns == 2 and len(shown) > 2])
        for index, b in enumerate(shown):
            last_alone = columns == 2 and index == len(shown) - 1 and index % 2 == 0
            self.row.addWidget(b, index // max(1, columns), index % max(1, columns), 1, 2 if last_alone else 1)
        for b in self.row_buttons:
            if b.isHidden():
                self.row.addWidget(b, 99, 0)  # kept in the page, out of the way; shown later, it is arranged

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.arrange_row()

    def show_hall(self, hall: HallInfo | None) -> None:
        self.hall_name.setText(hall.display_name(self.texts.language) if hall else self.texts("app.name"))


class ServicesPage(Page):
    name = "services"
    chosen = Signal(str)  # service prefix
    back = Signal()
    retry = Signal()

    def __init__(self, texts: Texts, clock: Clock) -> None:
        super().__init__()
        self.texts = texts
        self.clock = clock
        self.hall: HallInfo | None = None
        self.title = texts.bind(label("", "title", align=CENTER), "ui.services.title")
        # The identification slot (the window fills it: place your card / hello 李* / not available).
        self.id_slot = IdSlot()
        self.status = label("", "muted", align=CENTER)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(16)
        self.columns = 2  # one in elders' mode: fewer, larger choices on the screen at once
        # The services scroll when the hall has more than the screen holds (a 1280×800 kiosk, elders' mode);
        # the keypad's focus scrolls them into view (ui/keypad.py).
        self.scroller = fitting_scroller(self.grid_host)
        self.retry_button = texts.bind(button("", name="services-retry"), "ui.common.retry")
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.hide()
        self.back_button = texts.bind(button("", name="services-back"), "ui.common.back_home")
        self.back_button.clicked.connect(self.back)
        self.box.addWidget(self.title)
        self.box.addWidget(self.id_slot)
        self.box.addWidget(self.status)
        self.box.addWidget(self.scroller, 1)
        self.box.addWidget(self.retry_button)
        self.box.addWidget(self.back_button)
        self.buttons: dict[str, ServiceButton] = {}
        self._layout: tuple | None = None  # the columns and services last drawn, in order
        texts.changed.connect(lambda _: self.show_hall(self.hall))

    def set_columns(self, columns: int) -> None:
        if columns != self.columns:
            self.columns = columns
            self.show_hall(self.hall)

    def show_loading(self) -> None:
        self.status.setText(self.texts("ui.services.loading"))
        self.retry_button.hide()

    def show_unreachable(self, message: str, can_retry: bool = True) -> None:
        self.status.setText(message)
        self.retry_button.setVisible(can_retry)

    def show_hall(self, hall: HallInfo | None) -> None:
        """Shows the services (the hall's counts come every few seconds). When the same services come again
        in the same places only what the buttons say changes, in place: no flicker, and a person moving
        with the arrows, or listening to the voice, keeps their place. A different set is drawn anew, and
        a service that had the focus has it again."""
        self.hall = hall
        if hall is None:
            self._layout = None
            clear_layout(self.grid)
            self.buttons.clear()
            return
        self.status.setText("")
        self.retry_button.hide()
        groups = services_screen(hall, self.clock, self.texts.language)
        layout = (self.columns, tuple((g.department, tuple(c.prefix for c in g.choices)) for g in groups))
        if layout == self._layout:
            for group in groups:
                for choice in group.choices:
                    self.buttons[choice.prefix].show_choice(*self._says(choice))
            return
        focused = next((prefix for prefix, b in self.buttons.items() if b.hasFocus()), None)
        clear_layout(self.grid)
        self.buttons.clear()
        self._layout = layout
        row, columns = 0, self.columns
        for group in groups:
            if group.department is not None:
                self.grid.addWidget(label(group.department, "subtitle"), row, 0, 1, columns)
                row += 1
            for index, choice in enumerate(group.choices):
                self.grid.addWidget(self._service_button(choice), row + index // columns, index % columns)
            row += (len(group.choices) + columns - 1) // columns
        if focused in self.buttons:
            self.buttons[focused].setFocus(Qt.FocusReason.OtherFocusReason)

    def _says(self, choice: ServiceChoice) -> tuple[str, str, bool]:
        detail = choice.detail.render(self.texts.tr)
        if choice.department:
            detail = f"{choice.department} · {detail}"
        return choice.name, detail, choice.enabled

    def _service_button(self, choice: ServiceChoice) -> QPushButton:
        widget = ServiceButton(*self._says(choice))
        widget.setObjectName(f"service-{choice.prefix}")
        widget.clicked.connect(lambda _=False, p=choice.prefix: self.chosen.emit(p))
        self.buttons[choice.prefix] = widget
        return widget


class ServiceButton(QPushButton):
    """A large touch target: the service's name, and below it smaller, who serves it and how many wait
    (or why it cannot issue now). The labels let touches through to the button."""

    def __init__(self, name: str, detail: str, enabled: bool) -> None:
        super().__init__()
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.name_label = label(name)
        self.detail_label = label(detail)
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 8, 12, 8)
        box.setSpacing(2)
        for part in (self.name_label, self.detail_label):
            part.setAlignment(CENTER)
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            box.addWidget(part)
        self._enabled: bool | None = None
        self.show_choice(name, detail, enabled)

    def show_choice(self, name: str, detail: str, enabled: bool) -> None:
        """What the button says and whether it can issue now, changed in place."""
        if self.name_label.text() != name:
            self.name_label.setText(name)
        if self.detail_label.text() != detail:
            self.detail_label.setText(detail)
        self.setAccessibleName(f"{name} {detail}")
        if enabled != self._enabled:
            self._enabled = enabled
            suffix = "" if enabled else "-off"
            self.setProperty("role", "primary" if enabled else "")
            self.name_label.setProperty("role", f"service-name{suffix}")
            self.detail_label.setProperty("role", f"service-detail{suffix}")
            for widget in (self, self.name_label, self.detail_label):
                restyle(widget)
            self.setEnabled(enabled)

    def text(self) -> str:  # what the button says, for tests and accessibility
        return f"{self.name_label.text()}\n{self.detail_label.text()}"


class ConfirmPage(Page):
    name = "confirm"
    confirm = Signal()
    back = Signal()

    def __init__(self, texts: Texts, *, id_reader_available: bool) -> None:
        super().__init__()
        self.texts = texts
        self.id_reader_available = id_reader_available
        self.service: Service | None = None
        self.identity: Identity | None = None
        self.title = texts.bind(label("", "title", align=CENTER), "ui.confirm.title")
        self.service_name = label("", "huge", align=CENTER)
        self.service_name.setStyleSheet("font-size: 48pt;")
        self.waiting = label("", "subtitle", align=CENTER)
        # The identification slot: the window says what to do with the card reader, or greets the
        # identified person (masked name); without a reader the number is taken without identification.
        self.id_slot = IdSlot()
        self.identity_line = self.id_slot.text
        self.confirm_button = texts.bind(button("", "primary", name="confirm"), "ui.confirm.take")
        self.confirm_button.setMinimumHeight(120)
        self.confirm_button.clicked.connect(self.confirm)
        self.back_button = texts.bind(button("", name="confirm-back"), "ui.common.back")
        self.back_button.clicked.connect(self.back)
        for widget in (self.title, self.service_name, self.waiting, self.id_slot):
            self.box.addWidget(widget)
        self.box.addStretch(1)
        self.box.addWidget(self.confirm_button)
        self.box.addWidget(self.back_button)
        texts.changed.connect(lambda _: self._refresh())

    def show_service(self, service: Service, identity: Identity | None) -> None:
        self.service, self.identity = service, identity
        self._refresh()

    def _refresh(self) -> None:
        if self.service is None:
            return
        t = self.texts
        self.service_name.setText(self.service.display_name(t.language))
        self.waiting.setText(t("ui.services.waiting", n=self.service.waiting))


class BusyPage(Page):
    name = "busy"
    cancel = Signal()

    def __init__(self, texts: Texts) -> None:
        super().__init__()
        self.message = label("", "title", align=CENTER)
        self.cancel_button = texts.bind(button("", name="busy-home"), "ui.common.back_home")
        self.cancel_button.clicked.connect(self.cancel)
        self.box.addStretch(1)
        self.box.addWidget(self.message)
        self.box.addStretch(1)
        self.box.addWidget(self.cancel_button)


class ResultPage(Page):
    name = "result"
    reprint = Signal()
    done = Signal()

    def __init__(self, texts: Texts) -> None:
        super().__init__()
        self.texts = texts
        self.issued: IssuedTicket | None = None
        self.heading = label("", "subtitle", align=CENTER)
        self.number = label("", "huge", align=CENTER)
        self.number.setObjectName("ticket-number")
        self.service_name = label("", "title", align=CENTER)
        self.ahead = label("", "subtitle", align=CENTER)
        self.wait = label("", "subtitle", align=CENTER)
        self.priority = label("", "good", align=CENTER)
        self.what_next = label("", "", align=CENTER)
        self.print_status = Banner()
        self.print_status.setObjectName("print-status")
        row = QHBoxLayout()
        self.reprint_button = texts.bind(button("", name="reprint"), "ui.result.reprint")
        self.reprint_button.clicked.connect(self.reprint)
        self.done_button = texts.bind(button("", "primary", name="done"), "ui.result.done")
        self.done_button.clicked.connect(self.done)
        row.addWidget(self.reprint_button)
        row.addWidget(self.done_button)
        for widget in (self.heading, self.number, self.service_name, self.priority, self.ahead, self.wait,
                       self.what_next):
            self.box.addWidget(widget)
        self.box.addStretch(1)
        self.box.addWidget(self.print_status)
        self.box.addLayout(row)
        texts.changed.connect(lambda _: self._refresh())

    def show_ticket(self, issued: IssuedTicket) -> None:
        self.issued = issued
        self._refresh()

    def _refresh(self) -> None:
        if self.issued is None:
            return
        tr = self.texts.tr
        screen = ticket_screen(self.issued, tr.language)
        self.heading.setText(screen.heading.render(tr))
        self.number.setText(screen.number)
        self.service_name.setText(screen.service_name)
        for widget, message in ((self.priority, screen.priority), (self.ahead, screen.ahead),
                                (self.wait, screen.wait)):
            widget.setText(message.render(tr) if message is not None else "")
            widget.setVisible(message is not None)
        self.what_next.setText(screen.what_next.render(tr))
        self.print_status.show_text(screen.print_status.render(tr), screen.print_role)
        self.reprint_button.setVisible(screen.can_reprint)
        self.reprint_button.setEnabled(True)


class ProblemPage(Page):
    """A calm message and what the person can do next (each button only when it makes sense)."""

    name = "problem"
    retry = Signal()
    without_print = Signal()
    back = Signal()

    def __init__(self, texts: Texts) -> None:
        super().__init__()
        self.title = texts.bind(label("", "title", align=CENTER), "ui.problem.title")
        self.message = label("", "subtitle", align=CENTER)
        self.message.setObjectName("problem-message")
        self.retry_button = texts.bind(button("", "primary", name="problem-retry"), "ui.common.retry")
        self.retry_button.clicked.connect(self.retry)
        self.without_print_button = texts.bind(button("", name="problem-without-print"), "ui.problem.without_print")
        self.without_print_button.clicked.connect(self.without_print)
        self.back_button = texts.bind(button("", name="problem-home"), "ui.common.back_home")
        self.back_button.clicked.connect(self.back)
        self.box.addStretch(1)
        self.box.addWidget(self.title)
        self.box.addWidget(self.message)
        self.box.addStretch(1)
        for widget in (self.retry_button, self.without_print_button, self.back_button):
            self.box.addWidget(widget)

    def show_problem(self, message: str, *, can_retry: bool, can_go_without_print: bool) -> None:
        self.message.setText(message)
        self.retry_button.setVisible(can_retry)
        self.without_print_button.setVisible(can_go_without_print)


def fitting_scroller(content: QWidget) -> QScrollArea:
    """``content`` in a frameless vertical scroller that takes no keypad focus itself: the page asks for no
    more height than the screen has (docs/accessibility.md, "Pages that fit")."""
    scroller = QScrollArea()
    scroller.setObjectName("page-scroller")
    scroller.setFrameShape(QFrame.Shape.NoFrame)
    scroller.setWidgetResizable(True)
    scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    scroller.setWidget(content)
    return scroller


def idle_warning_bar(texts: Texts) -> tuple[QWidget, QLabel, QPushButton]:
    bar = QWidget()
    bar.setObjectName("idle-warning")
    row = QHBoxLayout(bar)
    text = label("", "notice")
    extend = texts.bind(button("", "primary", name="idle-extend"), "ui.idle.extend")
    row.addWidget(text, 3)
    row.addWidget(extend, 1)
    bar.hide()
    return bar, text, extend
