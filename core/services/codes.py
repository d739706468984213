"""What happens when a code is scanned: classify it strictly, then resolve it through the platform.

Plain Python over ports, for the kiosk and clerk windows (wired in kiosk/app.py and ui/citizen.py; docs/codes.md "Wiring"):

    codes = CodeService(appointments_platform, platform_hosts=("zwfw.example.gov.cn",))
    outcome = codes.resolve(payload, request_id=new_request_id())     # kiosk: blocking, run on a worker
    outcome.kind      # CodeKind
    outcome.ticket    # appointment checked in: the priority ticket to print
    outcome.case      # receipt: the case to show on its tracking page
    outcome.message_key   # what to show when nothing was done ("codes.not_recognised")

    material = codes.material_for_elicence(payload, matter_materials)   # clerk: which material it provides

Unknown and hostile payloads resolve to ``UNKNOWN`` with ``codes.not_recognised`` and are never sent
anywhere. The payload itself is never logged (it may carry personal data); only its kind is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from core.domain import Ticket
from core.domain.appointments import Appointment, Case
from core.domain.codes import DEFAULT_PLATFORM_HOSTS, E_LICENCE_TYPES, CodeKind, ScannedCode, classify
from core.ports.appointments import AppointmentPlatform

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodeOutcome:
    code: ScannedCode
    ticket: Ticket | None = None
    appointment: Appointment | None = None
    case: Case | None = None
    message_key: str = ""  # i18n key to show when nothing more is shown

    @property
    def kind(self) -> CodeKind:
        return self.code.kind


class CodeService:
    def __init__(self, platform: AppointmentPlatform | None, *,
                 platform_hosts: tuple[str, ...] = DEFAULT_PLATFORM_HOSTS) -> None:
        self.platform = platform
        self.platform_hosts = platform_hosts

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
            return CodeOutcome(code, case=self.platform.case(code.fields["tracking"]))
        return CodeOutcome(code)

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
