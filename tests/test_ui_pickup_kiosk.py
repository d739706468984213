"""The kiosk's 取件 page (ui/pickup_kiosk.py) on screen (offscreen Qt): the real presenter over the real
hall server on loopback and the locker simulator on socket://, its calls on the window's ``Worker``. The
page shows nothing of any compartment before a card is read, opens the door for the applicant's card,
says to take the documents and close the door, and records the pickup once the door is closed; the digit
pad takes six digits; a jammed lock asks for staff."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from pickup_support import APPLICANT_ID, approved, clerk_session, pickup_hall
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from server_fixtures import fresh_hall  # noqa: F401

from core.domain.pickup import Size
from core.presenters.pickup_kiosk import DoorTimings, KioskPickupPresenter, Screen
from devices.locker import LockerBus
from platform_client.pickup import KioskPickupClient, WindowPickupClient
from simulators.locker import LockerSimulator
from ui import theme
from ui.pickup_kiosk import PickupPage
from ui.texts import Texts
from ui.worker import Worker

WAIT_MS = 8000
SHOTS = os.environ.get("KIOSK_UI_SHOTS", "")  # a folder: the pages' screenshots are saved there (docs/ui.md)


@pytest.fixture
def sim():
    with LockerSimulator({1: 4}, thread_prefix="locker-sim-ui") as simulator:
        yield simulator


@pytest.fixture
def page(qtbot, fresh_hall, sim):  # noqa: F811
    hall = pickup_hall(fresh_hall)
    number = approved(hall)
    client, session = clerk_session(hall)
    window = WindowPickupClient(client)
    window.deposit(session, number, Size.SMALL)
    window.deposited(session, number)
    host = QWidget()
    theme.style_window(host)
    worker = Worker(host, name="pickup-test", max_workers=1)
    bus = LockerBus(sim.url, timeout_s=0.3, retries=1, reconnect_s=0.2, idle_check_s=0.1).start()
    texts = Texts("zh_CN", host)
    presenter = KioskPickupPresenter(KioskPickupClient(hall.client("kiosk-1")), bus, worker.run, texts,
                                     monotonic=time.monotonic, timings=DoorTimings(poll_s=0.1))
    widget = PickupPage(texts, presenter)
    widget.setParent(host)
    host.resize(1280, 800)
    widget.resize(1280, 800)
    qtbot.addWidget(host)
    host.show()
    widget.show()
    widget.number, widget.hall = number, hall
    yield widget
    widget.close()
    worker.shutdown()
    bus.stop()


def shot(widget, name: str) -> None:
    picture = widget.grab()
    assert not picture.isNull()
    if SHOTS:
        picture.save(str(Path(SHOTS) / name))


def test_the_applicants_card_opens_the_door_and_closing_it_records_the_pickup(qtbot, page, sim):
    """GIVEN the 取件 page WHEN nothing is read THEN it asks for the card or the code and shows no
    compartment; WHEN the applicant's card is read THEN door A-1 opens and the page says to take the
    documents and close it; WHEN the door, seen open, is closed THEN the page says the pickup is done."""
    page.open()
    assert page.title.text() == "智能柜取件" and not page.compartment.isVisible()
    shot(page, "citizen-pickup.png")
    page.card_read(APPLICANT_ID)
    qtbot.waitUntil(lambda: page.presenter.view.screen is Screen.TAKE, timeout=WAIT_MS)
    assert page.compartment.text() == "A-1" and page.compartment.isVisible()
    assert "关好柜门" in page.detail.text() and not page.back.isEnabled()
    shot(page, "citizen-pickup-open.png")
    qtbot.waitUntil(lambda: page.presenter.door_seen_open, timeout=WAIT_MS)
    sim.close_door(1, 1)
    qtbot.waitUntil(lambda: page.presenter.view.screen is Screen.DONE, timeout=WAIT_MS)
    assert page.title.text() == "取件完成" and not page.compartment.isVisible()
    state = page.hall.store._con().execute("SELECT state FROM cases WHERE tracking = ?", (page.number,)).fetchone()
    assert state[0] == "picked_up"


def test_the_digit_pad_takes_six_digits_and_only_then_submits(qtbot, page):
    """GIVEN the code entry WHEN five digits are pressed THEN 确定 stays disabled; at six it is enabled,
    a seventh is not taken."""
    page.open()
    qtbot.mouseClick(page.code_button, Qt.MouseButton.LeftButton)
    assert page.pad.isVisible()
    for d in "12345":
        qtbot.mouseClick(page.digits[d], Qt.MouseButton.LeftButton)
    assert not page.submit.isEnabled() and page.code.text() == "1 2 3 4 5 ·"
    qtbot.mouseClick(page.digits["6"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.digits["7"], Qt.MouseButton.LeftButton)
    assert page.submit.isEnabled() and page.presenter.code == "123456"
    shot(page, "citizen-pickup-code.png")


def test_a_jammed_lock_asks_for_staff(qtbot, page, sim):
    """GIVEN lock 1 jammed WHEN the applicant's card is read THEN the page says the door did not open and
    to ask staff, and the case is still waiting."""
    sim.jam(1, 1)
    page.open()
    page.card_read(APPLICANT_ID)
    qtbot.waitUntil(lambda: page.presenter.view.screen is Screen.JAMMED, timeout=WAIT_MS)
    assert page.title.text() == "柜门未能打开" and "工作人员" in page.detail.text()
    shot(page, "citizen-pickup-jammed.png")


def test_the_home_page_opens_pickup_and_a_card_read_there_goes_to_the_pickup(qtbot, hall, printers, sim):
    """GIVEN a kiosk window whose locker is driven by the kiosk (the sample hall's locker A, K-01) WHEN
    取件 is pressed on the home page THEN the pickup page shows with the window's idle return held off;
    WHEN a card nobody's case waits for is read THEN the pickup page says nothing waits (the queue's
    session is not started by it); WHEN 返回首页 is pressed THEN the home page is back."""
    from datetime import date

    from core.domain.identity import CardType, Identity
    from core.services.queue import KioskQueueService
    from ui.citizen import CitizenWindow
    from ui.pickup_kiosk import attach_presenter

    client = hall.client("K-01")
    window = CitizenWindow(KioskQueueService(client, printers[0], fallback_printer=printers[1]))
    qtbot.addWidget(window)
    bus = LockerBus(sim.url, timeout_s=0.3, retries=1, reconnect_s=0.2, idle_check_s=0.1).start()
    page = attach_presenter(window, KioskPickupClient(hall.client("K-01")), bus)
    window.show()
    assert page.open_button.isVisible()
    shot(window, "citizen-home-pickup.png")
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is page and not window.idle.armed
    window._on_card(Identity(CardType.RESIDENT, "欧阳娜娜", "110101199001011237", birth_date=date(1990, 1, 1)))
    qtbot.waitUntil(lambda: page.presenter.view.screen is Screen.NOTHING, timeout=WAIT_MS)
    assert window.presenter.greeting() is None
    qtbot.mouseClick(page.back, Qt.MouseButton.LeftButton)
    assert window.page == "home"
    window.close()
    bus.stop()
    client.close()
