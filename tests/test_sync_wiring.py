"""The composition root wires the store and the sync engine into the terminals (docs/sync.md, "Tickets while
offline" and "In the UI"), tested against the real hall server on loopback with virtual printers.

The round trip: a kiosk leases blocks while online, the hall server goes away, people still take numbers
(printed as usual, from the block), the server comes back on the same address, the engine delivers the
issue events, and a clerk calls the tickets in issue-time order."""

from __future__ import annotations

import time

import pytest
from sync_fixtures import wait_for
from test_services_queue_support import STAFF_PIN, start_hall, unused_port

from core import config
from kiosk.app import build_terminal, store_dir
from core.errors import PlatformRejected, PlatformUnreachable
from core.domain import Outcome
from hall_server import ServerThread, sample_hall
from platform_client import PlatformClient
from core.services.queue import ClerkQueueService, PrintState, hall_today

FAST = {"probe_interval_s": 0.2, "backoff_base_s": 0.1, "backoff_max_s": 0.5, "idle_check_s": 0.3,
        "housekeeping_interval_s": 0.3}


def kiosk_config(url: str, secret: str, data_dir, **sync) -> config.Config:
    return config.parse({
        "role": "citizen", "terminal_id": "K-01", "hall_id": "3201-0042", "data_dir": str(data_dir),
        "platform": {"url": url, "terminal_secret": secret, "timeout_s": 1.5},
        "printers": {"ticket": {"url": "virtual://wiring-ticket"}},
        "devices": {"ticket_printer": "ticket"},
        "sync": {"ticket_block_size": 20, **sync},
    }, source="test")


@pytest.fixture
def hall(tmp_path):
    h = start_hall(tmp_path / "hall.db")
    yield h
    h.server.stop()


def staff_of(window: int) -> str:
    return next(w["staff"]["id"] for w in sample_hall()["windows"] if w["number"] == window)


def take(kiosk, prefix: str):
    return kiosk.print_slip(kiosk.issue(kiosk.new_request(prefix)))


def test_offline_numbers_are_printed_delivered_and_called_in_issue_time_order(hall, tmp_path):
    """GIVEN a kiosk built by the composition root, online long enough to lease blocks
    WHEN the hall server stops, three people take numbers, and the server comes back on the same port
    THEN each got a printed slip with a number from the kiosk's block, the engine delivers the three
    issue events, and the clerk calls them in issue-time order, before a number taken afterwards."""
    url, port, db = hall.server.url, hall.server.port, hall.server.store.db_path  # the same database
    terminal = build_terminal(kiosk_config(url, hall.secrets["K-01"], tmp_path / "kiosk"), sync_options=FAST)
    restarted = None
    try:
        sync, kiosk = terminal.sync, terminal.kiosk
        sync.start()
        kiosk.hall()
        today = hall_today(kiosk.hall().info)
        assert wait_for(lambda: sync.tickets.remaining("A", today) >= 20), "no block leased while online"
        first = take(kiosk, "A")
        assert not first.offline and first.print_state is PrintState.PRINTED

        hall.server.stop()
        offline = [take(kiosk, "A") for _ in range(3)]
        assert all(t.offline and t.print_state is PrintState.PRINTED for t in offline)
        numbers = [t.ticket.number for t in offline]
        assert len(set(numbers)) == 3 and all(int(n[1:]) > 100 for n in numbers), numbers  # from the top block
        printer = terminal.printers["ticket"].open()
        assert len(printer.jobs) == 4
        assert numbers[-1].encode() in printer.jobs[-1]  # the usual slip with the block's number
        assert wait_for(lambda: sync.engine.state.value == "offline", 10)
        assert sync.store.counts().waiting == 3  # queued with the number, in one transaction

        restarted = ServerThread(db, port=port, thread_name="hall-server-again").start()
        assert wait_for(lambda: sync.engine.counts is not None and sync.engine.counts.waiting == 0
                        and sync.store.counts().acked == 3, 20), sync.store.counts()
        later = take(kiosk, "A")
        assert not later.offline

        with PlatformClient(restarted.url, "W-03", hall.secrets["W-03"], timeout_s=3.0) as client:
            clerk = ClerkQueueService(client, 3)
            clerk.login(staff_of(3), STAFF_PIN)
            called = []
            for _ in range(5):
                called.append(clerk.call_next().ticket.number)
                clerk.finish(Outcome.COMPLETED)
            clerk.logout()
        assert called == [first.ticket.number, *numbers, later.ticket.number]
    finally:
        terminal.close()
        if restarted is not None:
            restarted.stop()


def test_a_refusal_stays_an_error_and_takes_no_offline_number(hall, tmp_path):
    """GIVEN a kiosk with leased blocks WHEN the platform refuses a number (an unknown service: a 4xx)
    THEN the refusal reaches the caller and nothing is queued: only an unreachable platform falls back."""
    terminal = build_terminal(kiosk_config(hall.server.url, hall.secrets["K-01"], tmp_path / "kiosk"),
                              sync_options=FAST)
    try:
        terminal.sync.start()
        kiosk = terminal.kiosk
        today = hall_today(kiosk.hall().info)
        assert wait_for(lambda: terminal.sync.tickets.remaining("A", today) > 0)
        with pytest.raises(PlatformRejected):
            kiosk.issue(kiosk.new_request("Z"), without_print=True)
        assert terminal.sync.store.counts().waiting == 0
    finally:
        terminal.close()


def test_a_kiosk_restarted_while_offline_shows_the_cached_hall_with_its_age_and_still_issues(hall, tmp_path):
    """GIVEN a kiosk that cached the hall and leased blocks, then was shut down
    WHEN it starts again with the platform unreachable (a dead port)
    THEN the hall comes from the store's reference cache, stale with its age, and a number is issued
    from the block and queued."""
    cfg = kiosk_config(hall.server.url, hall.secrets["K-01"], tmp_path / "kiosk")
    first = build_terminal(cfg, sync_options=FAST)
    try:
        first.sync.start()
        today = hall_today(first.kiosk.hall().info)
        assert wait_for(lambda: first.sync.tickets.remaining("C", today) > 0
                        and first.sync.reference.cached("hall") is not None)
    finally:
        first.close()
    time.sleep(0.2)
    dead = kiosk_config(f"http://127.0.0.1:{unused_port()}", hall.secrets["K-01"], tmp_path / "kiosk")
    again = build_terminal(dead, sync_options=FAST)
    try:
        view = again.kiosk.hall()
        assert view.stale and view.age_s is not None and view.age_s >= 0.2
        assert isinstance(view.error, PlatformUnreachable)
        assert "C" in [s.prefix for s in view.info.services]
        issued = again.kiosk.issue(again.kiosk.new_request("C"), without_print=True)
        assert issued.offline and issued.ticket.number.startswith("C")
        assert again.sync.store.counts().queued == 1
    finally:
        again.close()


def test_the_sync_settings_reach_the_store(hall, tmp_path):
    """GIVEN [sync] with SM4-GCM, a key file of its own and a retention of two days
    THEN the store uses that cipher, writes that key file (0600) and keeps acknowledged data two days."""
    key = tmp_path / "keys" / "kiosk.key"
    cfg = kiosk_config(hall.server.url, hall.secrets["K-01"], tmp_path / "kiosk", cipher="sm4-gcm",
                       key_file=str(key), retention_days=2, free_space_margin_mb=5)
    terminal = build_terminal(cfg, sync=True)
    try:
        store = terminal.sync.store
        assert store.data_dir == store_dir(cfg)
        assert store.keyring.cipher == "sm4-gcm"
        assert key.exists() and key.stat().st_mode & 0o077 == 0
        assert store.retention_s == 2 * 86400 and store.margin_bytes == 5 * 1024 * 1024
        assert terminal.sync.engine is not None and terminal.sync.tickets.block_size == 20
    finally:
        terminal.close()
