"""The kiosk's code pages: "please scan your code" (with an on-screen keypad) and the tracking page.

ui/citizen.py stacks them beside the pages of ui/citizen_pages.py; its presenter decides what a code does
(core/presenters/citizen.py), and what the keypad and the case say (core/presenters/citizen_screens.py).
Pages only show things and report touches.

- ``ScanPage`` (``mode`` "checkin" or "track"): where the scanner is (and the camera, when the kiosk has
  one), a message line (e.g. "无法识别此码"), and a keypad to type the code instead: for check-in the
  15 digits after the printed "YY", for tracking the 20-digit 办件编号. ``submitted(str)`` carries a
  payload in the shape a scanner would deliver (``YY…``, ``HALL:R:…``), so a typed code goes through the
  same strict classifier as a scanned one.
- ``TrackingPage``: the matter, the state, the case number, the promise and how it stands (late or not, on
  the hall's working days), a refusal's reason and remedy, where to collect a ready result, and the
  timeline of the case's steps (core/presenters/case_timeline.py). A case holds no personal data
  (core/domain/appointments.py): its number is shown whole, as the receipt prints it.

Nothing of an unrecognised payload is ever shown (only the fixed "not recognised" text).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from core.domain.appointments import Case
from core.presenters.case_timeline import CaseProgress, case_progress
from core.presenters.citizen_screens import TypedCode
from core.services.working_days import HallCalendar
from ui.texts import Texts
from ui.widgets import Banner, Page, button, label

CENTER = Qt.AlignmentFlag.AlignCenter
# Keypad keys: large enough for an elderly finger, small enough that the page fits 1280×800.
KEY_STYLE = "font-size: 26pt; font-weight: bold; min-height: 64px;"


class ScanPage(Page):
    name = "scan"
    submitted = Signal(str)
    back = Signal()

    def __init__(self, texts: Texts, *, camera: bool = False) -> None:
        super().__init__()
        self.texts = texts
        self.typed = TypedCode("checkin")
        self.camera = camera
        self.title = label("", "title", align=CENTER)
        self.where = label("", "subtitle", align=CENTER)
        self.where.setObjectName("scan-where")
        self.message = Banner()
        self.message.setObjectName("scan-message")
        self.message.setMinimumHeight(96)  # two lines: what went wrong, what to show instead
        self.or_type = texts.bind(label("", "muted", align=CENTER), "ui_codes.scan.or_type")
        self.field = label("", "number", wrap=False, align=CENTER)
        self.field.setObjectName("scan-typed")
        self.field.setStyleSheet("font-size: 28pt;")  # 20 digits and their gaps on one line
        self.keypad = QWidget()
        grid = QGridLayout(self.keypad)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        self.keys: dict[str, object] = {}
        for index, digit in enumerate("123456789"):
            self._key(grid, digit, index // 3, index % 3)
        erase = texts.bind(button("", name="scan-key-erase"), "ui_codes.scan.erase")
        erase.clicked.connect(self.erase)
        erase.setStyleSheet(KEY_STYLE)
        grid.addWidget(erase, 3, 0)
        self._key(grid, "0", 3, 1)
        self.ok = texts.bind(button("", "primary", name="scan-key-ok"), "ui_codes.scan.ok")
        self.ok.clicked.connect(self.submit_typed)
        self.ok.setStyleSheet(KEY_STYLE)
        grid.addWidget(self.ok, 3, 2)
        self.back_button = texts.bind(button("", name="scan-back"), "ui.common.back_home")
        self.back_button.clicked.connect(self.back)
        # Where to scan (and the message) on the left, the keypad on the right: fits 1280×800.
        info = self.info = QVBoxLayout()
        info.setSpacing(16)
        for widget in (self.where, self.message, self.or_type, self.field):
            info.addWidget(widget)
        info.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(32)
        row.addLayout(info, 3)
        row.addWidget(self.keypad, 2)
        self.box.addWidget(self.title)
        self.box.addLayout(row, 1)
        self.box.addWidget(self.back_button)
        texts.changed.connect(lambda _: self._refresh())

    def add_preview(self, preview: QWidget) -> None:
        """Shows the camera's live picture under where-to-scan (kiosks with a camera)."""
        preview.setObjectName("scan-preview")
        preview.setMinimumSize(480, 270)
        preview.setMaximumHeight(300)
        self.info.insertWidget(1, preview)

    def _key(self, grid: QGridLayout, digit: str, row: int, column: int) -> None:
        key = button(digit, "primary", name=f"scan-key-{digit}")
        key.setStyleSheet(KEY_STYLE)
        key.clicked.connect(lambda _=False, d=digit: self.type_digit(d))
        self.keys[digit] = key
        grid.addWidget(key, row, column)

    @property
    def mode(self) -> str:
        return self.typed.mode

    @property
    def digits(self) -> str:
        return self.typed.digits

    def open(self, mode: str) -> None:
        self.typed.open(mode)
        self.message.clear_text()
        self._refresh()

    def show_message(self, text: str, role: str = "problem") -> None:
        self.message.show_text(text, role)

    def type_digit(self, digit: str) -> None:
        self.typed.type_digit(digit)
        self.message.clear_text()
        self._refresh()

    def erase(self) -> None:
        self.typed.erase()
        self._refresh()

    # A keypad's digits and erase key type into the code (ui/keypad.py).
    keypad_digit = type_digit
    keypad_erase = erase

    def submit_typed(self) -> None:
        payload = self.typed.payload()
        if payload is None:
            self.show_message(self.typed.incomplete().render(self.texts.tr), "notice")
            return
        self.submitted.emit(payload)

    def _refresh(self) -> None:
        t = self.texts
        self.title.setText(t(f"ui_codes.scan.title.{self.mode}"))
        where = t(f"ui_codes.scan.where.{self.mode}")
        if self.camera:
            where += "\n" + t("ui_codes.scan.camera")
        self.where.setText(where)
        self.field.setText(self.typed.field())
        self.ok.setEnabled(self.typed.can_submit)


class TrackingPage(Page):
    """A receipt's case: the matter, the state, its number (whole: a case number is not personal data),
    the promise and how it stands on the hall's working days, a refusal's reason and remedy, where a ready
    result waits, and the timeline of its steps with their dates (core/presenters/case_timeline.py)."""

    name = "tracking"
    done = Signal()

    def __init__(self, texts: Texts) -> None:
        super().__init__()
        self.texts = texts
        self.case: Case | None = None
        self.today: date | None = None
        self.calendar: HallCalendar | None = None
        self.progress: CaseProgress | None = None
        self.title = texts.bind(label("", "title", align=CENTER), "ui_case.title")
        self.matter = label("", "subtitle", align=CENTER)
        self.matter.setObjectName("tracking-matter")
        self.state = label("", "huge", align=CENTER)
        self.state.setObjectName("tracking-state")
        self.state.setStyleSheet("font-size: 36pt;")
        self.number = label("", "subtitle", align=CENTER)
        self.number.setObjectName("tracking-number")
        self.promised = label("", "subtitle", align=CENTER)
        self.timing = Banner()
        self.timing.setObjectName("tracking-timing")
        self.refusal = Banner()
        self.refusal.setObjectName("tracking-refusal")
        self.pickup = label("", "good", align=CENTER)
        self.pickup.setObjectName("tracking-pickup")
        self.what_next = label("", "good", align=CENTER)
        self.what_next.setObjectName("tracking-next")
        self.timeline_title = texts.bind(label("", "muted"), "ui_case.timeline")
        self.timeline = QVBoxLayout()
        self.timeline.setSpacing(4)
        self.steps: list = []
        row = QHBoxLayout()
        self.done_button = texts.bind(button("", "primary", name="tracking-done"), "ui.result.done")
        self.done_button.clicked.connect(self.done)
        row.addWidget(self.done_button)
        # What the case is and where it stands on the left, its timeline on the right: fits 1280×800.
        left = QVBoxLayout()
        for widget in (self.matter, self.state, self.number, self.promised, self.timing, self.refusal, self.pickup,
                       self.what_next):
            left.addWidget(widget)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.timeline_title)
        right.addLayout(self.timeline)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(32)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        self.box.addWidget(self.title)
        self.box.addLayout(columns, 1)
        self.box.addLayout(row)
        texts.changed.connect(lambda _: self._refresh())

    def show_case(self, case: Case, *, today: date | None = None, calendar: HallCalendar | None = None) -> None:
        """``today``: the hall's service day (default: this machine's date); ``calendar``: the hall's."""
        self.case, self.today, self.calendar = case, today or date.today(), calendar
        self._refresh()

    def clear(self) -> None:
        self.case = self.progress = None
        for widget in (self.matter, self.state, self.number, self.promised, self.pickup, self.what_next):
            widget.setText("")
        self.timing.clear_text()
        self.refusal.clear_text()
        self._set_steps([])

    def _set_steps(self, lines: list[tuple[str, bool]]) -> None:
        for widget in self.steps:
            self.timeline.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self.steps = []
        for text, done in lines:
            step = label(text, "subtitle" if done else "muted")
            step.setObjectName("tracking-step")
            self.timeline.addWidget(step)
            self.steps.append(step)

    def _refresh(self) -> None:
        if self.case is None:
            return
        tr = self.texts.tr
        progress = self.progress = case_progress(self.case, today=self.today, calendar=self.calendar,
                                                 language=tr.language)
        self.matter.setText(progress.matter)
        self.state.setText(progress.state.render(tr))
        self.number.setText(progress.number.render(tr))
        for widget, message in ((self.promised, progress.promised), (self.pickup, progress.pickup)):
            widget.setText(message.render(tr) if message is not None else "")
            widget.setVisible(message is not None)
        if progress.timing is None:
            self.timing.clear_text()
        else:
            self.timing.show_text(progress.timing.render(tr), "problem" if progress.late else "notice")
        if progress.refusal is None:
            self.refusal.clear_text()
        else:
            self.refusal.show_text(progress.refusal.render(tr), "notice")
        self.what_next.setText(progress.what_next.render(tr))
        lines = []
        for step in progress.steps:
            words = step.words.render(tr)
            text = f"{step.day}  {words}" if step.day else words if step.done else tr("ui_case.to_come", step=words)
            lines.append((text, step.done))
        self._set_steps(lines)
