"""The kiosk's self-service pre-application (自助申报), without Qt: card → form → materials → review → submit →
the slip.

A matter's guide may allow it (the catalogue's ``self_service: true``, with a form). The citizen identifies
with the ID card, fills the form step by step (the fields the card gives are filled and locked), hands in
materials (pages captured with the kiosk's document camera, or e-licence codes scanned), reviews what will
be sent (ID numbers masked) and submits. The rules:

- a form that does not validate never leaves the terminal: submit shows every problem and returns to the
  first step that has one;
- the submission is ``ApplicationService.pre_apply`` on the worker (``run``): the record is committed to the
  encrypted outbox before the citizen is told it was submitted;
- then the slip: ``SlipService.issue`` on the worker waits (at most ``case_wait_s``, ≤ 8 s) for the
  platform's case number and prints the slip (编号待同步 and the short id when the platform did not answer);
- back at every step, cancel anywhere; ``wipe`` (cancel, the idle timeout, another person's card) forgets
  the identity, the form's values, the captured pages and the record on screen, and ignores late answers.

Events: ``Changed(part)`` with part ``step`` (the page), ``materials`` (what was handed in, the scan's
message), ``slip`` (printing, printed or not), ``ended`` (wiped: the window goes home).

    flow = PreApplicationPresenter(applications, slips, worker.run, now=hall_now)
    flow.start(guide)            # PreApplicationPresenter.allowed(guide) first
    flow.card_placed(identity)   # → the form, prefilled
    flow.next(); flow.back(); flow.scan(payload); flow.choose_material("m2"); flow.pages_changed()
    flow.submit()
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from core.domain.identity import Identity, mask_id_number
from core.i18n import Translator, keys_for
from core.presenters import Changed, Runner
from core.presenters.form import FormPresenter
from core.presenters.guide import takes_pre_application
from core.services.application import Application, ApplicationService, Provision
from core.services.catalogue import parse_matters
from core.services.events import EventHub
from core.services.identity import forget_identity, register_identity, same_person
from core.services.materials import MaterialSet
from core.services.slip import MAX_WAIT_S, PrintedSlip, SlipService

log = logging.getLogger(__name__)


class Step(enum.StrEnum):
    IDENTIFY = "identify"  # place your ID card
    FORM = "form"
    MATERIALS = "materials"
    REVIEW = "review"
    SUBMITTING = "submitting"  # committing to the outbox
    DONE = "done"  # committed: the slip prints
    PROBLEM = "problem"  # could not be committed (the store full or failing): nothing was sent


PROVISION_KEYS = keys_for("pre_apply.materials.provided.", Provision)


def identity_values(identity: Identity) -> dict[str, Any]:
    """What a form's ``prefill`` sources read from a card (``identity.<name>``, docs/forms.md)."""
    values = {"name": identity.name or identity.english_name, "id_number": identity.id_number,
              "sex": identity.sex.value, "ethnicity": identity.ethnicity, "birth_date": identity.birth_date,
              "address": identity.address, "authority": identity.authority, "valid_to": identity.valid_to}
    return {k: v for k, v in values.items() if v not in (None, "")}


class PreApplicationPresenter:
    def __init__(self, applications: ApplicationService, slips: SlipService, run: Runner, *,
                 now: Callable[[], datetime], language: str = "zh_CN", call_timeout_s: float = 8.0,
                 case_wait_s: float = MAX_WAIT_S) -> None:
        """``now``: the hall's time (timezone-aware); ``case_wait_s``: the longest wait for the case number."""
        self.applications = applications
        self.slips = slips
        self._run = run
        self._now = now
        self.tr = Translator(language)
        self.call_timeout_s = call_timeout_s
        self.case_wait_s = min(case_wait_s, MAX_WAIT_S)
        self.events = EventHub()
        self._generation = 0
        self._clear()

    def _clear(self) -> None:
        self.step: Step | None = None
        self.guide = None
        self.identity: Identity | None = None
        self.form: FormPresenter | None = None
        self.application: Application | None = None
        self.materials: MaterialSet | None = None
        self.current_material: str | None = None
        self.message_key = ""  # the last scan's message (materials.scan.*), "" for none
        self.message_params: dict[str, str] = {}  # its parameters (the material it ticked)
        self.problem: BaseException | None = None
        self.record_id: str | None = None
        self._attempt: str | None = None  # the record id of the submission under way or to retry
        self.submitted_at: datetime | None = None
        self.printing = False
        self.printed: PrintedSlip | None = None
        self._unsubscribe: Callable[[], None] = lambda: None

    @staticmethod
    def allowed(guide) -> bool:
        """Whether the kiosk takes this matter's pre-application: the guide says so and has a form."""
        return takes_pre_application(guide)

    @property
    def language(self) -> str:
        return self.tr.language

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)
        if self.form is not None:
            self.form.set_language(language)
        if self.materials is not None:
            self.materials.language = language
        self._changed("step")

    # --- the flow -------------------------------------------------------------------------------------

    def start(self, guide) -> None:
        """Starts a pre-application of ``guide``'s matter (ValueError when the guide does not allow it)."""
        if not self.allowed(guide):
            raise ValueError(f"{getattr(guide, 'code', guide)!r} takes no self-service pre-application")
        self.wipe(announce=False)
        matter = parse_matters({"matters": [dict(guide.data)]})
        if not matter:
            raise ValueError(f"{guide.code}: the catalogue entry is not a matter")
        self.guide = guide
        self.application = Application(matter[0])
        self.materials = MaterialSet(guide.code, language=self.language)
        self._unsubscribe = self.materials.subscribe(lambda _pages: self.pages_changed())
        self.form = FormPresenter(guide.form, self.language)
        self.current_material = next((m.id for m in matter[0].materials if m.required), None)
        self._go(Step.IDENTIFY)

    def card_placed(self, identity: Identity) -> bool:
        """A card was read. On the identify step it fills the form's card fields and the form opens. Another
        person's card wipes the flow (False: the window goes home); the same person's is ignored."""
        if self.step is None:
            return False
        if self.identity is not None and not same_person(self.identity, identity):
            log.info("another person's card during a pre-application: wiped")
            self.wipe()
            return False
        if self.step is Step.IDENTIFY:
            self.identity = identity
            register_identity(identity)  # its name and number are masked in every log line
            self.form.prefill(identity_values(identity))
            self._go(Step.FORM)
        return True

    def next(self) -> None:
        """Next: the form's next step (when this one is complete), then the materials, the review, submit."""
        if self.step is Step.FORM:
            if self.form.step + 1 < self.form.steps:
                self.form.next()
            elif self.form.accept():
                self._go(Step.MATERIALS)
        elif self.step is Step.MATERIALS:
            self._go(Step.REVIEW)
        elif self.step is Step.REVIEW:
            self.submit()

    def back(self) -> None:
        """Back one step; from the form's first step to the card (the card's values are forgotten)."""
        if self.step is Step.FORM:
            if not self.form.back():
                self.identity = None
                self.form = FormPresenter(self.guide.form, self.language)
                self._go(Step.IDENTIFY)
        elif self.step is Step.MATERIALS:
            self._go(Step.FORM)
        elif self.step in (Step.REVIEW, Step.PROBLEM):
            self._go(Step.MATERIALS if self.step is Step.REVIEW else Step.REVIEW)

    # --- materials --------------------------------------------------------------------------------------

    def choose_material(self, material_id: str) -> None:
        """The material the next captured pages belong to."""
        self.application.matter.material(material_id)  # KeyError for one the matter does not have
        self.current_material = material_id
        self._changed("materials")

    def scan(self, payload: str) -> str:
        """An e-licence code held to the scanner on the materials step: ticks the material that asks for its
        type. Returns the message key (materials.scan.*); pure, nothing is sent or logged."""
        if self.step is not Step.MATERIALS:
            return ""
        result = self.applications.scan(self.application, payload)
        self.message_key = result.message_key
        self.message_params = {"material": result.material.name} if result.material is not None else {}
        self._changed("materials")
        return self.message_key

    def pages_changed(self) -> None:
        """The material set changed (the capture panel added, retook or deleted pages): new pages belong to
        the chosen material; a material whose pages were all deleted is unticked."""
        if self.materials is None or self.application is None:
            return
        existing = {p.id for p in self.materials.pages}
        self.application.drop_pages(existing)
        known = {i for ids in self.application.pages.values() for i in ids}
        new = [p.id for p in self.materials.pages if p.id not in known]
        if new and self.current_material is not None:
            self.application.attach_pages(self.current_material, new)
        self._changed("materials")

    def material_rows(self) -> list[tuple[str, str, str, bool]]:
        """(id, name, what was handed in, required) for each material of the matter, in the guide's order."""
        app = self.application
        rows = []
        for m in app.matter.materials if app is not None else ():
            how = app.provided.get(m.id)
            text = "" if how is None else self.tr(f"pre_apply.materials.provided.{how.value}",
                                                  pages=len(app.pages.get(m.id, [])))
            rows.append((m.id, m.name, text, m.required))
        return rows

    # --- review and submit ------------------------------------------------------------------------------

    def review_rows(self) -> list[tuple[str, str]]:
        """What will be sent, as (label, value) rows: ID numbers masked, hidden fields left out."""
        form, rows = self.form, []
        data = form.data()
        for name in form.fields():
            if name in data and form.field(name).shown:
                rows.append((form.label(name), self._shown_value(name, data[name])))
        return rows

    def _shown_value(self, path: str, value: Any) -> str:
        kind = self.form.kind(path)
        if kind == "id_number":
            return mask_id_number(str(value))
        if isinstance(value, bool):
            return self.tr("pre_apply.review.yes" if value else "pre_apply.review.no")
        if isinstance(value, list) and kind == "group":
            return "；".join("，".join(self._shown_value(f"{path}[{i}].{k}", v) for k, v in row.items())
                            for i, row in enumerate(value) if isinstance(row, dict))
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def submit(self) -> None:
        """Sends the pre-application: only a valid form, only once per press (the store commits it before
        the citizen is told)."""
        if self.step not in (Step.REVIEW, Step.PROBLEM):
            return
        if not self.form.accept():
            first = min(self.form.form.steps.index(s) for s in self.form.form.steps
                        if any(p.field in s.fields for p in self.form.problems))
            self.form.go_to(first)
            self._go(Step.FORM)
            return
        self.problem = None
        self.submitted_at = self._now()
        generation = self._generation
        # One id per reviewed pre-application: "重新提交" after a commit whose answer was lost (a timeout)
        # names the same record, which the store keeps once; any change of the data makes a new one.
        self._attempt = self._attempt or str(uuid.uuid4())
        self._go(Step.SUBMITTING)
        self._run(self.applications.pre_apply, self.application, self.materials, form=self.form.data(),
                  at=self.submitted_at, version=self.form.form.version, record_id=self._attempt,
                  applicant_id=getattr(self.identity, "id_number", None) or None,
                  on_done=lambda record_id: self._submitted(generation, record_id),
                  on_error=lambda exc: self._submit_failed(generation, exc), timeout_s=self.call_timeout_s * 2)

    def _submitted(self, generation: int, record_id: str) -> None:
        if generation != self._generation:
            return
        self.record_id = record_id
        self._go(Step.DONE)
        self._print(lambda: self._run(
            self.slips.issue, self.guide, record_id=record_id, applicant=self.identity,
            submitted_at=self.submitted_at, provided=list(self.application.provided), wait_s=self.case_wait_s,
            language=self.language, on_done=lambda p: self._printed(generation, p),
            on_error=lambda exc: self._print_failed(generation, exc),
            timeout_s=self.case_wait_s + self.call_timeout_s * 2))

    def _submit_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        log.warning("pre-application not committed: %r", error)
        self.problem = error
        self._go(Step.PROBLEM)

    def reprint(self) -> None:
        """The slip once more (after the printer was seen to: paper loaded)."""
        if self.step is not Step.DONE or self.printed is None or self.printing:
            return
        generation, slip = self._generation, self.printed.slip
        self._print(lambda: self._run(self.slips.print, slip, self.language,
                                      on_done=lambda p: self._printed(generation, p),
                                      on_error=lambda exc: self._print_failed(generation, exc),
                                      timeout_s=self.call_timeout_s * 2))

    def _print(self, start: Callable[[], Any]) -> None:
        self.printing = True
        self._changed("slip")
        start()

    def _printed(self, generation: int, printed: PrintedSlip) -> None:
        if generation != self._generation:
            return
        self.printing, self.printed = False, printed
        self._changed("slip")

    def _print_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        log.warning("pre-application slip did not finish: %r", error)
        self.printing = False
        self._changed("slip")

    @property
    def short_id(self) -> str:
        return self.record_id[:8] if self.record_id else ""

    @property
    def case_number(self) -> str | None:
        return self.printed.slip.case_number if self.printed is not None else None

    # --- the end ------------------------------------------------------------------------------------------

    def wipe(self, *, announce: bool = True) -> None:
        """Cancel, done, the idle timeout, another person's card: everything of this person is forgotten
        (identity, values, pages, the record on screen) and answers still on their way are ignored."""
        was_on = self.step is not None
        self._generation += 1
        self._unsubscribe()
        if self.materials is not None:
            self.materials.clear()
        forget_identity(self.identity)
        self._clear()
        if announce and was_on:
            self._changed("ended")

    def _go(self, step: Step) -> None:
        if step not in (Step.SUBMITTING, Step.PROBLEM, Step.DONE):
            self._attempt = None  # back to the data (or a new person): the next submit is a new record
        self.step = step
        self._changed("step")

    def _changed(self, part: str) -> None:
        self.events.emit(Changed(part))
