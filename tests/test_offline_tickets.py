"""Tickets while offline: leased blocks never collide, and offline tickets join the queue in issue order."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sync_fixtures import make_engine, wait_for

from hall_server import HallStore, ServerThread, sample_hall
from platform_client.sync import SyncClient
from offline_cache import Store
from offline_cache.tickets import NoOfflineNumbers, OfflineTickets

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)


class Clock:
    """The hall server's clock, standing on a Monday morning until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.t, self.lock = start, threading.Lock()

    def now(self) -> datetime:
        with self.lock:
            return self.t

    def monotonic(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.t += timedelta(seconds=seconds)


@pytest.fixture
def hall(tmp_path):
    clock = Clock(MONDAY_10)
    seed = sample_hall()
    for service in seed["services"]:
        service["daily_cap"] = 0  # the block test drives the server's sequence up to the leased blocks
    with ServerThread(tmp_path / "hall.db", seed=seed, clock=clock, thread_name="hall-t") as srv:
        srv.clock = clock
        srv.secrets = {t: srv.store.add_terminal(t, "citizen") for t in ("K-01", "K-02")}
        srv.secrets["W-01"] = srv.store.add_terminal("W-01", "clerk")
        yield srv


@pytest.fixture
def kiosk(tmp_path, hall):
    store = Store(tmp_path / "k1", margin_bytes=0)
    client = SyncClient(hall.url, "K-01", hall.secrets["K-01"])
    yield store, client, OfflineTickets(store, terminal_id="K-01", block_size=5, low_water=2)
    client.close()
    store.close()


def _service(hall, prefix="A"):
    return hall.store.hall_info().service(prefix)


def test_blocks_of_two_kiosks_and_the_server_never_overlap(hall, kiosk, tmp_path):
    store, client, tickets = kiosk
    other_store = Store(tmp_path / "k2", margin_bytes=0)
    try:
        with SyncClient(hall.url, "K-02", hall.secrets["K-02"]) as other_client:
            other = OfflineTickets(other_store, terminal_id="K-02", block_size=5, low_water=2)
            assert tickets.refill(client, ["A"], MONDAY_10.date()) == 1
            assert other.refill(other_client, ["A"], MONDAY_10.date()) == 1
            assert tickets.refill(client, ["A"], MONDAY_10.date()) == 0  # 5 left ≥ low water
        mine = set(range(tickets.blocks()[0].first, tickets.blocks()[0].last + 1))
        theirs = set(range(other.blocks()[0].first, other.blocks()[0].last + 1))
        assert mine and theirs and not mine & theirs
        # the server's own sequence jumps over leased numbers
        with hall.store._write() as con:
            con.execute("INSERT INTO sequences VALUES (?, 'A', ?)", (MONDAY_10.date().isoformat(), min(mine | theirs) - 2))
        issued = [hall.store.issue_ticket(terminal_id="K-01", service_prefix="A", request_id=f"r{i}").number
                  for i in range(3)]
        numbers = {int(n[1:]) for n in issued}
        assert not numbers & (mine | theirs)
        low, high = min(mine | theirs), max(mine | theirs)
        assert issued == [f"A{low - 1:03d}", f"A{high + 1}", f"A{high + 2}"]
    finally:
        other_store.close()


def test_offline_issue_takes_consecutive_numbers_and_queues_each_event(hall, kiosk):
    store, client, tickets = kiosk
    tickets.refill(client, ["A"], MONDAY_10.date())
    block = tickets.blocks()[0]
    service = _service(hall)
    issued = [tickets.issue(service, MONDAY_10 + timedelta(minutes=i)) for i in range(5)]
    assert [t.number for t in issued] == [f"A{n:03d}" for n in range(block.first, block.last + 1)]
    assert store.counts().queued == 5
    assert len({t.tracking_code for t in issued}) == 5
    with pytest.raises(NoOfflineNumbers):
        tickets.issue(service, MONDAY_10 + timedelta(minutes=9))
    with pytest.raises(NoOfflineNumbers):  # yesterday's block is no good tomorrow
        tickets.issue(service, MONDAY_10 + timedelta(days=1))


def test_offline_tickets_join_the_queue_in_issue_time_order(hall, kiosk):
    """GIVEN A tickets issued by the server at 10:00 and 10:20 and one issued offline by the kiosk at 10:10
    WHEN the link returns and the engine delivers the offline ticket
    THEN a clerk calling next gets them in issue order: 10:00, the offline one, 10:20."""
    store, client, tickets = kiosk
    tickets.refill(client, ["A"], MONDAY_10.date())
    first = hall.store.issue_ticket(terminal_id="K-02", service_prefix="A", request_id="early")
    offline = tickets.issue(_service(hall), MONDAY_10 + timedelta(minutes=10))
    hall.clock.advance(20 * 60)
    late = hall.store.issue_ticket(terminal_id="K-02", service_prefix="A", request_id="late")
    engine, sync_client = make_engine(store, hall.url, hall.secrets["K-01"])
    with engine:
        assert wait_for(lambda: store.counts().acked == 1)
    sync_client.close()
    window = next(w.number for w in hall.store.hall_info().windows if "A" in w.services)
    hall.store.add_staff("S-T1", "测试员", "2468", [window])
    session = hall.store.login(terminal_id="W-01", window=window, staff_id="S-T1", pin="2468")
    called = []
    from core.domain import Outcome

    for _ in range(3):
        ticket = hall.store.call_next(terminal_id="W-01", token=session.token)
        called.append(ticket.number)
        hall.store.finish(terminal_id="W-01", token=session.token, outcome=Outcome.CONSULTED)
    assert called == [first.number, offline.number, late.number]
    merged = hall.store.ticket_by_tracking(offline.tracking_code)
    assert merged.number == offline.number


def test_a_number_outside_the_kiosks_blocks_is_refused(hall, kiosk, tmp_path):
    _store, client, tickets = kiosk
    with SyncClient(hall.url, "K-02", hall.secrets["K-02"]) as other_client:
        other_store = Store(tmp_path / "k2", margin_bytes=0)
        try:
            other = OfflineTickets(other_store, terminal_id="K-02", block_size=5)
            other.refill(other_client, ["A"], MONDAY_10.date())
            theirs = other.blocks()[0].first
        finally:
            other_store.close()
    from core.errors import PlatformConflict

    with pytest.raises(PlatformConflict) as err:  # K-01 reports a number leased to K-02
        client.post_record("offline_ticket", "7d1c2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", {"content": {
            "service_prefix": "A", "seq": theirs, "service_day": MONDAY_10.date().isoformat(),
            "issued_at": MONDAY_10.timestamp()}, "attachments": []})
    assert err.value.reason == "not_in_block"


def test_lease_is_idempotent_on_its_id(hall):
    with SyncClient(hall.url, "K-01", hall.secrets["K-01"]) as client:
        lease_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
        assert client.lease_ticket_block("B", 10, lease_id) == client.lease_ticket_block("B", 10, lease_id)


def test_hall_store_has_the_sync_tables(tmp_path):
    store = HallStore(tmp_path / "h.db")
    try:
        names = {r[0] for r in store._con().execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"sync_records", "sync_attachments", "ticket_blocks"} <= names
    finally:
        store.close()


def test_the_engine_keeps_blocks_leased_while_online(hall, kiosk):
    """GIVEN a kiosk with no blocks and an engine whose housekeeping refills them
    WHEN the engine is online and idle
    THEN a block is leased for each service without anyone asking."""
    store, client, tickets = kiosk
    engine, sync_client = make_engine(store, hall.url, hall.secrets["K-01"],
                                      housekeeping=[lambda: tickets.refill(client, ["A", "B"], MONDAY_10.date())])
    with engine:
        assert wait_for(lambda: {b.prefix for b in tickets.blocks()} == {"A", "B"}, 5.0)
    sync_client.close()
