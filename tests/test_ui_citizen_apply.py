"""The kiosk's 自助申报 page, driven by touch (qtbot): from a matter's guide, the card, the form with large
controls, a page taken with the document camera, the review, submit, the slip; cancel and the idle timeout.
The flow's rules are specified without Qt in tests/test_presenter_pre_application.py; here the touches reach
the presenter and what it decides shows. Real parts: the store's outbox, the synthetic document camera, the
printer driver over TCP to the printer simulator."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton

from core.config import PrinterConfig
from core.domain import CardType, Identity
from core.services.application import ApplicationService
from core.services.codes import CodeService
from core.services.guide import GuideBook
from core.services.queue import KioskQueueService
from devices.camera.service import CaptureService
from hall_server import sample_hall
from kiosk.adapters import OpenedOnFirstUse
from offline_cache import Store
from simulators.printer import PrinterSimulator
from tests.test_printer_ticket import texts
from ui.citizen import CitizenWindow
from ui.theme import TOUCH_PX

WAIT_MS = 8000
RENT = "320100-GG-0004"
NOT_SELF_SERVICE = "320100-XK-0001"
LI = Identity(CardType.RESIDENT, "李䶮", "11010519491231002X")


def touch(qtbot, widget) -> None:
    """A finger on ``widget`` once it is on screen (widgets built while a page is up appear a moment later)."""
    qtbot.waitUntil(lambda: widget.isVisible(), timeout=WAIT_MS)
    assert widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread():
    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "kiosk", margin_bytes=0)
    yield s
    s.close()


@pytest.fixture
def slip_printer():
    sim = PrinterSimulator().start()
    driver = OpenedOnFirstUse(PrinterConfig("receipt", sim.url, width_mm=80), timeout_s=3.0, device="receipt_printer")
    yield sim, driver
    driver.close()
    sim.stop()


@pytest.fixture
def camera():
    service = CaptureService("synthetic:?size=960x540&fps=25&still=1.0")
    service.start()
    service.wait_ready(timeout_s=5)
    yield service
    service.stop()


@pytest.fixture
def kiosk(qtbot, hall, printers, store, slip_printer, camera):
    client = hall.client("K-01")
    book = GuideBook.from_catalogue(sample_hall())
    window = CitizenWindow(KioskQueueService(client, printers[0]), guide=lambda: (book, False, 0.0),
                           codes=CodeService(None), application=ApplicationService(store), papers=slip_printer[1],
                           camera=camera)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    client.close()


def open_guide_at(qtbot, kiosk, code: str):
    touch(qtbot, kiosk.home.guide_button)
    qtbot.waitUntil(lambda: kiosk.guide.book is not None, timeout=WAIT_MS)
    kiosk.guide.choose(code)
    return kiosk.guide_page


def start_apply(qtbot, kiosk):
    page = open_guide_at(qtbot, kiosk, RENT)
    touch(qtbot, page.apply_button)
    assert kiosk.page == "apply" and kiosk.apply_page.views.currentWidget() is kiosk.apply_page.step_widgets["identify"]
    return kiosk.apply_page


def test_only_a_matter_that_allows_it_offers_self_service(qtbot, kiosk):
    page = open_guide_at(qtbot, kiosk, NOT_SELF_SERVICE)
    assert page.views.currentIndex() == 1 and page.apply_button.isHidden()
    kiosk.guide.choose(RENT)
    assert page.apply_button.isVisible() and page.apply_button.text() == "自助申报"


def test_card_form_camera_review_submit_and_the_slip(qtbot, kiosk, store, slip_printer):
    """GIVEN a matter's guide WHEN the citizen presses 自助申报, places the ID card, fills the form with large
    controls (name and number locked from the card), takes a page of the rental contract, checks the review
    and submits THEN the record is in the outbox, the screen shows the record's short id, and the slip
    prints with the masked name."""
    sim, _driver = slip_printer
    page = start_apply(qtbot, kiosk)
    kiosk.apply_flow.case_wait_s = 0.5  # no sync engine here: the case number cannot come
    kiosk._on_card(LI)
    assert page.views.currentWidget() is page.step_widgets["form"] and page.form_view.large
    name = page.form_view.findChild(QLineEdit, "form-name")
    assert name.text() == "李䶮" and not name.isEnabled() and name.minimumHeight() >= TOUCH_PX
    bank = page.form_view.findChild(QLineEdit, "form-bank_card")
    qtbot.keyClicks(bank, "6222021234567890123")
    qtbot.keyClicks(page.form_view.findChild(QLineEdit, "form-amount"), "5000")
    qtbot.keyClicks(page.form_view.findChild(QLineEdit, "form-phone"), "13812345678")
    touch(qtbot, page.next_button)
    assert page.views.currentWidget() is page.step_widgets["materials"]

    touch(qtbot, page.material_buttons["m2"])
    qtbot.waitUntil(lambda: page.capture.capture_button.isEnabled(), timeout=WAIT_MS)
    touch(qtbot, page.capture.capture_button)
    qtbot.waitUntil(lambda: "m2" in kiosk.apply_flow.application.pages, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "已拍摄 1 页" in page.material_buttons["m2"].text(), timeout=WAIT_MS)
    touch(qtbot, page.next_button)
    review = page.review_text.text()
    assert "1101**********002X" in review and "11010519491231002X" not in review and "李*" in review
    assert page.next_button.text() == "确认提交"

    touch(qtbot, page.next_button)
    qtbot.waitUntil(lambda: page.views.currentWidget() is page.step_widgets["done"], timeout=WAIT_MS)
    assert store.counts().waiting == 1
    short_id = kiosk.apply_flow.short_id
    assert short_id in page.done_number.text()
    qtbot.waitUntil(lambda: page.done_slip.text() == "回执已打印，请取走", timeout=WAIT_MS)
    lines = texts(sim.jobs()[-1], "gb18030")
    assert f"申报记录：{short_id}" in lines and "申请人：李*" in lines and "已提交材料" in lines

    touch(qtbot, page.finish_button)
    qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.home, timeout=WAIT_MS)
    assert kiosk.apply_flow.step is None and page.form_view is None


def test_the_idle_timeout_wipes_the_form_and_returns_home(qtbot, kiosk, store):
    page = start_apply(qtbot, kiosk)
    kiosk._on_card(LI)
    qtbot.keyClicks(page.form_view.findChild(QLineEdit, "form-phone"), "13812345678")
    flow = kiosk.apply_flow
    kiosk._idle_expired()
    qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.home, timeout=WAIT_MS)
    assert flow.step is None and flow.identity is None and flow.form is None and page.form_view is None
    assert store.counts().waiting == 0


def test_cancel_and_back_at_every_step(qtbot, kiosk):
    page = start_apply(qtbot, kiosk)
    assert page.back_button.isHidden() and page.cancel_button.isVisible()
    kiosk._on_card(LI)
    touch(qtbot, page.back_button)
    assert page.views.currentWidget() is page.step_widgets["identify"] and kiosk.apply_flow.identity is None
    touch(qtbot, page.cancel_button)
    qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.home, timeout=WAIT_MS)


def test_a_scanned_slip_code_says_to_take_it_to_a_window_and_shows_nothing_of_the_person(qtbot, kiosk):
    kiosk.submit_code("HALL:P:3f2a9c1e-7b4d-4e2a-9f10-2c3d4e5f6a7b")
    assert kiosk.page == "scan"
    assert kiosk.scan_page.message.text().startswith("这是自助申报回执上的码")


def test_the_on_screen_keyboard_types_into_the_form_and_goes_with_the_form_step(qtbot, kiosk):
    """GIVEN the form step WHEN the citizen touches a text field THEN the on-screen keyboard shows below the
    form and its keys type into that field; on the next step it is gone."""
    page = start_apply(qtbot, kiosk)
    kiosk._on_card(LI)
    keyboard = page.keyboard
    assert keyboard.isHidden()
    phone = page.form_view.findChild(QLineEdit, "form-phone")
    touch(qtbot, phone)
    qtbot.waitUntil(lambda: keyboard.isVisible(), timeout=WAIT_MS)
    assert page.form_view.isAncestorOf(phone) and not keyboard.isAncestorOf(phone)
    assert page.next_button.isHidden() and page.cancel_button.isHidden(), "typing: the keyboard takes their place"
    qtbot.waitUntil(lambda: kiosk.minimumSizeHint().height() <= 800, timeout=WAIT_MS)  # laid out again
    assert kiosk.minimumSizeHint().width() <= 1280, "the kiosk's screen is 1280×800"
    if keyboard.stack.currentWidget() is keyboard.letters_page:
        touch(qtbot, keyboard.symbols_button)
    for digit in "13812345678":
        touch(qtbot, keyboard.findChild(QPushButton, f"kb-key-{ord(digit):x}"))
    assert phone.text() == "13812345678" and kiosk.apply_flow.form.value("phone") == "13812345678"
    kiosk.apply_flow.form.set("bank_card", "6222021234567890123")
    kiosk.apply_flow.form.set("amount", "5000")
    touch(qtbot, keyboard.done_button)
    assert keyboard.isHidden() and page.cancel_button.isVisible()
    touch(qtbot, page.next_button)
    assert page.views.currentWidget() is page.step_widgets["materials"] and keyboard.isHidden()
