"""The kiosk's rating (好差评) after a self-service transaction (ui/rating_pad.py ``KioskRating`` over the citizen
window), end to end: a 自助申报 made at the kiosk becomes a case on the real hall server (its clock on a Monday
at 10:00), the kiosk offers the rating of that case, and the kiosk's store and sync engine deliver it.
Touches are real mouse clicks (offscreen Qt); the rules are tests/test_presenter_rating.py's."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from server_fixtures import COMPANY_FORM, MONDAY_10AM, catalogue_matter, fresh_hall, with_catalogue  # noqa: F401
from sync_fixtures import make_engine, store, wait_for  # noqa: F401 (fixtures)

from core.presenters.rating import RatingSubject, case_subject
from core.services.application import Application, ApplicationService
from core.services.materials import MaterialSet
from core.services.queue import KioskQueueService
from core.services.rating import RatingDesk
from offline_cache.refcache import ReferenceCache
from platform_client.sync import SyncClient
from ui.citizen import CitizenWindow

WAIT_MS = 8000
CLICK = Qt.MouseButton.LeftButton
KIOSK = "kiosk-1"


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    return with_catalogue(fresh_hall)


def pre_application_case(hall, store) -> tuple[str, Application]:  # noqa: F811
    """A 自助申报 submitted at the kiosk and delivered: the case number the platform gave it."""
    app = Application(catalogue_matter(hall))
    record_id = ApplicationService(store).pre_apply(app, MaterialSet(app.matter.name), form=COMPANY_FORM,
                                                    at=MONDAY_10AM)
    engine, client = make_engine(store, hall.url, hall.secret(KIOSK), terminal=KIOSK)
    with engine:
        assert wait_for(lambda: store.entry(record_id).state == "acked")
    client.close()
    return ApplicationService(store).case_number(record_id), app


@pytest.fixture
def kiosk(qtbot, hall, store):  # noqa: F811
    sync = SyncClient(hall.url, KIOSK, hall.secret(KIOSK), timeout_s=2.0, probe_timeout_s=0.5, keep_alive=False)
    client = hall.client(KIOSK)
    window = CitizenWindow(KioskQueueService(client, None), rating=RatingDesk(store, ReferenceCache(store, sync)))
    window.rating.presenter.now = lambda: MONDAY_10AM  # the hall server's clock: a rating is never in its future
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    sync.close()


def subject(case_number: str, app: Application) -> RatingSubject:
    return case_subject(case_number, app.matter)


def kept(hall) -> list[tuple]:
    return [tuple(r) for r in hall.store._con().execute(
        "SELECT r.channel, r.case_number, r.matter_code, r.level, r.reasons, f.state FROM ratings r "
        "LEFT JOIN follow_ups f ON f.rating_id = r.id WHERE r.terminal_id = ?", (KIOSK,))]


def test_a_poor_rating_at_the_kiosk_opens_a_follow_up_on_the_platform(qtbot, hall, store, kiosk):  # noqa: F811
    """GIVEN a 自助申报 the platform made a case of WHEN the kiosk offers the rating THEN it lies over the window
    by itself; WHEN the citizen touches 非常不满意, a reason of the hall's list and 'send' THEN the kiosk thanks,
    closes by itself, and once synced the platform holds one kiosk rating of that case with a follow-up in
    'verify'; the case cannot be offered again on this kiosk."""
    number, app = pre_application_case(hall, store)
    rating = kiosk.rating
    qtbot.waitUntil(lambda: bool(rating.presenter.reasons), timeout=WAIT_MS)
    assert rating.presenter.offer(subject(number, app))
    qtbot.waitUntil(lambda: rating.isVisible() and rating.view.page == "levels", timeout=WAIT_MS)
    qtbot.mouseClick(rating.view.levels_page.buttons[1], CLICK)
    qtbot.waitUntil(lambda: rating.view.page == "reasons", timeout=WAIT_MS)
    assert rating.view.reasons_page.keyboard.wait_loaded()  # its pinyin index, for the words
    qtbot.mouseClick(rating.view.reasons_page.buttons["materials_repeated"], CLICK)
    qtbot.mouseClick(rating.view.reasons_page.send, CLICK)
    qtbot.waitUntil(lambda: rating.view.page == "thanks", timeout=WAIT_MS)
    assert rating.view.thanks_page.text.text() == "感谢您的评价！"
    rating.presenter.deadline = 0.0  # the thanks' few seconds have passed
    qtbot.waitUntil(lambda: not rating.isVisible(), timeout=WAIT_MS)
    engine, client = make_engine(store, hall.url, hall.secret(KIOSK), terminal=KIOSK)
    with engine:
        assert wait_for(lambda: store.counts().acked == 2)
    client.close()
    assert kept(hall) == [("kiosk", number, app.matter.code, 1, json.dumps(["materials_repeated"]), "verify")]
    assert not rating.presenter.offer(subject(number, app))


def test_a_rating_made_while_the_kiosk_is_offline_arrives_once_when_it_reconnects(qtbot, hall, store, kiosk):  # noqa: F811
    """GIVEN a case and a kiosk whose platform is out of reach (the server stopped answering: its engine is not
    running) WHEN the citizen rates 满意 THEN the kiosk thanks at once (the outbox has it on disk); WHEN the link
    comes back THEN the platform holds the rating exactly once, however many times the engine tried."""
    number, app = pre_application_case(hall, store)
    rating = kiosk.rating
    rating.presenter.offer(subject(number, app))
    qtbot.waitUntil(lambda: rating.view.page == "levels", timeout=WAIT_MS)
    qtbot.mouseClick(rating.view.levels_page.buttons[4], CLICK)
    qtbot.waitUntil(lambda: rating.view.page == "thanks", timeout=WAIT_MS)
    assert store.counts().queued == 1 and kept(hall) == []
    unreachable, client = make_engine(store, "http://127.0.0.1:9", hall.secret(KIOSK), terminal=KIOSK)
    with unreachable:
        wait_for(lambda: False, timeout_s=0.5)
    client.close()
    assert store.counts().queued == 1
    for _ in range(2):  # back online, and a second engine run finds nothing more to send
        engine, client = make_engine(store, hall.url, hall.secret(KIOSK), terminal=KIOSK)
        with engine:
            assert wait_for(lambda: store.counts().queued == 0 and store.counts().inflight == 0)
        client.close()
    assert kept(hall) == [("kiosk", number, app.matter.code, 4, "[]", None)]


def test_after_a_self_service_application_whose_slip_printed_the_kiosk_offers_the_rating_of_its_case(
        qtbot, hall, store):  # noqa: F811
    """GIVEN the kiosk's 自助申报 of a matter, its store synced by the engine WHEN the citizen places the card,
    fills the form and submits, and the platform gave the case number within the slip's wait (this kiosk has
    no slip printer: the page says so and keeps its reprint) THEN the rating lies
    over the kiosk by itself; a 满意 reaches the platform as the kiosk's rating of that case and matter."""
    from datetime import datetime

    from zoneinfo import ZoneInfo
    from core.services.codes import CodeService
    from core.services.guide import GuideBook
    from offline_cache.engine import SyncEngine
    from test_ui_citizen_apply import LI, RENT, start_apply, touch

    hall.clock.set(datetime.now(ZoneInfo("Asia/Shanghai")))  # the kiosk's form and rating are made now
    sync = SyncClient(hall.url, KIOSK, hall.secret(KIOSK), timeout_s=2.0, probe_timeout_s=0.5, keep_alive=False)
    engine = SyncEngine(store, sync, backoff_base_s=0.02, backoff_max_s=0.2, probe_interval_s=0.05,
                        idle_check_s=0.1).start()
    client = hall.client(KIOSK)
    book = GuideBook.from_catalogue(ReferenceCache(store, sync).get("matters").body)  # as the platform serves it
    window = CitizenWindow(KioskQueueService(client, None), guide=lambda: (book, False, 0.0),
                           codes=CodeService(None), application=ApplicationService(store),
                           rating=RatingDesk(store, ReferenceCache(store, sync)))
    qtbot.addWidget(window)
    window.show()
    try:
        page = start_apply(qtbot, window)
        window._on_card(LI)
        for name, value in (("bank_card", "6222021234567890123"), ("amount", "5000"), ("phone", "13812345678")):
            window.apply_flow.form.set(name, value)
        touch(qtbot, page.next_button)
        touch(qtbot, page.next_button)  # the materials: handed in at the window
        touch(qtbot, page.next_button)  # 确认提交
        rating = window.rating
        qtbot.waitUntil(lambda: rating.isVisible() and rating.view.page == "levels", timeout=WAIT_MS * 2)
        number = window.apply_flow.case_number
        qtbot.mouseClick(rating.view.levels_page.buttons[4], CLICK)
        qtbot.waitUntil(lambda: rating.view.page == "thanks", timeout=WAIT_MS)
        assert wait_for(lambda: store.counts().acked == 2)
        assert [r[:4] for r in kept(hall)] == [("kiosk", number, RENT, 4)]
    finally:
        window.close()
        engine.stop(5)
        sync.close()
