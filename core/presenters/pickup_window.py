"""The pickup window (统一出件) without Qt: hand results over at the counter, or put them in the locker.

A clerk terminal with ``[window] pickup = true`` (docs/pickup.md) has this page besides the queue:

Hand-over: the person's ID card is read at the window → the cases ready for them (as the applicant or a
registered proxy: the platform checks the card) → the clerk picks one → a proxy's written authorisation
is captured with the document camera (its SHA-256 goes with the hand-over; the PDF follows as the
attachment of a record through the outbox: core/services/pickup.py) → 交付 → collected.

Deposit: the receipt's or the case's QR is scanned (or its number typed) → a compartment size → the
platform assigns a free compartment → its door opens through the locker's bus (on the runner; the window's
own bus, or relayed to the terminal that drives it: ``LockerDoors``, docs/locker.md "One master") → the
clerk puts the documents in and closes it → the door read until seen open, then closed → the platform
records it (the case waits in the locker; the applicant is sent the pickup code). A lock that does not
release, a door never seen open within ``open_within_s`` or a silent bus: the deposit is reported failed
(the compartment released; a jammed one out of service, an alert) and the clerk told.

Parts published (``Changed``): ``state`` (the message, the busy flag), ``cases`` (the list), ``deposit``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from core.domain.codes import CodeKind, classify
from core.domain.pickup import Compartment, DoorFault, ReadyCase, Size
from core.errors import DeviceError, KioskError
from core.i18n import keys_for
from core.ports.locker import DoorState, LockerDoors
from core.ports.pickup import WindowPickupPort
from core.presenters import Changed, Runner
from core.services.pickup import Authorisations
from core.services.events import EventHub


class Step(enum.StrEnum):
    IDLE = "idle"
    LOOKING = "looking"
    CASES = "cases"  # the person's cases ready for pickup
    NONE = "none"
    NEED_AUTHORISATION = "need_authorisation"  # a proxy: capture the authorisation first
    HANDED = "handed"
    OPENING = "opening"
    DEPOSITING = "depositing"  # the door is open: put the documents in, close it
    DEPOSITED = "deposited"
    JAMMED = "jammed"
    NO_BUS = "no_bus"
    NO_LOCKER = "no_locker"
    NOT_A_CASE = "not_a_case"
    FAILED = "failed"  # the platform refused or did not answer (the reason in the detail)


STEP_KEYS = keys_for("pickup.window.step.", Step)
ROW_KEYS = (keys_for("pickup.window.size.", Size) + keys_for("pickup.window.who.", ("applicant", "proxy"))
            + keys_for("pickup.window.where.", ("window", "locker", "post")))
WATCHING = frozenset({Step.DEPOSITING})


@dataclass(frozen=True)
class Timings:
    poll_s: float = 0.5
    open_within_s: float = 5.0
    bus_bound_s: float = 5.0
    platform_bound_s: float = 15.0


class WindowPickupPresenter:
    def __init__(self, platform: WindowPickupPort, locker: LockerDoors | None, run: Runner, tr: Callable[..., str],
                 *, session: Callable[[], object], monotonic: Callable[[], float], timings: Timings = Timings(),
                 authorisations: Authorisations | None = None,
                 health: Callable[[str, str], None] | None = None) -> None:
        self.platform, self.locker, self.run, self.tr = platform, locker, run, tr
        self.session, self.monotonic, self.timings = session, monotonic, timings
        self.authorisations = authorisations  # the proxy's authorisation as a PDF, sent with a record
        self.health = health  # device_health reports (core/services/health.py), on the runner
        self._paper = None
        self.events = EventHub()
        self.step, self.detail, self.busy = Step.IDLE, "", False
        self.cases: list[ReadyCase] = []
        self.compartment: Compartment | None = None
        self.authorisation: str | None = None  # SHA-256 of the captured authorisation
        self._id_number = ""
        self._since = 0.0
        self._opened = self._reading = False

    # --- hand-over ------------------------------------------------------------------------------------
    def card_read(self, id_number: str) -> None:
        if self.step in WATCHING or self.busy:
            return
        self._id_number, self.authorisation, self._paper, self.cases = id_number, None, None, []
        self._set(Step.LOOKING, busy=True)
        self.run(self.platform.ready_for, self.session(), id_number, on_done=self._listed,
                 on_error=self._failed, timeout_s=self.timings.platform_bound_s)

    def _listed(self, cases: list[ReadyCase]) -> None:
        self.cases = list(cases)
        self.events.emit(Changed("cases"))
        self._set(Step.CASES if cases else Step.NONE, count=len(cases))

    def capture_with(self, camera) -> None:
        """Takes the authorisation with the document camera (a ``DocumentCamera``) on the runner: the PDF
        is kept in memory and sent with a record once the hand-over is recorded."""
        if camera is None or self.busy or self.authorisations is None:
            return
        self.run(self.authorisations.capture, camera, on_done=self._captured, on_error=self._failed,
                 timeout_s=self.timings.platform_bound_s)

    def capture_image(self, image) -> None:
        """An authorisation page as an image (the capture panel's page), made the PDF on the runner."""
        if self.authorisations is not None:
            self.run(self.authorisations.from_image, image, on_done=self._captured, on_error=self._failed,
                     timeout_s=self.timings.platform_bound_s)

    def _captured(self, paper) -> None:
        self._paper = paper
        self.authorisation = paper.sha256
        self._set(Step.CASES, count=len(self.cases))

    def needs_authorisation(self, index: int) -> bool:
        return self.cases[index].collector == "proxy" and self.authorisation is None

    def hand_over(self, index: int) -> None:
        if not 0 <= index < len(self.cases) or self.busy:
            return
        if self.needs_authorisation(index):
            self._set(Step.NEED_AUTHORISATION)
            return
        chosen = self.cases[index]
        self._set(Step.LOOKING, busy=True)
        self.run(self.platform.hand_over, self.session(), chosen.case.tracking, self._id_number,
                 self.authorisation if chosen.collector == "proxy" else None,
                 on_done=lambda case: self._handed(index, case), on_error=self._failed,
                 timeout_s=self.timings.platform_bound_s)

    def _handed(self, index: int, case) -> None:
        number = self.cases[index].case.tracking
        if self.cases[index].collector == "proxy" and self._paper is not None and self.authorisations is not None:
            clerk = getattr(self.session(), "staff_id", "")
            self.run(self.authorisations.record, self._paper, tracking=number, clerk=clerk,
                     on_error=self._failed, timeout_s=self.timings.platform_bound_s)
        del self.cases[index]
        self.events.emit(Changed("cases"))
        self._set(Step.HANDED, number=number)

    # --- deposit --------------------------------------------------------------------------------------
    def scanned(self, payload: str) -> None:
        """A scanned receipt or case QR (``HALL:R:<number>`` or the platform's /track/ URL): ready to deposit."""
        code = classify(payload)
        if code.kind is not CodeKind.RECEIPT:
            self._set(Step.NOT_A_CASE)
            return
        self.tracking = code.fields["tracking"]
        self.events.emit(Changed("deposit"))
        self._set(Step.IDLE)

    tracking = ""

    def set_tracking(self, number: str) -> None:
        self.tracking = "".join(number.split())
        self.events.emit(Changed("deposit"))

    @property
    def can_deposit(self) -> bool:
        return (self.locker is not None and len(self.tracking) == 20 and self.tracking.isdigit()
                and not self.busy and self.step not in WATCHING)

    def deposit(self, size: Size) -> None:
        if self.locker is None:
            self._set(Step.NO_LOCKER)
            return
        if not self.can_deposit:
            return
        self._set(Step.OPENING, busy=True)
        self.run(self.platform.deposit, self.session(), self.tracking, Size(size), on_done=self._assigned,
                 on_error=self._failed, timeout_s=self.timings.platform_bound_s)

    def _assigned(self, compartment: Compartment) -> None:
        self.compartment = compartment
        self.events.emit(Changed("deposit"))
        self.run(self.locker.open_lock, compartment.board, compartment.lock, on_done=self._released,
                 on_error=self._bus_failed, timeout_s=self.timings.bus_bound_s)

    def _released(self, result) -> None:
        if not result.opened:
            self._deposit_failed(Step.JAMMED, DoorFault.JAMMED)
            return
        self._since, self._opened = self.monotonic(), False
        self._set(Step.DEPOSITING)

    @property
    def door_seen_open(self) -> bool:
        """The deposit's door has been read open (closing it now records the deposit)."""
        return self.step in WATCHING and self._opened

    def tick(self) -> None:
        """Reads the open door once (the page's timer, while depositing; one read at a time)."""
        if self.step not in WATCHING or self._reading or self.compartment is None:
            return
        self._reading = True
        self.run(self.locker.door, self.compartment.board, self.compartment.lock, on_done=self._door,
                 on_error=self._bus_failed, timeout_s=self.timings.bus_bound_s)

    def _door(self, state: DoorState) -> None:
        self._reading = False
        if self.step not in WATCHING:
            return
        if not self._opened:
            if state is DoorState.OPEN:
                self._opened = True
            elif self.monotonic() - self._since > self.timings.open_within_s:
                self._deposit_failed(Step.JAMMED, DoorFault.JAMMED)
            return
        if state is DoorState.CLOSED:
            self._set(Step.OPENING, busy=True)
            self.run(self.platform.deposited, self.session(), self.compartment.tracking,
                     on_done=self._deposited, on_error=self._failed, timeout_s=self.timings.platform_bound_s)

    def _deposited(self, _case) -> None:
        self.tracking = ""
        self.events.emit(Changed("deposit"))
        self._set(Step.DEPOSITED)

    def _bus_failed(self, exc: BaseException) -> None:
        self._reading = False
        if isinstance(exc, DeviceError) or not isinstance(exc, KioskError):
            self._deposit_failed(Step.NO_BUS, DoorFault.NO_ANSWER)
        else:
            self._failed(exc)

    def _deposit_failed(self, step: Step, fault: DoorFault) -> None:
        if self.compartment is not None and self.health is not None:
            c = self.compartment
            self.run(self.health, f"locker:{c.locker}-{c.number}", fault.value, on_error=lambda exc: None,
                     timeout_s=self.timings.platform_bound_s)
        if self.compartment is not None:
            self.run(self.platform.deposit_failed, self.session(), self.compartment.tracking, fault,
                     on_error=lambda exc: None, timeout_s=self.timings.platform_bound_s)
        self._set(step)

    def _failed(self, exc: BaseException) -> None:
        message = exc.message("clerk", getattr(self.tr, "language", "zh_CN")) if isinstance(exc, KioskError) \
            else str(exc)
        self._set(Step.FAILED, reason=message)

    # --- the view -------------------------------------------------------------------------------------
    def _set(self, step: Step, *, busy: bool = False, **params) -> None:
        self.step, self.busy = step, busy
        c = self.compartment
        place = f"{c.locker}-{c.number}" if c is not None and step in (Step.DEPOSITING, Step.DEPOSITED, Step.JAMMED,
                                                                       Step.OPENING) else ""
        self.detail = self.tr(f"pickup.window.step.{step.value}", number=params.get("number", self.tracking),
                              place=place, count=params.get("count", 0), reason=params.get("reason", ""))
        self.events.emit(Changed("state"))
