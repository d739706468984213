"""The pickup window's 统一出件 page (ui/pickup_window.py) on screen (offscreen Qt): the real presenter over
the real hall server on loopback and the locker simulator on socket://, on a ``Worker``. A collector's
card lists their cases; a scanned case QR fills the number and the size buttons deposit it, the door
watched on the page's timer until the clerk closes it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from pickup_support import PROXY_ID, approved, clerk_session, pickup_hall
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from server_fixtures import fresh_hall  # noqa: F401

from core.domain.codes import receipt_payload
from core.domain.pickup import Size
from core.presenters.pickup_window import Step, Timings, WindowPickupPresenter
from devices.locker import LockerBus
from platform_client.cases import CasesClient
from platform_client.pickup import WindowPickupClient
from simulators.locker import LockerSimulator
from ui import theme
from ui.pickup_window import PickupDeskPage
from ui.texts import Texts
from ui.worker import Worker

WAIT_MS = 8000
SHOTS = os.environ.get("KIOSK_UI_SHOTS", "")  # a folder: the pages' screenshots are saved there (docs/ui.md)


@pytest.fixture
def sim():
    with LockerSimulator({1: 4}, thread_prefix="locker-sim-desk") as simulator:
        yield simulator


@pytest.fixture
def page(qtbot, fresh_hall, sim):  # noqa: F811
    hall = pickup_hall(fresh_hall)
    client, session = clerk_session(hall)
    host = QWidget()
    theme.style_window(host)
    worker = Worker(host, name="desk-test", max_workers=1)
    bus = LockerBus(sim.url, timeout_s=0.3, retries=1, reconnect_s=0.2, idle_check_s=0.1).start()
    texts = Texts("zh_CN", host)
    presenter = WindowPickupPresenter(WindowPickupClient(client), bus, worker.run, texts, session=lambda: session,
                                      monotonic=time.monotonic, timings=Timings(poll_s=0.1))
    widget = PickupDeskPage(texts, presenter)
    widget.setParent(host)
    host.resize(1280, 800)
    widget.resize(1280, 800)
    qtbot.addWidget(host)
    host.show()
    widget.hall, widget.clerk = hall, (client, session)
    yield widget
    widget.close()
    worker.shutdown()
    bus.stop()


def shot(widget, name: str) -> None:
    picture = widget.grab()
    assert not picture.isNull()
    if SHOTS:
        picture.save(str(Path(SHOTS) / name))


def test_a_proxys_card_lists_the_cases_ready_for_them(qtbot, page):
    """GIVEN two cases ready at window 3 WHEN the proxy's card is read THEN both are listed with their matter,
    where they wait and "代领人", and 交付 is enabled."""
    client, session = page.clerk
    for _ in range(2):
        number = approved(page.hall, page.clerk)
        CasesClient(client).result_ready(session, number, "window", window=3)
    page.presenter.card_read(PROXY_ID)
    qtbot.waitUntil(lambda: page.cases.count() == 2, timeout=WAIT_MS)
    assert "3 号窗口" in page.cases.item(0).text() and "代领人" in page.cases.item(0).text()
    assert page.hand_over_button.isEnabled() and "2 件" in page.status.text()
    shot(page, "clerk-pickup.png")


def test_a_scanned_case_is_deposited_and_recorded_when_the_clerk_closes_the_door(qtbot, page, sim):
    """GIVEN an approved case WHEN its QR is scanned THEN the number is filled and the size buttons are
    enabled; WHEN 小格 is pressed THEN door A-1 opens and the page says to put the documents in and close it;
    WHEN the door, seen open, is closed THEN the page says it is in the locker and the code was sent."""
    number = approved(page.hall, page.clerk)
    assert not page.size_buttons[Size.SMALL].isEnabled()
    page.presenter.scanned(receipt_payload(number))
    assert page.number.text() == number and page.size_buttons[Size.SMALL].isEnabled()
    qtbot.mouseClick(page.size_buttons[Size.SMALL], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.presenter.step is Step.DEPOSITING, timeout=WAIT_MS)
    assert "A-1 号柜门已打开" in page.status.text() and not page.back_button.isEnabled()
    shot(page, "clerk-pickup-deposit.png")
    qtbot.waitUntil(lambda: page.presenter.door_seen_open, timeout=WAIT_MS)
    sim.close_door(1, 1)
    qtbot.waitUntil(lambda: page.presenter.step is Step.DEPOSITED, timeout=WAIT_MS)
    assert "取件码" in page.status.text() and page.number.text() == ""


def test_every_key_of_a_pickup_window_does_one_thing(qtbot, fresh_hall):  # noqa: F811
    """GIVEN a clerk's window that is also the pickup window THEN no two shortcuts share a key (two would
    cancel each other out: Qt fires neither): F1–F10 are the queue's, F11 the application page, F12 统一出件."""
    from PySide6.QtGui import QShortcut

    from core.services.queue import ClerkQueueService
    from ui.clerk import ClerkWindow
    from ui.pickup_window import attach_presenter

    hall = pickup_hall(fresh_hall)
    client = hall.client("window-3")
    window = ClerkWindow(ClerkQueueService(client, 3))
    qtbot.addWidget(window)
    attach_presenter(window, WindowPickupClient(client), None)
    keys = [s.key().toString() for s in window.findChildren(QShortcut) if not s.key().isEmpty()]
    assert "F12" in keys and "F10" in keys
    assert len(keys) == len(set(keys)), sorted(keys)
    window.close()
