"""The queue part of the central-platform API, as the terminals use it.

``platform_client.PlatformClient`` implements it over HTTP against the platform (or the reference
hall server). Every method may raise ``PlatformUnreachable`` (no answer, or an answer that is not the
platform's), ``PlatformRejected``/``PlatformConflict`` (a 4xx with a machine-readable reason) or
``PlatformServerFault``; nothing else.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from core.domain import CallEvent, ClerkSession, HallBoard, HallInfo, Outcome, Ticket, WindowStatus


class QueuePlatform(Protocol):
    # --- kiosk -------------------------------------------------------------------------------------
    def hall_info(self) -> HallInfo:
        """The hall, its services (with today's availability and waiting counts) and windows."""
        ...

    def issue_ticket(
        self,
        service_prefix: str,
        *,
        request_id: str,
        id_number: str | None = None,
        birth_date: date | None = None,
        appointment_code: str | None = None,
    ) -> Ticket:
        """Issues the next number of a service.

        ``request_id`` is a fresh UUID per press of the button: sending the same one again (a retry after
        a lost answer) returns the same ticket, never a second number. With ``id_number`` the platform
        keeps one waiting ticket per person per service (a second try returns the existing one with
        ``reprint=True``) and gives elderly priority from ``birth_date``.
        """
        ...

    def ticket(self, tracking_code: str) -> Ticket:
        """A ticket's current state, by the tracking code printed on it."""
        ...

    # --- clerk -------------------------------------------------------------------------------------
    def login(self, window: int, staff_id: str, pin: str) -> ClerkSession: ...

    def logout(self, session: ClerkSession) -> None: ...

    def staff_photo(self, session: ClerkSession) -> bytes | None:
        """The photo of the clerk logged in, as the platform holds it (JPEG or PNG); None without one."""
        ...

    def window_status(self, session: ClerkSession) -> WindowStatus: ...

    def call_next(self, session: ClerkSession) -> Ticket | None:
        """Calls the next ticket for the window (appointments, then priority weight, then arrival, with
        the hall's cap on consecutive priority calls); None when nobody waits."""
        ...

    def call_number(self, session: ClerkSession, number: str) -> Ticket: ...

    def recall(self, session: ClerkSession) -> Ticket:
        """Announces the current ticket again."""
        ...

    def no_show(self, session: ClerkSession) -> Ticket: ...

    def return_to_queue(self, session: ClerkSession) -> Ticket: ...

    def transfer(self, session: ClerkSession, *, service_prefix: str | None = None,
                 window: int | None = None) -> Ticket: ...

    def hold(self, session: ClerkSession) -> Ticket: ...

    def call_back(self, session: ClerkSession, number: str) -> Ticket:
        """Calls a held ticket back (the same day)."""
        ...

    def pause(self, session: ClerkSession, reason: str) -> None: ...

    def resume(self, session: ClerkSession) -> None: ...

    def finish(self, session: ClerkSession, outcome: Outcome) -> Ticket: ...

    # --- hall display ------------------------------------------------------------------------------
    def call_events(self, after_seq: int, *, wait_s: float = 0.0) -> list[CallEvent]:
        """Call events after ``after_seq``; waits up to ``wait_s`` for one (long poll)."""
        ...

    def display_board(self) -> HallBoard:
        """Every window's state and the number it serves, people waiting per service, and the day's
        satisfaction rate when the platform counts one."""
        ...
