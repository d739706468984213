"""The hall display's rules without Qt: ``DisplayPresenter`` following the real hall server on loopback.

The presenter's calls go through a ``StepRunner`` (tests/presenter_support.py): each call waits in line
until the test runs it, as the window's worker would in its own time, so the long poll does not run
forever inside a test."""

from __future__ import annotations

import pytest
from presenter_support import StepRunner
from test_services_queue_support import STAFF_PIN

from core.domain import BoardWindow, HallBoard, Outcome, Satisfaction, WindowState
from core.presenters.display import FLASH_S, RECENT, DisplayPresenter, WaitingChip
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


class Clock:
    """The presenter's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def follow(presenter, steps, until) -> None:
    for _ in range(40):
        if until():
            return
        steps.step()
    raise AssertionError(f"not reached after 40 steps: {steps.ran[-5:]}")


def test_the_board_shows_every_open_and_paused_window_and_the_waiting_per_service(hall, counter):
    """GIVEN window 3 calling and window 4 paused WHEN the display follows the hall THEN a tile for 3 with
    the number it serves, one for 4 saying it is paused, none for the closed windows; the waiting counts
    carry the services' names in both languages."""
    number = counter()
    w4 = hall.client("W-04")
    four = ClerkQueueService(w4, 4)
    four.login("S1004", STAFF_PIN)
    four.pause("break")
    client = hall.client("D-01")
    presenter, steps = display_over(client)
    try:
        presenter.start()
        follow(presenter, steps, lambda: presenter.board is not None)
        screen = presenter.screen()
        assert [(t.window, t.number, t.paused) for t in screen.tiles] == [(3, number, False), (4, "", True)]
        assert (screen.tiles[0].label, screen.tiles[0].label_other) == ("3 号窗口", "Window 3")
        assert screen.waiting[0] == WaitingChip("A", "综合受理", presenter.hall.service("A").name_en, "0 人")
        assert screen.satisfaction == ""  # this platform counts no ratings: the slot stays hidden
        assert not screen.call_flashing  # the day so far does not flash
    finally:
        presenter.close()
        client.close()
        w4.close()


def test_a_new_call_flashes_for_a_few_seconds_on_its_tile_and_in_the_call(hall, counter):
    counter()
    client = hall.client("D-01")
    clock = Clock()
    steps = StepRunner()
    presenter = DisplayPresenter(HallDisplayService(client), steps.run,
                                 AnnouncementQueue(SilentSpeaker("test"), thread_name="test-announcer"),
                                 poll_wait_s=0.2, monotonic=clock)
    try:
        presenter.start()
        follow(presenter, steps, lambda: presenter.have_backlog)
        number = counter()
        follow(presenter, steps, lambda: presenter.received == 1)
        screen = presenter.screen()
        assert screen.call_number == number and screen.call_window == "3 号窗口" and screen.call_flashing
        assert [t.flashing for t in screen.tiles if t.window == 3] == [True]
        assert presenter.next_flash_end() == clock.now + FLASH_S
        clock.now += FLASH_S
        assert not presenter.screen().call_flashing and presenter.next_flash_end() is None
    finally:
        presenter.close()
        client.close()


def test_tiles_and_services_that_do_not_fit_are_shown_a_page_at_a_time(display):
    """GIVEN a board of twelve open windows and eight services WHEN the screen holds five tiles and three
    services THEN three pages; ``next_page`` turns them and comes back to the first."""
    presenter, _steps = display
    windows = tuple(BoardWindow(n, "", WindowState.OPEN, f"A{n:03d}") for n in range(1, 13))
    presenter.show_board(HallBoard(windows, tuple((p, 1) for p in "ABCDEFGH")))
    first = presenter.screen(tiles_per_page=5, services_per_page=3)
    assert (first.page, first.pages) == (0, 3)
    assert [t.window for t in first.tiles] == [1, 2, 3, 4, 5] and [c.prefix for c in first.waiting] == ["A", "B", "C"]
    presenter.next_page()
    presenter.next_page()
    last = presenter.screen(tiles_per_page=5, services_per_page=3)
    assert [t.window for t in last.tiles] == [11, 12] and [c.prefix for c in last.waiting] == ["G", "H"]
    presenter.next_page()
    assert presenter.screen(tiles_per_page=5, services_per_page=3).page == 0


@pytest.mark.parametrize("satisfaction,shown", [
    (None, ("", "")),
    (Satisfaction(0.0, 0), ("", "")),  # nobody rated yet: no rate to show
    (Satisfaction(0.985, 200), ("今日满意率 98.5%", "Satisfaction today 98.5%")),
])
def test_the_satisfaction_slot_shows_the_day_s_rate_only_when_the_platform_gives_one(display, satisfaction, shown):
    presenter, _steps = display
    presenter.show_board(HallBoard((), (), satisfaction))
    screen = presenter.screen()
    assert (screen.satisfaction, screen.satisfaction_other) == shown


def test_a_board_that_cannot_be_read_leaves_the_calls_going_and_the_tiles_follow_them(hall, counter):
    """GIVEN a platform without the board (a refusal) WHEN the display follows the hall THEN it is not
    'reconnecting', and the windows seen calling get their tiles from the calls."""
    number = counter()
    kiosk = hall.client("K-01")  # a kiosk's credentials: the board is refused, the calls too
    client = hall.client("D-01")
    service = HallDisplayService(client)
    service.board = HallDisplayService(kiosk).board
    presenter, steps = display_over(client)
    presenter.service = service
    try:
        presenter.start()
        follow(presenter, steps, lambda: "board" in steps.ran)
        follow(presenter, steps, lambda: "poll" in steps.ran)
        assert presenter.board is None and not presenter.reconnecting
        assert [(t.window, t.number) for t in presenter.screen().tiles] == [(3, number)]
    finally:
        presenter.close()
        client.close()
        kiosk.close()


def test_a_window_that_calls_after_the_board_was_read_gets_its_tile_at_once(hall, issue):
    """GIVEN the board read while nobody was logged in at window 3 WHEN its clerk logs in and calls, before
    the next board THEN window 3's tile shows the number called (a window that calls is open)."""
    client, clerk_client = hall.client("D-01"), hall.client("W-03")
    steps = StepRunner()
    presenter = DisplayPresenter(HallDisplayService(client), steps.run,
                                 AnnouncementQueue(SilentSpeaker("test"), thread_name="test-announcer"),
                                 poll_wait_s=0.2, board_every_s=1000)
    try:
        presenter.start()
        follow(presenter, steps, lambda: presenter.board is not None)
        assert presenter.screen().tiles == ()
        number = issue("A")
        clerk = ClerkQueueService(clerk_client, 3)
        clerk.login("S1003", STAFF_PIN)
        clerk.call_next()
        follow(presenter, steps, lambda: presenter.received == 1)
        assert [(t.window, t.number) for t in presenter.screen().tiles] == [(3, number)]
        assert "board" not in steps.ran[steps.ran.index("board") + 1:]  # no newer board meanwhile
    finally:
        presenter.close()
        client.close()
        clerk_client.close()
