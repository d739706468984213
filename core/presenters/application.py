"""The clerk's application page without Qt (一窗受理): search, the matter, its checklist and form, "accept".

``ApplicationPresenter`` holds the application for the ticket (or applicant) at the window and its rules:

- the matters offered are the whole catalogue, the ticket's service's first (loaded through the ``Runner``
  with the guides: from the platform, or the cached copy offline, said with its age); ``search(query)``
  finds any matter as the kiosk's guide does (characters, pinyin, initials: ``GuideBook.search``) and
  ``choose_code`` takes one; a new ticket starts a fresh application and wipes the captured pages;
  choosing another matter does too;
- beside the checklist, the matter's form (``intake.form``, a ``FormPresenter``; application_form.py),
  prefilled from the ID card read at the window (locked); a matter whose guide or form is malformed says
  so (``form_note``) and its materials still work;
- a scanned e-licence ticks the material asking for its type; "原件已核验" ticks the selected material;
  "clear" unticks it and deletes its pages; "容缺" marks a required material the guide lets follow as
  "to follow" with its date on the hall calendar;
- new pages belong to the selected material; with none selected an ID-card copy goes to the identity
  material, any other page to the first material that is not one (else the first);
- a scanned 自助申报 slip (``HALL:P:<record id>``) opens that pre-application (on the worker, with the
  clerk's session): its matter, its form data (on the current form; outdated data kept where it still
  validates), the pages captured at the kiosk; accepting it moves the same case on (``pre_application``);
- "accept" is possible only with the form valid, every required material provided or to follow, a
  ticket or an applicant, a clerk logged in and nothing under way; it enqueues the ``application``
  record through the ``Runner`` and only once the store committed is the clerk told and
  ``Finished(ACCEPTED, record_id)`` published; "一次性告知" likewise enqueues the ``notice`` record and
  publishes ``Finished(MATERIALS_MISSING, record_id)``. Then the paper prints (application_papers.py).

Events: ``Changed`` with ``catalogue`` (the catalogue note), ``matters`` (the list of matters was
rebuilt), ``hits`` (search results), ``matter`` (another matter was chosen), ``form`` (another form),
``checklist``, ``message``, ``paper``; and ``Finished``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

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
from core.domain.codes import CodeKind
from core.domain.intake import Clerk
from core.presenters.application_form import IntakeForm
from core.presenters.application_pre import PreApplicationReview
from core.presenters.application_proxy import ProxyRegister
from core.presenters.application_papers import PaperJob, PaperStep
from core.services.application import Desk, load_desk
from core.services.events import EventHub
from core.services.materials import MaterialSet
from core.services.working_days import HallCalendar

log = logging.getLogger(__name__)
PROVIDED_KEYS = keys_for("materials.provided.", Provision)


@dataclass(frozen=True)
class Finished:
    outcome: Outcome
    record_id: str  # the application or notice record in the outbox


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
    form_note: str = ""  # the form cannot be used, or the pre-application's data was partly left out
    accept_hint: str = ""  # why accept is not possible yet ("" when it is)


@dataclass(frozen=True)
class Hit:
    code: str
    text: str


class ApplicationPresenter(PreApplicationReview):
    def __init__(self, service: ApplicationService, catalogue: MatterCatalogue | None, run: Runner, *,
                 window: int = 0, applicant: Callable[[], Identity | None] = lambda: None,
                 clerk: Callable[[], Clerk | None] = lambda: None, papers=None, pre_applications=None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 language: str = "zh_CN", submit_timeout_s: float = 60.0, paper_wait_s: float = 8.0) -> None:
        """``applicant()``: the identity of the person at the window (ClerkQueueService.applicant);
        ``clerk()``: the clerk logged in; ``papers``: ``IntakePapers`` on the window's receipt printer;
        ``pre_applications``: a ``PreApplicationDesk``; ``now()``: the hall clock's time (its zone)."""
        self.service = service
        self.catalogue = catalogue
        self.run = run
        self.window = window
        self.applicant = applicant
        self.clerk = clerk
        self.pre_applications = pre_applications
        self.now = now
        self.submit_timeout_s = submit_timeout_s
        self.tr = Translator(language)
        self.events = EventHub()
        self.materials = MaterialSet("", language=language)
        self.desk: Desk | None = None
        self.matters: list[Matter] = []
        self.hits: list[Hit] = []
        self.app: Application | None = None
        self.intake: IntakeForm | None = None
        self.pre = None  # the PreApplication under review (core/domain/appointments.py)
        self.pre_note = ""
        self.ticket_number = ""
        self.service_prefix = ""
        self.catalogue_note = ""
        self.message: Notice | None = None
        self.busy = False
        self.paper = PaperStep(service, papers, run, wait_s=paper_wait_s, on_change=lambda: self._emit("paper"),
                               on_outdated=self.load_catalogue)
        self._unsubscribe_form: Callable[[], None] | None = None
        self.proxies = ProxyRegister(self.tr, applicant=applicant, today=self._today,
                                     on_change=lambda: self._emit("proxies"))

    @property
    def listing(self) -> MatterListing | None:
        return self.desk.listing if self.desk is not None else None

    def set_language(self, language: str) -> None:
        self.tr = self.proxies.tr = Translator(language)
        if self.intake is not None:
            self.intake.set_language(language)
        self.proxies.problem = ""
        self._emit("proxies")
        self._emit("matters")
        self._emit("checklist")
        self._emit("paper")

    def close(self) -> None:
        """The page goes away: the captured pages and the form's data leave memory."""
        self.materials.clear()
        self._set_intake(None)

    # --- the catalogue, the ticket, search ---------------------------------------------------------

    def load_catalogue(self) -> None:
        if self.catalogue is not None:
            self.run(load_desk, self.catalogue, on_done=self._catalogue_loaded, on_error=self._catalogue_failed,
                     timeout_s=15.0)

    def _catalogue_loaded(self, desk: Desk) -> None:
        self.desk = desk
        listing = desk.listing
        self.catalogue_note = (self.tr("materials.catalogue.stale", minutes=int(listing.age_s // 60))
                               if listing.stale else "")
        self._emit("catalogue")
        code = self.app.matter.code if self.app is not None else None
        self._fill_matters(code)
        index = self.index_of(code) if code else None
        if self.app is not None and index is not None and self.app.matter.code == code:
            self.app.matter = self.matters[index]  # as the catalogue now has it (a form may be newer)
            self._set_intake(self._intake_for(self.app.matter))
            self._emit("checklist")

    def _catalogue_failed(self, error: BaseException) -> None:
        log.info("matter catalogue unavailable: %r", error)
        self.catalogue_note = self.tr("materials.catalogue.unavailable")
        self._emit("catalogue")

    def set_ticket(self, number: str, service_prefix: str) -> None:
        """A new ticket at the window: a fresh application (the previous pages are wiped)."""
        if number == self.ticket_number:
            return
        keep = self.app.matter.code if self.app is not None and not number else None  # the ticket ended
        self.ticket_number, self.service_prefix = number, service_prefix
        self.materials.clear()
        self.proxies.clear()
        self.pre = None
        if number:
            self.paper.clear()
        self.app = None
        self._fill_matters(keep)

    def applicant_changed(self) -> None:
        """Another ID card was read at the window (or it was cleared): the form takes its fields."""
        if self.intake is not None:
            self.intake.prefill(self.applicant())
        self.proxies.applicant_changed()
        self._emit("checklist")

    def matter_names(self) -> list[str]:
        """The matters offered, the ticket's own service's marked ●."""
        return [f"{'● ' if m.service == self.service_prefix else ''}{m.display_name(self.tr.language)}  [{m.code}]"
                for m in self.matters]

    def _fill_matters(self, keep: str | None) -> None:
        self.matters = self.listing.for_service(self.service_prefix) if self.listing else []
        self._emit("matters")
        index = self.index_of(keep) if keep else None
        self.choose(index if index is not None else (0 if self.matters else -1))

    def index_of(self, code: str) -> int | None:
        return next((i for i, m in enumerate(self.matters) if m.code == code), None)

    def search(self, query: str) -> None:
        """Any matter by characters, pinyin or initials (the guide's search); the ticket's service's first."""
        book = self.desk.book if self.desk is not None else None
        found = [h.code for h in book.search(query)] if book is not None and query.strip() else []
        by_code = {m.code: m for m in self.matters}
        ordered = sorted((c for c in found if c in by_code),
                         key=lambda c: 0 if by_code[c].service == self.service_prefix else 1)
        self.hits = [Hit(c, f"{by_code[c].display_name(self.tr.language)}  [{c}]") for c in ordered]
        self._emit("hits")

    def choose_code(self, code: str) -> None:
        index = self.index_of(code)
        if index is not None:
            self.choose(index)

    def choose(self, index: int) -> None:
        """The matter at ``index`` of ``matters`` (-1: none). Another matter starts a fresh application."""
        if 0 <= index < len(self.matters):
            matter = self.matters[index]
            app = self.app
            if app is None or app.matter.code != matter.code or app.ticket_number != self.ticket_number:
                self.app = Application(matter, self.ticket_number, self.window)
                self.materials.clear()
                self.materials.matter = matter.name  # the watermark: 仅供办理 <matter> 使用
                if self.pre is not None and self.pre.matter_code != matter.code:
                    self.pre = None
                self._set_intake(self._intake_for(matter))
        else:
            self.app = None
            self._set_intake(None)
        self._emit("checklist")
        self._emit("matter")

    def _intake_for(self, matter: Matter) -> IntakeForm:
        book = self.desk.book if self.desk is not None else None
        guide = book.get(matter.code) if book is not None else None
        reason = next((why for where, why in (book.skipped if book else ()) if where == matter.code), "")
        if guide is None:
            log.warning("matter %s: its guide and form cannot be used: %s", matter.code, reason or "not in the book")
        intake = IntakeForm(guide, language=self.tr.language, reason=reason)
        intake.prefill(self.applicant())
        return intake

    def _set_intake(self, intake: IntakeForm | None) -> None:
        if self._unsubscribe_form is not None:
            self._unsubscribe_form()
            self._unsubscribe_form = None
        self.intake = intake
        self.pre_note = ""
        if intake is not None and intake.form is not None:
            self._unsubscribe_form = intake.form.events.subscribe(self._form_changed)
        self._emit("form")

    def _form_changed(self, change: Changed) -> None:
        if change.part == "problems":
            self._emit("checklist")

    # --- providing materials -----------------------------------------------------------------------

    def scan(self, payload: str) -> None:
        """A scanned code (untrusted text): a 自助申报 slip opens its pre-application; an e-licence ticks
        the material that asks for its type."""
        code = self.service.codes.classify(payload)
        if code.kind is CodeKind.PRE_APPLICATION:
            self.open_pre_application(code.fields["record_id"])
            return
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
            if self.intake is not None:
                self.intake.follow.discard(material_id)
            self._emit("checklist")

    def can_follow(self, material_id: str | None) -> bool:
        """Whether "容缺" applies to the material: marked already, or required, missing, and let follow."""
        intake, app = self.intake, self.app
        if intake is None or app is None or material_id is None or self.busy:
            return False
        return material_id in intake.follow or (material_id not in app.provided
                                                and intake.follow_days(material_id) is not None)

    def toggle_follow(self, material_id: str | None) -> None:
        """容缺: marks the material "to follow" (or takes the mark back)."""
        if self.can_follow(material_id) and self.intake.toggle_follow(material_id):
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

    def _today(self):
        return self.now().date()

    def calendar(self) -> HallCalendar:
        """The hall's working days, served with the catalogue (weekends alone until it is loaded)."""
        return self.desk.book.calendar if self.desk is not None else HallCalendar()

    def _state_text(self, spec) -> str:
        t, app, intake = self.tr, self.app, self.intake
        how = app.provided.get(spec.id)
        if how is Provision.KIOSK:
            return t("materials.provided.kiosk", n=self.pre.materials.get(spec.id, 0) if self.pre else 0)
        if how is not None:
            return t(f"materials.provided.{how.value}", n=len(app.pages.get(spec.id, [])))
        if intake is not None and spec.id in intake.follow:
            return t("application.follow.due", date=intake.due(spec.id, self._today(), self.calendar()).isoformat())
        if intake is not None and spec.required and intake.follow_days(spec.id) is not None:
            return t("application.follow.may", n=intake.follow_days(spec.id))
        return t("materials.provided.none")

    def _still_missing(self) -> list:
        """Required materials neither provided nor to follow."""
        follow = self.intake.follow if self.intake is not None else set()
        return [m for m in self.app.missing() if m.id not in follow]

    def checklist(self) -> ChecklistView:
        t, app, intake = self.tr, self.app, self.intake
        title = t("materials.title", number=self.ticket_number or "—")
        if app is None:
            return ChecklistView(title, t("materials.no_matter"), (), "", False, False, False)
        m = app.matter
        days = t("materials.days", n=m.promised_days) if m.promised_days is not None else ""
        rows = []
        for spec in m.materials:
            mark = "✔" if spec.id in app.provided else ("⏳" if intake is not None and spec.id in intake.follow
                                                        else "☐")
            star = "★ " if spec.required else ""
            rows.append(ChecklistRow(spec.id, f"{mark} {star}{spec.name} · {self._state_text(spec)}",
                                     spec.form + (f"（{spec.note}）" if spec.note else "")))
        missing = self._still_missing()
        missing_text = (t("materials.missing", list="、".join(x.name for x in missing)) if missing
                        else t("materials.complete"))
        hint = self._accept_hint(missing)
        form_note = "" if intake is None or intake.usable else t("application.form.unusable")
        ready = not self.busy and bool(self.ticket_number or self.applicant()) and self.clerk() is not None
        return ChecklistView(title, "  ".join(x for x in (m.department, days, m.fee) if x), tuple(rows),
                             missing_text, not hint, ready and bool(missing) and self.pre is None, not self.busy,
                             form_note or self.pre_note, hint)

    def _accept_hint(self, missing: list) -> str:
        t, intake = self.tr, self.intake
        if self.busy:
            return t("application.hint.busy")
        if not (self.ticket_number or self.applicant()):
            return t("application.hint.nobody")
        if self.clerk() is None:
            return t("application.hint.no_clerk")
        if intake is None or not intake.usable:
            return t("application.form.unusable")
        if missing:
            return t("application.hint.materials")
        if not intake.ready:
            return t("application.hint.form")
        return ""

    # --- accept / notice ---------------------------------------------------------------------------

    def accept(self) -> None:
        """受理: enqueues the ``application`` record; "accepted" only once the store committed it."""
        if self.app is None or self.checklist().accept_hint:
            return
        intake, app, clerk = self.intake, self.app, self.clerk()
        if intake.form is not None and not intake.form.accept():
            return
        at = self.now()
        follow = tuple(intake.deficiencies(app.provided))
        pre = self.pre.case.tracking if self.pre is not None else None
        self._job = PaperJob("receipt", "", app, clerk, at, self.applicant(), follow)
        self._start(Notice(self.tr("materials.saving"), "notice"))
        self.run(self.service.accept, app, self.materials, form=intake.data(), clerk=clerk.staff_number, at=at,
                 deficiencies=follow, pre_application=pre, version=intake.version,
                 applicant_id=getattr(self.applicant(), "id_number", None) or None, proxy_ids=self.proxies.ids(),
                 on_done=lambda record_id: self._saved(Outcome.ACCEPTED, record_id),
                 on_error=self._save_failed, timeout_s=self.submit_timeout_s)

    def give_notice(self) -> None:
        """一次性告知: enqueues the ``notice`` record naming every required material missing."""
        if self.app is None or not self.checklist().can_give_notice:
            return
        clerk, at = self.clerk(), self.now()
        self._job = PaperJob("notice", "", self.app, clerk, at, self.applicant())
        self._start(Notice(self.tr("materials.saving"), "notice"))
        self.run(self.service.notify, self.app, clerk=clerk.staff_number, at=at,
                 on_done=lambda record_id: self._saved(Outcome.MATERIALS_MISSING, record_id),
                 on_error=self._save_failed, timeout_s=self.submit_timeout_s)

    def reprint(self) -> None:
        """The paper again after a printer fault (the same record: nothing is enqueued)."""
        self.paper.reprint()

    def _start(self, notice: Notice) -> None:
        self.busy = True
        self._emit("checklist")
        self._say(notice)

    def _saved(self, outcome: Outcome, record_id: str) -> None:
        self.busy = False
        job, self.pre = self._job, None
        if outcome is Outcome.ACCEPTED:
            self._say(Notice(self.tr("application.accepted", number=self.ticket_number or "—"), "notice"))
        else:
            self._say(Notice(self.tr("materials.notice_given", list="、".join(x.name for x in job.app.missing())),
                             "notice"))
        self._start_afresh()
        self.events.emit(Finished(outcome, record_id))
        self.paper.start(PaperJob(job.kind, record_id, job.app, job.clerk, job.at, job.applicant, job.follow))

    def _start_afresh(self) -> None:
        """The record is safe: the same matter, a fresh application (its pages leave memory), so nothing
        can be accepted twice."""
        code = self.app.matter.code if self.app is not None else None
        self.app = None
        self.materials.clear()
        self.proxies.clear()
        index = self.index_of(code) if code else None
        self.choose(index if index is not None else -1)

    def _save_failed(self, error: BaseException) -> None:
        self.busy = False
        log.warning("application not queued: %r", error)
        message = getattr(error, "message", None)
        problem = message("clerk", self.tr.language) if callable(message) else self.tr("error.unexpected")
        self._say(Notice(self.tr("materials.save_failed", problem=problem), "problem"))
        self._emit("checklist")

    def paper_text(self) -> tuple[str, str]:
        return self.paper.text(self.tr)

    def _say(self, notice: Notice) -> None:
        self.message = notice
        self._emit("message")

    def _emit(self, part: str) -> None:
        self.events.emit(Changed(part))
