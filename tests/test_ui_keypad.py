"""The citizen kiosk from a keypad alone (EN 301 549 clause 5.1, closed functionality): arrows, OK, Back,
Help and the digits, as real Qt key events to the window, against the real hall server on loopback with
virtual printers and the application's real keyboard-wedge filter (ui/wedge.py) listening.

Taking a number and checking an appointment in, with no touch at all; a scanner's burst still scans while
the keypad is in use; Back goes back; Help says what the keys do; a keypad user gets more time; elders'
mode makes the screen larger and gives more time, and the next person starts without it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.services.codes import CodeService
from core.services.queue import KioskQueueService, PrintState
from hall_server.appointments import seed_samples
from platform_client.appointments import AppointmentsClient
from test_services_queue_support import start_hall, virtual_printer
from ui.citizen import CitizenWindow
from ui.citizen_access import accessible_name, accessible_role
from ui.scan_source import ScanSource

WAIT_MS = 6000
K = Qt.Key


@pytest.fixture
def hall(tmp_path):
    hall = start_hall(tmp_path / "hall.db")
    hall.samples = seed_samples(hall.server.store)
    yield hall
    hall.server.stop()


@contextmanager
def open_kiosk(qtbot, hall, options=lambda client: {}):
    """The kiosk window K-01 against ``hall``, listening for wedge scans as a real kiosk does, shown and
    holding the hall's services; ``options(client)``: more of the window's keyword arguments."""
    client = hall.client("K-01")
    printers = virtual_printer("kiosk-main"), virtual_printer("kiosk-spare")
    scans = ScanSource(QApplication.instance())
    service = KioskQueueService(client, printers[0], fallback_printer=printers[1])
    window = CitizenWindow(service, scans=scans, idle_s=60, idle_warning_s=20, **options(client))
    scans.window = window
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.hall_view is not None, timeout=WAIT_MS)
    try:
        yield window
    finally:
        window.close()
        scans.close()
        client.close()
        for printer in printers:
            printer.close()


@pytest.fixture
def kiosk(qtbot, hall):
    """The kiosk window with codes, and the idle time a keypad user and elders' mode get."""
    with open_kiosk(qtbot, hall, lambda client: {
            "codes": CodeService(AppointmentsClient(client)),
            "idle_options": {"keypad_factor": 3.0, "elders_factor": 2.0}}) as window:
        yield window


def press(window, key: Qt.Key, times: int = 1, delay_ms: int = -1) -> None:
    """A keypad's key, delivered where a keyboard's goes: the window's focused control (else the window)."""
    for _ in range(times):
        QTest.keyClick(window.focusWidget() or window, key, Qt.KeyboardModifier.NoModifier, delay_ms)


def focused(window):
    return window.access.keypad.focused()


def move_to(window, predicate, key: Qt.Key = K.Key_Down, limit: int = 40):
    """Presses ``key`` until the focused control satisfies ``predicate`` (at most ``limit`` presses)."""
    for _ in range(limit):
        press(window, key)
        widget = focused(window)
        if widget is not None and predicate(widget):
            return widget
    raise AssertionError("the keypad never reached the control")


def test_taking_a_number_from_the_keypad_alone(qtbot, kiosk):
    """GIVEN the home screen WHEN the person moves with the arrows to 取号 and presses OK, moves to service
    B and presses OK, then OK on 确认取号 THEN the number is issued and printed; OK on 完成 goes home.
    Every control the focus passed had an accessible name and the role of a button."""
    seen = []
    move_to(kiosk, lambda w: seen.append((accessible_name(w), accessible_role(w))) or w is kiosk.home.take)
    press(kiosk, K.Key_Return)
    assert kiosk.page == "services"
    qtbot.waitUntil(lambda: "B" in kiosk.services_page.buttons, timeout=WAIT_MS)
    move_to(kiosk, lambda w: w is kiosk.services_page.buttons["B"])
    press(kiosk, K.Key_Enter)
    assert kiosk.page == "confirm"
    move_to(kiosk, lambda w: w is kiosk.confirm_page.confirm_button)
    press(kiosk, K.Key_Return)
    qtbot.waitUntil(lambda: kiosk.page == "result" and kiosk.issued.print_state is PrintState.PRINTED,
                    timeout=WAIT_MS)
    assert kiosk.result.number.text() == "B001"
    move_to(kiosk, lambda w: w is kiosk.result.done_button, K.Key_Up)
    press(kiosk, K.Key_Return)
    assert kiosk.page == "home" and kiosk.issued is None
    assert seen and all(name and role == "Button" for name, role in seen), seen


def test_checking_in_an_appointment_from_the_keypad_alone(qtbot, kiosk, hall):
    """GIVEN today's sample appointment WHEN the person moves to 预约签到, presses OK, types its 15 digits on
    the keypad's digit keys and presses OK on the page's OK key THEN it checks in: a priority ticket of its
    service is printed. The digits went through the wedge filter as a person's typing, not as a scan."""
    code = hall.samples["appointments"][2]
    move_to(kiosk, lambda w: w is kiosk.home.check_in_button)
    press(kiosk, K.Key_Return)
    assert kiosk.page == "scan"
    for digit in code[2:]:
        press(kiosk, getattr(K, f"Key_{digit}"), delay_ms=60)  # a person's pace
    qtbot.waitUntil(lambda: kiosk.scan_page.digits == code[2:], timeout=WAIT_MS)
    press(kiosk, K.Key_Backspace)
    assert kiosk.scan_page.digits == code[2:-1]
    press(kiosk, getattr(K, f"Key_{code[-1]}"))
    qtbot.waitUntil(lambda: kiosk.scan_page.digits == code[2:], timeout=WAIT_MS)
    move_to(kiosk, lambda w: w is kiosk.scan_page.ok)
    press(kiosk, K.Key_Return)
    qtbot.waitUntil(lambda: kiosk.issued is not None and kiosk.issued.print_state is PrintState.PRINTED,
                    timeout=WAIT_MS)
    assert kiosk.page == "result" and kiosk.issued.ticket.appointment


def test_a_scanner_burst_still_scans_while_the_keypad_is_in_use(qtbot, kiosk, hall):
    """GIVEN the keypad's focus on 取号 WHEN a wedge scanner types a receipt's code and Enter, key after key
    with no delay THEN it is one scan (the tracking page), and the focused 取号 was not pressed."""
    tracking = hall.samples["cases"][0]
    target = move_to(kiosk, lambda w: w is kiosk.home.take)
    qtbot.waitUntil(lambda: QApplication.focusObject() is target, timeout=WAIT_MS)
    for ch in f"HALL:R:{tracking}":
        QTest.keyClick(target, ch)
    QTest.keyClick(target, K.Key_Return)
    qtbot.waitUntil(lambda: kiosk.page == "tracking", timeout=WAIT_MS)
    assert kiosk.tracking_page.case.tracking == tracking


def test_back_goes_back_and_help_says_what_the_keys_do(qtbot, kiosk):
    """GIVEN the confirm page WHEN Back is pressed THEN the services page shows; Back again: home. Help
    shows what the keys do, and Help again hides it."""
    kiosk.open_services()
    qtbot.waitUntil(lambda: "A" in kiosk.services_page.buttons, timeout=WAIT_MS)
    kiosk.choose("A")
    assert kiosk.page == "confirm"
    press(kiosk, K.Key_Escape)
    assert kiosk.page == "services"
    press(kiosk, K.Key_Escape)
    assert kiosk.page == "home"
    press(kiosk, K.Key_F1)
    assert kiosk.access.help_banner.isVisible() and "↑↓←→" in kiosk.access.help_banner.text()
    press(kiosk, K.Key_F1)
    assert not kiosk.access.help_banner.isVisible()


def test_a_keypad_user_gets_more_time_and_elders_mode_more_still(qtbot, kiosk):
    """GIVEN a session with the hall's 60 s WHEN the keypad is used THEN the session has 3 × 60 s (the
    keypad factor); elders' mode turns the larger screen on (body text 30 px and up, one service a row);
    going home ends both for the next person."""
    kiosk.open_services()
    assert kiosk.idle.idle_s == 60
    press(kiosk, K.Key_Down)
    assert kiosk.idle.idle_s == 180
    kiosk.go_home()
    assert kiosk.idle.idle_s == 60
    move_to(kiosk, lambda w: w is kiosk.access.elders_button)
    press(kiosk, K.Key_Return)
    assert kiosk.presenter.elders and kiosk.access.elders_button.text() == "退出长辈模式"
    assert kiosk.idle.idle_s == 180  # the keypad's factor is the larger one
    kiosk.open_services()
    qtbot.waitUntil(lambda: "A" in kiosk.services_page.buttons, timeout=WAIT_MS)
    assert kiosk.services_page.columns == 1
    assert kiosk.services_page.title.fontInfo().pixelSize() >= 44
    kiosk.go_home()
    assert not kiosk.presenter.elders and kiosk.idle.idle_s == 60
    assert kiosk.home.hint.fontInfo().pixelSize() < 30


def test_the_idle_warning_says_how_long_is_left_and_extends_ten_times(qtbot, hall):
    """GIVEN a hall that allows ten extensions (the least WCAG 2.2.1 allows) WHEN the warning comes THEN it
    says the seconds left and the extensions left; "continue" extends it ten times, then the button goes and
    the session ends; the next session has its ten again."""
    client = hall.client("K-01")
    service = KioskQueueService(client, None)
    window = CitizenWindow(service, idle_s=0.8, idle_warning_s=0.6, idle_options={"extensions": 10})
    qtbot.addWidget(window)
    window.show()
    try:
        window.open_scan("checkin")
        for done in range(10):
            qtbot.waitUntil(window.idle_bar.isVisible, timeout=WAIT_MS)
            text = window.idle_text.text()
            assert "秒后将返回首页" in text and f"还可延长 {10 - done} 次" in text
            window.idle_extend.click()
            assert window.page == "scan" and not window.idle_bar.isVisible()
        qtbot.waitUntil(window.idle_bar.isVisible, timeout=WAIT_MS)
        assert "还可延长 0 次" in window.idle_text.text() and not window.idle_extend.isVisible()
        qtbot.waitUntil(lambda: window.page == "home", timeout=WAIT_MS)
        assert window.idle.extensions_left == 10
    finally:
        window.close()
        client.close()


def test_the_focus_ring_is_drawn_by_the_theme_and_stands_out():
    """GIVEN the theme THEN a focused button and field get a ring in the focus colour, which reaches 3:1
    against the page and the secondary buttons' fill (WCAG 1.4.11); a focused filled button turns the focus
    colour, and its white text still reaches 4.5:1."""
    from ui import theme

    sheet = theme.stylesheet()
    assert f"QPushButton:focus {{ border: 5px solid {theme.COLOURS['focus']}; }}" in sheet
    assert "QLineEdit:focus" in sheet and "QPushButton[role=\"primary\"]:focus" in sheet
    for fore, back in theme.RING_PAIRS:
        assert theme.contrast(theme.COLOURS[fore], theme.COLOURS[back]) >= 3.0, (fore, back)
    assert theme.contrast(theme.COLOURS["on_primary"], theme.COLOURS["focus"]) >= 4.5
    assert "font-size: 30px" in theme.stylesheet(elders=True) and "font-size: 30px" not in sheet


def test_the_hall_s_counts_coming_in_keep_a_keypad_user_s_place(qtbot, kiosk, hall):
    """GIVEN a keypad user on service B of the services page WHEN the hall's counts come in (every few
    seconds) THEN the same buttons say the new counts, in place, and the focus stays on service B (a person
    moving with the arrows, or listening to the voice read the controls, does not lose their place); WHEN
    the page is drawn anew (larger buttons in elders' mode) THEN service B has the focus again."""
    kiosk.open_services()
    page = kiosk.services_page
    qtbot.waitUntil(lambda: "B" in page.buttons, timeout=WAIT_MS)
    move_to(kiosk, lambda w: w is page.buttons["B"])
    old = page.buttons["B"]
    busier = replace(page.hall, services=tuple(replace(s, waiting=s.waiting + 7) for s in page.hall.services))
    page.show_hall(busier)  # what the hall's counts coming in do
    assert page.buttons["B"] is old and focused(kiosk) is old and old.hasFocus()
    assert page.texts("ui.services.waiting", n=busier.service("B").waiting) in old.text()
    assert page.texts("ui.services.waiting", n=busier.service("B").waiting) in old.accessibleName()

    page.set_columns(1)  # drawn anew
    assert page.buttons["B"] is not old
    qtbot.waitUntil(lambda: focused(kiosk) is page.buttons["B"], timeout=WAIT_MS)
    press(kiosk, K.Key_Return)
    assert kiosk.page == "confirm"
