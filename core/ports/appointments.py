"""Appointments and case tracking, as the code services use them.

``platform_client.appointments.AppointmentsClient`` implements it over HTTP; the reference hall
server's side is hall_server/appointments.py, and hall_server/api/cases.py for ``case`` (with its history).
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from core.domain import Ticket
from core.domain.appointments import Appointment, Case


class AppointmentPlatform(Protocol):
    def book(self, service_prefix: str, day: date, slot: str, matter_code: str | None = None) -> Appointment: ...

    def appointment(self, code: str) -> Appointment: ...

    def check_in(self, code: str, *, request_id: str) -> tuple[Appointment, Ticket]:
        """Checks in for today's appointment; a repeat gives the same ticket. ``PlatformRejected`` with
        reason ``not_found`` or ``wrong_state`` (cancelled, another day)."""
        ...

    def case(self, tracking: str) -> Case: ...
