"""Reviewing a 自助申报 at the clerk's window: the part of ``ApplicationPresenter`` that opens one.

A slip's code (``HALL:P:<record id>``) or a case number is looked up on the platform on the worker with the
clerk's session (``PreApplicationDesk.fetch``); the page then chooses its matter, starts a fresh
application for it, fills the form with its data (``restore``: on the current form, each field kept where
it still validates; an outdated version is said) and marks the materials captured at the kiosk received. Accepting it
sends ``pre_application=<case number>`` so the platform moves the same case on. A code the platform does
not know (or a slip not synced yet), no answer, or no clerk logged in: a clear message, nothing changes.
"""

from __future__ import annotations

import logging

from core.errors import PlatformUnreachable
from core.i18n import keys_for
from core.presenters.clerk import Notice
from core.services.application import Provision
from core.services.pre_application import restore

log = logging.getLogger(__name__)
PRE_PROBLEM_KEYS = keys_for("application.pre.", ("not_found", "offline", "failed", "not_logged_in"))


class PreApplicationReview:
    """Mixed into ``ApplicationPresenter``: uses its ``run``, ``tr``, ``choose``, ``intake``, ``_say``."""

    def open_pre_application(self, code: str) -> None:
        """The pre-application behind a slip (its record id or case number), fetched on the worker."""
        if self.pre_applications is None or self.busy:
            return
        self._say(Notice(self.tr("application.pre.opening"), "notice"))
        self.run(self.pre_applications.fetch, code, on_done=self._pre_loaded, on_error=self._pre_failed,
                 timeout_s=20.0)

    def _pre_loaded(self, pre) -> None:
        index = self.index_of(pre.matter_code)
        if index is None:
            self._say(Notice(self.tr("application.pre.matter_unknown", matter=pre.matter_code), "problem"))
            return
        self.app = None  # a fresh application for it, even of the matter already chosen
        self.pre = pre
        self.choose(index)
        for spec in self.app.matter.materials:
            if pre.materials.get(spec.id):
                self.app.mark(spec.id, Provision.KIOSK)  # received at the kiosk: the platform has its pages
        dropped: list[str] = []
        form = self.intake.form if self.intake is not None else None
        if form is not None:
            values, dropped = restore(form.form, pre.form)
            form.load(values)
        notes = [self.tr("application.pre.opened", number=pre.case.tracking)]
        if pre.outdated:
            notes.append(self.tr("application.pre.outdated"))
        if dropped:
            notes.append(self.tr("application.pre.dropped", n=len(dropped)))
        self.pre_note = " ".join(notes[1:])
        self._say(Notice(" ".join(notes), "problem" if len(notes) > 1 else "notice"))
        self._emit("checklist")

    def _pre_failed(self, error: BaseException) -> None:
        reason = getattr(error, "reason", "")
        if reason in ("not_found", "not_logged_in"):
            key = f"application.pre.{reason}"
        elif isinstance(error, PlatformUnreachable):
            key = "application.pre.offline"
        else:
            key = "application.pre.failed"
        log.info("pre-application not opened: %r", error)
        self._say(Notice(self.tr(key), "problem"))

