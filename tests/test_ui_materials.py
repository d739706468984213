"""The clerk's application page against the real hall server: the matter catalogue and its search, the
form beside the checklist, e-licence scans, captures from the synthetic document camera, "accept" queuing
exactly one encrypted application record before the ticket is finished, the one-time notice, and the
catalogue from the cache offline. Offscreen Qt, a real Store in tmp_path, no patching."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from devices.camera.service import CaptureService
from core.domain import Outcome
from core.domain.identity import CardType, Identity
from platform_client.sync import SyncClient
from core.services.application import ApplicationService, MatterCatalogue, Provision
from core.services.queue import ClerkQueueService, KioskQueueService
from offline_cache import Store
from offline_cache.refcache import ReferenceCache
from test_services_queue_support import STAFF_PIN
from ui.clerk import ClerkWindow
from ui.scan_source import ScanSource
from test_camera_preview import GuiPulse
from test_ui_form_view import type_chinese

WAIT_MS = 8000
USCC = "91320100MA1XY8K12E"
ID_ELICENCE = f"DZZZ:JMSFZ:{USCC}:320102199001011234"


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread():
    """Python wrappers of Qt objects from earlier tests are freed here, on the GUI thread, not by a garbage
    collection that happens to run on a server or device thread (a PySide crash)."""
    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "terminal", margin_bytes=0)
    yield s
    s.close()


@pytest.fixture
def camera():
    service = CaptureService("synthetic:?size=960x540&fps=25&still=1.0")
    service.start()
    service.wait_ready(timeout_s=5)
    yield service
    service.stop()


@pytest.fixture
def issue(hall):
    client = hall.client("K-01")
    kiosk = KioskQueueService(client, None)
    yield lambda prefix="C": kiosk.issue(kiosk.new_request(prefix), without_print=True).ticket.number
    client.close()


def make_clerk(qtbot, hall, store, *, camera=None, platform_url=None):
    client = hall.client("W-03")
    sync_client = SyncClient(platform_url or hall.server.url, "W-03", hall.secrets["W-03"], timeout_s=1.0)
    scans = ScanSource(None, wedge=False)
    window = ClerkWindow(ClerkQueueService(client, 3), application=ApplicationService(store),
                         catalogue=MatterCatalogue(ReferenceCache(store, sync_client)), camera=camera, scans=scans)
    qtbot.addWidget(window)
    window.show()
    return window, scans, (client, sync_client)


def close(window, scans, clients):
    window.close()
    scans.close()
    for c in clients:
        c.close()


def log_in_and_call(qtbot, window):
    window.login_page.staff.setText("S1003")
    window.login_page.pin.setText(STAFF_PIN)
    qtbot.mouseClick(window.login_page.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.page == "queue", timeout=WAIT_MS)
    panel = window.application_page.panel
    qtbot.waitUntil(lambda: panel.listing is not None, timeout=WAIT_MS)
    qtbot.mouseClick(window.queue_page.action_buttons["call_next"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status is not None and window.status.current is not None, timeout=WAIT_MS)
    return panel


def test_accept_queues_one_encrypted_application_then_finishes_the_ticket(qtbot, hall, store, camera, issue,
                                                                          tmp_path):
    """GIVEN a C ticket called at window 3 and the applicant's card read WHEN the clerk opens the
    application, chooses the retirement matter, scans the ID e-licence, captures a page for the second
    material, ticks the third as original checked and completes the form (its name and ID number already
    filled from the card, locked), then presses Accept THEN exactly one application record is in the outbox
    with the form and the captured page as a sealed PDF, no plaintext image is on disk, the ticket is
    finished as ACCEPTED and the page says the case number is pending (no platform answer yet)."""
    number = issue("C")
    window, scans, clients = make_clerk(qtbot, hall, store, camera=camera)
    try:
        panel = log_in_and_call(qtbot, window)
        assert window.status.current.number == number
        window.service.set_applicant(Identity(CardType.RESIDENT, "李䶮", "11010519491231002X"), number)
        qtbot.mouseClick(window.queue_page.application_button, Qt.MouseButton.LeftButton)
        assert window.page == "application"
        assert panel.matters[0].service == "C"  # the ticket's service first
        panel.choose_matter("320100-QR-0007")  # m1 ID (e-licence), m2 and m3 required
        assert not panel.accept_button.isEnabled()
        assert "m1" in [m.id for m in panel.app.missing()]

        scans.inject(ID_ELICENCE)
        qtbot.waitUntil(lambda: panel.app.provided.get("m1") is Provision.ELICENCE, timeout=WAIT_MS)
        assert "已标记为已提供" in panel.message.text()

        panel.checklist.setCurrentRow(1)
        panel.capture.capture()
        qtbot.waitUntil(lambda: panel.app.provided.get("m2") is Provision.CAPTURED, timeout=WAIT_MS)
        panel.checklist.setCurrentRow(2)
        qtbot.mouseClick(panel.original_button, Qt.MouseButton.LeftButton)
        assert panel.app.missing() == []
        assert not panel.accept_button.isEnabled() and panel.missing.text() == panel.texts("application.hint.form")

        view = panel.form_column.view
        assert view.findChild(QLineEdit, "form-name").text() == "李䶮"
        assert not view.findChild(QLineEdit, "form-name").isEnabled()  # from the ID card: locked
        phone = view.findChild(QLineEdit, "form-phone")
        qtbot.keyClicks(phone, "1391234567")
        assert view.findChild(QLabel, "form-phone-problem").isVisible()  # said at the field as typed
        qtbot.keyClicks(phone, "8")
        assert not view.findChild(QLabel, "form-phone-problem").isVisible()
        type_chinese(view.findChild(QLineEdit, "form-employer"), "示例市第一中学")
        qtbot.keyClicks(view.findChild(QLineEdit, "form-bank_card"), "6222020200112233445")
        panel.presenter.intake.form.set("retire_date", "2026-12-01")
        assert panel.accept_button.isEnabled()

        pulse = GuiPulse()
        pulse.start()
        qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.status.current is None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: panel.paper.isVisible() and "受理编号待同步" in panel.paper.banner.text(),
                        timeout=WAIT_MS)
        pulse.stop()
        assert window.page == "application" and not panel.paper.reprint.isVisible()
        qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
        assert window.page == "queue"
        assert pulse.longest < 0.25, f"the GUI thread stalled for {pulse.longest * 1000:.0f} ms"
        assert window.status.served_today == 1
        assert len(panel.materials) == 0  # the next ticket starts with no pages in memory
    finally:
        close(window, scans, clients)
    entries = store.entries()
    assert len(entries) == 1
    record = store.load(entries[0].record_id)
    assert record.kind == "application" and record.content["clerk"] == "S1003"
    assert record.content["matter_code"] == "320100-QR-0007" and record.content["ticket_number"] == number
    assert record.content["form"]["name"] == "李䶮" and record.content["form"]["phone"] == "13912345678"
    assert [a["label"] for a in record.attachments] == ["m2"]
    for path in (tmp_path / "terminal").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"%PDF-1." not in data and b"JFIF" not in data and "李䶮".encode() not in data


def test_notice_lists_the_missing_materials_queues_a_notice_record_and_finishes(qtbot, hall, store, issue):
    """GIVEN a called ticket and a matter with nothing provided WHEN the clerk gives the one-time notice
    THEN the missing required materials are listed, one notice record is queued and the ticket finished."""
    issue("C")
    window, scans, clients = make_clerk(qtbot, hall, store)
    outcomes = []
    try:
        panel = log_in_and_call(qtbot, window)
        panel.finished.connect(lambda outcome, _rid: outcomes.append(outcome))
        window.show_application()
        panel.choose_matter("320100-QR-0007")
        scans.inject(f"DZZZ:YYZZ:{USCC}:320100000123456")  # a business licence: no material asks for it
        assert panel.message.text() == "该电子证照与本事项所需材料不对应"
        scans.inject("not a code")
        assert panel.message.text() == "扫描的不是电子证照二维码"
        assert panel.accept_button.isEnabled() is False
        assert panel.missing.toolTip().startswith("尚缺必需材料：") and panel.missing.text().startswith("尚缺")
        qtbot.mouseClick(panel.notice_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.status.current is None, timeout=WAIT_MS)
    finally:
        close(window, scans, clients)
    assert outcomes == [Outcome.MATERIALS_MISSING]
    [entry] = store.entries()
    assert store.load(entry.record_id).kind == "notice"


def test_the_catalogue_comes_from_the_cache_when_offline(qtbot, hall, store, issue):
    """GIVEN the catalogue cached once WHEN the platform's reference endpoint cannot be reached THEN the
    page still lists the matters, saying they are from the cache."""
    client = SyncClient(hall.server.url, "W-03", hall.secrets["W-03"], timeout_s=1.0)
    try:
        ReferenceCache(store, client).get("matters")
    finally:
        client.close()
    issue("C")
    window, scans, clients = make_clerk(qtbot, hall, store, platform_url="http://127.0.0.1:9")
    try:
        panel = log_in_and_call(qtbot, window)
        assert panel.listing.stale
        assert "缓存" in panel.catalogue_note.text()
        assert panel.matters and panel.app is not None
    finally:
        close(window, scans, clients)


def test_an_id_card_copy_goes_to_the_identity_material_and_a_new_ticket_wipes_the_pages(qtbot, hall, store,
                                                                                       camera, issue):
    """GIVEN the application page with no material selected WHEN the clerk copies an ID card (both sides)
    THEN the copy belongs to the identity material; AND WHEN the next ticket is called THEN the pages are
    gone from memory and the checklist starts again."""
    issue("C")
    issue("C")
    window, scans, clients = make_clerk(qtbot, hall, store, camera=camera)  # two waiting
    try:
        panel = log_in_and_call(qtbot, window)
        window.show_application()
        panel.capture.auto_button.setChecked(False)
        panel.choose_matter("320100-QR-0007")
        panel.checklist.setCurrentRow(-1)
        panel.capture.start_id_copy()
        panel.capture.capture()
        qtbot.waitUntil(lambda: panel.capture.steps.id_step == 2 and panel.capture.capture_button.isEnabled(),
                        timeout=WAIT_MS)
        panel.capture.capture()
        qtbot.waitUntil(lambda: len(panel.materials) == 1, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: bool(panel.app.pages.get("m1")), timeout=WAIT_MS)
        assert panel.materials.pages[0].kind == "id_copy"
        assert panel.app.provided == {"m1": Provision.CAPTURED}

        window.show_queue()
        qtbot.mouseClick(window.queue_page.action_buttons["no_show"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.ticket_number == "", timeout=WAIT_MS)
        assert len(panel.materials) == 0 and panel.app.provided == {}
        qtbot.mouseClick(window.queue_page.action_buttons["call_next"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.ticket_number != "", timeout=WAIT_MS)
        assert panel.app.pages == {} and not panel.accept_button.isEnabled()
    finally:
        close(window, scans, clients)


def test_an_elicence_shown_under_the_document_camera_marks_its_material(qtbot, hall, store, issue, tmp_path):
    """GIVEN window 3 with a document camera (frames of a phone showing the citizen's ID e-licence QR) and
    the application page open for the residence-permit matter WHEN the code is in view THEN it is read
    from the live preview's frames and the ID material is marked provided by e-licence; back on the queue
    page the camera's frames are no longer read."""
    import qrcode
    from PIL import Image

    from kiosk.app import build_frame_decoder_factory
    from core.config import parse

    frames = tmp_path / "frames"
    frames.mkdir()
    picture = Image.new("RGB", (1280, 720), "white")
    picture.paste(qrcode.make(ID_ELICENCE, box_size=7, border=4).convert("RGB"), (440, 120))
    picture.save(frames / "phone.png")
    spec = f"folder:{frames}?hold=0.2"
    cfg = parse({"role": "clerk", "terminal_id": "W-03", "hall_id": "h", "window": {"number": 3},
                 "platform": {"url": hall.server.url, "terminal_secret": "x"}, "devices": {"camera": spec}})
    camera = CaptureService(spec)
    camera.start()
    camera.wait_ready(timeout_s=5)
    client = hall.client("W-03")
    sync_client = SyncClient(hall.server.url, "W-03", hall.secrets["W-03"], timeout_s=1.0)
    scans = ScanSource(None, wedge=False, camera=camera, frame_decoder_factory=build_frame_decoder_factory(cfg))
    window = ClerkWindow(ClerkQueueService(client, 3), application=ApplicationService(store),
                         catalogue=MatterCatalogue(ReferenceCache(store, sync_client)), camera=camera, scans=scans)
    qtbot.addWidget(window)
    window.show()
    issue("C")
    try:
        panel = log_in_and_call(qtbot, window)
        panel.choose_matter("320100-QR-0007")
        assert "m1" in [m.id for m in panel.app.missing()]
        qtbot.mouseClick(window.queue_page.application_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.app.provided.get("m1") is Provision.ELICENCE, timeout=WAIT_MS * 2)
        qtbot.waitUntil(lambda: panel.capture.preview.shown >= 1, timeout=WAIT_MS)  # the preview shows it too
        window.show_queue()
        assert scans._frame_decoder is None
    finally:
        close(window, scans, (client, sync_client))
        camera.stop()


def test_the_clerk_finds_any_matter_by_pinyin_and_marks_a_material_to_follow(qtbot, hall, store, issue):
    """GIVEN a C ticket at the window WHEN the clerk types the initials of 个体工商户设立登记 (an E matter)
    in the search line THEN it is listed and a click takes it; its 经营场所使用证明 may follow (容缺):
    "容缺后补" is offered for it alone and marks it with its due date; a search that finds nothing says so."""
    issue("C")
    window, scans, clients = make_clerk(qtbot, hall, store)
    try:
        panel = log_in_and_call(qtbot, window)
        window.show_application()
        qtbot.keyClicks(panel.search.line, "gtgsh")
        assert panel.search.hits.isVisible()
        codes = [panel.search.hits.item(i).data(Qt.ItemDataRole.UserRole) for i in range(panel.search.hits.count())]
        assert "320100-XK-0019" in codes
        item = panel.search.hits.item(codes.index("320100-XK-0019"))
        qtbot.mouseClick(panel.search.hits.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.search.hits.visualItemRect(item).center())
        assert panel.app.matter.code == "320100-XK-0019" and "320100-XK-0019" in panel.matter_box.currentText()
        assert not panel.search.hits.isVisible() and panel.search.line.text() == ""
        panel.checklist.setCurrentRow(0)
        assert not panel.follow_button.isEnabled()
        panel.checklist.setCurrentRow(2)
        assert panel.follow_button.isEnabled()
        qtbot.mouseClick(panel.follow_button, Qt.MouseButton.LeftButton)
        row = panel.checklist.item(2).text()
        assert row.startswith("⏳") and "容缺" in row
        assert "m3" in panel.presenter.intake.follow
        qtbot.keyClicks(panel.search.line, "zzzzqqqx")
        assert panel.search.none.isVisible() and not panel.search.hits.isVisible()
    finally:
        close(window, scans, clients)


def clipped_buttons(page) -> list[tuple[str, int, int]]:
    from PySide6.QtWidgets import QPushButton

    return [(b.objectName() or b.text(), b.width(), b.sizeHint().width())
            for b in page.findChildren(QPushButton) if b.isVisible() and b.width() < b.sizeHint().width()]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_clerks_pages_fit_a_1366_by_768_screen_with_every_label_whole(qtbot, hall, store, camera, issue,
                                                                          language):
    """GIVEN the clerk's window on a 1366×768 counter screen (740 px high under a title bar), in Chinese or
    in English (its labels are longer), a clerk logged in and a ticket called
    WHEN the queue page, then the application page before a matter is chosen, then with a matter's form
    beside the checklist and the document camera are shown, and a banner more
    THEN each fits the screen (the checklist's column scrolls when it must) and no button is narrower than its label needs (a clipped label reads as
    nonsense: "Move down" cut to "ve d"); without a matter there is no empty form column."""
    from offline_cache.engine import SyncEngine

    issue("C")
    window, scans, clients = make_clerk(qtbot, hall, store, camera=camera)
    try:
        window.attach_sync(SyncEngine(store, clients[1]))  # the status area along the bottom, as in a terminal
        window.texts.set_language(language)
        window.resize(1366, 740)
        panel = log_in_and_call(qtbot, window)
        qtbot.wait(100)  # the layout settles
        assert window.minimumSizeHint().height() <= 740 and window.minimumSizeHint().width() <= 1366
        assert clipped_buttons(window.queue_page) == []

        qtbot.mouseClick(window.queue_page.application_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.application_page.isVisible(), timeout=WAIT_MS)
        qtbot.wait(100)
        # a form column only with a matter (the ticket's service may have chosen one): never an empty one
        assert panel.form_column.isVisible() == (panel.presenter.intake is not None)
        assert window.minimumSizeHint().height() <= 740 and window.minimumSizeHint().width() <= 1366
        assert clipped_buttons(window.application_page) == []

        panel.choose_matter("320100-QR-0007")
        qtbot.waitUntil(lambda: panel.form_column.isVisible() and panel.form_column.view is not None,
                        timeout=WAIT_MS)
        panel.message.show_text(panel.texts("camera.preview.captured", n=2), "notice")  # a banner more
        qtbot.wait(100)
        assert window.minimumSizeHint().height() <= 740 and window.minimumSizeHint().width() <= 1366
        assert clipped_buttons(window.application_page) == []
        # what does not fit scrolls: the checklist's column, up and down, never sideways
        column = window.application_page.findChild(QWidget, "application-left")
        assert column.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        assert column.viewport().width() >= column.widget().minimumSizeHint().width()
    finally:
        close(window, scans, clients)
