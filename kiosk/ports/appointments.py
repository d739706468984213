"""Appointments and case tracking, as the code services use them.

``kiosk.platform_client.appointments.AppointmentsClient`` implements it over HTTP; the reference hall
server's side is kiosk/hall_server/appointments.py.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from kiosk.domain import Ticket
from kiosk.domain.appointments import Appointment, Case


class AppointmentPlatform(Protocol):
    def book(self, service_prefix: str, day: date, slot: str, matter_code: str | None = None) -> Appointment: ...

    def appointment(self, code: str) -> Appointment: ...

    def check_in(self, code: str, *, request_id: str) -> tuple[Appointment, Ticket]:
        """Checks in for today's appointment; a repeat gives the same ticket. ``PlatformRejected`` with
        reason ``not_found`` or ``wrong_state`` (cancelled, another day)."""
        ...

    def case(self, tracking: str) -> Case: ...
