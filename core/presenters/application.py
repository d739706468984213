"""The clerk's application page without Qt (受理): the matter, its checklist, the pages, "accept".

``ApplicationPresenter`` holds the application for the ticket being served and its rules:

- the matters offered are the catalogue's for the ticket's service (loaded through the ``Runner``: from
  the platform, or the cached copy offline, said with its age); a new ticket starts a fresh application
  and wipes the captured pages; choosing another matter does too;
- a scanned e-licence ticks the material asking for its type; "原件已核验" ticks the selected material;
  "clear" unticks it and deletes its pages;
- new pages belong to the selected material; with none selected an ID-card copy goes to the identity
  material, any other page to the first material that is not one (else the first);
- "accept" is possible only with nothing required missing, a ticket and no submission under way; the
  submission is queued in the store through the ``Runner`` and only when it returned is the clerk told
  "accepted" and ``Finished(ACCEPTED, record_id)`` published; "notice" (一次性告知) is possible only with
  something missing, says the list and publishes ``Finished(MATERIALS_MISSING, "")``.

Events: ``Changed`` with ``catalogue`` (the catalogue note), ``matters`` (the list of matters was
rebuilt), ``matter`` (another matter was chosen), ``checklist``, ``message``; and ``Finished``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from core.domain import Identity, Outcome
from core.i18n import Translator, keys_for
from core.presenters import Changed, Runner
from core.presenters.clerk import Notice
from core.services.application import (
    Application,
    ApplicationService,
    Matter,
    MatterCatalogue,
    MatterListing,
    Provision,
)
from core.services.events import EventHub
from core.services.materials import MaterialSet

log = logging.getLogger(__name__)
PROVIDED_KEYS = keys_for("materials.provided.", Provision)


@dataclass(frozen=True)
class Finished:
    outcome: Outcome
    record_id: str  # "" for the one-time notice


@dataclass(frozen=True)
class ChecklistRow:
    material_id: str
    text: str
    tooltip: str


@dataclass(frozen=True)
class ChecklistView:
    title: str
    matter_info: str
    rows: tuple[ChecklistRow, ...]
    missing: str
    can_accept: bool
    can_give_notice: bool
    can_edit: bool  # "original checked" and "clear"


class ApplicationPresenter:
    def __init__(self, service: ApplicationService, catalogue: MatterCatalogue | None, run: Runner, *,
                 window: int = 0, applicant: Callable[[], Identity | None] = lambda: None,
                 language: str = "zh_CN", submit_timeout_s: float = 60.0) -> None:
        """``applicant()``: the identity of the person at the window (ClerkQueueService.applicant)."""
        self.service = service
        self.catalogue = catalogue
        self.run = run
        self.window = window
        self.applicant = applicant
        self.submit_timeout_s = submit_timeout_s
        self.tr = Translator(language)
        self.events = EventHub()
        self.materials = MaterialSet("", language=language)
        self.listing: MatterListing | None = None
        self.matters: list[Matter] = []
        self.app: Application | None = None
        self.ticket_number = ""
        self.service_prefix = ""
        self.catalogue_note = ""
        self.message: Notice | None = None
        self.busy = False

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)
        self._emit("checklist")

    def close(self) -> None:
        """The page goes away: the captured pages leave memory."""
        self.materials.clear()

    # --- the catalogue and the ticket --------------------------------------------------------------

    def load_catalogue(self) -> None:
        if self.catalogue is not None:
            self.run(self.catalogue.load, on_done=self._catalogue_loaded, on_error=self._catalogue_failed,
                     timeout_s=15.0)

    def _catalogue_loaded(self, listing: MatterListing) -> None:
        self.listing = listing
        self.catalogue_note = (self.tr("materials.catalogue.stale", minutes=int(listing.age_s // 60))
                               if listing.stale else "")
        self._emit("catalogue")
        self._fill_matters()

    def _catalogue_failed(self, error: BaseException) -> None:
        log.info("matter catalogue unavailable: %r", error)
        self.catalogue_note = self.tr("materials.catalogue.unavailable")
        self._emit("catalogue")

    def set_ticket(self, number: str, service_prefix: str) -> None:
        """A new ticket at the window: a fresh application (the previous pages are wiped)."""
        if number == self.ticket_number:
            return
        self.ticket_number, self.service_prefix = number, service_prefix
        self.materials.clear()
        self._fill_matters()

    def matter_names(self) -> list[str]:
        """The matters offered, the ticket's own service's marked ●."""
        return [f"{'● ' if m.service == self.service_prefix else ''}{m.display_name(self.tr.language)}  [{m.code}]"
                for m in self.matters]

    def _fill_matters(self) -> None:
        self.matters = self.listing.for_service(self.service_prefix) if self.listing else []
        self._emit("matters")
        self.choose(0 if self.matters else -1)

    def index_of(self, code: str) -> int | None:
        return next((i for i, m in enumerate(self.matters) if m.code == code), None)

    def choose(self, index: int) -> None:
        """The matter at ``index`` of ``matters`` (-1: none). Another matter starts a fresh application."""
        if 0 <= index < len(self.matters):
            matter = self.matters[index]
            app = self.app
            if app is None or app.matter.code != matter.code or app.ticket_number != self.ticket_number:
                self.app = Application(matter, self.ticket_number, self.window)
                self.materials.clear()
                self.materials.matter = matter.name  # the watermark: 仅供办理 <matter> 使用
        else:
            self.app = None
        self._emit("checklist")
        self._emit("matter")

    # --- providing materials -----------------------------------------------------------------------

    def scan(self, payload: str) -> None:
        """A scanned code (untrusted text): an e-licence ticks the material that asks for its type."""
        if self.app is None:
            return
        result = self.service.scan(self.app, payload)
        if result.material is None:
            self._say(Notice(self.tr(result.message_key), "problem"))
        else:
            self._say(Notice(self.tr(result.message_key, material=result.material.name), "notice"))
        self._emit("checklist")

    def mark_original(self, material_id: str | None) -> None:
        if self.app is not None and material_id is not None:
            self.app.mark(material_id, Provision.ORIGINAL)
            self._emit("checklist")

    def clear_material(self, material_id: str | None) -> None:
        if self.app is not None and material_id is not None:
            for page_id in self.app.pages.get(material_id, []):
                try:
                    self.materials.delete(page_id)
                except KeyError:
                    pass
            self.app.unmark(material_id)
            self._emit("checklist")

    def pages_changed(self, selected: str | None) -> None:
        """Pages came or went: new ones belong to ``selected`` (see the module's rules without one)."""
        app = self.app
        if app is None:
            return
        pages = self.materials.pages
        app.drop_pages({p.id for p in pages})
        known = {i for ids in app.pages.values() for i in ids}
        new = [p for p in pages if p.id not in known]
        if new:
            target = selected
            if target is None:
                is_copy = any(p.kind == "id_copy" for p in new)
                target = next((m.id for m in app.matter.materials if m.identity == is_copy), None)
            if target is None and app.matter.materials:
                target = app.matter.materials[0].id
            if target is not None:
                app.attach_pages(target, [p.id for p in new])
        self._emit("checklist")

    # --- the checklist -----------------------------------------------------------------------------

    def checklist(self) -> ChecklistView:
        t, app = self.tr, self.app
        title = t("materials.title", number=self.ticket_number or "—")
        if app is None:
            return ChecklistView(title, t("materials.no_matter"), (), "", False, False, False)
        m = app.matter
        days = t("materials.days", n=m.promised_days) if m.promised_days is not None else ""
        rows = []
        for spec in m.materials:
            how = app.provided.get(spec.id)
            state = (t(f"materials.provided.{how.value}", n=len(app.pages.get(spec.id, []))) if how
                     else t("materials.provided.none"))
            star = "★ " if spec.required else ""
            rows.append(ChecklistRow(spec.id, f"{'✔' if how else '☐'} {star}{spec.name} · {state}",
                                     spec.form + (f"（{spec.note}）" if spec.note else "")))
        missing = app.missing()
        missing_text = (t("materials.missing", list="、".join(x.name for x in missing)) if missing
                        else t("materials.complete"))
        ready = not self.busy and bool(self.ticket_number)
        return ChecklistView(title, "  ".join(x for x in (m.department, days, m.fee) if x), tuple(rows),
                             missing_text, ready and not missing, ready and bool(missing), True)

    # --- accept / notice ---------------------------------------------------------------------------

    def accept(self) -> None:
        """Queues the submission; "accepted" only once the store committed it."""
        if self.app is None or self.busy or self.app.missing():
            return
        self.busy = True
        self._emit("checklist")
        self._say(Notice(self.tr("materials.saving"), "notice"))
        self.run(self.service.submit, self.app, self.applicant(), self.materials, on_done=self._submitted,
                 on_error=self._submit_failed, timeout_s=self.submit_timeout_s)

    def _submitted(self, record_id: str) -> None:
        self.busy = False
        self._say(Notice(self.tr("materials.accepted", number=self.ticket_number), "notice"))
        self._emit("checklist")
        self.events.emit(Finished(Outcome.ACCEPTED, record_id))

    def _submit_failed(self, error: BaseException) -> None:
        self.busy = False
        log.warning("submission not queued: %r", error)
        message = getattr(error, "message", None)
        problem = message("clerk", self.tr.language) if callable(message) else self.tr("error.unexpected")
        self._say(Notice(self.tr("materials.save_failed", problem=problem), "problem"))
        self._emit("checklist")

    def give_notice(self) -> None:
        """The one-time notice (一次性告知): the missing list stays on screen; the ticket ends with it."""
        if self.app is None or not self.app.missing():
            return
        self._say(Notice(self.tr("materials.notice_given", list="、".join(x.name for x in self.app.missing())),
                         "notice"))
        self.events.emit(Finished(Outcome.MATERIALS_MISSING, ""))

    def _say(self, notice: Notice) -> None:
        self.message = notice
        self._emit("message")

    def _emit(self, part: str) -> None:
        self.events.emit(Changed(part))
