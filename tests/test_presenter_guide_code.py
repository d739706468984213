"""A checklist's guide code scanned at the kiosk opens that matter's 办事指南, as plain Python: the citizen
presenter (core/presenters/citizen.py) asks the window for the guide with ``GuideRequested``; the guide
presenter (core/presenters/guide.py) chooses the matter once its catalogue is loaded, or says calmly that
it does not have it. The citizen presenter runs over the real ``KioskQueueService`` and the real hall
server on loopback; the guide's catalogue is the sample hall's."""

from __future__ import annotations

import pytest
from presenter_support import Recorder, StepRunner
from server_fixtures import fresh_hall  # noqa: F401

from core.errors import PlatformUnreachable
from core.presenters import Changed
from core.presenters.citizen import CitizenPresenter
from core.presenters.citizen_view import GuideRequested, Page, ScanMessage, SessionEnded
from core.presenters.guide import GuidePresenter
from core.services.codes import CodeService
from core.services.guide import GuideBook
from core.services.queue import KioskQueueService
from hall_server import sample_hall
from hall_server.appointments import seed_samples
from platform_client.appointments import AppointmentsClient

QR = "320100-QR-0002"


@pytest.fixture
def book() -> GuideBook:
    return GuideBook.from_catalogue(sample_hall())


def guide_presenter(load):
    runner = StepRunner()
    p = GuidePresenter(load, runner.run)
    parts: list[str] = []
    p.events.subscribe(lambda e: parts.append(e.part) if isinstance(e, Changed) else None)
    return p, runner, parts


def citizen(hall, printers, *, guide: bool):
    client = hall.client("kiosk-1")
    runner = StepRunner()
    p = CitizenPresenter(KioskQueueService(client, printers[0], clock=hall.clock), runner.run,
                         cancel=runner.cancel, codes=CodeService(AppointmentsClient(client)), guide=guide)
    return p, runner, Recorder(p.events)


def test_a_matter_chosen_while_the_catalogue_loads_opens_when_it_is_in(book):
    """GIVEN the guide just opened and its catalogue still loading WHEN a guide code's matter is chosen
    THEN nothing opens yet; WHEN the catalogue arrives THEN that matter's guide is the one read."""
    p, runner, parts = guide_presenter(lambda: (book, False, 0.0))
    p.open()
    p.choose(QR)
    assert p.loading and p.current is None
    runner.settle()
    assert p.current is not None and p.current.code == QR and p.not_found is None
    assert parts[-1] == "guide"


def test_an_unknown_matter_code_shows_the_guide_with_a_calm_not_found(book):
    """GIVEN a loaded catalogue WHEN a matter code it does not have is chosen THEN no guide opens and
    ``not_found`` names the code for the page's notice; back, or a new session, forgets it."""
    p, runner, parts = guide_presenter(lambda: (book, False, 0.0))
    p.open()
    runner.settle()
    p.choose("320100-ZZ-9999")
    assert p.current is None and p.not_found == "320100-ZZ-9999" and parts[-1] == "guide"
    p.back()
    assert p.not_found is None
    p.choose("320100-ZZ-9999")
    p.reset()
    assert p.not_found is None


def test_a_choice_waiting_for_a_catalogue_that_fails_is_dropped(book):
    """GIVEN a matter chosen while the catalogue loads WHEN loading fails THEN the page shows the problem,
    and a later successful load does not jump to the old choice."""
    answers = [PlatformUnreachable("no platform"), (book, False, 0.0)]

    def load():
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    p, runner, _ = guide_presenter(load)
    p.open()
    p.choose(QR)
    runner.settle()
    assert p.problem is not None and p.current is None
    p.reload()
    runner.settle()
    assert p.book is book and p.current is None


def test_a_scanned_guide_code_asks_for_the_guide_at_its_matter(fresh_hall, printers):  # noqa: F811
    """GIVEN a kiosk with the service guide WHEN a checklist's code (bare or the platform's URL) is
    scanned on the home page THEN the presenter asks for the guide at that matter and shows the guide
    page; nothing goes to the platform."""
    p, runner, seen = citizen(fresh_hall, printers, guide=True)
    for payload in (f"HALL:G:{QR}", f"https://zwfw.example.gov.cn/guide/{QR}"):
        p.go_home()
        seen.clear()
        p.code_scanned(payload)
        assert seen.of(GuideRequested) == [GuideRequested(QR)]
        assert p.page is Page.GUIDE and runner.pending == []


def test_a_guide_url_on_another_host_is_not_recognised(fresh_hall, printers):  # noqa: F811
    """GIVEN a kiosk with the service guide WHEN a guide URL on a host that is not the platform's is
    scanned THEN it is an unrecognised code and no guide is asked for."""
    p, _, seen = citizen(fresh_hall, printers, guide=True)
    p.code_scanned(f"https://phish.example.com/guide/{QR}")
    assert not seen.of(GuideRequested) and seen.last(ScanMessage).message.key == "codes.not_recognised"


def test_a_guide_code_on_a_previous_persons_screen_ends_that_session_first(fresh_hall, printers):  # noqa: F811
    """GIVEN a receipt's case on screen (someone's session) WHEN a guide code is scanned THEN that session
    ends before the guide opens."""
    cases = seed_samples(fresh_hall.store)["cases"]
    p, runner, seen = citizen(fresh_hall, printers, guide=True)
    p.code_scanned(f"HALL:R:{cases[0]}")
    runner.settle()
    assert p.page is Page.TRACKING
    seen.clear()
    p.code_scanned(f"HALL:G:{QR}")
    assert seen.of(SessionEnded) and seen.of(GuideRequested) == [GuideRequested(QR)]
    assert seen.events.index(seen.of(SessionEnded)[0]) < seen.events.index(seen.of(GuideRequested)[0])
    assert p.page is Page.GUIDE


def test_a_kiosk_without_the_guide_says_the_code_is_not_for_here(fresh_hall, printers):  # noqa: F811
    """GIVEN a kiosk without the service guide WHEN a guide code is scanned THEN it is "not taken here",
    as before, and no guide is asked for."""
    p, _, seen = citizen(fresh_hall, printers, guide=False)
    p.code_scanned(f"HALL:G:{QR}")
    assert not seen.of(GuideRequested)
    assert seen.last(ScanMessage).message.key == "ui_codes.scan.not_here"
