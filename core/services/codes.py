"""What happens when a code is scanned: classify it strictly, then resolve it through the platform.

Plain Python over ports, for the kiosk and clerk windows (wired in kiosk/app.py and ui/citizen.py; docs/codes.md "Wiring"):

    codes = CodeService(appointments_platform, platform_hosts=("zwfw.example.gov.cn",))
    outcome = codes.resolve(payload, request_id=new_request_id())     # kiosk: blocking, run on a worker
    outcome.kind      # CodeKind
    outcome.ticket    # appointment checked in: the priority ticket to print
    outcome.case      # receipt: the case to show on its tracking page
    outcome.calendar  # receipt: the hall's calendar its lateness is counted on (``calendar`` given to the service)
    outcome.message_key   # what to show when nothing was done ("codes.not_recognised")

    material = codes.material_for_elicence(payload, matter_materials)   # clerk: which material it provides

Unknown and hostile payloads resolve to ``UNKNOWN`` with ``codes.not_recognised`` and are never sent
anywhere. The payload itself is never logged (it may carry personal data); only its kind is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.domain import Ticket
from core.domain.appointments import Appointment, Case
from core.domain.codes import DEFAULT_PLATFORM_HOSTS, E_LICENCE_TYPES, CodeKind, ScannedCode, classify
from core.ports.appointments import AppointmentPlatform
from core.services.working_days import HallCalendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodeOutcome:
    code: ScannedCode
    ticket: Ticket | None = None
    appointment: Appointment | None = None
    case: Case | None = None
    message_key: str = ""  # i18n key to show when nothing more is shown
    calendar: HallCalendar | None = None  # with a case: the hall's working days (None: weekends alone)

    @property
    def kind(self) -> CodeKind:
        return self.code.kind


class CodeService:
    def __init__(self, platform: AppointmentPlatform | None, *,
                 platform_hosts: tuple[str, ...] = DEFAULT_PLATFORM_HOSTS,
                 calendar: Callable[[], HallCalendar] | None = None) -> None:
        """``calendar``: gives the hall's calendar (blocking: the terminal's cached catalogue), for a case's
        lateness; None, or one that fails, counts weekends alone."""
        self.platform = platform
        self.platform_hosts = platform_hosts
        self.calendar = calendar

    def classify(self, payload: str) -> ScannedCode:
        return classify(payload, platform_hosts=self.platform_hosts)

    def resolve(self, payload: str, *, request_id: str) -> CodeOutcome:
        """Kiosk: an appointment checks in (a priority ticket), a receipt looks its case up. Other known
        kinds are only classified (the caller decides), unknown ones answer ``codes.not_recognised``.
        Raises ``PlatformError`` subclasses from the platform (not found, wrong day, unreachable)."""
        code = self.classify(payload)
        log.info("code scanned: %s", code.kind.value)
        if code.kind is CodeKind.UNKNOWN:
            return CodeOutcome(code, message_key="codes.not_recognised")
        if self.platform is None:
            return CodeOutcome(code)
        if code.kind is CodeKind.APPOINTMENT:
            appointment, ticket = self.platform.check_in(code.fields["code"], request_id=request_id)
            return CodeOutcome(code, ticket=ticket, appointment=appointment)
        if code.kind is CodeKind.RECEIPT:
            return CodeOutcome(code, case=self.platform.case(code.fields["tracking"]), calendar=self._calendar())
        return CodeOutcome(code)

    def _calendar(self) -> HallCalendar | None:
        if self.calendar is None:
            return None
        try:
            return self.calendar()
        except Exception as exc:  # noqa: BLE001 - no catalogue yet: the case is shown, counted on weekends alone
            log.warning("the hall calendar is not at hand (weekends alone are counted): %s: %s",
                        type(exc).__name__, exc)
            return None

    def material_for_elicence(self, payload: str, materials: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Clerk: the material of a matter (``{"id", "name", "elicence": "营业执照", …}`` as in
        sample_data/hall.json) that this e-licence provides, or None (not an e-licence, or no material
        asks for its type)."""
        code = self.classify(payload)
        if code.kind is not CodeKind.E_LICENCE:
            return None
        type_name = E_LICENCE_TYPES.get(code.fields["type"])
        if type_name is None:
            return None
        return next((m for m in materials if m.get("elicence") == type_name), None)
