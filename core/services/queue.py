"""The queue use cases: a citizen takes a number at the kiosk, a clerk works a window.

Plain Python over the ports (``QueuePlatform``, ``TicketPrinter``, ``Clock``); no Qt, no I/O of its own.
Every method may block (HTTP, a printer's status), so the windows call them on a worker thread
(ui/worker.py) and get the result back as a queued signal.

Taking a number (docs/printing.md, "Status and faults"):

1. ``new_request(prefix)`` is one press of the confirm button: it gets a fresh ``request_id`` and the
   identity known at that moment. Retrying the *same* request after a lost answer sends the same id, so
   the platform returns the same ticket instead of a second number.
2. ``issue(request)`` first asks the ticket printer for its status (DLE EOT, where it can): when it cannot
   print, the fallback printer is used; when neither can, the person is told *before* a number is taken
   (``HardwareFault`` with key ``queue.error.no_printer``) and may go on with the number on screen only
   (``without_print=True``).
3. ``print_slip(issued)`` prints the slip. A failed print never loses the number: the ``IssuedTicket`` comes
   back with ``PrintState.FAILED``, the screen keeps showing the number, and ``print_slip`` may be called
   again (the reprint button) as often as needed.

While the platform cannot be reached (docs/sync.md, "Tickets while offline"): when ``issue_ticket`` raises
``PlatformUnreachable`` (and only then: a refusal stays an error) and the kiosk has ``offline_tickets``
(offline_cache/tickets.py), the number comes from the kiosk's leased block instead; the same transaction
queues its issue event, which the sync engine delivers when the link returns, and the server puts the
ticket in the queue by its issue time. The slip is the usual one (the number is valid).
``IssuedTicket.offline`` says it came from the block. The hall is then served from memory or, after a
restart, from the ``reference`` cache (offline_cache/refcache.py), with its age (``HallView.age_s``).
"""

from __future__ import annotations

import enum
import logging
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import time
from typing import Any

from core.clock import hall_now, hall_today  # noqa: F401  (re-exported: the windows import them from here)
from core.domain import HallInfo, Identity, Service, Ticket
from core.domain.appointments import AppointmentState
from core.domain.codes import CodeKind
from core.errors import DeviceError, HardwareFault, KioskError, PlatformError, PlatformRejected, PlatformUnreachable
from core.ports import Clock, PrinterStatus, QueuePlatform, SystemClock, TicketPrinter, TicketSlip
from core.services.events import EventHub
from core.services.clerk_queue import (  # noqa: F401  (the staff side, re-exported for the windows)
    APPLICANT_ENDS,
    SESSION_ENDED_REASONS,
    ApplicantChanged,
    ClerkQueueService,
    ClerkUpdate,
    HallDisplayService,
    SessionChanged,
    WindowChanged,
)
from core.services.identity import forget_identity, register_identity, same_person

log = logging.getLogger(__name__)


# --- events ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HallView:
    """The hall as last fetched. ``stale``: the platform could not be reached; ``error`` says why;
    ``age_s``: how long ago the copy shown was fetched (stale only; None when unknown)."""

    info: HallInfo
    stale: bool = False
    error: KioskError | None = None
    age_s: float | None = None


@dataclass(frozen=True)
class PlatformStatusChanged:
    online: bool
    error: KioskError | None = None


@dataclass(frozen=True)
class PrinterProblem:
    """A ticket printer cannot print (reported so staff can be told; the kiosk goes on)."""

    printer: str
    status: PrinterStatus
    error: KioskError | None = None


# --- kiosk -------------------------------------------------------------------------------------------


class PrintState(enum.StrEnum):
    PRINTING = "printing"  # issued; the slip is on its way to the printer
    PRINTED = "printed"
    FAILED = "failed"  # the number stands; offer a reprint and send the person to staff
    NOT_PRINTED = "not_printed"  # the person chose to go on without a slip (no printer could print)


@dataclass(frozen=True)
class TicketRequest:
    """One press of "take a number": the same request sent twice yields the same ticket."""

    service_prefix: str
    request_id: str
    identity: Identity | None = None


@dataclass(frozen=True)
class IssuedTicket:
    ticket: Ticket
    request_id: str
    print_state: PrintState
    printer: str = ""  # the printer that printed it (or was tried last)
    print_error: KioskError | None = None
    offline: bool = False  # issued from the kiosk's leased block while the platform was unreachable


@dataclass(frozen=True)
class IdentityChanged:
    """The person at the kiosk identified themselves (an ID card, later a code), or the session ended."""

    identity: Identity | None


@dataclass(frozen=True)
class TicketIssued:
    issued: IssuedTicket


@dataclass(frozen=True)
class TicketPrintChanged:
    issued: IssuedTicket


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def hall_from_reference(body) -> HallInfo:
    """The hall of the reference cache (``/v1/sync/reference/hall``, which carries no day counts): every
    service with nobody counted and taken as available (``open_offline`` checks the hours). Raises
    ``PlatformUnreachable`` when the body is not a hall."""
    from core.wire import BadAnswer, hall as parse_hall

    try:
        services = [{"available": True, "waiting": 0, **s} for s in body.get("services", [])]
        return parse_hall({**body, "services": services})
    except (BadAnswer, AttributeError, TypeError) as exc:
        raise PlatformUnreachable(f"the cached hall is not a hall: {exc}") from None


def open_offline(service: Service, hall: HallInfo, clock: Clock) -> bool:
    """Offline, a service is open while the clock is inside its issuing hours (no daily cap is known)."""
    if not service.issuing_hours:
        return True
    now = hall_now(hall, clock).time()
    return any(_hhmm(start) <= now < _hhmm(end) for start, end in service.issuing_hours)


def unavailable_reason(service: Service, hall: HallInfo, clock: Clock) -> tuple[str, dict] | None:
    """Why a service cannot issue now, as (message key, params); None when it can."""
    if service.available:
        return None
    if service.issuing_hours:
        now = hall_now(hall, clock).time()
        inside = any(_hhmm(start) <= now < _hhmm(end) for start, end in service.issuing_hours)
        if not inside:
            hours = ", ".join(f"{start}–{end}" for start, end in service.issuing_hours)
            return "queue.service.outside_hours", {"hours": hours}
    if service.daily_cap:
        return "queue.service.capped", {}
    return "queue.service.unavailable", {}


class KioskQueueService:
    """What the citizen kiosk does with the queue. Safe to call from any one worker thread at a time."""

    #: how long a fetched hall stays fresh (the waiting counts on the buttons)
    HALL_MAX_AGE_S = 20.0

    def __init__(
        self,
        platform: QueuePlatform,
        printer: TicketPrinter | None,
        *,
        fallback_printer: TicketPrinter | None = None,
        clock: Clock | None = None,
        offline_tickets=None,
        reference=None,
    ) -> None:
        """``offline_tickets``: an ``offline_cache.tickets.OfflineTickets`` (numbers while the platform is
        unreachable); ``reference``: an ``offline_cache.refcache.ReferenceCache`` (the hall after a restart
        while offline). Both optional: without them the kiosk works online only."""
        self.platform = platform
        self.printer = printer
        self.fallback_printer = fallback_printer
        self.clock = clock or SystemClock()
        self.offline_tickets = offline_tickets
        self.reference = reference
        self.events = EventHub()
        self._lock = threading.Lock()
        self._hall: HallInfo | None = None
        self._hall_at = float("-inf")  # when the hall stops being fresh enough to show (monotonic)
        self._hall_fetched = 0.0  # when the hall shown was fetched (monotonic): its age when stale
        self._online: bool | None = None
        self._identity: Identity | None = None

    # --- hall --------------------------------------------------------------------------------------

    def hall(self, *, max_age_s: float | None = None) -> HallView:
        """The hall, from the cache while it is fresh. With the platform down, the cached hall comes
        back ``stale`` with the error; with no cache at all, the error is raised."""
        max_age = self.HALL_MAX_AGE_S if max_age_s is None else max_age_s
        with self._lock:
            cached, cached_at, fetched = self._hall, self._hall_at, self._hall_fetched
        if cached is not None and self.clock.monotonic() - cached_at < max_age:
            return HallView(cached)
        try:
            info = self.platform.hall_info()
        except PlatformError as exc:
            self._set_online(False, exc)
            if cached is None:
                return self._reference_hall(exc)
            return HallView(cached, stale=True, error=exc, age_s=max(0.0, self.clock.monotonic() - fetched))
        with self._lock:
            self._hall, self._hall_at = info, self.clock.monotonic()
            self._hall_fetched = self._hall_at
        self._set_online(True)
        return HallView(info)

    def _reference_hall(self, error: PlatformError) -> HallView:
        """The hall from the store's reference cache (after a restart while offline); ``error`` again when
        there is none."""
        if self.reference is None:
            raise error
        try:
            ref = self.reference.cached("hall")
        except KioskError:  # a store problem: the platform's error is what the person needs
            log.exception("reading the cached hall")
            ref = None
        if ref is None:
            raise error
        try:
            info = hall_from_reference(ref.body)
        except PlatformError:
            log.warning("the cached hall does not parse; ignored")
            raise error from None
        info = replace(info, services=tuple(replace(s, available=open_offline(s, info, self.clock))
                                            for s in info.services))
        with self._lock:
            if self._hall is None:  # the printer's slip needs a hall too
                self._hall = info
        return HallView(info, stale=True, error=error, age_s=ref.age_s)

    def _set_online(self, online: bool, error: KioskError | None = None) -> None:
        with self._lock:
            changed = self._online is not online
            self._online = online
        if changed:
            log.info("platform %s", "reachable" if online else f"unreachable: {error!r}")
            self.events.emit(PlatformStatusChanged(online, error))

    # --- the person at the kiosk -------------------------------------------------------------------

    def identify(self, identity: Identity) -> bool:
        """A card was placed: ``identity`` is now the person at the kiosk. Returns True when it started a
        new session, i.e. someone else was identified before: their session is wiped first (their name
        leaves the log masking set and the screen; docs/privacy.md "Kiosk sessions").
        The same person placing their card again keeps the session."""
        previous = self.identity
        new_session = previous is not None and not same_person(previous, identity)
        if new_session:
            self.wipe()
        register_identity(identity)
        self.set_identity(identity)
        log.info("person identified at the kiosk: %r", identity)  # masked repr
        return new_session

    def set_identity(self, identity: Identity | None) -> None:
        """Puts the person's identity here (``identify`` does, on a card); ``wipe`` removes it.
        A new identity during a session starts it over for that person (the screen follows the event)."""
        with self._lock:
            changed = self._identity != identity
            self._identity = identity
        if changed:
            self.events.emit(IdentityChanged(identity))

    @property
    def identity(self) -> Identity | None:
        with self._lock:
            return self._identity

    def wipe(self) -> None:
        """The session ends (idle timeout, done, a new person): forget who was here, and stop masking
        their name in the log (core/logs.py keeps registered names only for the session)."""
        previous = self.identity
        self.set_identity(None)
        forget_identity(previous)

    def new_request(self, service_prefix: str) -> TicketRequest:
        return TicketRequest(service_prefix, str(uuid.uuid4()), self.identity)

    # --- printers ----------------------------------------------------------------------------------

    def _printers(self) -> list[TicketPrinter]:
        return [p for p in (self.printer, self.fallback_printer) if p is not None]

    def _status(self, printer: TicketPrinter) -> tuple[PrinterStatus, KioskError | None]:
        try:
            return printer.status(), None
        except DeviceError as exc:
            return PrinterStatus.OFFLINE, exc

    def ready_printer(self) -> TicketPrinter | None:
        """The first printer that says it can print (the main one, else the fallback); None if none."""
        for printer in self._printers():
            status, error = self._status(printer)
            if status.can_print:
                return printer
            log.warning("ticket printer %s cannot print: %s", printer.name, status.value)
            self.events.emit(PrinterProblem(printer.name, status, error))
        return None

    # --- taking a number ---------------------------------------------------------------------------

    def issue(self, request: TicketRequest, *, without_print: bool = False) -> IssuedTicket:
        """Takes the number. Raises ``HardwareFault`` (``queue.error.no_printer``) before any number is
        taken when no printer can print, unless the person chose ``without_print``; raises
        ``PlatformError`` when the platform cannot issue (the same request may be sent again)."""
        printer = None
        if not without_print:
            printer = self.ready_printer()
            if printer is None:
                raise HardwareFault("no ticket printer can print", device="ticket_printer",
                                    key="queue.error.no_printer")
        identity = request.identity
        kwargs = {}
        if identity is not None:
            kwargs = {"id_number": identity.id_number, "birth_date": identity.birth_date}
        # A lost answer is retried with the same request id by the adapter (and by the person's "try
        # again", which resends this same request): the platform returns the ticket it already issued.
        offline = False
        try:
            ticket = self.platform.issue_ticket(request.service_prefix, request_id=request.request_id, **kwargs)
        except PlatformRejected:
            # The hall changed under the screen (cap reached, hours over): the next look is fresh.
            with self._lock:
                self._hall_at = float("-inf")
            raise
        except PlatformUnreachable as exc:
            if self.offline_tickets is None:
                raise
            self._set_online(False, exc)
            ticket = self._issue_offline(request, exc)
            offline = True
        else:
            self._set_online(True)
        with self._lock:
            self._hall_at = float("-inf")  # waiting counts changed
        state = PrintState.NOT_PRINTED if without_print else PrintState.PRINTING
        issued = IssuedTicket(ticket, request.request_id, state, printer.name if printer else "", offline=offline)
        log.info("ticket %s issued%s", ticket.number,
                 " (reprint of the person's waiting ticket)" if ticket.reprint else
                 " offline from the kiosk's leased block" if offline else "")
        self.events.emit(TicketIssued(issued))
        return issued

    def _issue_offline(self, request: TicketRequest, error: PlatformUnreachable) -> Ticket:
        """A number from the leased block, its issue event queued in the same transaction. Raises the
        store's ``NoOfflineNumbers`` (key ``sync.tickets.no_block``: to a staffed window) when the block is
        used up, and ``error`` when the kiosk knows no hall to issue for."""
        with self._lock:
            hall = self._hall
        if hall is None:
            hall = self._reference_hall(error).info
        service = next((s for s in hall.services if s.prefix == request.service_prefix), None)
        if service is None:
            raise error
        ticket = self.offline_tickets.issue(service, hall_now(hall, self.clock))
        if service.waiting:  # the last count seen (stale, but closer than "nobody ahead")
            ticket = replace(ticket, people_ahead=service.waiting)
        if request.identity is not None:
            log.info("offline ticket %s: identity not sent (no priority offline)", ticket.number)
        return ticket

    def print_slip(self, issued: IssuedTicket, *, language: str = "zh_CN") -> IssuedTicket:
        """Prints (or reprints) the slip; never raises for a printer problem: the result says it."""
        hall = self._hall
        if hall is None:
            hall = self.hall().info
        slip = TicketSlip(hall, issued.ticket, language)
        tried: list[str] = []
        error: KioskError | None = None
        printer = self.ready_printer()
        candidates = [printer] if printer is not None else []
        candidates += [p for p in self._printers() if p is not printer]
        for candidate in candidates:
            tried.append(candidate.name)
            try:
                candidate.print_ticket(slip)
            except DeviceError as exc:
                error = exc
                log.warning("ticket %s did not print on %s: %r", issued.ticket.number, candidate.name, exc)
                self.events.emit(PrinterProblem(candidate.name, PrinterStatus.ERROR, exc))
                continue
            result = replace(issued, print_state=PrintState.PRINTED, printer=candidate.name, print_error=None)
            self.events.emit(TicketPrintChanged(result))
            return result
        if error is None:
            error = HardwareFault("no ticket printer configured", device="ticket_printer",
                                  key="queue.error.no_printer")
        result = replace(issued, print_state=PrintState.FAILED, printer=tried[-1] if tried else "",
                         print_error=error)
        self.events.emit(TicketPrintChanged(result))
        return result

    def take_number(self, request: TicketRequest, *, language: str = "zh_CN") -> IssuedTicket:
        """``issue`` then ``print_slip``, for callers that need no screen in between."""
        return self.print_slip(self.issue(request), language=language)

    def resolve_code(self, codes, payload: str, *, request_id: str) -> tuple[Any, IssuedTicket | None]:
        """A code scanned (or typed) at the kiosk, through ``codes`` (core/services/codes.py
        ``CodeService``): ``(outcome, issued)``. An appointment checks in and its priority ticket comes
        back as an ``IssuedTicket`` ready for ``print_slip``; when the appointment had been checked in
        before (looked up first), it is the same ticket marked ``reprint`` (the slip prints again). Other
        kinds give ``issued = None``; unknown payloads are never sent anywhere. Raises ``PlatformError``."""
        code = codes.classify(payload)
        repeat = False
        if code.kind is CodeKind.APPOINTMENT and codes.platform is not None:
            before = codes.platform.appointment(code.fields["code"])
            repeat = before.state is AppointmentState.CHECKED_IN
        outcome = codes.resolve(payload, request_id=request_id)
        if outcome.ticket is None:
            return outcome, None
        self._set_online(True)
        with self._lock:
            self._hall_at = float("-inf")  # waiting counts changed
        ticket = replace(outcome.ticket, reprint=True) if repeat else outcome.ticket
        issued = IssuedTicket(ticket, request_id, PrintState.PRINTING)
        log.info("appointment checked in: ticket %s%s", ticket.number, " (again: reprint)" if repeat else "")
        self.events.emit(TicketIssued(issued))
        return outcome, issued
