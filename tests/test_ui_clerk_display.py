"""The clerk window and the hall display against the real hall server, as wiring: a number taken at the
kiosk is called with a button or an F-key, shown on the display and announced; every action's button and
F-key reaches the presenter and its answer reaches the widgets; nothing blocks the GUI thread. The rules
themselves (choices, messages, wording, reconnecting) are tests/test_presenter_clerk.py's and
tests/test_presenter_display.py's."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from test_services_queue_support import STAFF_PIN, start_hall

from core.domain import TicketState
from core.services.queue import ClerkQueueService, HallDisplayService, KioskQueueService
from ui.clerk import ClerkWindow
from ui.display import DisplayWindow

WAIT_MS = 6000


class RecordingSpeaker:
    """A Speaker that takes a little while per sentence and remembers what it said, in order."""

    name = "recording"

    def __init__(self) -> None:
        self.said: list[str] = []
        self.lock = threading.Lock()

    def say(self, text: str, language: str) -> None:
        threading.Event().wait(0.05)
        with self.lock:
            self.said.append(text)


@pytest.fixture
def clerk(qtbot, hall):
    client = hall.client("W-03")
    window = ClerkWindow(ClerkQueueService(client, 3), login_hint=("ui.demo.login_hint",
                                                                   {"staff": "S1003", "pin": STAFF_PIN}))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    client.close()


@pytest.fixture
def display(qtbot, hall):
    client = hall.client("D-01")
    speaker = RecordingSpeaker()
    window = DisplayWindow(HallDisplayService(client), speaker, poll_wait_s=0.5, retry_s=0.3)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    client.close()


def log_in(qtbot, clerk, pin: str = STAFF_PIN) -> None:
    clerk.login_page.staff.setText("S1003")
    clerk.login_page.pin.setText(pin)
    qtbot.mouseClick(clerk.login_page.login_button, Qt.MouseButton.LeftButton)


def press(qtbot, clerk, action: str) -> None:
    qtbot.mouseClick(clerk.queue_page.action_buttons[action], Qt.MouseButton.LeftButton)


def test_the_login_screen_tells_the_demo_pin_and_a_wrong_pin_gets_a_clerk_message(qtbot, clerk):
    assert clerk.login_page.hint.text() == f"演示模式：工号 S1003，密码 {STAFF_PIN}（仅限演示）"
    log_in(qtbot, clerk, pin="0000")
    qtbot.waitUntil(lambda: clerk.login_page.message.isVisible() and "密码" in clerk.login_page.message.text()
                    or clerk.login_page.message.text() not in ("", clerk.texts("ui.common.wait")),
                    timeout=WAIT_MS)
    assert clerk.page == "login" and clerk.login_page.pin.text() == ""
    assert clerk.login_page.message.property("role") == "problem"


def test_a_number_called_with_f1_shows_on_the_display_and_is_announced(qtbot, issue, clerk, display):
    numbers = [issue("A"), issue("A")]
    log_in(qtbot, clerk)
    qtbot.waitUntil(lambda: clerk.page == "queue" and clerk.status is not None, timeout=WAIT_MS)
    assert clerk.queue_page.waiting.count() == 2
    assert "陈思远" in clerk.queue_page.who.text()
    qtbot.waitUntil(lambda: display.presenter.have_backlog, timeout=WAIT_MS)

    clerk.activateWindow()  # F-keys act in the clerk's active window
    qtbot.waitUntil(clerk.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(clerk, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: clerk.status.current is not None, timeout=WAIT_MS)
    assert clerk.queue_page.current_number.text() == numbers[0]
    qtbot.waitUntil(lambda: display.latest.text() == numbers[0], timeout=WAIT_MS)
    assert display.view.call_window.text() == "3 号窗口"
    assert display.latest_other.text() == f"Number {numbers[0]}, please go to window 3"

    press(qtbot, clerk, "recall")  # F2
    qtbot.waitUntil(lambda: len(display.announced) == 2, timeout=WAIT_MS)
    assert display.announcer.wait_idle(3)
    assert display.announcer.speaker.said == [f"请 {numbers[0]} 号到 3 号窗口办理"] * 2


def test_every_action_of_the_queue_panel_works_from_the_window(qtbot, issue, clerk, hall):
    numbers = [issue("A") for _ in range(3)]
    log_in(qtbot, clerk)
    qtbot.waitUntil(lambda: clerk.page == "queue" and clerk.hall is not None, timeout=WAIT_MS)

    def current() -> str | None:
        return clerk.status.current.number if clerk.status and clerk.status.current else None

    press(qtbot, clerk, "call_next")
    qtbot.waitUntil(lambda: current() == numbers[0], timeout=WAIT_MS)
    press(qtbot, clerk, "hold")  # F5
    qtbot.waitUntil(lambda: clerk.queue_page.held.count() == 1, timeout=WAIT_MS)
    assert current() is None

    press(qtbot, clerk, "call_number")  # F9: type the number
    assert clerk.queue_page.actions_stack.currentIndex() == 1
    clerk.queue_page.choice.field.setText(numbers[2].lower())
    qtbot.mouseClick(clerk.queue_page.choice.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: current() == numbers[2], timeout=WAIT_MS)
    press(qtbot, clerk, "no_show")  # F3
    qtbot.waitUntil(lambda: current() is None and clerk.status.no_show_today == 1, timeout=WAIT_MS)

    press(qtbot, clerk, "call_back")  # F10: the only held ticket
    qtbot.waitUntil(lambda: current() == numbers[0], timeout=WAIT_MS)
    press(qtbot, clerk, "finish")  # F4: choose an outcome
    outcome_buttons = [b for b in clerk.queue_page.choice.findChildren(type(clerk.queue_page.choice.ok))
                       if b.objectName().startswith("choice-") and b.text() == "已受理"]
    qtbot.mouseClick(outcome_buttons[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: clerk.status.served_today == 1, timeout=WAIT_MS)
    assert "已办结" in clerk.queue_page.message.text()

    press(qtbot, clerk, "call_next")
    qtbot.waitUntil(lambda: current() == numbers[1], timeout=WAIT_MS)
    press(qtbot, clerk, "return_to_queue")  # F7
    qtbot.waitUntil(lambda: current() is None, timeout=WAIT_MS)
    press(qtbot, clerk, "call_next")
    qtbot.waitUntil(lambda: current() == numbers[1], timeout=WAIT_MS)
    press(qtbot, clerk, "transfer")  # F6: to window 6 (社保医保)
    target = [b for b in clerk.queue_page.choice.findChildren(type(clerk.queue_page.choice.ok))
              if b.text() == "6 号窗口"]
    qtbot.mouseClick(target[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: current() is None and "已转移" in clerk.queue_page.message.text(), timeout=WAIT_MS)
    other = ClerkQueueService(hall.client("W-04"), 6)  # the ticket now waits at window 6
    try:
        other.login("S1006", STAFF_PIN)
        assert numbers[1] in [t.number for t in other.refresh().waiting]
    finally:
        other.platform.close()

    press(qtbot, clerk, "pause")  # F8: with a reason
    pause = [b for b in clerk.queue_page.choice.findChildren(type(clerk.queue_page.choice.ok)) if b.text() == "休息"]
    qtbot.mouseClick(pause[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: clerk.status.paused, timeout=WAIT_MS)
    assert clerk.queue_page.window_state.text() == "暂停服务：休息"
    assert clerk.queue_page.action_buttons["pause"].text() == "F8 恢复服务"
    clerk.activateWindow()
    qtbot.waitUntil(clerk.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(clerk, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: not clerk.status.paused, timeout=WAIT_MS)

    press(qtbot, clerk, "call_next")  # nobody waits for window 3 any more
    qtbot.waitUntil(lambda: clerk.queue_page.message.text() == "目前没有等候的号码。", timeout=WAIT_MS)
    press(qtbot, clerk, "recall")  # nothing to recall: the platform refuses, in clerk words
    qtbot.waitUntil(lambda: clerk.queue_page.message.property("role") == "problem", timeout=WAIT_MS)
    assert clerk.queue_page.message.text()

    qtbot.mouseClick(clerk.queue_page.logout_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: clerk.page == "login", timeout=WAIT_MS)
    qtbot.wait(100)  # the session's end reaches the window too: a logout is not "session ended"
    assert clerk.login_page.message.text() == ""


def test_the_clerk_window_switches_language_live(qtbot, issue, clerk):
    issue("A")
    log_in(qtbot, clerk)
    qtbot.waitUntil(lambda: clerk.page == "queue" and clerk.status is not None, timeout=WAIT_MS)
    qtbot.mouseClick(clerk.language_button, Qt.MouseButton.LeftButton)
    assert clerk.queue_page.action_buttons["call_next"].text() == "F1 Call next"
    assert clerk.queue_page.waiting_title.text() == "Waiting (1)"
    assert clerk.queue_page.counts.text().startswith("Today: served 0")


def test_the_display_reconnects_after_the_platform_comes_back(qtbot, tmp_path):
    hall = start_hall(tmp_path / "hall.db")
    client = hall.client("D-01", timeout_s=1.0)
    window = DisplayWindow(HallDisplayService(client), RecordingSpeaker(), poll_wait_s=0.3, retry_s=0.2,
                           call_timeout_s=1.5)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.presenter.have_backlog, timeout=WAIT_MS)
        hall.server.stop()
        qtbot.waitUntil(window.connection.isVisible, timeout=WAIT_MS)
        assert "重新连接" in window.connection.text()
        assert window.latest.text() == "请留意叫号"
    finally:
        window.close()
        client.close()


def test_the_waiting_list_marks_priority_tickets(qtbot, hall, clerk):
    from datetime import date

    from core.domain import CardType, Identity

    client = hall.client("K-01")
    kiosk = KioskQueueService(client, None)
    kiosk.set_identity(Identity(CardType.RESIDENT, "李䶮", "320102195503121234", birth_date=date(1955, 3, 12)))
    ticket = kiosk.issue(kiosk.new_request("A"), without_print=True).ticket
    client.close()
    assert ticket.priority and ticket.state is TicketState.WAITING
    log_in(qtbot, clerk)
    qtbot.waitUntil(lambda: clerk.queue_page.waiting.count() == 1, timeout=WAIT_MS)
    assert clerk.queue_page.waiting.item(0).text() == f"{ticket.number}  综合受理  优先"
