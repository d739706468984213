"""The kiosk's code pages: "please scan your code" (with an on-screen keypad) and the tracking page.

ui/citizen.py stacks them beside the pages of ui/citizen_pages.py and decides what a code does
(core/services/codes.py). Pages only show things and report touches.

- ``ScanPage`` (``mode`` "checkin" or "track"): where the scanner is (and the camera, when the kiosk has
  one), a message line (e.g. "无法识别此码"), and a keypad to type the code instead: for check-in the
  15 digits after the printed "YY", for tracking the 20-digit 办件编号. ``submitted(str)`` carries a
  payload in the shape a scanner would deliver (``YY…``, ``HALL:R:…``), so a typed code goes through the
  same strict classifier as a scanned one.
- ``TrackingPage``: the matter, the state, accepted and promised dates and what to do next. A case holds
  no personal data (core/domain/appointments.py); the tracking number is shown with its middle masked,
  as on receipts shown in public.

Nothing of an unrecognised payload is ever shown (only the fixed "not recognised" text).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from core.domain.appointments import Case, CaseState
from core.i18n import keys_for
from ui.texts import Texts
from ui.widgets import Banner, Page, button, label

CENTER = Qt.AlignmentFlag.AlignCenter
# What a person types: the appointment code's 15 digits after "YY", or the 20-digit tracking number.
TYPED_DIGITS = {"checkin": 15, "track": 20}
# Keys built from the mode (here and in ui/citizen.py) and from a case's state.
MODE_KEYS = [keys_for(p, TYPED_DIGITS) for p in ("ui_codes.scan.title.", "ui_codes.scan.where.", "ui_codes.busy.",
                                                 "ui_codes.error.not_found.")]
CASE_STATE_KEYS = keys_for("ui_codes.track.state.", CaseState)
# Keypad keys: large enough for an elderly finger, small enough that the page fits 1280×800.
KEY_STYLE = "font-size: 26pt; font-weight: bold; min-height: 64px;"


class ScanPage(Page):
    name = "scan"
    submitted = Signal(str)
    back = Signal()

    def __init__(self, texts: Texts, *, camera: bool = False) -> None:
        super().__init__()
        self.texts = texts
        self.mode = "checkin"
        self.camera = camera
        self.digits = ""
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

    def open(self, mode: str) -> None:
        self.mode = mode
        self.digits = ""
        self.message.clear_text()
        self._refresh()

    def show_message(self, text: str, role: str = "problem") -> None:
        self.message.show_text(text, role)

    def type_digit(self, digit: str) -> None:
        if len(self.digits) < TYPED_DIGITS[self.mode]:
            self.digits += digit
        self.message.clear_text()
        self._refresh()

    def erase(self) -> None:
        self.digits = self.digits[:-1]
        self._refresh()

    def submit_typed(self) -> None:
        if len(self.digits) != TYPED_DIGITS[self.mode]:
            self.show_message(self.texts("ui_codes.scan.incomplete", n=TYPED_DIGITS[self.mode]), "notice")
            return
        payload = f"YY{self.digits}" if self.mode == "checkin" else f"HALL:R:{self.digits}"
        self.submitted.emit(payload)

    def _refresh(self) -> None:
        t = self.texts
        self.title.setText(t(f"ui_codes.scan.title.{self.mode}"))
        where = t(f"ui_codes.scan.where.{self.mode}")
        if self.camera:
            where += "\n" + t("ui_codes.scan.camera")
        self.where.setText(where)
        prefix = "YY " if self.mode == "checkin" else ""
        slots = self.digits + "_" * (TYPED_DIGITS[self.mode] - len(self.digits))
        # In groups of four (as printed on receipts), so the blanks left are easy to count.
        self.field.setText(prefix + " ".join(slots[i:i + 4] for i in range(0, len(slots), 4)))
        self.ok.setEnabled(bool(self.digits))


_NEXT = {
    CaseState.ACCEPTED: "ui_codes.track.next.accepted",
    CaseState.IN_REVIEW: "ui_codes.track.next.in_review",
    CaseState.APPROVED: "ui_codes.track.next.approved",
    CaseState.READY_FOR_PICKUP: "ui_codes.track.next.ready_for_pickup",
    CaseState.PICKED_UP: "ui_codes.track.next.picked_up",
    CaseState.REJECTED: "ui_codes.track.next.rejected",
}


def masked_tracking(tracking: str) -> str:
    """``320102********000123``: region and serial shown, the date masked (receipts in public view)."""
    return tracking[:6] + "*" * (len(tracking) - 12) + tracking[-6:] if len(tracking) > 12 else tracking


class TrackingPage(Page):
    name = "tracking"
    done = Signal()

    def __init__(self, texts: Texts) -> None:
        super().__init__()
        self.texts = texts
        self.case: Case | None = None
        self.title = texts.bind(label("", "title", align=CENTER), "ui_codes.track.title")
        self.matter = label("", "subtitle", align=CENTER)
        self.matter.setObjectName("tracking-matter")
        self.state = label("", "huge", align=CENTER)
        self.state.setObjectName("tracking-state")
        self.state.setStyleSheet("font-size: 40pt;")
        self.number = label("", "muted", align=CENTER)
        self.accepted = label("", "subtitle", align=CENTER)
        self.promised = label("", "subtitle", align=CENTER)
        self.what_next = label("", "good", align=CENTER)
        self.what_next.setObjectName("tracking-next")
        row = QHBoxLayout()
        self.done_button = texts.bind(button("", "primary", name="tracking-done"), "ui.result.done")
        self.done_button.clicked.connect(self.done)
        row.addWidget(self.done_button)
        for widget in (self.title, self.matter, self.state, self.number, self.accepted, self.promised,
                       self.what_next):
            self.box.addWidget(widget)
        self.box.addStretch(1)
        self.box.addLayout(row)
        texts.changed.connect(lambda _: self._refresh())

    def show_case(self, case: Case) -> None:
        self.case = case
        self._refresh()

    def clear(self) -> None:
        self.case = None
        for widget in (self.matter, self.state, self.number, self.accepted, self.promised, self.what_next):
            widget.setText("")

    def _refresh(self) -> None:
        case, t = self.case, self.texts
        if case is None:
            return
        english = t.language.startswith("en")
        self.matter.setText(case.matter_name_en if english and case.matter_name_en else case.matter_name)
        self.state.setText(t(f"ui_codes.track.state.{case.state.value}"))
        self.number.setText(t("ui_codes.track.number", number=masked_tracking(case.tracking)))
        self.accepted.setText(t("ui_codes.track.accepted_on", date=case.accepted_on.isoformat()))
        self.promised.setText(t("ui_codes.track.promised_on", date=case.promised_on.isoformat())
                              if case.promised_on else "")
        self.promised.setVisible(case.promised_on is not None)
        self.what_next.setText(t(_NEXT[case.state], window=case.pickup_window or "-"))
