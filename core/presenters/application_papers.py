"""What the clerk's application page shows once the store committed a record: the case number and the paper.

``PaperStep`` is the part of ``ApplicationPresenter`` (core/presenters/application.py) that runs after
"受理" or "一次性告知" was saved: it prints the receipt (受理回执) or the one-time notice (一次性告知单) on
the window's receipt printer through ``IntakePapers`` (core/services/papers.py) on the ``Runner``, bounded
(``wait_s`` for the platform's case number, then 受理编号待同步 with the record's short id), and keeps:

- ``result``: what the clerk sees: printing…, the case number (or 待同步 and the short id), a printer
  fault (``problem_key``) with a reprint button (``can_reprint``). Reprinting prints the same paper
  again (``IntakePapers.reprint``: the number it showed stays); it never enqueues anything, so the record
  is neither lost nor duplicated;
- after the paper, the record's fate at the platform (``ApplicationService.refusal``): a refusal
  (``form_outdated``, ``form_invalid``, ``matter_unknown``…) is said on the page, and ``on_outdated`` runs
  (the page reloads the catalogue) for ``form_outdated``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from core.domain.identity import Identity
from core.domain.intake import Clerk
from core.i18n import Translator, keys_for, optional_keys
from core.services.application import Application, ApplicationService
from core.services.papers import short_ref

log = logging.getLogger(__name__)
REFUSAL_KEYS = optional_keys("application.refused.")  # the platform's reasons the page words itself
PAPER_KINDS = ("receipt", "notice")
PRINTING_KEYS = keys_for("application.paper.printing.", PAPER_KINDS)
PRINTED_KEYS = keys_for("application.paper.printed.", PAPER_KINDS)
PRINT_TIMEOUT_S = 30.0  # beyond the wait for the case number: the printer's own bounded calls


@dataclass(frozen=True)
class PaperJob:
    """One saved record and what its paper needs (kept for a reprint)."""

    kind: str  # "receipt" | "notice"
    record_id: str
    app: Application
    clerk: Clerk
    at: datetime
    applicant: Identity | None = None
    follow: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaperResult:
    job: PaperJob
    printing: bool = True
    case_number: str | None = None
    printed: bool = False
    problem_key: str = ""
    refusal: str = ""  # the platform's reason when it refused the record
    paper: Any = None  # the PrintedPaper (core/services/papers.py): a reprint prints it again as it was


class PaperStep:
    def __init__(self, service: ApplicationService, papers, run, *, wait_s: float = 8.0,
                 on_change: Callable[[], None], on_outdated: Callable[[], None]) -> None:
        """``papers``: ``IntakePapers`` (None: the window has no receipt printer; the case number is
        still looked up)."""
        self.service = service
        self.papers = papers
        self.run = run
        self.wait_s = wait_s
        self.on_change = on_change
        self.on_outdated = on_outdated
        self.result: PaperResult | None = None

    def start(self, job: PaperJob) -> None:
        self.result = PaperResult(job)
        self.on_change()
        if self.papers is None:
            self.run(self.service.case_number, job.record_id, on_done=self._number_only,
                     on_error=self._number_failed, timeout_s=15.0)
            return
        if job.kind == "receipt":
            self.run(self.papers.receipt, job.record_id, app=job.app, applicant=job.applicant, clerk=job.clerk,
                     accepted_at=job.at, follow=list(job.follow), wait_s=self.wait_s,
                     on_done=self._printed, on_error=self._print_failed, timeout_s=self.wait_s + PRINT_TIMEOUT_S)
        else:
            self.run(self.papers.notice, job.record_id, app=job.app, clerk=job.clerk, issued_at=job.at,
                     wait_s=self.wait_s, on_done=self._printed, on_error=self._print_failed,
                     timeout_s=self.wait_s + PRINT_TIMEOUT_S)

    @property
    def can_reprint(self) -> bool:
        r = self.result
        return r is not None and not r.printing and not r.printed and self.papers is not None

    def reprint(self) -> None:
        """The same paper again (the number it showed stays); nothing is enqueued."""
        if not self.can_reprint:
            return
        if self.result.paper is None:  # it failed before a paper was made: make it again
            self.start(self.result.job)
            return
        self.result = replace(self.result, printing=True)
        self.on_change()
        self.run(self.papers.reprint, self.result.paper, on_done=self._printed, on_error=self._print_failed,
                 timeout_s=PRINT_TIMEOUT_S)

    def clear(self) -> None:
        if self.result is not None and not self.result.printing:
            self.result = None
            self.on_change()

    # --- answers -----------------------------------------------------------------------------------

    def _printed(self, paper) -> None:
        if self.result is None:
            return
        self.result = replace(self.result, printing=False, case_number=paper.case_number, printed=paper.printed,
                              problem_key=paper.problem_key or "", paper=paper)
        self.on_change()
        self._check_refusal()

    def _print_failed(self, error: BaseException) -> None:
        if self.result is None:
            return
        log.warning("the %s did not print: %r", self.result.job.kind, error)
        key = getattr(error, "key", "") or "error.unexpected"
        self.result = replace(self.result, printing=False, printed=False, problem_key=key)
        self.on_change()
        self._check_refusal()

    def _number_only(self, number: str | None) -> None:
        if self.result is not None:
            self.result = replace(self.result, printing=False, case_number=number, printed=False)
            self.on_change()
            self._check_refusal()

    def _number_failed(self, error: BaseException) -> None:
        log.info("case number not read: %r", error)
        if self.result is not None:
            self.result = replace(self.result, printing=False)
            self.on_change()

    def _check_refusal(self) -> None:
        if self.result is not None and self.result.case_number is None:
            self.run(self.service.refusal, self.result.job.record_id, on_done=self._refused,
                     on_error=lambda error: log.info("record state not read: %r", error), timeout_s=15.0)

    def _refused(self, reason: str | None) -> None:
        if not reason or self.result is None:
            return
        log.warning("the platform refused %s record %s: %s", self.result.job.kind, self.result.job.record_id,
                    reason)
        self.result = replace(self.result, refusal=reason)
        self.on_change()
        if reason == "form_outdated":
            self.on_outdated()

    # --- words -------------------------------------------------------------------------------------

    def text(self, tr: Translator) -> tuple[str, str]:
        """(text, role) for the page: role "notice" or "problem"; ("", "") with nothing to say."""
        r = self.result
        if r is None:
            return "", ""
        if r.printing:
            return tr(f"application.paper.printing.{r.job.kind}"), "notice"
        short = short_ref(r.job.record_id)
        number = (tr("application.paper.number", number=r.case_number) if r.case_number
                  else tr("application.paper.pending", short=short))
        parts = [number]
        role = "notice"
        if r.printed:
            parts.append(tr(f"application.paper.printed.{r.job.kind}"))
        elif self.papers is not None:
            parts.append(tr("application.paper.not_printed", problem=tr(r.problem_key or "error.unexpected")))
            role = "problem"
        if r.paper is not None and getattr(r.paper, "document", ""):
            parts.append(tr("application.paper.document", path=r.paper.document))
        if r.refusal:
            key = f"application.refused.{r.refusal}"
            parts.append(tr(key) if tr.has(key) else tr("application.refused.other", reason=r.refusal))
            role = "problem"
        return "；".join(parts) if tr.language.startswith("zh") else "; ".join(parts), role
