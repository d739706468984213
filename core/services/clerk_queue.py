"""A clerk's window and the hall display: the queue use cases of the staff side.

``ClerkQueueService`` is one window: log in with a PIN, call, recall, hold, transfer, finish, pause; every
action refreshes the window's status and emits ``WindowChanged``. It also holds the applicant, the person
whose card was placed on the window's reader, and forgets them (and their words in the log masking) when
the ticket moves on. ``HallDisplayService`` follows the hall's call events for the display.

Plain Python over the ``QueuePlatform`` port; every method may block (HTTP), so the windows call them on
a worker thread. The kiosk's side is core/services/queue.py, which re-exports these names.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from core.domain import (CallEvent, ClerkSession, HallBoard, HallInfo, Identity, Outcome, Ticket,
                         WindowStatus)
from core.errors import PlatformRejected
from core.ports import QueuePlatform
from core.services.events import EventHub
from core.services.identity import forget_identity, register_identity, same_person

log = logging.getLogger(__name__)


# --- clerk -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowChanged:
    status: WindowStatus


@dataclass(frozen=True)
class SessionChanged:
    session: ClerkSession | None  # None: logged out (or the platform ended the session)


@dataclass(frozen=True)
class ApplicantChanged:
    """The person at the window placed their card (``identity``), or the applicant was cleared (None)."""

    identity: Identity | None


@dataclass(frozen=True)
class ClerkUpdate:
    """What a clerk action did: the ticket it acted on (if any) and the window afterwards."""

    action: str
    ticket: Ticket | None
    status: WindowStatus | None


# Reasons the platform gives when a clerk session is no longer valid: the window goes back to login.
# (hall_server/problems.py: "not_logged_in" covers an unknown, expired or ended session.)
SESSION_ENDED_REASONS = frozenset({"not_logged_in"})
# Actions after which the person in front of the window is gone: their card's data is cleared.
APPLICANT_ENDS = frozenset({"finish", "no_show", "transfer", "return_to_queue", "hold"})


class ClerkQueueService:
    """A clerk at one window. Every action refreshes the window's status and emits ``WindowChanged``."""

    def __init__(self, platform: QueuePlatform, window: int) -> None:
        self.platform = platform
        self.window = window
        self.events = EventHub()
        self._session: ClerkSession | None = None
        self._hall: HallInfo | None = None
        self._lock = threading.Lock()
        self._applicant: Identity | None = None
        self._applicant_ticket: str | None = None  # the ticket current when the card was placed

    # --- the applicant (the card placed on the window's reader) ------------------------------------

    @property
    def applicant(self) -> Identity | None:
        with self._lock:
            return self._applicant

    def set_applicant(self, identity: Identity, current_ticket: str | None = None) -> None:
        """A card was placed on the window's reader. Another card replaces the previous applicant (whose
        words leave the log masking set). ``current_ticket``: the number being served, if any; when the
        window moves on from it (``ticket_moved_on``) the applicant is cleared."""
        with self._lock:
            previous, self._applicant = self._applicant, identity
            self._applicant_ticket = current_ticket
        if previous is not None and not same_person(previous, identity):
            forget_identity(previous)
        register_identity(identity)
        log.info("window %d: applicant card read: %r", self.window, identity)  # masked repr
        self.events.emit(ApplicantChanged(identity))

    def clear_applicant(self) -> None:
        """Forgets the applicant (the ticket was finished, the clerk logged out, or the session ended)."""
        with self._lock:
            previous, self._applicant, self._applicant_ticket = self._applicant, None, None
        if previous is not None:
            forget_identity(previous)
            self.events.emit(ApplicantChanged(None))

    def ticket_moved_on(self, status: WindowStatus) -> None:
        """Clears the applicant when the ticket that was served when the card was placed is no longer the
        window's current one (called next without finishing, say)."""
        with self._lock:
            ticket = self._applicant_ticket
        current = status.current.number if status.current is not None else None
        if ticket is not None and current != ticket:
            self.clear_applicant()

    @property
    def session(self) -> ClerkSession | None:
        with self._lock:
            return self._session

    def _require(self) -> ClerkSession:
        session = self.session
        if session is None:
            raise PlatformRejected("not logged in", reason="not_logged_in", status=401)
        return session

    def _set_session(self, session: ClerkSession | None) -> None:
        with self._lock:
            self._session = session
        if session is None:
            self.clear_applicant()
        self.events.emit(SessionChanged(session))

    def login(self, staff_id: str, pin: str) -> ClerkUpdate:
        session = self.platform.login(self.window, staff_id, pin)
        log.info("staff %s logged in at window %d", session.staff_id, session.window)
        self._set_session(session)
        return ClerkUpdate("login", None, self.refresh())

    def logout(self) -> None:
        session = self.session
        if session is None:
            return
        try:
            self.platform.logout(session)
        finally:
            log.info("staff %s logged out of window %d", session.staff_id, session.window)
            self._set_session(None)

    def hall(self) -> HallInfo:
        """The hall's services and windows (for the transfer choices); fetched once, then cached."""
        with self._lock:
            cached = self._hall
        if cached is None:
            cached = self.platform.hall_info()
            with self._lock:
                self._hall = cached
        return cached

    def refresh(self) -> WindowStatus:
        status = self._do(lambda s: self.platform.window_status(s))
        self.ticket_moved_on(status)
        self.events.emit(WindowChanged(status))
        return status

    def _do(self, action):
        session = self._require()
        try:
            return action(session)
        except PlatformRejected as exc:
            if exc.reason in SESSION_ENDED_REASONS:
                log.info("window %d: session ended by the platform (%s)", self.window, exc.reason)
                self._set_session(None)
            raise

    def _act(self, name: str, action) -> ClerkUpdate:
        ticket = self._do(action)
        log.info("window %d: %s %s", self.window, name, ticket.number if isinstance(ticket, Ticket) else "")
        if name in APPLICANT_ENDS:
            self.clear_applicant()
        return ClerkUpdate(name, ticket if isinstance(ticket, Ticket) else None, self.refresh())

    def staff_photo(self) -> bytes | None:
        """The photo of the clerk logged in, for the evaluation pad (None: none kept, or nobody logged in).
        Blocking: on a worker."""
        return self._do(lambda s: self.platform.staff_photo(s)) if self.session is not None else None

    def call_next(self) -> ClerkUpdate:
        return self._act("call_next", lambda s: self.platform.call_next(s))

    def call_number(self, number: str) -> ClerkUpdate:
        number = number.strip().upper()
        return self._act("call_number", lambda s: self.platform.call_number(s, number))

    def recall(self) -> ClerkUpdate:
        return self._act("recall", lambda s: self.platform.recall(s))

    def no_show(self) -> ClerkUpdate:
        return self._act("no_show", lambda s: self.platform.no_show(s))

    def return_to_queue(self) -> ClerkUpdate:
        return self._act("return_to_queue", lambda s: self.platform.return_to_queue(s))

    def transfer(self, *, service_prefix: str | None = None, window: int | None = None) -> ClerkUpdate:
        return self._act("transfer", lambda s: self.platform.transfer(s, service_prefix=service_prefix,
                                                                         window=window))

    def hold(self) -> ClerkUpdate:
        return self._act("hold", lambda s: self.platform.hold(s))

    def call_back(self, number: str) -> ClerkUpdate:
        return self._act("call_back", lambda s: self.platform.call_back(s, number))

    def pause(self, reason: str) -> ClerkUpdate:
        return self._act("pause", lambda s: self.platform.pause(s, reason))

    def resume(self) -> ClerkUpdate:
        return self._act("resume", lambda s: self.platform.resume(s))

    def finish(self, outcome: Outcome) -> ClerkUpdate:
        return self._act("finish", lambda s: self.platform.finish(s, outcome))


# --- hall display ------------------------------------------------------------------------------------


class HallDisplayService:
    """Follows the hall's call events for the display: first the day so far (shown, not announced),
    then each new call as it happens (long poll)."""

    def __init__(self, platform: QueuePlatform) -> None:
        self.platform = platform
        self._after_seq = 0
        self._started = False

    def hall(self) -> HallInfo:
        return self.platform.hall_info()

    def backlog(self, limit: int = 8) -> list[CallEvent]:
        """The latest ``limit`` calls so far; later ``poll``s return only calls after these."""
        events = self.platform.call_events(0, wait_s=0.0)
        if events:
            self._after_seq = max(e.seq for e in events)
        self._started = True
        return events[-limit:]

    def poll(self, wait_s: float = 2.0) -> list[CallEvent]:
        """New calls, waiting up to ``wait_s`` for one."""
        if not self._started:
            self.backlog(0)
        events = self.platform.call_events(self._after_seq, wait_s=wait_s)
        events = [e for e in events if e.seq > self._after_seq]
        if events:
            self._after_seq = max(e.seq for e in events)
        return events

    def board(self) -> HallBoard:
        """Every window's state and current number, waiting counts, the day's satisfaction if any."""
        return self.platform.display_board()
