"""The kiosk's 办事指南 page, driven by touch (qtbot): the letter pad, the hits, a matter's guide, back, home.
The rules (search, browsing, freshness, a new session forgetting) are specified without Qt in
tests/test_presenter_guide.py; here the touches reach the presenter and what it decides shows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.errors import PlatformUnreachable
from core.services.codes import CodeService
from core.services.guide import GuideBook
from core.services.queue import KioskQueueService
from hall_server import sample_hall
from platform_client.appointments import AppointmentsClient
from ui.citizen import CitizenWindow

WAIT_MS = 5000


def touch(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@pytest.fixture
def kiosk(qtbot, hall, printers):
    client = hall.client("K-01")
    book = GuideBook.from_catalogue(sample_hall())
    window = CitizenWindow(KioskQueueService(client, printers[0]), guide=lambda: (book, False, 0.0))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    client.close()


def test_the_home_page_opens_the_guide_and_the_pad_finds_a_matter(qtbot, kiosk):
    touch(qtbot, kiosk.home.guide_button)
    qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.guide_page, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: kiosk.guide.book is not None, timeout=WAIT_MS)
    page = kiosk.guide_page
    for letter in "bdc":
        touch(qtbot, page.keys[letter])
    assert page.typed.text() == "BDC"
    qtbot.waitUntil(lambda: page.hit_buttons and page.hit_buttons[0].isVisible(), timeout=WAIT_MS)
    first = page.hit_buttons[0]
    assert first.accessibleName() == "不动产登记资料查询"
    touch(qtbot, first)
    assert page.views.currentIndex() == 1
    assert "不动产登记资料查询" in page.guide_text.text() and "居民身份证" in page.guide_text.text()
    touch(qtbot, page.back_button)
    assert page.views.currentIndex() == 0 and page.typed.text() == "BDC"


def test_browsing_by_theme_lists_its_matters(qtbot, kiosk):
    touch(qtbot, kiosk.home.guide_button)
    qtbot.waitUntil(lambda: kiosk.guide.book is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(kiosk.guide_page.chip_buttons) > 1 and kiosk.guide_page.chip_buttons[1].isVisible(),
                    timeout=WAIT_MS)
    theme = kiosk.guide_page.chip_buttons[1]
    assert theme.accessibleName() == "法人"
    touch(qtbot, theme)
    qtbot.waitUntil(lambda: kiosk.guide_page.hit_buttons and kiosk.guide_page.hit_buttons[0].isVisible(),
                    timeout=WAIT_MS)


def test_home_ends_the_session_and_the_next_person_sees_a_clean_guide(qtbot, kiosk):
    touch(qtbot, kiosk.home.guide_button)
    qtbot.waitUntil(lambda: kiosk.guide.book is not None, timeout=WAIT_MS)
    touch(qtbot, kiosk.guide_page.keys["b"])
    touch(qtbot, kiosk.guide_page.home_button)
    qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.home, timeout=WAIT_MS)
    assert kiosk.guide.query == "" and kiosk.guide_page.typed.text() != "B"


def test_a_guide_that_cannot_be_loaded_says_so_calmly(qtbot, hall, printers):
    client = hall.client("K-01")

    def unavailable():
        raise PlatformUnreachable("no platform and nothing cached")

    window = CitizenWindow(KioskQueueService(client, printers[0]), guide=unavailable)
    qtbot.addWidget(window)
    window.show()
    try:
        touch(qtbot, window.home.guide_button)
        qtbot.waitUntil(lambda: window.guide.problem is not None, timeout=WAIT_MS)
        assert window.guide_page.status.isVisible() and window.guide_page.status.text()
        assert window.guide_page.home_button.isEnabled()
    finally:
        window.close()
        client.close()


def test_without_a_catalogue_there_is_no_guide_button(qtbot, hall, printers):
    client = hall.client("K-01")
    window = CitizenWindow(KioskQueueService(client, printers[0]))
    qtbot.addWidget(window)
    try:
        assert window.guide is None and not window.home.guide_button.isVisibleTo(window)
    finally:
        window.close()
        client.close()


@pytest.fixture
def coded_kiosk(qtbot, hall, printers):
    client = hall.client("K-01")
    book = GuideBook.from_catalogue(sample_hall())
    window = CitizenWindow(KioskQueueService(client, printers[0]), codes=CodeService(AppointmentsClient(client)),
                           guide=lambda: (book, False, 0.0))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    client.close()


def test_a_scanned_guide_code_opens_that_matters_guide(qtbot, coded_kiosk):
    """GIVEN the kiosk's home page WHEN a checklist's guide code is scanned THEN the guide page shows that
    matter's guide once the catalogue is loaded."""
    coded_kiosk.submit_code("HALL:G:320100-QR-0002")
    page = coded_kiosk.guide_page
    qtbot.waitUntil(lambda: coded_kiosk.stack.currentWidget() is page and page.views.currentIndex() == 1,
                    timeout=WAIT_MS)
    assert coded_kiosk.guide.current.code == "320100-QR-0002"
    assert coded_kiosk.guide.current.name in page.guide_text.text()


def test_an_unknown_matter_code_shows_the_guide_with_a_calm_notice(qtbot, coded_kiosk):
    """GIVEN the kiosk's home page WHEN a guide code names a matter the catalogue does not have THEN the
    guide page opens on its list with the "not found" notice, and the letter pad is there to search."""
    coded_kiosk.submit_code("HALL:G:320100-ZZ-9999")
    page = coded_kiosk.guide_page
    qtbot.waitUntil(lambda: coded_kiosk.guide.not_found is not None, timeout=WAIT_MS)
    assert coded_kiosk.stack.currentWidget() is page and page.views.currentIndex() == 0
    assert page.status.isVisible() and page.status.text() == coded_kiosk.texts("ui_guide.not_found")
    assert page.keys["a"].isVisible()


def test_a_guide_prints_its_materials_checklist_on_the_receipt_printer(qtbot, hall, printers):
    """GIVEN a kiosk with a receipt printer WHEN the citizen reads a matter's guide and touches 打印材料清单
    THEN the checklist comes out of the printer (over its real transport): the matter, every material, the
    place and phone, and a QR code that opens the same guide; an out-of-paper printer is said calmly."""
    import zxingcpp

    from core.config import PrinterConfig
    from core.domain.codes import CodeKind, classify
    from core.ports import PrinterStatus
    from devices.printer.render import render_image
    from kiosk.adapters import OpenedOnFirstUse
    from simulators.printer import PrinterSimulator
    from tests.test_printer_ticket import texts

    book = GuideBook.from_catalogue(sample_hall())
    client = hall.client("K-01")
    with PrinterSimulator() as sim:
        receipt = OpenedOnFirstUse(PrinterConfig("receipt", sim.url, width_mm=80), timeout_s=3.0,
                                   device="receipt_printer")
        window = CitizenWindow(KioskQueueService(client, printers[0]), guide=lambda: (book, False, 0.0),
                               papers=receipt)
        qtbot.addWidget(window)
        window.show()
        try:
            touch(qtbot, window.home.guide_button)
            qtbot.waitUntil(lambda: window.guide.book is not None, timeout=WAIT_MS)
            window.guide.choose("320100-QR-0002")
            page = window.guide_page
            qtbot.waitUntil(lambda: page.print_button.isVisible(), timeout=WAIT_MS)
            touch(qtbot, page.print_button)
            qtbot.waitUntil(lambda: window.guide.printed is True, timeout=WAIT_MS)
            assert "已打印" in page.status.text()
            job = sim.jobs()[-1]
            text = "\n".join(texts(job, "gb18030"))
            guide = book.get("320100-QR-0002")
            assert guide.name in text and all(m["name"] in text for m in guide.data["materials"])
            [code] = [classify(r.text) for r in zxingcpp.read_barcodes(render_image(job, 576))]
            assert code.kind is CodeKind.GUIDE and code.fields["matter"] == "320100-QR-0002"

            sim.set_status(PrinterStatus.PAPER_OUT)
            touch(qtbot, page.print_button)
            qtbot.waitUntil(lambda: window.guide.printed is False, timeout=WAIT_MS)
            assert "未能打印" in page.status.text() and page.print_button.isEnabled()
        finally:
            window.close()
            receipt.close()
            client.close()
