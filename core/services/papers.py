"""The papers of intake on a receipt printer, once the record behind them is safe: ``IntakePapers``.

    papers = IntakePapers(printer, applications=service, guides=shelf.book, host=platform_host)
    printed = papers.receipt(record_id, app=app, applicant=identity, clerk=Clerk("S1001", "王𠮷"),
                             accepted_at=hall_now, follow=["m4"])       # blocking: on a worker
    printed.case_number        # the platform's number, or None: the receipt said 受理编号待同步
    printed.printed, printed.error                                       # a printer fault: reprint later
    papers.reprint(printed)
    papers.notice(record_id, app=app, clerk=clerk, issued_at=hall_now)   # 一次性告知单
    papers.checklist("320100-XK-0018")                                   # 材料清单 from the guide page

Order of things (docs/intake.md, "The case number on a receipt"): the caller has already queued the record
in the outbox (``ApplicationService.accept`` / ``notify``), so nothing is lost whatever the printer does.
The receipt then waits a bounded time (``wait_s``) for the platform's answer, which the store keeps with the
acknowledged record (``ApplicationService.case_number``); online that is well under a second after the sync
engine pushed the record. With no answer in time the paper names the record instead (受理编号待同步 and its
short id) and never a number of the terminal's own. A printer that fails (paper out, unplugged) leaves
``printed`` False with the ``DeviceError``; the paper value is kept for ``reprint``.

Every method blocks (the store, the printer): run it on the presenter's ``Runner``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from core.domain.identity import Identity
from core.domain.intake import Checklist, Clerk, Notice, Receipt
from core.errors import ConfigError, DeviceError
from core.ports.printer import PaperPrinter
from core.services.application import Application, ApplicationService, received

if TYPE_CHECKING:
    from core.services.guide import Guide, GuideBook

log = logging.getLogger(__name__)

POLL_S = 0.25  # how often the store is asked for the platform's answer while a receipt waits for it


@dataclass(frozen=True)
class PrintedPaper:
    kind: str  # "receipt", "notice", "checklist"
    paper: Receipt | Notice | Checklist
    case_number: str | None  # the platform's number (None: pending, or a checklist)
    printed: bool
    error: DeviceError | None = None  # why it did not print
    document: str = ""  # where the A4 受理通知书 was kept (matters whose guide asks for one), else ""

    @property
    def problem_key(self) -> str:
        """The message key of the printer's fault ("" when it printed)."""
        return self.error.key if self.error is not None else ""


def wait_for_case(applications: ApplicationService, record_id: str, wait_s: float, *,
                  clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                  poll_s: float = POLL_S) -> str | None:
    """The platform's case number for an acknowledged record (``applications.case_number``), asked every
    ``poll_s`` until ``wait_s`` passed; None when it has not answered by then. Blocking: on a worker."""
    deadline = clock() + max(0.0, wait_s)
    while True:
        number = applications.case_number(record_id)
        if number or clock() >= deadline:
            return number
        sleep(min(poll_s, max(deadline - clock(), 0.0)))


def resolve_printer(printer):
    """A ``PaperPrinter``, given one or a provider of one (None: none configured)."""
    return printer() if callable(printer) and not hasattr(printer, "print_paper") else printer


def short_ref(record_id: str) -> str:
    """The short form of an outbox record's id that a paper prints while the case number is pending."""
    return record_id.replace("-", "")[:8].lower()


class IntakePapers:
    def __init__(self, printer: PaperPrinter | None | Callable[[], PaperPrinter | None], *,
                 applications: ApplicationService, guides: Callable[[], GuideBook], host: str = "",
                 language: str = "zh_CN", sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 keep_document: Callable[[str, bytes], str] | None = None) -> None:
        """``printer``: the terminal's receipt printer (or a provider of it; None: none configured).
        ``guides()``: the hall's guide book as the terminal holds it now (blocking: reads the catalogue).
        ``keep_document(name, pdf) -> where``: keeps an A4 受理通知书 for the office printer (None: not made)."""
        self._printer = printer
        self.keep_document = keep_document
        self.applications = applications
        self.guides = guides
        self.host = host
        self.language = language
        self._sleep = sleep
        self._monotonic = monotonic

    # --- what is printed ---------------------------------------------------------------------------

    def receipt(self, record_id: str, *, app: Application, applicant: Identity | None, clerk: Clerk,
                accepted_at: datetime, follow: Collection[str] = (), wait_s: float = 8.0,
                language: str | None = None) -> PrintedPaper:
        """受理回执 of the application queued as ``record_id``; ``follow``: the 容缺 material ids."""
        from core.services.intake import receipt_for
        guide = self._guide(app.matter.code)
        number = self.wait_case(record_id, wait_s)
        pages = {item["id"]: item["pages"] for item in received(app)}
        paper = receipt_for(guide, case_number=number or "", applicant=applicant, accepted_at=accepted_at,
                            window=app.window, clerk=clerk, calendar=self.guides().calendar, pages=pages,
                            follow=follow, host=self.host, record_ref="" if number else short_ref(record_id))
        printed = self._print("receipt", paper, number, language)
        if self.keep_document is not None and guide.data.get("needs_notice_pdf") is True:
            printed = replace(printed, document=self._keep_notice(paper, language or self.language))
        return printed

    def notice(self, record_id: str, *, app: Application, clerk: Clerk, issued_at: datetime,
               wait_s: float = 8.0, language: str | None = None) -> PrintedPaper:
        """一次性告知单 of every required material ``app`` is missing; its number is the case's (the notice
        is a case in 补正告知), or ``GZ-<short id>`` while the platform has not answered."""
        from core.services.intake import notice_for
        guide = self._guide(app.matter.code)
        number = self.wait_case(record_id, wait_s)
        paper = notice_for(guide, number=number or f"GZ-{short_ref(record_id).upper()}",
                           missing=[m.id for m in app.missing()], issued_at=issued_at, window=app.window,
                           clerk=clerk)
        return self._print("notice", paper, number, language)

    def checklist(self, matter_code: str, language: str | None = None) -> PrintedPaper:
        """材料清单 of a matter, with the QR code of its guide (the kiosk's guide page)."""
        from core.services.intake import checklist_for

        return self._print("checklist", checklist_for(self._guide(matter_code), host=self.host), None, language)

    def reprint(self, printed: PrintedPaper, language: str | None = None) -> PrintedPaper:
        """The same paper again (after paper was loaded): the number it showed stays the number it shows."""
        return self._print(printed.kind, printed.paper, printed.case_number, language)

    # --- the parts ---------------------------------------------------------------------------------

    def _keep_notice(self, receipt: Receipt, language: str) -> str:
        """The A4 受理通知书 of the receipt (masked applicant only, as the receipt), kept for the office
        printer; "" when it could not be kept (logged: the receipt stands)."""
        from core.services.notice_pdf import acceptance_notice_pdf

        name = f"受理通知书-{receipt.case_number or receipt.record_ref}.pdf"
        try:
            return self.keep_document(name, acceptance_notice_pdf(receipt, language))
        except OSError as exc:
            log.warning("A4 notice of acceptance not kept: %s", exc)
            return ""

    def wait_case(self, record_id: str, wait_s: float) -> str | None:
        """The platform's case number for the record, asked of the store until ``wait_s`` passed."""
        return wait_for_case(self.applications, record_id, wait_s, clock=self._monotonic, sleep=self._sleep)

    def _guide(self, code: str) -> Guide:
        guide = self.guides().get(code)
        if guide is None:
            raise ConfigError(f"matter {code} is not in the hall's catalogue", setting="matters",
                              problem="unknown matter")
        return guide

    def _print(self, kind: str, paper, number: str | None, language: str | None) -> PrintedPaper:
        printer = resolve_printer(self._printer)
        if printer is None:
            error = DeviceError("no receipt printer configured", device="receipt_printer",
                                key="error.device.not_found")
            return PrintedPaper(kind, paper, number, False, error)
        try:
            printer.print_paper(paper, language or self.language)
        except DeviceError as exc:
            log.warning("%s not printed on %s: %s", kind, getattr(printer, "name", "?"), exc)
            return PrintedPaper(kind, paper, number, False, exc)
        log.info("%s printed on %s (%s)", kind, getattr(printer, "name", "?"),
                 "case number known" if number else "case number pending" if kind != "checklist" else "guide")
        return PrintedPaper(kind, paper, number, True)
