"""代领人 on the clerk's application page, with the window's real ID-card driver polling the reader
simulator over socket:// and the real hall server: the applicant's card fills the applicant panel; after
登记代领人 the next card is the proxy's — listed masked on the page, never replacing the applicant — and
the application record the page queues names them. Offscreen Qt, a real Store, no patching."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import Qt
from test_services_queue_support import STAFF_PIN
from test_ui_identity import make_reader, place

from core.services.application import ApplicationService, MatterCatalogue
from core.services.queue import ClerkQueueService, KioskQueueService
from offline_cache import Store
from offline_cache.refcache import ReferenceCache
from platform_client.sync import SyncClient
from simulators.idcard import IdCardSimulator
from ui.clerk import ClerkWindow

WAIT_MS = 8000


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread():
    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def sim():
    with IdCardSimulator(thread_name="idcard-sim", emulate_wire_time=False) as simulator:
        yield simulator


@pytest.fixture
def window(qtbot, hall, sim, tmp_path):
    store = Store(tmp_path / "terminal", margin_bytes=0)
    reader = make_reader(sim.url)
    client = hall.client("W-03")
    sync_client = SyncClient(hall.server.url, "W-03", hall.secrets["W-03"], timeout_s=1.0)
    w = ClerkWindow(ClerkQueueService(client, 3), id_reader=reader, application=ApplicationService(store),
                    catalogue=MatterCatalogue(ReferenceCache(store, sync_client)))
    qtbot.addWidget(w)
    w.show()
    reader.start()
    yield w
    w.close()
    reader.stop()
    client.close()
    sync_client.close()
    store.close()


def click(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_after_register_a_proxy_the_next_card_is_listed_masked_and_the_applicant_stays(qtbot, hall, sim, window):
    """GIVEN ticket C001 called at window 3 and 李䶮's card read WHEN the clerk opens the application page and
    presses 登记代领人 THEN the page asks for the proxy's card; WHEN 欧阳娜娜 places hers THEN she is listed
    masked (欧**, no full number), 李䶮 is still the applicant; WHEN 李䶮's own card is offered as a proxy THEN
    the page says it is the applicant's own; 移除 takes the proxy off again."""
    kiosk = hall.client("K-01")
    try:
        service = KioskQueueService(kiosk, None)
        service.issue(service.new_request("C"), without_print=True)
    finally:
        kiosk.close()
    window.login_page.staff.setText("S1003")
    window.login_page.pin.setText(STAFF_PIN)
    click(qtbot, window.login_page.login_button)
    qtbot.waitUntil(lambda: window.page == "queue" and window.status is not None, timeout=WAIT_MS)
    click(qtbot, window.queue_page.action_buttons["call_next"])
    qtbot.waitUntil(lambda: window.status.current is not None, timeout=WAIT_MS)
    place(qtbot, sim, window, "li_yan")
    qtbot.waitUntil(lambda: window.service.applicant is not None, timeout=WAIT_MS)
    applicant = window.service.applicant
    click(qtbot, window.queue_page.application_button)
    box = window.application_page.panel.proxy_box
    assert box.add.isVisible() and not box.rows.isVisible() and "最多五位代领人" in box.add.toolTip()

    click(qtbot, box.add)
    assert box.prompt.isVisible() and box.prompt.text() == "请代领人把本人的身份证放在读卡器上"
    assert box.cancel.isVisible() and not box.add.isVisible()
    place(qtbot, sim, window, "ouyang_nana")
    qtbot.waitUntil(lambda: box.rows.count() == 1, timeout=WAIT_MS)
    row = box.rows.item(0).text()
    assert row.startswith("欧*") and "娜" not in row and "1101**********" in row
    assert window.service.applicant == applicant, "the proxy's card never replaces the applicant's"
    assert not box.prompt.isVisible() and box.add.isVisible()

    click(qtbot, box.add)
    place(qtbot, sim, window, "li_yan")
    qtbot.waitUntil(lambda: box.prompt.text() == "这是申请人本人的身份证，不必登记为代领人", timeout=WAIT_MS)
    assert box.rows.count() == 1

    box.rows.setCurrentRow(0)
    click(qtbot, box.remove)
    assert box.rows.count() == 0 and not box.rows.isVisible()
    assert window.application_page.panel.presenter.proxies.ids() == []
