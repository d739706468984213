"""The hidden way in for technicians on a locked-down kiosk, without Qt: the gesture and the PIN page.

    gesture = CornerGesture()
    gesture.press(x, y, width, height, t); if gesture.release(x, y, width, height, t): gate.open()

The gesture: hold the top-left corner for ``HOLD_S`` seconds, let go, then tap the bottom-right corner
twice within ``TAPS_WITHIN_S`` seconds. A citizen does not do this by chance, and it needs no key a kiosk
does not have. Nothing on screen shows that the corners do anything.

``GatePresenter`` is the page that follows: staff id and PIN typed on its own pad, checked by
``TechnicianGate`` on the runner (scrypt, offline), then the three ways out: the technician window, a
clean exit of the program, or a restart. It closes by itself after ``idle_s`` without a touch, and it
forgets the PIN the moment it was checked.

Parts published (``Changed``): ``gate`` (opened, closed, the fields, the message, the choices).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from core.i18n import Translator, keys_for
from core.presenters import Changed, Runner
from core.services.events import EventHub
from core.services.technician_access import Access, Outcome, TechnicianGate

HOLD_S = 3.0
TAPS_WITHIN_S = 3.0
CORNER_FRACTION = 0.1  # of the screen's shorter side
MIN_CORNER_PX = 60


class CornerGesture:
    def __init__(self) -> None:
        self._held_at: float | None = None
        self._armed_at: float | None = None
        self._taps = 0

    @staticmethod
    def corner(x: float, y: float, width: float, height: float) -> str:
        size = max(MIN_CORNER_PX, min(width, height) * CORNER_FRACTION)
        if x <= size and y <= size:
            return "top_left"
        if x >= width - size and y >= height - size:
            return "bottom_right"
        return ""

    def press(self, x: float, y: float, width: float, height: float, t: float) -> None:
        where = self.corner(x, y, width, height)
        if self._armed_at is not None and t - self._armed_at <= TAPS_WITHIN_S and where == "bottom_right":
            return
        self._armed_at, self._taps = None, 0
        self._held_at = t if where == "top_left" else None

    def release(self, x: float, y: float, width: float, height: float, t: float) -> bool:
        """True when this release completes the gesture."""
        where = self.corner(x, y, width, height)
        if self._held_at is not None:
            held, self._held_at = t - self._held_at, None
            if where == "top_left" and held >= HOLD_S:
                self._armed_at, self._taps = t, 0
            return False
        if self._armed_at is not None and where == "bottom_right" and t - self._armed_at <= TAPS_WITHIN_S:
            self._taps += 1
            if self._taps >= 2:
                self._armed_at, self._taps = None, 0
                return True
            return False
        self._armed_at, self._taps = None, 0
        return False


class Step(enum.StrEnum):
    CLOSED = "closed"
    ASKING = "asking"
    CHECKING = "checking"
    GRANTED = "granted"


MESSAGE_KEYS = keys_for("lockdown.gate.", ("ask", "checking", "refused", "locked", "unavailable", "granted",
                                           "failed"))
MAX_FIELD = 32


class GatePresenter:
    def __init__(self, gate: TechnicianGate, run: Runner, *, monotonic: Callable[[], float],
                 language: str = "zh_CN", idle_s: float = 60.0) -> None:
        self.gate, self.run, self.monotonic, self.idle_s = gate, run, monotonic, idle_s
        self.tr = Translator(language)
        self.events = EventHub()
        self.step = Step.CLOSED
        self.staff_id = ""
        self.pin = ""
        self.field = "staff_id"  # which field the pad types into
        self.message = ""
        self.granted: Access | None = None
        self._touched = 0.0

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)
        self._emit()

    def open(self) -> None:
        self.step, self.staff_id, self.pin, self.field, self.granted = Step.ASKING, "", "", "staff_id", None
        self.message = self.tr("lockdown.gate.ask")
        self._touch()

    def close(self) -> None:
        self.step, self.staff_id, self.pin, self.granted, self.message = Step.CLOSED, "", "", None, ""
        self._emit()

    def tick(self) -> None:
        """The page's timer: an open page nobody touches closes by itself."""
        if self.step in (Step.ASKING, Step.GRANTED) and self.monotonic() - self._touched > self.idle_s:
            self.close()

    def focus(self, field: str) -> None:
        if self.step is Step.ASKING and field in ("staff_id", "pin"):
            self.field = field
            self._touch()

    def key(self, char: str) -> None:
        """One key of the page's pad: a digit or letter, or ``⌫``."""
        if self.step is not Step.ASKING:
            return
        value = getattr(self, self.field)
        if char == "⌫":
            value = value[:-1]
        elif len(char) == 1 and char.isascii() and char.isalnum() and len(value) < MAX_FIELD:
            value += char.upper() if self.field == "staff_id" else char
        setattr(self, self.field, value)
        self._touch()

    def submit(self) -> None:
        if self.step is not Step.ASKING or not self.staff_id or not self.pin:
            return
        staff_id, pin = self.staff_id, self.pin
        self.pin = ""  # forgotten at once: only the worker's call holds it
        self.step, self.message = Step.CHECKING, self.tr("lockdown.gate.checking")
        self._touch()
        self.run(self.gate.attempt, staff_id, pin, on_done=self._checked, on_error=self._failed, timeout_s=10.0)

    def _checked(self, access: Access) -> None:
        if self.step is not Step.CHECKING:
            return
        if access.outcome is Outcome.GRANTED:
            self.step, self.granted = Step.GRANTED, access
            self.message = self.tr("lockdown.gate.granted", name=access.name or access.staff_id)
        else:
            self.step = Step.ASKING
            minutes = max(1, int((access.wait_s + 59) // 60))
            self.message = self.tr(f"lockdown.gate.{access.outcome.value}", minutes=minutes)
        self._touch()

    def _failed(self, _error: BaseException) -> None:
        if self.step is Step.CHECKING:
            self.step, self.message = Step.ASKING, self.tr("lockdown.gate.failed")
            self._touch()

    def _touch(self) -> None:
        self._touched = self.monotonic()
        self._emit()

    def _emit(self) -> None:
        self.events.emit(Changed("gate"))
