"""The citizen kiosk window, driven by touch (qtbot) against the real hall server with virtual printers:
the touches reach the presenter and what it decides shows.

Take a number end to end (the slip's bytes exist), language switch, idle warning and wipe, the platform
down or slow (a calm message, the window keeps answering), a print failure after the number was issued
(the number stays, reprint works), no printer at all (told before a number is taken). The rules
themselves (retries, refusals, sessions) are specified without Qt in tests/test_presenter_citizen.py.
"""

from __future__ import annotations

import socket
import threading

import pytest
from PySide6.QtCore import Qt

from platform_client import PlatformClient
from core.ports import PrinterStatus
from core.services.queue import KioskQueueService, PrintState, TicketIssued
from ui.citizen import CitizenWindow

WAIT_MS = 5000


def open_window(qtbot, platform, printers, **options) -> CitizenWindow:
    service = KioskQueueService(platform, printers[0], fallback_printer=printers[1])
    window = CitizenWindow(service, **options)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def kiosk(qtbot, hall, printers):
    client = hall.client("K-01")
    window = open_window(qtbot, client, printers)
    yield window
    window.close()
    client.close()


def touch(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def take_number(qtbot, kiosk, prefix: str = "A") -> None:
    qtbot.waitUntil(lambda: kiosk.hall_view is not None, timeout=WAIT_MS)
    touch(qtbot, kiosk.home.take)
    qtbot.waitUntil(lambda: prefix in kiosk.services_page.buttons, timeout=WAIT_MS)
    touch(qtbot, kiosk.services_page.buttons[prefix])
    assert kiosk.page == "confirm"
    touch(qtbot, kiosk.confirm_page.confirm_button)


def test_taking_a_number_end_to_end_shows_it_and_prints_the_slip(qtbot, kiosk, printers):
    with qtbot.waitSignal(kiosk.home_ready, timeout=WAIT_MS, raising=False):
        pass
    assert kiosk.home.hall_name.text() == "示例市政务服务中心"
    take_number(qtbot, kiosk, "B")
    qtbot.waitUntil(lambda: kiosk.page == "result" and kiosk.issued.print_state is PrintState.PRINTED,
                    timeout=WAIT_MS)
    assert kiosk.result.number.text() == "B001"
    assert kiosk.result.print_status.text() == "排队票已打印，请取走。"
    assert not kiosk.result.reprint_button.isVisible()
    assert len(printers[0].jobs) == 1 and b"B001" in printers[0].jobs[0]
    touch(qtbot, kiosk.result.done_button)
    assert kiosk.page == "home" and kiosk.issued is None and kiosk.result.number.text() == ""


def test_the_language_switches_live_with_one_touch_and_back_for_the_next_person(qtbot, kiosk):
    qtbot.waitUntil(lambda: kiosk.hall_view is not None, timeout=WAIT_MS)
    assert kiosk.home.take.text() == "取号"
    touch(qtbot, kiosk.language_button)
    assert kiosk.home.take.text() == "Take a number"
    assert kiosk.home.hall_name.text() == "Example City Government Service Center"
    assert kiosk.language_button.text() == "繁體中文"  # the next language of the cycle
    touch(qtbot, kiosk.home.take)
    qtbot.waitUntil(lambda: "A" in kiosk.services_page.buttons, timeout=WAIT_MS)
    assert kiosk.services_page.buttons["A"].text().startswith("General acceptance")
    touch(qtbot, kiosk.services_page.back_button)
    assert kiosk.page == "home" and kiosk.home.take.text() == "取号"  # a new session starts in Chinese


def test_idle_warns_then_one_touch_extends_then_the_session_is_wiped(qtbot, hall, printers):
    client = hall.client("K-01")
    kiosk = open_window(qtbot, client, printers, idle_s=1.2, idle_warning_s=0.6)
    try:
        take_number(qtbot, kiosk, "C")
        qtbot.waitUntil(lambda: kiosk.page == "result", timeout=WAIT_MS)
        qtbot.waitUntil(kiosk.idle_bar.isVisible, timeout=WAIT_MS)
        assert "秒后将返回首页" in kiosk.idle_text.text()
        touch(qtbot, kiosk.idle_extend)
        assert not kiosk.idle_bar.isVisible() and kiosk.page == "result"
        qtbot.waitUntil(lambda: kiosk.page == "home", timeout=WAIT_MS)
        assert kiosk.issued is None and kiosk.result.number.text() == ""
        assert kiosk.service.identity is None
        assert not kiosk.idle.armed
    finally:
        kiosk.close()
        client.close()


def test_with_the_platform_down_the_kiosk_says_so_calmly_and_stays_responsive(qtbot, printers):
    # A server that accepts connections and never answers: the slowest platform there is.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    client = PlatformClient(f"http://127.0.0.1:{silent.getsockname()[1]}", "K-01", "x", timeout_s=2.0)
    kiosk = open_window(qtbot, client, printers, call_timeout_s=0.5)
    try:
        touch(qtbot, kiosk.home.take)
        assert kiosk.page == "services"
        # While the hall is being asked for, the screen still reacts at once.
        touch(qtbot, kiosk.language_button)
        assert kiosk.services_page.title.text() == "Choose what you have come for"
        qtbot.waitUntil(lambda: kiosk.platform_banner.isVisible(), timeout=WAIT_MS)
        assert "network" in kiosk.platform_banner.text().lower()
        assert kiosk.services_page.retry_button.isVisible()
        assert "network is slow" in kiosk.services_page.status.text().lower()
        touch(qtbot, kiosk.services_page.back_button)
        assert kiosk.page == "home"
    finally:
        kiosk.close()
        client.close()
        silent.close()


def test_a_print_failure_keeps_the_number_on_screen_and_reprint_prints_it(qtbot, kiosk, printers):
    main, spare = printers

    def jam(event):  # the paper runs out right after the number is issued, before the slip
        if isinstance(event, TicketIssued):
            main.set_status(PrinterStatus.PAPER_OUT)
            spare.set_status(PrinterStatus.COVER_OPEN)

    unsubscribe = kiosk.service.events.subscribe(jam)
    take_number(qtbot, kiosk, "D")
    qtbot.waitUntil(lambda: kiosk.issued is not None and kiosk.issued.print_state is PrintState.FAILED,
                    timeout=WAIT_MS)
    unsubscribe()
    assert kiosk.page == "result" and kiosk.result.number.text() == "D001"
    assert "D001" in kiosk.result.print_status.text() and "工作人员" in kiosk.result.print_status.text()
    assert kiosk.result.reprint_button.isVisible()
    main.set_status(PrinterStatus.READY)
    touch(qtbot, kiosk.result.reprint_button)
    qtbot.waitUntil(lambda: kiosk.issued.print_state is PrintState.PRINTED, timeout=WAIT_MS)
    assert kiosk.result.number.text() == "D001" and len(main.jobs) == 1
    assert not kiosk.result.reprint_button.isVisible()


def test_with_no_printer_able_to_print_the_person_is_told_first_and_may_go_on_without_a_slip(qtbot, kiosk,
                                                                                           printers):
    for printer in printers:
        printer.set_status(PrinterStatus.PAPER_OUT)
    take_number(qtbot, kiosk, "E")
    qtbot.waitUntil(lambda: kiosk.page == "problem", timeout=WAIT_MS)
    assert "缺纸" in kiosk.problem.message.text()
    assert kiosk.problem.without_print_button.isVisible()
    touch(qtbot, kiosk.problem.without_print_button)
    qtbot.waitUntil(lambda: kiosk.page == "result", timeout=WAIT_MS)
    assert kiosk.result.number.text() == "E001"
    assert kiosk.issued.print_state is PrintState.NOT_PRINTED
    assert "E001" in kiosk.result.print_status.text()
    assert all(p.jobs == [] for p in printers)


def test_try_again_on_the_problem_page_reaches_the_kiosk_and_takes_the_number(qtbot, kiosk, printers):
    """GIVEN no printer able to print on confirm WHEN the paper is back and the person touches "try again"
    THEN the same press goes through: the number shows and its slip prints."""
    for printer in printers:
        printer.set_status(PrinterStatus.PAPER_OUT)
    take_number(qtbot, kiosk, "F")
    qtbot.waitUntil(lambda: kiosk.page == "problem", timeout=WAIT_MS)
    request = kiosk.request
    printers[0].set_status(PrinterStatus.READY)
    touch(qtbot, kiosk.problem.retry_button)
    qtbot.waitUntil(lambda: kiosk.page == "result" and kiosk.issued.print_state is PrintState.PRINTED,
                    timeout=WAIT_MS)
    assert kiosk.issued.request_id == request.request_id and kiosk.result.number.text() == "F001"


def test_every_touch_target_on_every_citizen_page_is_at_least_60_px(qtbot, kiosk):
    from PySide6.QtWidgets import QPushButton

    take_number(qtbot, kiosk, "A")
    qtbot.waitUntil(lambda: kiosk.page == "result", timeout=WAIT_MS)
    for page in (kiosk.home, kiosk.services_page, kiosk.result, kiosk.problem):
        kiosk.stack.setCurrentWidget(page)
        qtbot.wait(20)
        small = [(b.objectName(), b.height(), b.width()) for b in kiosk.findChildren(QPushButton)
                 if b.isVisible() and (b.height() < 60 or b.width() < 60)]
        assert small == [], page.name


def test_an_identity_arriving_on_the_confirm_page_shows_masked_and_gives_priority(qtbot, kiosk):
    from datetime import date

    from core.domain import CardType, Identity

    qtbot.waitUntil(lambda: kiosk.hall_view is not None, timeout=WAIT_MS)
    touch(qtbot, kiosk.home.take)
    qtbot.waitUntil(lambda: "A" in kiosk.services_page.buttons, timeout=WAIT_MS)
    touch(qtbot, kiosk.services_page.buttons["A"])
    assert kiosk.confirm_page.identity_line.text() == "身份证阅读器未连接，可直接取号。"
    # An identity set from another thread (the reader's path is in tests/test_ui_identity.py).
    person = Identity(CardType.RESIDENT, "李䶮", "320102195503121234", birth_date=date(1955, 3, 12))
    reader = threading.Thread(target=kiosk.service.set_identity, args=(person,), name="idcard-test")
    reader.start()
    reader.join(2)
    qtbot.waitUntil(lambda: kiosk.confirm_page.identity_line.text() == "李*，您好！您已年满 70 周岁，将为您优先安排",
                    timeout=WAIT_MS)
    touch(qtbot, kiosk.confirm_page.confirm_button)
    qtbot.waitUntil(lambda: kiosk.page == "result", timeout=WAIT_MS)
    assert kiosk.result.priority.isVisible() and kiosk.result.priority.text() == "优先办理"
    touch(qtbot, kiosk.result.done_button)
    assert kiosk.service.identity is None
