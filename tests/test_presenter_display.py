"""The hall display's rules without Qt: ``DisplayPresenter`` following the real hall server on loopback.

The presenter's calls go through a ``StepRunner`` (tests/presenter_support.py): each call waits in line
until the test runs it, as the window's worker would in its own time, so the long poll does not run
forever inside a test."""

from __future__ import annotations

import pytest
from presenter_support import StepRunner
from test_services_queue_support import STAFF_PIN

from core.domain import Outcome
from core.presenters.display import RECENT, DisplayPresenter
from core.services.announce import AnnouncementQueue, SilentSpeaker
from core.services.queue import ClerkQueueService, HallDisplayService, KioskQueueService
from platform_client import PlatformClient


@pytest.fixture
def counter(hall):
    """Issues a number at the kiosk and has window 3 call it (finishing the one before); its number."""
    kiosk_client, clerk_client = hall.client("K-01"), hall.client("W-03")
    kiosk, clerk = KioskQueueService(kiosk_client, None), ClerkQueueService(clerk_client, 3)
    clerk.login("S1003", STAFF_PIN)

    def call() -> str:
        kiosk.issue(kiosk.new_request("A"), without_print=True)
        if clerk.refresh().current is not None:
            clerk.finish(Outcome.CONSULTED)
        return clerk.call_next().ticket.number

    call.clerk = clerk
    yield call
    kiosk_client.close()
    clerk_client.close()


def display_over(client, *, language: str = "zh_CN") -> tuple[DisplayPresenter, StepRunner]:
    steps = StepRunner()
    announcer = AnnouncementQueue(SilentSpeaker("a test hall"), language=language, thread_name="test-announcer")
    presenter = DisplayPresenter(HallDisplayService(client), steps.run, announcer, language=language, poll_wait_s=0.2)
    presenter.changes = []
    presenter.events.subscribe(lambda change: presenter.changes.append(change.part))
    return presenter, steps


@pytest.fixture
def display(hall):
    client = hall.client("D-01")
    presenter, steps = display_over(client)
    yield presenter, steps
    presenter.close()
    client.close()


def test_the_day_so_far_is_shown_not_announced_and_a_new_call_is_announced_once(display, counter):
    """GIVEN two calls before the display started WHEN it starts THEN they are shown, the latest large
    and in English below, and nothing is said; WHEN another number is called THEN it is shown and
    announced once; WHEN it is recalled THEN the recall is announced."""
    presenter, steps = display
    first, second = counter(), counter()
    presenter.start()
    assert [steps.step().name, steps.step().name] == ["hall", "backlog"]
    screen = presenter.screen()
    assert screen.hall_name == presenter.hall.name
    assert screen.latest == f"请 {second} 号到 3 号窗口办理"
    assert screen.latest_other == f"Number {second}, please go to window 3"
    assert screen.recent[0] == presenter.tr("ui.display.row", number=first, window=3)
    assert presenter.announced == []

    third = counter()
    while not presenter.announced:
        assert steps.step().name in ("board", "poll")
    assert presenter.announced == [f"请 {third} 号到 3 号窗口办理"]
    assert presenter.screen().latest == f"请 {third} 号到 3 号窗口办理" and "calls" in presenter.changes
    counter.clerk.recall()
    while len(presenter.announced) < 2:
        steps.step()
    assert presenter.announced[1] == presenter.tr("queue.call.recall", number=third, window=3)
    assert presenter.announcer.wait_idle(3)


def test_before_any_call_the_display_asks_people_to_watch_in_both_languages(display):
    presenter, _steps = display
    screen = presenter.screen()
    assert screen.hall_name == "叫号显示屏"  # until the hall's own name is known
    assert (screen.latest, screen.latest_other) == ("请留意叫号", presenter.other("ui.display.no_calls"))
    assert screen.recent == ("",) * RECENT


def test_the_recent_rows_keep_the_six_calls_before_the_latest_newest_first(display, counter):
    presenter, steps = display
    numbers = [counter() for _ in range(RECENT + 2)]
    presenter.hall = presenter.service.hall()
    presenter.retry()
    assert steps.step().name == "backlog"
    # the backlog holds the last RECENT calls: the latest, and five before it
    assert presenter.screen().latest.startswith(f"请 {numbers[-1]} ")
    expected = [presenter.tr("ui.display.row", number=n, window=3) for n in reversed(numbers[-RECENT:-1])]
    assert list(presenter.screen().recent) == expected + [""]
    presenter.set_language("en")
    assert presenter.screen().latest == f"Number {numbers[-1]}, please go to window 3"
    assert presenter.screen().hall_name == presenter.hall.name_en


def test_an_unreachable_platform_is_said_and_the_backlog_is_asked_for_again(hall):
    """GIVEN a platform that does not answer WHEN the display starts THEN it says it is reconnecting;
    WHEN the window's pause is over THEN the day so far is asked for again (it never came)."""
    client = PlatformClient("http://127.0.0.1:9", "D-01", hall.secrets["D-01"], timeout_s=0.5)
    presenter, steps = display_over(client)
    try:
        presenter.retry()
        assert steps.step().name == "backlog"
        assert presenter.reconnecting and presenter.changes == ["connection"]
        presenter.retry()
        assert steps.pending == ["backlog"]
    finally:
        presenter.close()
        client.close()
