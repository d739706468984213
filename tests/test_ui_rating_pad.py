"""The evaluation pad at a clerk's window (ui/rating_pad.py), end to end: the clerk's window and its pad
against the real hall server on loopback, the window's encrypted store and sync engine delivering the rating.
Touches are real mouse clicks on the pad's buttons (offscreen Qt). The rules are
tests/test_presenter_rating.py's."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLabel
from sync_fixtures import wait_for
from test_services_queue_support import STAFF_PIN

from core.services.queue import ClerkQueueService
from core.services.rating import RatingDesk
from offline_cache import Store
from offline_cache.engine import SyncEngine
from offline_cache.refcache import ReferenceCache
from platform_client.sync import SyncClient
from ui.clerk import ClerkWindow

WAIT_MS = 8000
CLICK = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, hall, tmp_path):
    """Window 3's clerk terminal W-03 with its store, sync engine and pad (a window of its own here)."""
    store = Store(tmp_path / "w03", margin_bytes=0)
    sync = SyncClient(hall.server.url, "W-03", hall.secrets["W-03"], timeout_s=2.0, probe_timeout_s=0.5,
                      keep_alive=False)
    engine = SyncEngine(store, sync, backoff_base_s=0.02, backoff_max_s=0.2, probe_interval_s=0.05,
                        idle_check_s=0.1)
    client = hall.client("W-03")
    clerk = ClerkWindow(ClerkQueueService(client, 3), rating=RatingDesk(store, ReferenceCache(store, sync)))
    qtbot.addWidget(clerk)
    qtbot.addWidget(clerk.pad)
    clerk.show()
    assert clerk.pad.place(alone=True) is False  # one screen: the pad is a window of its own
    engine.start()
    clerk.store, clerk.engine = store, engine
    yield clerk
    clerk.close()
    engine.stop(5)
    sync.close()
    client.close()
    store.close()


def serve_and_finish(qtbot, clerk, issue) -> str:
    number = issue("A")
    clerk.login_page.staff.setText("S1003")
    clerk.login_page.pin.setText(STAFF_PIN)
    qtbot.mouseClick(clerk.login_page.login_button, CLICK)
    qtbot.waitUntil(lambda: clerk.page == "queue" and clerk.hall is not None, timeout=WAIT_MS)
    qtbot.mouseClick(clerk.queue_page.action_buttons["call_next"], CLICK)
    qtbot.waitUntil(lambda: clerk.status.current is not None, timeout=WAIT_MS)
    qtbot.mouseClick(clerk.queue_page.action_buttons["finish"], CLICK)
    done = [b for b in clerk.queue_page.choice.findChildren(type(clerk.queue_page.choice.ok))
            if b.objectName().startswith("choice-") and b.text() == "已受理"]
    qtbot.mouseClick(done[0], CLICK)
    return number


def type_chinese(field, text: str) -> None:
    """What an input method (pinyin) does: it commits the characters to the focused field."""
    field.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(field, event)


def ratings(hall) -> list[tuple]:
    return [tuple(r) for r in hall.server.store._con().execute(
        "SELECT channel, ticket_number, window, clerks, level, reasons FROM ratings WHERE terminal_id = 'W-03'")]


def test_the_pad_shows_who_serves_then_a_rating_after_the_ticket_arrives_once(qtbot, window, hall, issue):
    """GIVEN clerk S1003 logged in at window 3 WHEN the pad is idle THEN it shows the clerk's name, staff number
    and a photo (the silhouette: the platform holds none), nothing of the citizen. WHEN the clerk finishes a
    ticket THEN the pad opens the five levels by itself and the clerk's screen says only that a rating is
    under way; WHEN the citizen touches 非常满意 THEN the pad thanks, the clerk's screen says 'done' (not the
    level), and the platform holds exactly one window_pad rating of that ticket evaluating S1003."""
    clerk, pad = window, window.pad.view
    number = serve_and_finish(qtbot, clerk, issue)
    qtbot.waitUntil(lambda: pad.page == "levels", timeout=WAIT_MS)
    assert clerk.queue_page.pad_state.text() == "评价器：市民正在评价"
    assert [b.text().split("\n")[0] for b in pad.levels_page.buttons.values()] == [
        "非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    qtbot.mouseClick(pad.levels_page.buttons[5], CLICK)
    qtbot.waitUntil(lambda: pad.page == "thanks", timeout=WAIT_MS)
    assert pad.thanks_page.text.text() == "感谢您的评价！"
    assert clerk.queue_page.pad_state.text() == "评价器：评价已完成"
    texts = " ".join(w.text() for w in clerk.findChildren(QLabel))
    assert "非常满意" not in texts
    assert wait_for(lambda: clerk.store.counts().acked == 1)
    assert ratings(hall) == [("window_pad", number, 3, json.dumps(["S1003"]), 5, "[]")]
    qtbot.waitUntil(lambda: pad.page == "idle", timeout=WAIT_MS)  # the thanks goes by itself
    name, number_label = pad.idle_page.name_label.text(), pad.idle_page.number_label.text()
    assert (name, number_label) == (clerk.presenter.service.session.staff_name, "工号 S1003")
    assert pad.idle_page.heading.text() == "3 号窗口为您服务" and not pad.idle_page.photo.pixmap().isNull()


def test_a_low_rating_at_the_pad_takes_a_reason_and_words_and_can_be_skipped(qtbot, window, hall, issue):
    """GIVEN a finished ticket WHEN the citizen touches 不满意 THEN 'send' stays disabled until a reason of the
    hall's list is touched; touching the words' line opens the on-screen keyboard in place of the reasons, and the words typed (through an input method, and on the keyboard's keys) keep 𠮷 and an emoji; WHEN sent THEN the platform holds the 差评 with its
    reason and opens a follow-up. GIVEN the next ticket WHEN the citizen touches 'no rating' THEN nothing is
    recorded and the clerk's screen says so."""
    clerk, pad = window, window.pad.view
    first = serve_and_finish(qtbot, clerk, issue)
    qtbot.waitUntil(lambda: pad.page == "levels", timeout=WAIT_MS)
    qtbot.mouseClick(pad.levels_page.buttons[2], CLICK)
    qtbot.waitUntil(lambda: pad.page == "reasons" and bool(pad.reasons_page.buttons), timeout=WAIT_MS)
    assert not pad.reasons_page.send.isEnabled()
    qtbot.mouseClick(pad.reasons_page.buttons["long_wait"], CLICK)
    assert pad.reasons_page.send.isEnabled()
    window.pad.activateWindow()
    qtbot.mouseClick(pad.reasons_page.text, CLICK)
    keyboard = pad.reasons_page.keyboard
    qtbot.waitUntil(keyboard.isVisible, timeout=WAIT_MS)  # the on-screen keyboard, the reasons aside
    assert not pad.reasons_page.grid_host.isVisible() and keyboard.wait_loaded()
    type_chinese(pad.reasons_page.text, "等太久了𠮷😡")
    qtbot.mouseClick(keyboard.mode_button, CLICK)  # 英: letters as typed
    for key in "ok":
        qtbot.mouseClick(keyboard.keys[key], CLICK)
    qtbot.mouseClick(keyboard.done_button, CLICK)
    assert not keyboard.isVisible() and pad.reasons_page.grid_host.isVisible()
    assert pad.presenter.text == "等太久了𠮷😡ok" and pad.reasons_page.text.text() == "等太久了𠮷😡ok"
    qtbot.mouseClick(pad.reasons_page.send, CLICK)
    qtbot.waitUntil(lambda: pad.page == "thanks", timeout=WAIT_MS)
    assert wait_for(lambda: clerk.store.counts().acked == 1)
    assert ratings(hall) == [("window_pad", first, 3, json.dumps(["S1003"]), 2, json.dumps(["long_wait"]))]
    assert clerk.store.load(clerk.store.entries(("acked",))[0].record_id).content["text"] == "等太久了𠮷😡ok"
    follow_ups = hall.server.store._con().execute("SELECT state FROM follow_ups").fetchall()
    assert [r[0] for r in follow_ups] == ["verify"]

    issue("A")
    qtbot.mouseClick(clerk.queue_page.action_buttons["call_next"], CLICK)
    qtbot.waitUntil(lambda: clerk.status.current is not None, timeout=WAIT_MS)
    qtbot.mouseClick(clerk.queue_page.action_buttons["finish"], CLICK)
    done = [b for b in clerk.queue_page.choice.findChildren(type(clerk.queue_page.choice.ok))
            if b.objectName().startswith("choice-") and b.text() == "已受理"]
    qtbot.mouseClick(done[0], CLICK)
    qtbot.waitUntil(lambda: pad.page == "levels", timeout=WAIT_MS)
    qtbot.mouseClick(pad.levels_page.skip, CLICK)
    assert pad.page == "idle" and clerk.queue_page.pad_state.text() == "评价器：市民未评价"
    assert len(ratings(hall)) == 1 and clerk.store.counts().queued == 0


def test_when_the_clerk_logs_out_an_open_rating_closes_and_the_pad_says_the_window_is_not_serving(
        qtbot, window, issue):
    """GIVEN a rating offered at the pad WHEN the clerk logs out THEN the offer closes with no record and the
    pad no longer names the clerk."""
    clerk, pad = window, window.pad.view
    serve_and_finish(qtbot, clerk, issue)
    qtbot.waitUntil(lambda: pad.page == "levels", timeout=WAIT_MS)
    qtbot.mouseClick(clerk.queue_page.logout_button, CLICK)
    qtbot.waitUntil(lambda: clerk.page == "login", timeout=WAIT_MS)
    assert pad.page == "idle" and pad.idle_page.name_label.text() == "本窗口暂停服务"
    assert not pad.idle_page.photo.isVisible() and clerk.store.counts().queued == 0
