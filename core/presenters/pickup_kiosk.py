"""The kiosk's 取件 (pickup from the smart locker) without Qt: who the person is, which door, and the door.

    p = KioskPickupPresenter(platform, locker, run, tr, monotonic=time.monotonic)   # tr: a Translator
    p.card_read(identity)         # or p.digit("0") … p.submit_code()
    p.tick()                      # the page calls it every ``timings.poll_s`` while a door is open

The flow (docs/pickup.md): the person identifies with the ID card (read at this kiosk) or the pickup code
on the digit pad → the platform answers the items waiting for them in the compartments this kiosk drives
(nothing before that: no compartment is named to anybody not identified) → each door in turn is opened
through the locker's bus (``LockerPort``, on the runner) → "take your documents and close the door" → the
door read until it is seen open, then until it is seen closed → the platform records the pickup. Faults:

- the lock did not release, or the door never read open within ``open_within_s``: 请联系工作人员, and
  the platform is told ``jammed`` (an alert; the case stays in the locker, never collected);
- the door still open after ``remind_after_s``: a reminder; after ``alert_after_s``: the platform is told
  ``left_open`` (staff come), and the door is still watched: closing it records the pickup;
- the bus silent or the adapter gone (``DeviceError``): a clear message, ``no_answer`` to the platform;
- a wrong code: said so; too many: the code entry is locked for a while (the platform decides), and the
  ID card still works.

Every wait is bounded: each bus call by the driver's own bound, the door watch by ``give_up_after_s``.
Parts published (``Changed``): ``screen`` (the screen and its texts), ``code`` (the digits typed).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from core.domain.pickup import DoorFault, PickupItem
from core.errors import DeviceError, PlatformError, PlatformRejected
from core.i18n import keys_for
from core.ports.locker import DoorState, LockerPort
from core.ports.pickup import KioskPickupPort
from core.presenters import Changed, Runner
from core.services.events import EventHub

CODE_DIGITS = 6


class Screen(enum.StrEnum):
    START = "start"  # 请刷身份证，或输入取件码
    CODE = "code"  # the digit pad
    LOOKING = "looking"
    NOTHING = "nothing"  # nothing waits for this person here
    OPENING = "opening"
    TAKE = "take"  # the door is open: take the documents, close the door
    REMIND = "remind"  # still open: please close it
    LEFT_OPEN = "left_open"  # still open: staff have been told
    DONE = "done"
    JAMMED = "jammed"
    NO_BUS = "no_bus"
    CODE_WRONG = "code_wrong"
    CODE_LOCKED = "code_locked"
    UNREACHABLE = "unreachable"


SCREEN_KEYS = keys_for("pickup.kiosk.screen.", Screen)
DETAIL_KEYS = keys_for("pickup.kiosk.detail.", Screen)
WATCHING = frozenset({Screen.OPENING, Screen.TAKE, Screen.REMIND, Screen.LEFT_OPEN})


@dataclass(frozen=True)
class DoorTimings:
    poll_s: float = 0.5
    open_within_s: float = 5.0  # a released lock whose door never reads open by then counts as jammed
    remind_after_s: float = 30.0
    alert_after_s: float = 90.0
    give_up_after_s: float = 600.0  # the watch ends: the case stays in the locker, staff were told
    bus_bound_s: float = 5.0  # the runner's bound on one bus call
    platform_bound_s: float = 15.0


@dataclass(frozen=True)
class View:
    screen: Screen = Screen.START
    title: str = ""
    detail: str = ""
    compartment: str = ""  # "A-3": only once the person is identified and the door is open
    busy: bool = False


class KioskPickupPresenter:
    def __init__(self, platform: KioskPickupPort, locker: LockerPort, run: Runner, tr: Callable[..., str], *,
                 monotonic: Callable[[], float], timings: DoorTimings = DoorTimings(),
                 health: Callable[[str, str], None] | None = None) -> None:
        """``health(device, state)``: the terminal's device-health report (core/services/health.py
        ``DeviceHealthReporter.report``: a ``device_health`` record for the technician's console), called on
        the runner for a door that jammed or was left open, and ``ready`` once one worked again."""
        self.platform, self.locker, self.run, self.tr = platform, locker, run, tr
        self.health = health
        self.monotonic, self.timings = monotonic, timings
        self.events = EventHub()
        self.view = View()
        self.code = ""
        self._items: list[PickupItem] = []
        self._item: PickupItem | None = None
        self._since = 0.0  # when the lock released, then when the door was seen open
        self._reading = False
        self._opened = False
        self._by_code = False
        self._alerted = False
        self._collected = 0
        self.reset()

    # --- intents --------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the start (the page is left, or a new person comes)."""
        self._items, self._item, self._reading, self._alerted, self._collected = [], None, False, False, 0
        self.code = ""
        self._show(Screen.START)
        self.events.emit(Changed("code"))

    def card_read(self, id_number: str) -> None:
        """The ID card was read at this kiosk: ask for the items waiting for its holder."""
        if self.view.screen in WATCHING or self.view.screen is Screen.LOOKING:
            return
        self._by_code = False
        self._show(Screen.LOOKING, busy=True)
        self.run(self.platform.by_id_card, id_number, on_done=self._found, on_error=self._lookup_failed,
                 timeout_s=self.timings.platform_bound_s)

    def enter_code(self) -> None:
        if self.view.screen not in WATCHING:
            self.code = ""
            self._show(Screen.CODE)
            self.events.emit(Changed("code"))

    def digit(self, d: str) -> None:
        if self.view.screen in (Screen.CODE, Screen.CODE_WRONG) and d.isdigit() and len(self.code) < CODE_DIGITS:
            self.code += d
            self.events.emit(Changed("code"))

    def backspace(self) -> None:
        self.code = self.code[:-1]
        self.events.emit(Changed("code"))

    @property
    def can_submit(self) -> bool:
        return len(self.code) == CODE_DIGITS and self.view.screen in (Screen.CODE, Screen.CODE_WRONG)

    def submit_code(self) -> None:
        if not self.can_submit:
            return
        code, self.code = self.code, ""
        self.events.emit(Changed("code"))
        self._by_code = True
        self._show(Screen.LOOKING, busy=True)
        self.run(self.platform.by_code, code, on_done=self._found, on_error=self._lookup_failed,
                 timeout_s=self.timings.platform_bound_s)

    def tick(self) -> None:
        """Reads the open door once (the page's timer; one read at a time)."""
        if self._item is None or self.view.screen not in WATCHING - {Screen.OPENING} or self._reading:
            return
        self._reading = True
        c = self._item.compartment
        self.run(self.locker.door, c.board, c.lock, on_done=self._door, on_error=self._bus_failed,
                 timeout_s=self.timings.bus_bound_s)

    def refresh(self) -> None:
        """Words the screen again (the language was switched: ``tr`` follows the window's)."""
        self._show(self.view.screen, busy=self.view.busy, count=self._collected)

    @property
    def door_seen_open(self) -> bool:
        """The open door has been read open (closing it now records the pickup)."""
        return self._item is not None and self._opened

    @property
    def watching(self) -> bool:
        """A door is open or being opened: the page keeps the person here (no idle return home)."""
        return self.view.screen in WATCHING or (self.view.screen is Screen.LOOKING and self._item is not None)

    # --- answers --------------------------------------------------------------------------------------
    def _found(self, items: list[PickupItem]) -> None:
        if not items:
            self._show(Screen.NOTHING)
            return
        self._items = list(items)
        self._open_next()

    def _lookup_failed(self, exc: BaseException) -> None:
        reason = getattr(exc, "reason", "")
        if reason == "pickup_code_wrong" or (self._by_code and isinstance(exc, PlatformRejected)
                                             and reason == "invalid_request"):
            self._show(Screen.CODE_WRONG)
        elif reason == "too_many_attempts":
            self._show(Screen.CODE_LOCKED)
        else:
            self._show(Screen.UNREACHABLE)

    def _open_next(self) -> None:
        if not self._items:
            self._item = None
            self._show(Screen.DONE, count=self._collected)
            return
        self._item = self._items.pop(0)
        self._alerted = False
        c = self._item.compartment
        self._show(Screen.OPENING, busy=True)
        self.run(self.locker.open_lock, c.board, c.lock, on_done=self._released, on_error=self._bus_failed,
                 timeout_s=self.timings.bus_bound_s)

    def _released(self, result) -> None:
        if not result.opened:
            self._fault(Screen.JAMMED, DoorFault.JAMMED)
            return
        self._since = self.monotonic()
        self._opened = False
        self._show(Screen.TAKE)

    def _door(self, state: DoorState) -> None:
        self._reading = False
        if self._item is None or self.view.screen not in WATCHING:
            return
        now, t = self.monotonic(), self.timings
        if not self._opened:
            if state is DoorState.OPEN:
                self._opened, self._since = True, now
                self._show(Screen.TAKE)
            elif now - self._since > t.open_within_s:
                self._fault(Screen.JAMMED, DoorFault.JAMMED)
            return
        if state is DoorState.CLOSED:
            self._show(Screen.LOOKING, busy=True)
            self.run(self.platform.collected, self._item, on_done=self._recorded, on_error=self._record_failed,
                     timeout_s=self.timings.platform_bound_s)
        elif now - self._since > t.give_up_after_s:
            self._item = None
            self._show(Screen.LEFT_OPEN)
        elif now - self._since > t.alert_after_s and not self._alerted:
            self._alerted = True
            self._tell(DoorFault.LEFT_OPEN)
            self._show(Screen.LEFT_OPEN)
        elif now - self._since > t.remind_after_s and self.view.screen is Screen.TAKE:
            self._show(Screen.REMIND)

    def _recorded(self, _case) -> None:
        self._collected += 1
        self._report("ready")
        self._open_next()

    def _record_failed(self, exc: BaseException) -> None:
        self._item = None
        self._show(Screen.UNREACHABLE)

    def _bus_failed(self, exc: BaseException) -> None:
        self._reading = False
        if isinstance(exc, DeviceError) or not isinstance(exc, PlatformError):
            self._fault(Screen.NO_BUS, DoorFault.NO_ANSWER)

    def _fault(self, screen: Screen, fault: DoorFault) -> None:
        self._tell(fault)
        self._item, self._items = None, []
        self._show(screen)

    def _report(self, state: str) -> None:
        if self.health is not None and self._item is not None:
            c = self._item.compartment
            self.run(self.health, f"locker:{c.locker}-{c.number}", state, on_error=lambda exc: None,
                     timeout_s=self.timings.platform_bound_s)

    def _tell(self, fault: DoorFault) -> None:
        self._report(fault.value)
        if self._item is not None:
            self.run(self.platform.fault, self._item, fault, on_error=lambda exc: None,
                     timeout_s=self.timings.platform_bound_s)

    # --- the view -------------------------------------------------------------------------------------
    def _show(self, screen: Screen, *, busy: bool = False, count: int = 0) -> None:
        item = self._item if screen in WATCHING else None
        place = f"{item.compartment.locker}-{item.compartment.number}" if item else ""
        name = item.compartment.locker_name if item else ""
        title = self.tr(f"pickup.kiosk.screen.{screen.value}", number=place, locker=name, count=count)
        detail = self.tr(f"pickup.kiosk.detail.{screen.value}", number=place, locker=name, count=count)
        self.view = View(screen=screen, title=title, detail=detail, compartment=place, busy=busy)
        self.events.emit(Changed("screen"))

