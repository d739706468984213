"""The case number the platform gives an acknowledged record is kept by the terminal: sealed in its store
with the record, published by the sync engine as ``RecordAcknowledged``, read back by
``ApplicationService.case_number``. Real store in tmp_path, real engine, the real hall server on loopback
(its clock on a Monday at 10:00), and the fault proxy for answers that are not the platform's."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from server_fixtures import (COMPANY_FORM, MONDAY_10AM, catalogue_matter, fresh_hall,  # noqa: F401
                             with_catalogue)
from sync_fixtures import PASS_ONLY, FaultProxy, make_engine, store, wait_for  # noqa: F401 (fixtures)

from core.ports.outbox import RecordAcknowledged
from core.services.application import Application, ApplicationService, Provision
from core.services.materials import MaterialSet
from offline_cache import Store, StoreCorrupt

FORM = COMPANY_FORM


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    return with_catalogue(fresh_hall)


def notice(hall, store) -> str:  # noqa: F811
    """A 一次性告知 queued at window 1: the platform opens a case in 补正告知 for it."""
    matter = catalogue_matter(hall)
    app = Application(matter, "E013", 1)
    app.mark("m1", Provision.ORIGINAL)
    return ApplicationService(store).notify(app, clerk="S1001", at=MONDAY_10AM)


def platform_number(hall, record_id: str) -> str:
    row = hall.store._con().execute("SELECT tracking FROM case_records WHERE terminal_id = ? AND record_id = ?",
                                    ("window-1", record_id)).fetchone()
    return row[0]


class Acks:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[RecordAcknowledged] = []

    def __call__(self, event: RecordAcknowledged) -> None:
        with self.lock:
            self.seen.append(event)


def run(store, url: str, secret: str, until, acks: Acks | None = None) -> bool:  # noqa: F811
    engine, client = make_engine(store, url, secret, terminal="window-1")
    if acks is not None:
        engine.subscribe(on_ack=acks)
    engine.start()
    try:
        return wait_for(until)
    finally:
        engine.stop(5.0)
        client.close()


def test_an_accepted_application_keeps_its_case_number_and_the_event_carries_it(hall, store):  # noqa: F811
    """GIVEN an application accepted at window 1 WHEN the engine delivers it THEN the store keeps the case's
    number, state and promised date, the service answers the number, and the engine's RecordAcknowledged
    carries the same number for the window to show."""
    matter = catalogue_matter(hall)
    app = Application(matter, "E012", 1)
    for material in ("m1", "m2", "m3", "m4"):
        app.mark(material, Provision.ORIGINAL)
    service = ApplicationService(store)
    record_id = service.accept(app, MaterialSet(matter.name), form=FORM, clerk="S1001", at=MONDAY_10AM)
    acks = Acks()

    assert run(store, hall.url, hall.secret("window-1"), lambda: bool(acks.seen), acks)

    number = platform_number(hall, record_id)
    case = store.case_for(record_id)
    assert (case.number, case.state, case.promised_on) == (number, "accepted", "2026-11-24")
    assert service.case_number(record_id) == number
    assert acks.seen == [RecordAcknowledged(record_id, "application", number, "accepted", "2026-11-24")]


def test_offline_the_number_is_pending_until_the_platform_answers(hall, store):  # noqa: F811
    """GIVEN a notice queued while the platform is unreachable THEN its case number is None (the receipt
    says 受理编号待同步) WHEN the platform answers again THEN the number is the platform's."""
    record_id = notice(hall, store)
    service = ApplicationService(store)
    with FaultProxy(hall.server.port, PASS_ONLY, seed=1, thread_name="faultproxy") as proxy:
        proxy.set_down(True)
        engine, client = make_engine(store, proxy.url, hall.secret("window-1"), terminal="window-1")
        engine.start()
        try:
            assert wait_for(lambda: store.entry(record_id).attempts >= 1 or engine.state.value == "offline")
            assert service.case_number(record_id) is None
            proxy.set_down(False)
            assert wait_for(lambda: store.entry(record_id).state == "acked")
        finally:
            engine.stop(5.0)
            client.close()
    assert service.case_number(record_id) == platform_number(hall, record_id)


def test_the_number_survives_a_restart_and_is_never_in_the_clear(hall, tmp_path):
    """GIVEN a delivered notice WHEN the terminal's store is closed and opened again THEN the case number
    is still there, and the database file holds it only sealed."""
    first = Store(tmp_path / "terminal", margin_bytes=0)
    record_id = notice(hall, first)
    assert run(first, hall.url, hall.secret("window-1"), lambda: first.entry(record_id).state == "acked")
    first.close()

    number = platform_number(hall, record_id)
    again = Store(tmp_path / "terminal", margin_bytes=0)
    try:
        assert ApplicationService(again).case_number(record_id) == number
    finally:
        again.close()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "terminal").glob("outbox.sqlite3*"))
    assert number.encode("ascii") not in raw


def test_the_number_goes_with_the_record_when_its_retention_ends(hall, store):  # noqa: F811
    """GIVEN a delivered notice WHEN its retention is over and the store purges THEN the case is no
    longer kept (the row stays for the audit)."""
    record_id = notice(hall, store)
    assert run(store, hall.url, hall.secret("window-1"), lambda: store.entry(record_id).state == "acked")
    assert store.case_for(record_id) is not None
    store.purge(now=store.clock() + store.retention_s - 60)
    assert store.case_for(record_id) is not None
    assert store.purge(now=store.clock() + store.retention_s + 60) == 1
    assert store.case_for(record_id) is None
    assert store.entry(record_id).state == "acked"


@pytest.mark.parametrize("fault", ["truncated", "portal_after"])
def test_a_damaged_or_foreign_answer_keeps_nothing(hall, store, fault):  # noqa: F811
    """GIVEN the platform opened the case but its answer arrives cut short or replaced by a portal's page
    THEN the record stays unacknowledged, no case is kept and no event is published; WHEN the platform's
    own answer comes through THEN the number kept is the platform's."""
    record_id = notice(hall, store)
    acks = Acks()
    with FaultProxy(hall.server.port, PASS_ONLY, seed=1, thread_name="faultproxy") as proxy:
        path = f"/v1/sync/records/{record_id}"
        proxy.poison(path, fault)
        engine, client = make_engine(store, proxy.url, hall.secret("window-1"), terminal="window-1")
        engine.subscribe(on_ack=acks)
        engine.start()
        try:
            assert wait_for(lambda: proxy.counts[f"poisoned_{fault}"] >= 2)
            assert store.entry(record_id).state in ("queued", "inflight")
            assert store.case_for(record_id) is None and acks.seen == []
            proxy.poison(path, "pass")
            assert wait_for(lambda: store.entry(record_id).state == "acked")
        finally:
            engine.stop(5.0)
            client.close()
    assert store.case_for(record_id).number == platform_number(hall, record_id)
    assert [a.case_number for a in acks.seen] == [platform_number(hall, record_id)]


def test_a_sealed_case_moved_to_another_record_does_not_open(hall, store):  # noqa: F811
    """GIVEN two delivered notices WHEN one's sealed case is copied onto the other's row THEN reading it
    fails as damaged instead of answering another person's case number."""
    first, second = notice(hall, store), notice(hall, store)
    assert run(store, hall.url, hall.secret("window-1"),
               lambda: all(store.entry(r).state == "acked" for r in (first, second)))
    db = sqlite3.connect(store.data_dir / "outbox.sqlite3")
    sealed = db.execute("SELECT body FROM cases WHERE record_id = ?", (first,)).fetchone()[0]
    with db:
        db.execute("UPDATE cases SET body = ? WHERE record_id = ?", (sealed, second))
    db.close()
    with pytest.raises(StoreCorrupt):
        store.case_for(second)
