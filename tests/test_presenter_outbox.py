"""Looking after the outbox without Qt: ``OutboxPresenter`` over ``OutboxAdminService`` over a real
encrypted store, its calls run inline; and the sync status area's rules (``SyncStatus``)."""

from __future__ import annotations

import pytest

from core.i18n import Translator
from core.ports.outbox import OutboxCounts, SyncProgress
from core.presenters import run_inline
from core.presenters.outbox import OutboxPresenter, format_age
from core.presenters.sync import SyncStatus, citizen_notice
from core.services.outbox import OutboxAdminService
from offline_cache import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "t", margin_bytes=0)
    yield s
    s.close()


def presenter_over(store, *, language: str = "en", retry_now=None) -> OutboxPresenter:
    service = OutboxAdminService(store, actor="clerk:S1003", retry_now=retry_now)
    presenter = OutboxPresenter(service, run_inline, language=language, clock=lambda: 1_000_000.0)
    presenter.changes = []
    presenter.events.subscribe(lambda change: presenter.changes.append(change.part))
    return presenter


def dead_letter(store, reason: str = "unknown_matter") -> str:
    rid = store.enqueue("submission", {"matter": "bad"})
    store.mark_dead(rid, reason)
    return rid


def test_the_lists_show_what_waits_and_what_was_refused_with_the_platform_reason(store):
    rid = dead_letter(store)
    keep = store.enqueue("rating", {"score": 5})
    presenter = presenter_over(store)
    presenter.refresh()
    waiting, dead = presenter.rows()
    assert [row.record_id for row in waiting] == [keep] and [row.record_id for row in dead] == [rid]
    assert dead[0].cells[0] == rid and dead[0].cells[5] == "unknown_matter"
    assert dead[0].cells[1] == presenter.tr("sync.kind.submission")
    assert presenter.headers[0] == presenter.tr("sync.tech.col.id") and "rows" in presenter.changes


def test_nothing_is_resent_or_discarded_without_a_selection_and_a_reason(store):
    """GIVEN a dead letter WHEN resend or discard is pressed without a reason, or without a selection,
    THEN the person is asked for a reason and the store is untouched."""
    rid = dead_letter(store)
    presenter = presenter_over(store)
    assert not presenter.discard(rid, "   ")
    assert not presenter.resend(None, "fixed on the platform")
    assert presenter.message == presenter.tr("sync.tech.why")
    assert store.entry(rid).state == "dead" and [a.action for a in store.audit_log()] == ["dead_letter"]


def test_a_resend_is_audited_under_the_person_wakes_the_engine_and_clears_the_reason(store):
    rid = dead_letter(store)
    wakes = []  # each time the sync engine is asked to try at once
    presenter = presenter_over(store, retry_now=lambda: wakes.append("retry_now"))
    presenter.refresh()
    assert presenter.resend(rid, " matter code fixed on the platform ")
    assert store.entry(rid).state == "queued" and wakes == ["retry_now"]
    audit = store.audit_log()[0]
    assert (audit.actor, audit.action, audit.why) == ("clerk:S1003", "resend", "matter code fixed on the platform")
    assert "decided" in presenter.changes and presenter.message == presenter.tr("sync.tech.done")
    waiting, dead = presenter.rows()
    assert dead == [] and [row.record_id for row in waiting] == [rid]


def test_a_discard_drops_the_record_and_a_failure_is_said_in_technician_words(store):
    rid = dead_letter(store)
    presenter = presenter_over(store)
    assert presenter.discard(rid, "citizen withdrew the application")
    assert store.audit_log()[0].action == "discard" and presenter.rows() == ([], [])
    assert presenter.discard(rid, "again")  # gone already: the store refuses
    assert presenter.message.startswith(presenter.tr("sync.tech.failed", detail="")[:6])
    assert rid in presenter.message


def test_ages_are_said_in_the_largest_whole_unit():
    tr = Translator("en")
    assert [format_age(tr, s) for s in (-3, 42, 300, 7200, 2 * 86400)] == [
        tr("sync.age.seconds", n=0), tr("sync.age.seconds", n=42), tr("sync.age.minutes", n=5),
        tr("sync.age.hours", n=2), tr("sync.age.days", n=2)]


def test_the_status_area_says_the_link_the_backlog_with_its_oldest_the_dead_letters_and_the_drain():
    """GIVEN the engine offline with 3 records waiting, the oldest 5 minutes old, and 1 dead letter
    THEN the status says offline, "3 waiting" with the oldest's age and "1 rejected", and no bar;
    WHEN it drains 1 of 3 THEN the bar shows 1 of 3; WHEN all are sent THEN "all sent" and no bar."""
    counts = OutboxCounts(queued=3, dead=1, oldest_created_at=1_000_000.0 - 300)
    status = SyncStatus(state="offline", counts=counts, progress=None, language="en", clock=lambda: 1_000_000.0)
    view = status.view()
    tr = status.tr
    assert view.state_text == tr("sync.state.offline") and view.bar is None
    assert view.waiting_text == tr("sync.status.waiting", n=3) + " · " + tr("sync.status.oldest",
                                                                           age=tr("sync.age.minutes", n=5))
    assert view.dead_text == tr("sync.status.dead", n=1)
    status.state, status.progress = "online", SyncProgress(1, 3, 10, 30)
    bar = status.view().bar
    assert (bar.done, bar.total, bar.text) == (1, 3, tr("sync.status.draining", done=1, total=3))
    status.counts, status.progress = OutboxCounts(acked=4), SyncProgress(3, 3, 30, 30)
    view = status.view()
    assert view.waiting_text == tr("sync.status.all_sent") and view.dead_text == "" and view.bar is None


def test_the_kiosk_says_nothing_online_and_one_calm_line_offline():
    tr = Translator("zh_CN")
    assert citizen_notice(tr, "online", offline_tickets=True) == ""
    assert citizen_notice(tr, "offline", offline_tickets=True) == tr("technician.status.citizen_offline")
    assert citizen_notice(tr, "retrying", offline_tickets=False) == tr("technician.status.citizen_offline_only")
