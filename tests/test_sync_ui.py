"""The sync status area and the technician's outbox view, driven by a real engine and store."""

from __future__ import annotations

import pytest
from sync_fixtures import make_engine, server  # noqa: F401

from core.ports.outbox import AttachmentIn
from core.services.outbox import OutboxAdminService
from offline_cache import Store
from ui.sync_status import OutboxView, SyncStatusWidget


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "t", margin_bytes=0)
    yield s
    s.close()


def test_status_shows_offline_with_the_backlog_then_online_when_drained(qtbot, server, store):
    """GIVEN two records waiting and a platform that cannot be reached
    THEN the status area says offline, 2 waiting, with the age of the oldest;
    WHEN a terminal with the right address drains them
    THEN it says online and all sent."""
    for i in range(2):
        store.enqueue("submission", {"n": i}, [AttachmentIn(b"x" * 70_000)])
    offline, dead_client = make_engine(store, "http://127.0.0.1:9", "x")
    widget = SyncStatusWidget(offline, language="en")
    qtbot.addWidget(widget)
    widget.show()
    with offline:
        qtbot.waitUntil(lambda: widget.state == "offline" and widget.counts is not None, timeout=5000)
        assert "Offline" in widget.state_label.text()
        assert widget.waiting_label.text().startswith("2 waiting to send")
        assert "oldest" in widget.waiting_label.text()
    widget.shutdown()
    dead_client.close()

    online, client = make_engine(store, server.url, server.secrets["K-01"])
    widget2 = SyncStatusWidget(online, language="zh_CN")
    qtbot.addWidget(widget2)
    widget2.show()
    seen_bar = []
    widget2.bridge.progress.connect(lambda p: seen_bar.append(widget2.bar.isVisibleTo(widget2)))
    with online:
        qtbot.waitUntil(lambda: widget2.counts is not None and widget2.counts.waiting == 0
                        and widget2.state == "online", timeout=10000)
    assert widget2.waiting_label.text() == "全部已上传"
    assert "在线" in widget2.state_label.text()
    assert any(seen_bar)  # the progress bar showed while the backlog drained
    assert not widget2.bar.isVisibleTo(widget2)
    widget2.shutdown()
    client.close()


def test_the_outbox_view_lists_the_store_and_discards_the_selected_dead_letter_with_the_typed_reason(qtbot, store):
    """GIVEN a dead letter and a record waiting in a real store
    WHEN the view shows them, the dead letter is selected, a reason typed and "discard" pressed
    THEN the store drops it, audited under the view's actor, and the view lists only the one waiting.
    (The rules, a reason being required among them, are tests/test_presenter_outbox.py's.)"""
    rid = store.enqueue("submission", {"matter": "bad"})
    store.mark_dead(rid, "unknown_matter")
    keep = store.enqueue("rating", {"score": 5})
    view = OutboxView(OutboxAdminService(store, actor="tech-9"), language="en")
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.dead.rowCount() == 1 and view.outbox.rowCount() == 1, timeout=5000)
    assert view.dead.item(0, 5).text() == "unknown_matter"
    view.dead.selectRow(0)
    view.why.setText("citizen withdrew the application")
    view.discard_button.click()
    qtbot.waitUntil(lambda: view.dead.rowCount() == 0, timeout=5000)
    assert [(a.actor, a.action) for a in store.audit_log()][0] == ("tech-9", "discard")
    assert view.outbox.item(0, 0).text() == keep
    assert view.why.text() == "" and view.message.text() == view.presenter.tr("sync.tech.done")
    view.shutdown()
