"""The kiosk's service guide (办事指南): browse by theme or department, search with the letter pad, read a
matter's guide.

A kiosk has no keyboard: the citizen types initials or pinyin on an on-screen letter pad, or browses by
theme (个人 / 法人, life events 一件事) and department. The presenter holds what the page shows and publishes
``Changed(part)``: ``"catalogue"`` (loaded, or could not be), ``"query"`` (what was typed and the hits),
``"guide"`` (a matter was opened or closed). The catalogue is loaded through the runner (a worker in the
window: it may come from the platform or the terminal's cache) and kept for ``RELOAD_S``.

    guide = GuidePresenter(lambda: load_guide_book(reference), runner)   # core/services/guide.py
    guide.open()                  # loads the catalogue if it is not fresh
    guide.type("b"); guide.type("d"); guide.type("c")
    guide.hits                    # [Hit(...), …]
    guide.choose(guide.hits[0].code)
    guide.current                 # the Guide being read
    guide.choose("320100-QR-0002")   # from a scanned guide code: kept until the catalogue is loaded;
    guide.not_found               # a code the catalogue does not have ("guide" changes; the page says so)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from typing import TYPE_CHECKING

from core.presenters import Changed, Runner
from core.services.events import EventHub

if TYPE_CHECKING:  # the search and forms stacks load with the catalogue, on the worker, not at start-up
    from core.services.guide import Guide, GuideBook
    from core.services.guide_search import Hit

RELOAD_S = 300.0  # the catalogue changes rarely; a kiosk refreshes it at most every five minutes
MAX_QUERY = 20  # letters on the pad: more than any matter's initials
PAGE_SIZE = 6  # hits on one screen at the kiosk's text size (three rows of two, above the letter pad)
LETTERS = "abcdefghijklmnopqrstuvwxyz"
AUDIENCES = ("个人", "法人")


def takes_pre_application(guide) -> bool:
    """Whether a kiosk takes this matter's 自助申报: its guide says so (``self_service: true``) and it has a
    form (core/presenters/pre_application.py runs the flow)."""
    return guide is not None and guide.form is not None and guide.data.get("self_service") is True


class GuidePresenter:
    def __init__(self, load: Callable[[], tuple[GuideBook, bool, float]], run: Runner, *,
                 clock: Callable[[], float] = time.monotonic, call_timeout_s: float = 8.0,
                 printer=None, language: Callable[[], str] = lambda: "zh_CN") -> None:
        """``printer``: the kiosk's ``PaperPrinter`` for the materials checklist (None: no print button);
        ``language()``: the language the checklist is printed in (the screen's)."""
        self._load = load
        self._printer = printer
        self._language = language
        self.printing = False
        self.printed: bool | None = None  # the last checklist: printed, not printed (see print_error), or none
        self.print_error: BaseException | None = None
        self._run = run
        self._clock = clock
        self._timeout_s = call_timeout_s
        self.events = EventHub()
        self.book: GuideBook | None = None
        self.stale = False
        self.age_s = 0.0
        self.problem: BaseException | None = None
        self.loading = False
        self._loaded_at: float | None = None
        self.query = ""
        self.browse: tuple[str, str] | None = None  # ("theme", "个人") or ("department", "公安局")
        self.hits: list[Hit] = []
        self.current: Guide | None = None
        self.not_found: str | None = None  # a matter code asked for that the catalogue does not have
        self._wanted: str | None = None  # a matter code asked for while the catalogue loads
        self._generation = 0

    # --- intents -----------------------------------------------------------------------------------

    def open(self) -> None:
        """The citizen opened the guide: a fresh start, and the catalogue loaded unless it is fresh."""
        self.reset()
        if self.book is None or self._loaded_at is None or self._clock() - self._loaded_at > RELOAD_S:
            self.reload()

    def reload(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.problem = None
        self._generation += 1
        generation = self._generation
        self._changed("catalogue")
        self._run(self._load, on_done=lambda r: self._loaded(generation, r),
                  on_error=lambda e: self._failed(generation, e), timeout_s=self._timeout_s)

    def type(self, letter: str) -> None:
        """A key of the letter pad (a-z, or a digit); anything else is ignored."""
        letter = letter.lower()
        if len(letter) != 1 or not (letter in LETTERS or letter.isdigit()) or len(self.query) >= MAX_QUERY:
            return
        self.query += letter
        self.browse = None
        self._search()

    def text(self, text: str) -> None:
        """Text from an input method or a scanner (characters too), replacing what was typed."""
        self.query = text.strip()[:MAX_QUERY]
        self.browse = None
        self._search()

    def backspace(self) -> None:
        if self.query:
            self.query = self.query[:-1]
            self._search()

    def clear(self) -> None:
        self.query = ""
        self.browse = None
        self._search()

    def browse_by(self, kind: str, value: str) -> None:
        """The matters of one theme (个人, 法人, a life event) or one department, in catalogue order."""
        if kind not in ("theme", "department"):
            raise ValueError(f"unknown browsing {kind!r}")
        self.query = ""
        self.browse = (kind, value)
        from core.services.guide_search import Hit

        book = self.book
        if book is None:
            self.hits = []
        else:
            guides = [g for g in book.guides.values()
                      if (kind == "department" and g.department == value)
                      or (kind == "theme" and value in (g.data.get("theme") or ()))]
            self.hits = [Hit(g.code, g.name, g.department, 0, kind) for g in guides]
        self._changed("query")

    def choose(self, code: str) -> None:
        """Opens a matter's guide. While the catalogue loads the choice waits for it; a code the loaded
        catalogue does not have sets ``not_found`` (the page says so calmly) instead."""
        if self.book is None:
            if self.loading:
                self._wanted = code
            return
        guide = self.book.get(code)
        self.current, self.not_found = (guide, None) if guide is not None else (None, code)
        self.printed = self.print_error = None
        self._changed("guide")

    def back(self) -> None:
        """From a guide (or a "not found") back to the list (the query and hits stay)."""
        if self.current is not None or self.not_found is not None:
            self.current = self.not_found = None
            self._changed("guide")

    def reset(self) -> None:
        """The session ended (idle, home): nothing typed or opened stays for the next person."""
        self.query, self.browse, self.hits, self.current = "", None, [], None
        self.not_found = self._wanted = None
        self.printed = self.print_error = None
        self._changed("query")
        self._changed("guide")

    # --- what the page shows --------------------------------------------------------------------------

    @property
    def themes(self) -> list[str]:
        """The audiences first, then the life events and other themes, each once, in catalogue order."""
        seen: dict[str, None] = {a: None for a in AUDIENCES}
        for g in (self.book.guides.values() if self.book else ()):
            for theme in g.data.get("theme") or ():
                if isinstance(theme, str):
                    seen.setdefault(theme, None)
        return list(seen)

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys(g.department for g in (self.book.guides.values() if self.book else ())
                                  if g.department))

    @property
    def shown_hits(self) -> list[Hit]:
        return self.hits[:PAGE_SIZE]

    # --- inside ------------------------------------------------------------------------------------

    def _search(self) -> None:
        self.hits = self.book.search(self.query, limit=PAGE_SIZE * 4) if self.book is not None and self.query else []
        self._changed("query")

    def _loaded(self, generation: int, result: tuple[GuideBook, bool, float]) -> None:
        if generation != self._generation:
            return
        self.book, self.stale, self.age_s = result
        self.loading = False
        self._loaded_at = self._clock()
        self._changed("catalogue")
        if self.query:
            self._search()
        if self._wanted is not None:
            wanted, self._wanted = self._wanted, None
            self.choose(wanted)

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.problem = error
        self._wanted = None  # the page says the guide cannot be loaded
        self._changed("catalogue")

    # --- the materials checklist on paper ------------------------------------------------------------

    @property
    def has_printer(self) -> bool:
        return self._printer is not None

    @property
    def can_print(self) -> bool:
        return self._printer is not None and self.current is not None and not self.printing

    def print_checklist(self) -> None:
        """材料清单 of the guide being read on the kiosk's receipt printer (a worker prints it); ``"print"``
        changes when it starts and when it is done (``printed``, ``print_error``)."""
        if not self.can_print:
            return
        self.printing, self.printed, self.print_error = True, None, None
        self._changed("print")
        self._run(_print_checklist, self._printer, self.current, self._language(), on_done=self._checklist_printed,
                  on_error=self._checklist_failed, timeout_s=self._timeout_s * 2)

    def _checklist_printed(self, _result) -> None:
        self.printing, self.printed = False, True
        self._changed("print")

    def _checklist_failed(self, error: BaseException) -> None:
        self.printing, self.printed, self.print_error = False, False, error
        self._changed("print")

    def _changed(self, part: str) -> None:
        self.events.emit(Changed(part))


def _print_checklist(printer, guide: Guide, language: str) -> None:
    """On the worker: the checklist of ``guide`` (its materials, place, phone and the QR of its guide)."""
    from core.services.intake import checklist_for

    printer.print_paper(checklist_for(guide), language)
