"""The kiosk's service guide, as plain Python (core/presenters/guide.py): browse by theme or department,
type on the letter pad, open a matter's guide; the catalogue loaded off the GUI thread and kept fresh."""

from __future__ import annotations

import pytest

from core.errors import PlatformUnreachable
from core.presenters import Changed, run_inline
from core.presenters.guide import PAGE_SIZE, GuidePresenter
from core.services.guide import GuideBook
from hall_server import sample_hall


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def book() -> GuideBook:
    return GuideBook.from_catalogue(sample_hall())


def presenter(book, *, clock=None, loads=None):
    loads = loads if loads is not None else []

    def load():
        loads.append(1)
        return book, False, 0.0

    p = GuidePresenter(load, run_inline, clock=clock or Clock())
    parts: list[str] = []
    p.events.subscribe(lambda e: parts.append(e.part) if isinstance(e, Changed) else None)
    return p, parts, loads


def test_opening_loads_the_catalogue_once_while_it_is_fresh(book):
    clock = Clock()
    p, parts, loads = presenter(book, clock=clock)
    p.open()
    assert p.book is book and not p.loading and "catalogue" in parts
    clock.now += 60
    p.open()
    assert len(loads) == 1
    clock.now += 400  # older than RELOAD_S
    p.open()
    assert len(loads) == 2


def test_typing_initials_on_the_letter_pad_finds_matters(book):
    p, parts, _ = presenter(book)
    p.open()
    for letter in "bdc":
        p.type(letter)
    assert p.query == "bdc"
    assert p.shown_hits[0].name == "不动产登记资料查询"
    p.backspace()
    assert p.query == "bd"
    p.clear()
    assert p.query == "" and p.hits == []


@pytest.mark.parametrize("key", ["", "ab", "!", "\n", "中"])
def test_the_pad_ignores_anything_but_one_letter_or_digit(book, key):
    p, _, _ = presenter(book)
    p.open()
    p.type(key)
    assert p.query == ""


def test_the_query_is_bounded(book):
    p, _, _ = presenter(book)
    p.open()
    for _ in range(50):
        p.type("a")
    assert len(p.query) == 20


def test_characters_from_an_input_method_search_too_and_synonyms_work(book):
    p, _, _ = presenter(book)
    p.open()
    p.text("生孩子")
    assert p.hits[0].code == "320100-GG-0003"


def test_browsing_by_audience_theme_and_department(book):
    p, _, _ = presenter(book)
    p.open()
    assert p.themes[:2] == ["个人", "法人"]
    p.browse_by("theme", "法人")
    assert p.hits and all("法人" in book.get(h.code).data["theme"] for h in p.hits)
    department = p.departments[0]
    p.browse_by("department", department)
    assert p.hits and {book.get(h.code).department for h in p.hits} == {department}
    with pytest.raises(ValueError):
        p.browse_by("colour", "red")


def test_opening_a_matter_and_going_back_keeps_the_list(book):
    p, parts, _ = presenter(book)
    p.open()
    p.text("bdc")
    code = p.hits[0].code
    p.choose(code)
    assert p.current.code == code and parts[-1] == "guide"
    p.back()
    assert p.current is None and p.query == "bdc" and p.hits
    p.choose("NO-SUCH-CODE")
    assert p.current is None


def test_a_new_session_forgets_what_the_last_person_typed_and_read(book):
    p, _, _ = presenter(book)
    p.open()
    p.text("bdc")
    p.choose(p.hits[0].code)
    p.reset()
    assert (p.query, p.hits, p.current, p.browse) == ("", [], None, None)


def test_a_catalogue_that_cannot_be_had_is_a_problem_the_page_shows():
    def load():
        raise PlatformUnreachable("no platform, nothing cached")

    p = GuidePresenter(load, run_inline)
    p.open()
    assert isinstance(p.problem, PlatformUnreachable) and not p.loading and p.book is None
    p.type("b")
    assert p.hits == []


def test_a_late_answer_from_an_older_load_is_dropped(book):
    pending = []

    def run(fn, *args, on_done=None, on_error=None, timeout_s=None, **kwargs):
        pending.append((fn, on_done))

    p = GuidePresenter(lambda: (book, False, 0.0), run)
    p.reload()
    p.loading = False
    p.reload()  # a retry: its answer is the one that counts
    first, second = pending
    second[1](second[0]())
    first[1]((GuideBook(), True, 99.0))
    assert p.book is book and p.stale is False


def test_at_most_a_page_of_hits_is_shown(book):
    p, _, _ = presenter(book)
    p.open()
    p.browse_by("theme", "个人")
    assert len(p.shown_hits) <= PAGE_SIZE
