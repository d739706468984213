"""The 自助申报 slip from a matter's guide: ``slip_for`` (pure: no I/O, no clock).

    slip = slip_for(guide, record_id=record_id, case_number=None, applicant=identity,
                    submitted_at=hall_now, provided=("m1", "m3"))

    slips = SlipService(applications, printer)      # ApplicationService; a PaperPrinter (or a provider, None)
    printed = slips.issue(guide, record_id=…, applicant=…, submitted_at=…, provided=…, wait_s=8.0)
    printed.slip.case_number, printed.printed, printed.problem_key      # blocking: on the window's worker

``provided`` are the ids of the materials handed in at the kiosk (pages captured or an e-licence scanned);
the slip lists them, and every required material not among them is what to bring to the window. The
applicant is masked (``Applicant.masked``). docs/intake.md ("The kiosk's pre-application") tells the flow.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from core.domain.identity import Identity
from core.errors import DeviceError
from core.domain.intake import Applicant
from core.domain.slip import PreApplicationSlip, slip_qr
from core.services.guide import Guide
from core.services.intake import materials, matter_ref
from core.services.papers import POLL_S, resolve_printer, wait_for_case

log = logging.getLogger(__name__)

MAX_WAIT_S = 8.0  # the longest a citizen waits at the kiosk for the platform's case number


def slip_for(guide: Guide, *, record_id: str, case_number: str | None, applicant: Identity,
             submitted_at: datetime, provided: Collection[str] = ()) -> PreApplicationSlip:
    """The slip of the pre-application ``record_id`` (``case_number`` None while the platform has not
    answered). ValueError for a material id the guide does not have."""
    items = materials(guide)
    unknown = [i for i in provided if i not in items]
    if unknown:
        raise ValueError(f"not materials of this matter: {', '.join(unknown)}")
    required = [m.get("id") for m in guide.data.get("materials", ()) if isinstance(m, dict) and m.get("required")]
    data = guide.data
    return PreApplicationSlip(
        record_id=record_id,
        case_number=case_number,
        matter=matter_ref(guide),
        applicant=Applicant.masked(applicant.name or applicant.english_name, applicant.id_number),
        submitted_at=submitted_at,
        provided=tuple(items[i].name for i in items if i in provided),
        bring=tuple(items[i] for i in required if i in items and i not in provided),
        place=data.get("place", "").strip() if isinstance(data.get("place"), str) else "",
        phone=data.get("phone", "").strip() if isinstance(data.get("phone"), str) else "",
        qr=slip_qr(record_id),
    )


@dataclass(frozen=True)
class PrintedSlip:
    """The slip as issued; ``problem_key`` a ``pre_apply.print.*`` message key when it did not print (the
    pre-application is safe in the outbox all the same: the screen shows the short id instead)."""

    slip: PreApplicationSlip
    printed: bool
    problem_key: str = ""


class SlipService:
    """Waits (bounded) for the case number, then prints the slip on the kiosk's paper printer."""

    def __init__(self, applications, printer=None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, poll_s: float = POLL_S) -> None:
        """``applications``: an ``ApplicationService``; ``printer``: a ``PaperPrinter`` (core/ports/printer.py:
        ``status()``, ``print_paper(paper, language)``), a provider of one, or None (no printer)."""
        self.applications = applications
        self.printer = printer
        self._clock, self._sleep, self._poll_s = clock, sleep, poll_s

    def case_number(self, record_id: str, wait_s: float = MAX_WAIT_S) -> str | None:
        """The platform's case number for the record, asked every ``poll_s`` for at most ``wait_s`` (capped
        at ``MAX_WAIT_S``); None when it has not answered by then. Blocking: on a worker."""
        return wait_for_case(self.applications, record_id, min(wait_s, MAX_WAIT_S), clock=self._clock,
                             sleep=self._sleep, poll_s=self._poll_s)

    def issue(self, guide: Guide, *, record_id: str, applicant: Identity, submitted_at: datetime,
              provided: Collection[str] = (), wait_s: float = MAX_WAIT_S, language: str = "zh_CN") -> PrintedSlip:
        """Waits for the case number (bounded), builds the slip and prints it. Never raises for a printer
        problem: the result says it. Blocking: on a worker."""
        number = self.case_number(record_id, wait_s)
        slip = slip_for(guide, record_id=record_id, case_number=number, applicant=applicant,
                        submitted_at=submitted_at, provided=provided)
        return self.print(slip, language)

    def print(self, slip: PreApplicationSlip, language: str = "zh_CN") -> PrintedSlip:  # noqa: A003
        """Prints (or reprints) ``slip``; the result says whether it came out."""
        printer = resolve_printer(self.printer)
        if printer is None:
            return PrintedSlip(slip, False, "pre_apply.print.no_printer")
        try:
            status = printer.status()
            if not status.can_print:
                log.warning("pre-application slip %s not printed: printer %s", slip.short_id, status.value)
                return PrintedSlip(slip, False, "pre_apply.print.failed")
            printer.print_paper(slip, language)
        except DeviceError as exc:
            log.warning("pre-application slip %s not printed: %r", slip.short_id, exc)
            return PrintedSlip(slip, False, "pre_apply.print.failed")
        return PrintedSlip(slip, True)
