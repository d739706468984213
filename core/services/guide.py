"""The hall's service guide (办事指南) as the terminal holds it: every matter's guide, searchable.

The platform serves the catalogue (``{"matters": [...]}``, cached by the terminal as reference data); this
module reads it into ``Guide``s, builds the search index (``guide_search``) and the form of each matter.
A matter whose entry is malformed, or whose form is not one, is left out with its reason in ``skipped``;
the others work. docs/guide.md describes the guide and the search.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.services.forms import FormDefinitionError, MatterForm, form_from_fields
from core.services.guide_search import Entry, GuideIndex, Hit
from core.services.working_days import CalendarDataError, HallCalendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Guide:
    """One matter's guide: its catalogue entry as served (``data``) and its form (None: no form)."""

    code: str
    name: str
    department: str
    data: Mapping[str, Any]
    form: MatterForm | None = None


@dataclass
class GuideBook:
    guides: dict[str, Guide] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (code or position, reason)
    index: GuideIndex = field(default_factory=lambda: GuideIndex(()))
    calendar: HallCalendar = field(default_factory=HallCalendar)  # the hall's working days (receipts' dates)

    @classmethod
    def from_catalogue(cls, body: Any, *, synonyms: Mapping[str, str] | None = None) -> GuideBook:
        book = cls()
        matters = body.get("matters") if isinstance(body, dict) else None
        if not isinstance(matters, list):
            book.skipped.append(("catalogue", "not a matter catalogue (no list of matters)"))
            return book
        for i, m in enumerate(matters):
            where = m.get("code") if isinstance(m, dict) and isinstance(m.get("code"), str) else f"matters[{i}]"
            try:
                guide = _guide(m)
            except (FormDefinitionError, TypeError, ValueError) as exc:
                log.warning("matter catalogue: %s left out: %s", where, exc)
                book.skipped.append((where, str(exc)))
                continue
            book.guides[guide.code] = guide
        book.index = GuideIndex([Entry(g.code, g.name, g.department, _words(g.data)) for g in book.guides.values()],
                                synonyms=synonyms or (body.get("synonyms") if isinstance(body.get("synonyms"), dict)
                                                      else None))
        try:
            book.calendar = HallCalendar.from_data(body.get("calendar") or ())
        except (CalendarDataError, AttributeError, TypeError) as exc:
            log.warning("matter catalogue: the hall calendar left out (weekends alone are counted): %s", exc)
            book.skipped.append(("calendar", str(exc)))
        return book

    def search(self, query: str, *, limit: int = 20) -> list[Hit]:
        return self.index.search(query, limit=limit)

    def get(self, code: str) -> Guide | None:
        return self.guides.get(code.strip())


def _guide(m: Any) -> Guide:
    if not isinstance(m, dict):
        raise ValueError("an entry is not an object")
    code, name = m.get("code"), m.get("name")
    if not isinstance(code, str) or not code.strip() or not isinstance(name, str) or not name.strip():
        raise ValueError("an entry needs a code and a name")
    form = None
    if "form" in m:
        form = MatterForm.from_json(m["form"])
    elif m.get("fields"):
        form = MatterForm.from_json(form_from_fields(m["fields"], version=str(m.get("version", "1"))))
    department = m.get("department", "")
    return Guide(code.strip(), name.strip(), department if isinstance(department, str) else "", m, form)


def _words(data: Mapping[str, Any]) -> tuple[str, ...]:
    words = []
    for key in ("theme", "keywords"):
        value = data.get(key)
        if isinstance(value, list):
            words += [w for w in value if isinstance(w, str)]
    return tuple(words)


def load_guide_book(reference) -> tuple[GuideBook, bool, float]:
    """The catalogue through a reference cache (``get(name)`` → ``Reference(body, fetched_at, age_s,
    stale)``, offline_cache.refcache) or a provider of one: (book, stale, age in seconds). Online it is
    refreshed (ETag); offline the cached copy is used. Blocking: call on a worker."""
    from core.errors import PlatformUnreachable
    from core.services.catalogue import REFERENCE_NAME, _resolve

    reference = _resolve(reference)
    if reference is None:
        raise PlatformUnreachable("the terminal's store is not ready yet")
    ref = reference.get(REFERENCE_NAME)
    return GuideBook.from_catalogue(ref.body), ref.stale, ref.age_s

