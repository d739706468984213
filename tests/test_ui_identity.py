"""Identification by ID card in the windows: the real driver polls the reader simulator over socket://,
the windows talk to the real hall server on loopback, the kiosk prints on virtual printers.

Kiosk: a card greets the person masked and the ticket carries the identity (a second try is a reprint of
the same number), elderly priority, the session is wiped on idle, on "done" and by a new card; without a
reader, with the reader unplugged and with an unreadable card the kiosk stays calm and still issues
anonymously. Clerk: the applicant panel fills from the card masked, shows in full only while "show" is
held, warns about an expired card, and clears when the ticket is finished.
"""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from test_services_queue_support import STAFF_PIN

from devices.idcard import open_reader
from simulators.idcard_cards import SampleCard, resident_text, sample_photo, with_check_digit
from devices.idcard.protocol import Command, Status
from simulators.idcard import Fault, IdCardSimulator
from core.logs import mask_text
from core.ports.idcard import ReaderState
from core.services.queue import ClerkQueueService, KioskQueueService, PrintState
from ui.citizen import CitizenWindow
from ui.clerk import ClerkWindow

WAIT_MS = 6000
LI_YAN_NUMBER = "320102195503121230"
PLACE_CARD = "请将身份证放在感应区（可选）：同一业务不重复取号，年满 70 周岁优先办理"
LI_YAN_GREETING = "李*，您好！您已年满 70 周岁，将为您优先安排"
EXPIRED = SampleCard("expired", "resident card that expired in 2020", resident_text(
    name="王小明", sex="male", ethnicity="01", birth=date(1980, 5, 1), address="江苏省南京市鼓楼区北京西路1号",
    id_number=with_check_digit("32010619800501001"), authority="南京市公安局鼓楼分局",
    valid_from=date(2010, 1, 1), valid_to=date(2020, 1, 1)), sample_photo("expired"))


@pytest.fixture
def sim():
    with IdCardSimulator(thread_name="idcard-sim", emulate_wire_time=False) as simulator:
        yield simulator


def make_reader(url: str):
    return open_reader(url, poll_interval_s=0.05, reconnect_interval_s=0.2)


@pytest.fixture
def reader(sim):
    reader = make_reader(sim.url)
    yield reader
    reader.stop()


def open_kiosk(qtbot, hall, printers, reader=None, **options) -> CitizenWindow:
    client = hall.client("K-01")
    window = CitizenWindow(KioskQueueService(client, printers[0], fallback_printer=printers[1]),
                           id_reader=reader, **options)
    qtbot.addWidget(window)
    window.show()
    if reader is not None:
        reader.start()  # as the composition root does, once the window has set the callbacks
    qtbot.waitUntil(lambda: window.hall_view is not None, timeout=WAIT_MS)
    return window


@pytest.fixture
def kiosk(qtbot, hall, printers, reader):
    window = open_kiosk(qtbot, hall, printers, reader)
    yield window
    window.close()
    reader.stop()
    window.service.platform.close()


def touch(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def slot(window: CitizenWindow) -> str:
    page = window.confirm_page if window.page == "confirm" else window.services_page
    return page.id_slot.text.text()


def screen_text(window) -> str:
    """Every piece of text the window shows (labels and buttons)."""
    return "\n".join([w.text() for w in window.findChildren(QLabel) if w.isVisible()]
                     + [w.text() for w in window.findChildren(QPushButton) if w.isVisible()])


def place(qtbot, sim, window, card: str | SampleCard) -> None:
    sim.lift()
    qtbot.wait(150)  # a few polls: the driver sees the card gone, so the next one is a new card
    sim.place(card)


def take(qtbot, kiosk, prefix: str = "A") -> None:
    # The page rebuilds its buttons when the hall is fetched again: wait for the shown one.
    qtbot.waitUntil(lambda: prefix in kiosk.services_page.buttons
                    and kiosk.services_page.buttons[prefix].isVisible(), timeout=WAIT_MS)
    touch(qtbot, kiosk.services_page.buttons[prefix])
    touch(qtbot, kiosk.confirm_page.confirm_button)
    qtbot.waitUntil(lambda: kiosk.page == "result" and kiosk.issued.print_state is PrintState.PRINTED,
                    timeout=WAIT_MS)


# --- the kiosk ---------------------------------------------------------------------------------------


def test_a_card_greets_the_person_masked_and_the_second_try_is_a_reprint_of_the_same_number(qtbot, sim, kiosk,
                                                                                           printers):
    """GIVEN the kiosk's home screen WHEN 李䶮 places his card THEN the services page greets him masked,
    with elderly priority; his number is a priority ticket; "done" wipes him; placing the card again and
    choosing the same service reprints the same number."""
    qtbot.waitUntil(lambda: kiosk.reader.presenter.state is ReaderState.CONNECTED, timeout=WAIT_MS)
    sim.place("li_yan")
    qtbot.waitUntil(lambda: kiosk.page == "services" and slot(kiosk) == LI_YAN_GREETING, timeout=WAIT_MS)
    shown = screen_text(kiosk)
    assert "李䶮" not in shown and LI_YAN_NUMBER not in shown
    take(qtbot, kiosk)
    first = kiosk.issued.ticket
    assert first.priority and kiosk.result.priority.isVisible()
    assert kiosk.result.heading.text() == "您的号码是"
    touch(qtbot, kiosk.result.done_button)
    assert kiosk.page == "home" and kiosk.service.identity is None
    assert mask_text("李䶮") == "李䶮"  # no longer registered for log masking

    place(qtbot, sim, kiosk, "li_yan")
    qtbot.waitUntil(lambda: kiosk.page == "services" and kiosk.service.identity is not None, timeout=WAIT_MS)
    take(qtbot, kiosk)
    assert kiosk.issued.ticket.number == first.number and kiosk.issued.ticket.reprint
    assert kiosk.result.heading.text() == f"您已取过号 {first.number}，已为您重新打印"
    assert len(printers[0].jobs) == 2  # printed again


def test_a_new_card_on_the_confirm_page_reaches_the_kiosk_and_greets_the_next_person(qtbot, sim, kiosk):
    """GIVEN 李䶮 on the confirm page WHEN 欧阳娜娜 places her card THEN the services page greets her (the
    rules of whose session it is: tests/test_presenter_citizen.py)."""
    sim.place("li_yan")
    qtbot.waitUntil(lambda: kiosk.page == "services" and kiosk.service.identity is not None
                    and "A" in kiosk.services_page.buttons and kiosk.services_page.buttons["A"].isVisible(),
                    timeout=WAIT_MS)
    touch(qtbot, kiosk.services_page.buttons["A"])
    assert kiosk.page == "confirm" and slot(kiosk) == LI_YAN_GREETING
    place(qtbot, sim, kiosk, "ouyang_nana")
    qtbot.waitUntil(lambda: kiosk.service.identity is not None and kiosk.service.identity.name == "欧阳娜娜",
                    timeout=WAIT_MS)
    assert kiosk.page == "services" and kiosk.confirm_page.service is None
    assert slot(kiosk) == "欧***，您好"


def test_the_idle_timeout_wipes_the_identity_from_memory_and_screen(qtbot, hall, printers, sim, reader):
    kiosk = open_kiosk(qtbot, hall, printers, reader, idle_s=1.2, idle_warning_s=0.6)
    try:
        sim.place("li_yan")
        qtbot.waitUntil(lambda: kiosk.page == "services" and kiosk.service.identity is not None,
                        timeout=WAIT_MS)
        qtbot.waitUntil(lambda: kiosk.page == "home", timeout=WAIT_MS)
        assert kiosk.service.identity is None
        assert "李*" not in kiosk.services_page.id_slot.text.text()
        assert "李*" not in kiosk.confirm_page.id_slot.text.text()
        assert mask_text("李䶮") == "李䶮"
    finally:
        kiosk.close()
        reader.stop()
        kiosk.service.platform.close()


def test_without_a_reader_the_slot_says_so_and_a_number_is_taken_anonymously(qtbot, hall, printers):
    kiosk = open_kiosk(qtbot, hall, printers)
    try:
        touch(qtbot, kiosk.home.take)
        qtbot.waitUntil(lambda: "A" in kiosk.services_page.buttons, timeout=WAIT_MS)
        assert slot(kiosk) == "身份证阅读器未连接，可直接取号。"
        take(qtbot, kiosk)
        assert kiosk.issued.ticket.number == "A001" and not kiosk.issued.ticket.priority
    finally:
        kiosk.close()
        kiosk.service.platform.close()


def test_an_unplugged_reader_is_shown_calmly_and_anonymous_numbers_still_work(qtbot, sim, kiosk):
    qtbot.waitUntil(lambda: kiosk.reader.presenter.state is ReaderState.CONNECTED, timeout=WAIT_MS)
    touch(qtbot, kiosk.home.take)
    qtbot.waitUntil(lambda: slot(kiosk) == PLACE_CARD, timeout=WAIT_MS)
    sim.unplug()
    qtbot.waitUntil(lambda: slot(kiosk) == "身份证阅读器暂时无法使用，您可以直接取号。", timeout=WAIT_MS)
    take(qtbot, kiosk)
    assert kiosk.issued.ticket.number == "A001"
    sim.replug()
    qtbot.waitUntil(lambda: kiosk.reader.presenter.state is ReaderState.CONNECTED, timeout=WAIT_MS)
    touch(qtbot, kiosk.result.done_button)
    touch(qtbot, kiosk.home.take)
    assert slot(kiosk) == PLACE_CARD


def test_an_unreadable_card_asks_to_place_it_again(qtbot, sim, kiosk):
    qtbot.waitUntil(lambda: kiosk.reader.presenter.state is ReaderState.CONNECTED, timeout=WAIT_MS)
    touch(qtbot, kiosk.home.take)
    sim.inject(Fault.STATUS, command=Command.READ_TEXT_PHOTO, status=Status.READ_FAILED, times=1000)
    sim.place("li_yan")
    qtbot.waitUntil(lambda: slot(kiosk) == "读卡没有成功，请将身份证拿开后重新放置。", timeout=WAIT_MS)
    assert kiosk.service.identity is None and kiosk.page == "services"
    sim.clear_faults()
    qtbot.waitUntil(lambda: slot(kiosk) == LI_YAN_GREETING, timeout=WAIT_MS)


def test_the_english_kiosk_greets_in_english(qtbot, sim, kiosk):
    kiosk.switch_language()
    sim.place("ouyang_nana")
    qtbot.waitUntil(lambda: kiosk.page == "services" and slot(kiosk) == "Hello, 欧***", timeout=WAIT_MS)


# --- the clerk's window ------------------------------------------------------------------------------


@pytest.fixture
def clerk(qtbot, hall, reader):
    client = hall.client("W-03")
    window = ClerkWindow(ClerkQueueService(client, 3), id_reader=reader)
    qtbot.addWidget(window)
    window.show()
    reader.start()
    yield window
    window.close()
    reader.stop()
    client.close()


def log_in_and_call(qtbot, hall, clerk) -> str:
    kiosk_client = hall.client("K-01")
    try:
        KioskQueueService(kiosk_client, None).issue(KioskQueueService(kiosk_client, None).new_request("A"),
                                                    without_print=True)
    finally:
        kiosk_client.close()
    clerk.login_page.staff.setText("S1003")
    clerk.login_page.pin.setText(STAFF_PIN)
    touch(qtbot, clerk.login_page.login_button)
    qtbot.waitUntil(lambda: clerk.page == "queue" and clerk.status is not None, timeout=WAIT_MS)
    touch(qtbot, clerk.queue_page.action_buttons["call_next"])
    qtbot.waitUntil(lambda: clerk.status.current is not None, timeout=WAIT_MS)
    return clerk.status.current.number


def test_the_applicant_panel_fills_masked_shows_in_full_while_held_and_clears_when_finished(qtbot, hall, sim,
                                                                                           clerk):
    panel = clerk.queue_page.applicant
    sim.place("li_yan")  # not logged in yet: nobody is served, the card is not kept
    qtbot.wait(400)
    assert clerk.service.applicant is None
    log_in_and_call(qtbot, hall, clerk)
    assert panel.empty.text() == "请办事人将证件放在读卡器上"
    place(qtbot, sim, clerk, "li_yan")
    qtbot.waitUntil(lambda: panel.identity is not None, timeout=WAIT_MS)
    values = {k: v.text() for k, v in panel.values.items()}
    assert values["name"] == "李*" and values["id_number"] == "3201**********1230"
    assert values["card_type"] == "居民身份证" and values["validity"] == "2015-03-12 至 长期"
    assert values["birth_date"] == "1955-**-**" and not panel.warning.isVisible()
    assert panel.photo.text() == "照片不可用"
    assert "李䶮" not in screen_text(clerk) and LI_YAN_NUMBER not in screen_text(clerk)

    qtbot.mousePress(panel.show_button, Qt.MouseButton.LeftButton)
    assert panel.values["name"].text() == "李䶮" and panel.values["id_number"].text() == LI_YAN_NUMBER
    qtbot.mouseRelease(panel.show_button, Qt.MouseButton.LeftButton)
    assert panel.values["name"].text() == "李*"

    touch(qtbot, clerk.queue_page.action_buttons["finish"])
    touch(qtbot, clerk.queue_page.choice.findChild(QPushButton, "choice-0"))
    qtbot.waitUntil(lambda: panel.identity is None, timeout=WAIT_MS)
    assert clerk.service.applicant is None and panel.empty.isVisible()
    assert "李*" not in screen_text(clerk)


def test_another_card_replaces_the_applicant_and_an_expired_card_is_flagged(qtbot, hall, sim, clerk):
    panel = clerk.queue_page.applicant
    log_in_and_call(qtbot, hall, clerk)
    sim.place("chen_dawen")
    qtbot.waitUntil(lambda: panel.identity is not None, timeout=WAIT_MS)
    assert panel.values["card_type"].text() == "港澳台居民居住证"
    assert panel.values["pass_number"].text() == "H012*4567"
    place(qtbot, sim, clerk, EXPIRED)
    qtbot.waitUntil(lambda: panel.values["name"].text() == "王**", timeout=WAIT_MS)
    assert panel.warning.isVisible()
    assert panel.warning.text() == "证件已过期（有效期至 2020-01-01），请核实后办理"
    assert mask_text("陈大文") == "陈大文" and mask_text("王小明") == "王**"


def test_a_clerk_window_without_a_reader_says_so(qtbot, hall):
    client = hall.client("W-03")
    window = ClerkWindow(ClerkQueueService(client, 3))
    qtbot.addWidget(window)
    try:
        assert window.queue_page.applicant.empty.text() == "本窗口未配置读卡器"
    finally:
        window.close()
        client.close()


def test_the_theme_font_falls_back_to_a_family_that_has_the_rare_name_character(qtbot):
    """WenQuanYi Micro Hei lacks 䶮 (U+4DAE, CJK Extension A): a family after it in the theme's font must
    have it, so names such as 李䶮 render instead of showing a box."""
    from PySide6.QtGui import QFont, QRawFont

    from ui import theme

    def has(family: str) -> bool:  # the font file itself (QFontMetrics.inFontUcs4 counts fallbacks too)
        return QRawFont.fromFont(QFont(family)).supportsCharacter(0x4DAE)

    families = theme.ui_font().families()
    assert families[0] == theme.cjk_family()
    assert any(has(family) for family in families)
    if families[0] == "WenQuanYi Micro Hei":
        assert not has(families[0])  # why the fallbacks are there
