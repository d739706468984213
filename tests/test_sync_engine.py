"""The sync engine against the real hall server on loopback, through a fault-injecting proxy.

Each test is a story: GIVEN a terminal's store and the platform in some state, WHEN the engine runs,
THEN the platform holds each record exactly once and the terminal knows what happened.
"""

from __future__ import annotations

import hashlib
import os
import time

import pytest
from sync_fixtures import Events, make_engine, proxy, server, store, wait_for  # noqa: F401

from core.errors import PlatformServerFault, PlatformUnreachable
from platform_client.sync import SyncClient
from core.ports.outbox import AttachmentIn, SyncState, content_hash


def _server_record(server, record_id):
    return next((r for r in server.store.sync_records() if r["record_id"] == record_id), None)


def test_records_with_attachments_arrive_once_with_identical_hashes(server, proxy, store):
    """GIVEN three submissions with scans (one larger than a chunk) queued while the platform is reachable
    WHEN the engine runs
    THEN each is on the server once, with the terminal's content hash and every attachment's SHA-256,
    the engine reports ONLINE and progress that ends with every record and byte done."""
    scans = [os.urandom(5_000), os.urandom(100_000), os.urandom(7)]
    ids = [store.enqueue("submission", {"n": i, "name": "李䶮"}, [AttachmentIn(scans[i])]) for i in range(3)]
    events = Events()
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"], events=events)
    with engine:
        assert wait_for(lambda: store.counts().acked == 3)
    client.close()
    for rid in ids:
        record = store.load(rid)
        on_server = _server_record(server, rid)
        assert on_server["content_hash"] == content_hash(record.wire())
        assert on_server["record"]["content"]["name"] == "李䶮"
        sha = record.attachments[0]["sha256"]
        assert hashlib.sha256(server.store.attachment_data(sha)).hexdigest() == sha
    assert SyncState.ONLINE in events.states
    last = events.progress[-1]
    assert (last.records_done, last.records_total) == (3, 3)
    assert last.bytes_done >= sum(len(s) for s in scans)


def test_captive_portal_is_not_success_and_delivery_follows_the_networks_return(server, proxy, store):
    """GIVEN a network where every request meets a captive portal's 200 HTML page
    WHEN the engine tries to send
    THEN nothing is acknowledged or dead-lettered, the state is OFFLINE; and when the real platform answers
    again the record goes at once (probe), not after the long backoff."""
    proxy.set_weights({"portal": 1})
    rid = store.enqueue("device_health", {"score": 5})
    events = Events()
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"], events=events,
                                 backoff_base_s=30.0, backoff_max_s=60.0)
    with engine:
        assert wait_for(lambda: SyncState.OFFLINE in events.states and store.entry(rid).attempts >= 1)
        time.sleep(0.3)
        assert store.entry(rid).state == "queued"
        proxy.set_weights({"pass": 1})
        back = time.monotonic()
        assert wait_for(lambda: store.entry(rid).state == "acked", 5.0)
        assert time.monotonic() - back < 3.0  # far shorter than the 30 s backoff
    client.close()
    assert _server_record(server, rid) is not None


@pytest.mark.parametrize("fault", ["reset_after", "portal_after", "truncated"])
def test_answer_lost_after_the_server_acted_gives_one_record(server, proxy, store, fault):
    """GIVEN a link that loses the answer after the server stored the record ({fault})
    WHEN the engine sends again
    THEN the server answers 'duplicate' and holds the record once."""
    proxy.set_weights({fault: 1})
    rid = store.enqueue("device_health", {"score": 4, "fault": fault})
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"])
    with engine:
        assert wait_for(lambda: _server_record(server, rid) is not None)
        proxy.set_weights({"pass": 1})
        assert wait_for(lambda: store.entry(rid).state == "acked")
    client.close()
    assert [r["record_id"] for r in server.store.sync_records()].count(rid) == 1
    assert store.entry(rid).attempts >= 2


def test_retry_after_is_honoured(server, proxy, store):
    """GIVEN a platform answering 503 with Retry-After: 1
    WHEN the engine meets it
    THEN it waits about a second before the next try, although its own backoff is 20 ms."""
    proxy.set_weights({"http503": 1})
    rid = store.enqueue("device_health", {"score": 3})
    events = Events()
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"], events=events, backoff_base_s=0.02)
    with engine:
        assert wait_for(lambda: store.entry(rid).attempts >= 1)
        first = time.monotonic()
        assert wait_for(lambda: store.entry(rid).attempts >= 2, 5.0)
        assert time.monotonic() - first >= 0.8
        proxy.set_weights({"pass": 1})
        assert wait_for(lambda: store.entry(rid).state == "acked", 5.0)
    client.close()
    assert SyncState.RETRYING in events.states


def test_rejected_record_becomes_a_dead_letter_and_the_next_goes_on(server, proxy, store):
    """GIVEN an offline ticket whose number lies in no block leased to this kiosk (the platform says 409
    not_in_block) followed by a device-health record
    WHEN the engine runs
    THEN the ticket is a dead letter with that reason and the device-health record is delivered."""
    bad = store.enqueue("offline_ticket", {"service_prefix": "A", "seq": 5, "service_day": "2026-11-23",
                                           "issued_at": 1_795_000_000.0})
    good = store.enqueue("device_health", {"score": 5})
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"])
    with engine:
        assert wait_for(lambda: store.entry(good).state == "acked")
    client.close()
    entry = store.entry(bad)
    assert entry.state == "dead" and entry.dead_reason.startswith("not_in_block")
    assert [e.record_id for e in store.dead_letters()] == [bad]


def test_wrong_credentials_block_without_losing_or_killing_records(server, proxy, store):
    """GIVEN a terminal whose secret the platform refuses (401)
    THEN the engine is BLOCKED and the record stays queued (not a dead letter)."""
    rid = store.enqueue("device_health", {"score": 1})
    events = Events()
    engine, client = make_engine(store, proxy.url, "not-the-secret", events=events)
    with engine:
        assert wait_for(lambda: SyncState.BLOCKED in events.states)
    client.close()
    assert store.entry(rid).state == "queued"


def test_crash_in_flight_resends_and_the_server_keeps_one(server, proxy, store):
    """GIVEN a record the server stored but the terminal crashed before acknowledging (left in flight)
    WHEN the terminal starts again
    THEN the record is sent again, the server says duplicate, and it is acknowledged once."""
    rid = store.enqueue("submission", {"n": "crash"}, [AttachmentIn(b"scan" * 1000)])
    record = store.load(rid)
    with SyncClient(proxy.url, "K-01", server.secrets["K-01"]) as direct:
        direct.put_attachment_chunk(record.attachments[0]["sha256"], 4000, 0, b"scan" * 1000)
        direct.post_record("submission", rid, record.wire())
    store.mark_inflight(rid)  # the crash: never marked acknowledged
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"])
    with engine:
        assert wait_for(lambda: store.entry(rid).state == "acked")
    client.close()
    assert [r["record_id"] for r in server.store.sync_records()].count(rid) == 1


class CountingTransport:
    """The real client, counting the attachment bytes it sends."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client
        self.sent = 0

    def probe(self):
        return self.client.probe()

    def attachment_received(self, sha):
        return self.client.attachment_received(sha)

    def put_attachment_chunk(self, sha, total, offset, chunk):
        self.sent += len(chunk)
        return self.client.put_attachment_chunk(sha, total, offset, chunk)

    def post_record(self, kind, rid, content):
        return self.client.post_record(kind, rid, content)


def test_large_scan_resumes_where_the_interrupted_upload_stopped(server, store):
    """GIVEN a 200 kB scan of which the platform already holds the first 64 kB (an upload cut off)
    WHEN the engine sends the record
    THEN it sends only the remaining bytes and the server's copy is whole."""
    from offline_cache.engine import SyncEngine

    scan = os.urandom(200_000)
    sha = hashlib.sha256(scan).hexdigest()
    rid = store.enqueue("submission", {"n": "resume"}, [AttachmentIn(scan)])
    with SyncClient(server.url, "K-01", server.secrets["K-01"]) as client:
        client.put_attachment_chunk(sha, len(scan), 0, scan[:32_768])
        client.put_attachment_chunk(sha, len(scan), 32_768, scan[32_768:65_536])
        transport = CountingTransport(client)
        with SyncEngine(store, transport, backoff_base_s=0.02, probe_interval_s=0.05, idle_check_s=0.1):
            assert wait_for(lambda: store.entry(rid).state == "acked")
    assert transport.sent == len(scan) - 65_536
    assert server.store.attachment_data(sha) == scan


def test_probe_is_false_for_a_portal_and_for_no_server(server, proxy):
    proxy.set_weights({"portal": 1})
    with SyncClient(proxy.url, "K-01", server.secrets["K-01"], keep_alive=False) as client:
        assert client.probe() is False
    with SyncClient("http://127.0.0.1:9", "K-01", "x", timeout_s=0.3) as client:
        assert client.probe() is False
        with pytest.raises(PlatformUnreachable):
            client.attachment_received("0" * 64)


def test_server_fault_carries_retry_after(server, proxy):
    proxy.set_weights({"http503": 1})
    with SyncClient(proxy.url, "K-01", server.secrets["K-01"], keep_alive=False) as client:
        with pytest.raises(PlatformServerFault) as err:
            client.post_record("device_health", "5f0c7a52-3b8e-4c1e-9d7e-2f3a4b5c6d7e", {"content": {}, "attachments": []})
    assert err.value.params["retry_after_s"] == 1.0


def test_with_nothing_to_send_the_state_follows_the_link(server, proxy, store):
    """GIVEN an empty outbox
    WHEN the link goes down and comes back
    THEN the engine reports OFFLINE and then ONLINE again (probing while idle)."""
    events = Events()
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"], events=events)
    with engine:
        assert wait_for(lambda: engine.state == SyncState.ONLINE)
        proxy.set_down(True)
        assert wait_for(lambda: engine.state == SyncState.OFFLINE)
        proxy.set_down(False)
        assert wait_for(lambda: engine.state == SyncState.ONLINE)
    client.close()
    assert events.states[-3:] == [SyncState.ONLINE, SyncState.OFFLINE, SyncState.ONLINE]
