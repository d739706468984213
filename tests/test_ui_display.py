"""The hall display's window (offscreen) over the real hall server with ten windows at work: at 1920×1080,
1080×1920, 1366×768 and 3840×2160 every label lies inside the window, nothing overlaps, every text fits
its label by ``QFontMetrics`` (numbers are never elided), the caps reach the legibility rule's heights
(docs/display.md), and the colours keep a contrast of at least 7:1 (WCAG 2, level AAA)."""

from __future__ import annotations

import itertools
import sys

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetrics
from test_services_queue_support import STAFF_PIN, small_hall

from core.domain import HallBoard, Outcome, Satisfaction
from core.presenters.display_layout import BOARD_MULTIPLE, CALL_MULTIPLE, TEXT_MULTIPLE, cap_fraction
from core.services.queue import ClerkQueueService, HallDisplayService
from ui.display import DisplayWindow
from ui.display_view import MUTED
from ui.none_guard import void_call_leaks_none
from ui.theme import COLOURS, contrast

WAIT_MS = 8000
SCREENS = [(1920, 1080), (1080, 1920), (1366, 768), (3840, 2160)]


class QuietSpeaker:
    name = "quiet"

    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str, language: str) -> None:
        self.said.append(text)


@pytest.fixture
def busy_hall(hall, issue):
    """Every window of the sample hall logged in and serving a number; window 10 paused."""
    clients, numbers = [], {}
    for w in small_hall()["windows"]:
        tid = f"WW-{w['number']:02d}"
        hall.secrets[tid] = hall.server.store.add_terminal(tid, "clerk")
        client = hall.client(tid)
        clients.append(client)
        clerk = ClerkQueueService(client, w["number"])
        clerk.login(w["staff"]["id"], STAFF_PIN)
        issue(w["services"][0])
        if w["number"] == 10:
            clerk.pause("break")
        else:
            numbers[w["number"]] = clerk.call_next().ticket.number
    yield numbers
    for client in clients:
        client.close()


@pytest.fixture
def display(qtbot, hall, busy_hall):
    client = hall.client("D-01")
    window = DisplayWindow(HallDisplayService(client), QuietSpeaker(), poll_wait_s=0.3, board_every_s=0.3)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.presenter.board is not None and window.presenter.hall is not None,
                    timeout=WAIT_MS)
    yield window
    window.close()
    client.close()


def on_window(label, window) -> QRect:
    return QRect(label.mapTo(window, label.rect().topLeft()), label.size())


def check_fit(window) -> None:
    frame = window.rect()
    labels = window.view.labels()
    assert len(labels) > 20
    for label in labels:
        rect = on_window(label, window)
        assert frame.contains(rect), (label.text(), rect, frame)
        metrics = QFontMetrics(label.font())
        assert metrics.horizontalAdvance(label.text()) <= label.width(), (label.text(), label.width())
        assert metrics.height() <= label.height() + 1, (label.text(), metrics.height(), label.height())
    for a, b in itertools.combinations(labels, 2):
        if a.parent() is b or b.parent() is a:
            continue
        assert not on_window(a, window).intersects(on_window(b, window)), (a.text(), b.text())


@pytest.mark.parametrize("width,height", SCREENS)
def test_at_each_screen_size_everything_fits_and_the_calls_reach_the_rule_s_size(qtbot, display, busy_hall,
                                                                                   width, height):
    display.resize(width, height)
    qtbot.waitUntil(lambda: display.view.layout.width == width and display.view.layout.height == height,
                    timeout=WAIT_MS)
    layout = display.view.layout
    assert layout.portrait == (height > width)
    check_fit(display)
    unit = min(width, height)
    view = display.view
    for label, multiple in ((view.call_number, CALL_MULTIPLE), (view.call_window, CALL_MULTIPLE),
                            (view.tiles[0].number, BOARD_MULTIPLE), (view.recent[0].left, BOARD_MULTIPLE),
                            (view.heading, TEXT_MULTIPLE), (view.latest_other, TEXT_MULTIPLE)):
        assert QFontMetrics(label.font()).capHeight() >= cap_fraction(multiple) * unit - 1, label.text()
    latest = display.presenter.calls[-1]
    assert view.call_number.text() == latest.ticket_number
    assert view.call_window.text() == f"{latest.window} 号窗口"
    shown = {t.label.text(): t.number.text() for t in view.tiles if t.isVisible()}
    for window_number, number in busy_hall.items():
        if f"{window_number} 号窗口" in shown:
            assert shown[f"{window_number} 号窗口"] == number  # never elided
    if "10 号窗口" in shown:
        assert shown["10 号窗口"] == "暂停服务"


def test_the_tiles_turn_pages_when_the_windows_do_not_fit(qtbot, display):
    display.resize(1366, 768)
    qtbot.waitUntil(lambda: display.view.layout.width == 1366, timeout=WAIT_MS)
    per_page = display.view.layout.tiles
    assert per_page < 10 and display.page_timer.isActive()
    first = [t.label.text() for t in display.view.tiles if t.isVisible()]
    display.presenter.next_page()
    qtbot.waitUntil(lambda: [t.label.text() for t in display.view.tiles if t.isVisible()] != first,
                    timeout=WAIT_MS)
    assert "10 号窗口" in [t.label.text() for t in display.view.tiles if t.isVisible()]
    assert display.view.page.text() == "第 2/2 页"


def test_the_satisfaction_slot_appears_with_a_rate_and_fits_beside_the_hall_s_name(qtbot, display):
    assert not display.view.satisfaction.isVisible()
    display.presenter.board_every_s = 1000  # after the next read, the board injected below stays
    old = display.presenter.board
    qtbot.waitUntil(lambda: display.presenter.board is not old, timeout=WAIT_MS)
    board = display.presenter.board
    display.presenter.show_board(HallBoard(board.windows, board.waiting, Satisfaction(0.97, 120)))
    qtbot.waitUntil(display.view.satisfaction.isVisible, timeout=WAIT_MS)
    assert display.view.satisfaction.text() == "今日满意率 97.0%"
    check_fit(display)


def test_a_new_call_flashes_its_tile_and_the_call_then_stops(qtbot, display, busy_hall, hall, issue):
    client = hall.client("WW-03")
    try:
        clerk = ClerkQueueService(client, 3)
        clerk.login("S1003", STAFF_PIN)
        issue("A")
        clerk.finish(Outcome.CONSULTED)
        number = clerk.call_next().ticket.number
    finally:
        client.close()
    qtbot.waitUntil(lambda: display.view.call_number.text() == number, timeout=WAIT_MS)
    assert display.flash_timer.isActive()
    qtbot.waitUntil(lambda: display.view.call_flash, timeout=WAIT_MS)
    assert display.announcer.wait_idle(3) and number in display.announcer.speaker.said[-1]


def test_the_colours_keep_a_contrast_of_at_least_7_to_1():
    c = COLOURS
    for fg, bg in ((c["display_text"], c["display_bg"]), (c["display_accent"], c["display_bg"]),
                   (MUTED, c["display_bg"]), (c["display_bg"], c["display_accent"])):
        assert contrast(fg, bg) >= 7.0, (fg, bg)


def test_the_display_survives_a_day_of_redraws(display):
    """GIVEN the display window (PySide6 6.12 on CPython 3.11 drops a reference to None at every void
    call; ui/none_guard.py) WHEN its labels are set 300 000 times, more than None's count in a process
    THEN the process lives on, None's count still far above zero."""
    label = display.view.heading
    for _ in range(300_000):
        label.setText("正在呼叫")
    assert sys.getrefcount(None) > 300_000 or not void_call_leaks_none()


@pytest.mark.parametrize("width,height", [(1366, 768), (1080, 1920)])
def test_in_english_first_everything_fits_too(qtbot, hall, busy_hall, width, height):
    client = hall.client("D-01")
    window = DisplayWindow(HallDisplayService(client), QuietSpeaker(), language="en", poll_wait_s=0.3,
                           board_every_s=0.3)
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.presenter.board is not None and window.presenter.hall is not None
                        and window.view.waiting[0].left.text() != "A", timeout=WAIT_MS)
        latest = window.presenter.calls[-1]
        assert window.view.call_window.text() == f"Window {latest.window}"
        assert window.view.heading.text() == "Now calling · 正在呼叫"
        check_fit(window)
    finally:
        window.close()
        client.close()
