"""The chosen matter's form and its 容缺 items on the clerk's application page, without Qt.

``IntakeForm`` is what ``ApplicationPresenter`` (core/presenters/application.py) holds beside the checklist
for the matter chosen:

- ``form``: a ``FormPresenter`` over the matter's form from its guide (None: the matter has no form, or its
  form is malformed; ``usable`` says which, ``reason`` is logged, never shown);
- the fields the ID card read at the window fills are prefilled and locked (``prefill(identity)``);
- 容缺: a required material whose guide lets it follow (``may_follow``) may be marked "to follow"
  (``toggle_follow``); it is due ``follow_days`` working days after today on the hall calendar
  (``DEFAULT_FOLLOW_DAYS`` when the guide gives none: docs/intake.md, "On paper");
- ``ready``: the form may be sent (valid, or the matter has no form).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from core.domain.identity import Identity
from core.presenters.form import FormPresenter
from core.services.guide import Guide
from core.services.intake import DEFAULT_FOLLOW_DAYS
from core.services.working_days import HallCalendar


def identity_values(identity: Identity) -> dict[str, Any]:
    """What a form's ``prefill: identity.<name>`` may name, from the card read at the window."""
    return {"name": identity.name, "id_number": identity.id_number, "sex": identity.sex.value,
            "birth_date": identity.birth_date, "address": identity.address, "ethnicity": identity.ethnicity,
            "english_name": identity.english_name, "nationality": identity.nationality}


class IntakeForm:
    def __init__(self, guide: Guide | None, *, language: str = "zh_CN", reason: str = "") -> None:
        """``guide``: the matter's guide (None: the catalogue left it out as malformed, ``reason`` why)."""
        self.guide = guide
        self.reason = reason
        self.form: FormPresenter | None = (FormPresenter(guide.form, language)
                                           if guide is not None and guide.form is not None else None)
        self.follow: set[str] = set()

    @property
    def usable(self) -> bool:
        """False when the matter's guide (and so its form) could not be read: the page says so."""
        return self.guide is not None

    @property
    def ready(self) -> bool:
        return self.usable and (self.form is None or self.form.valid)

    @property
    def version(self) -> str:
        """The version of the form the data is filled in on ("" to let the service use the matter's)."""
        if self.form is not None and self.form.form.version:
            return str(self.form.form.version)
        return str(self.guide.data.get("version", "")) if self.guide is not None else ""

    def data(self) -> dict[str, Any]:
        return self.form.data() if self.form is not None else {}

    def prefill(self, identity: Identity | None) -> None:
        if identity is not None and self.form is not None:
            self.form.prefill(identity_values(identity))

    def set_language(self, language: str) -> None:
        if self.form is not None:
            self.form.set_language(language)

    # --- 容缺 ----------------------------------------------------------------------------------------

    def _entry(self, material_id: str) -> Mapping[str, Any]:
        if self.guide is None:
            return {}
        for m in self.guide.data.get("materials", ()):
            if isinstance(m, dict) and m.get("id") == material_id:
                return m
        return {}

    def follow_days(self, material_id: str) -> int | None:
        """The working days a 容缺 material may follow in; None when the guide does not let it follow."""
        entry = self._entry(material_id)
        if entry.get("may_follow") is not True or entry.get("required") is not True:
            return None
        days = entry.get("follow_days")
        return days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else DEFAULT_FOLLOW_DAYS

    def toggle_follow(self, material_id: str) -> bool:
        """Marks the material "to follow", or takes the mark back; False when it may not follow."""
        if material_id in self.follow:
            self.follow.discard(material_id)
            return True
        if self.follow_days(material_id) is None:
            return False
        self.follow.add(material_id)
        return True

    def due(self, material_id: str, today: date, calendar: HallCalendar) -> date | None:
        days = self.follow_days(material_id)
        return calendar.due_date(today, days) if days is not None else None

    def deficiencies(self, provided: Mapping[str, Any]) -> list[str]:
        """The ids marked to follow and still not provided, in the guide's order."""
        order = [m.get("id") for m in (self.guide.data.get("materials", ()) if self.guide else ())
                 if isinstance(m, dict)]
        return [i for i in order if i in self.follow and i not in provided]
