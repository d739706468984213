"""One record's failure does not hold up the others: every record backs off on its own, and a record that
can never succeed becomes a dead letter with its reason (real hall server on loopback, fault proxy)."""

from __future__ import annotations

import sqlite3
import time

from sync_fixtures import make_engine, proxy, server, store, wait_for  # noqa: F401

from core.ports.outbox import AttachmentIn


def test_a_record_the_platform_keeps_failing_lets_the_others_pass_and_ends_a_dead_letter(server, proxy, store):
    """GIVEN a record the platform answers 500 to every time (a poisoned record) queued first
    WHEN the engine runs and good records keep arriving
    THEN the good records are delivered while the poisoned one waits on its own backoff, and after
    max_record_failures failures of its own it is a dead letter saying why."""
    poisoned = store.enqueue("device_health", {"score": 1})
    proxy.poison(f"/v1/sync/records/{poisoned}", "http500")
    first_good = store.enqueue("device_health", {"score": 5})
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"], max_record_failures=3)
    goods = [first_good]
    with engine:
        assert wait_for(lambda: store.entry(first_good).state == "acked", 5.0)
        assert store.entry(poisoned).state in ("queued", "inflight")  # still trying, not in the way
        deadline = time.monotonic() + 20
        while store.entry(poisoned).state != "dead" and time.monotonic() < deadline:
            goods.append(store.enqueue("device_health", {"score": 4}))
            assert wait_for(lambda: store.entry(goods[-1]).state == "acked", 5.0)
            time.sleep(0.3)
    client.close()
    entry = store.entry(poisoned)
    assert entry.state == "dead"
    assert entry.dead_reason.startswith("too_many_failures")
    assert "500" in entry.dead_reason or "PlatformServerFault" in entry.dead_reason
    assert all(store.entry(g).state == "acked" for g in goods)


def test_a_failing_record_waits_its_own_backoff(server, proxy, store):
    """GIVEN a platform that answers 500 to one record
    WHEN it fails THEN its next attempt is set in the future (with jitter) rather than at once."""
    rid = store.enqueue("device_health", {"score": 2})
    proxy.poison(f"/v1/sync/records/{rid}", "http500")
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"], backoff_base_s=1.0, backoff_max_s=4.0)
    with engine:
        assert wait_for(lambda: store.entry(rid).attempts >= 1, 5.0)
        failed_at = time.time()
        time.sleep(0.3)
        entry = store.entry(rid)
    client.close()
    assert entry.state == "queued" and entry.attempts == 1
    assert entry.next_at >= failed_at + 0.3
    assert "PlatformServerFault" in entry.last_error


def test_a_record_whose_sealed_body_is_damaged_on_disk_is_a_dead_letter_and_the_next_goes_on(server, proxy, store):
    """GIVEN a record whose sealed body was damaged on disk (bytes flipped in the database file) before a
    good record WHEN the engine runs THEN the damaged one is a dead letter ``local_corrupt`` counted as an
    attempt, and the good one arrives."""
    damaged = store.enqueue("submission", {"applicant": {"name": "李䶮"}, "note": "x" * 3000})
    good = store.enqueue("device_health", {"score": 5})
    with store.transaction() as db:
        body = db.execute("SELECT body FROM records WHERE id = ?", (damaged,)).fetchone()[0]
    store.close()
    db_path = store.data_dir / "outbox.sqlite3"
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    raw = bytearray(db_path.read_bytes())
    at = raw.find(body[40:80])
    assert at > 0
    raw[at: at + 8] = bytes(b ^ 0xFF for b in raw[at: at + 8])
    db_path.write_bytes(bytes(raw))
    from offline_cache import Store

    reopened = Store(store.data_dir, margin_bytes=0)
    engine, client = make_engine(reopened, proxy.url, server.secrets["K-01"])
    try:
        with engine:
            assert wait_for(lambda: reopened.entry(good).state == "acked", 5.0)
            assert wait_for(lambda: reopened.entry(damaged).state == "dead", 5.0)
        entry = reopened.entry(damaged)
        assert entry.dead_reason.startswith("local_corrupt") and entry.attempts == 1
    finally:
        client.close()
        reopened.close()


def test_a_record_whose_attachment_is_gone_is_a_dead_letter_and_the_next_goes_on(server, proxy, store):
    """GIVEN a record whose attachment file vanished from the blob directory, then a good record
    WHEN the engine runs THEN the first is a dead letter ``local_corrupt`` and the second arrives."""
    broken = store.enqueue("submission", {"n": 1}, [AttachmentIn(b"\xff\xd8" + b"j" * 5000, "image/jpeg", "scan")])
    good = store.enqueue("device_health", {"score": 5})
    blob = store.load(broken).attachments[0]["blob"]
    (store.blob_dir / blob[:2] / blob).unlink()
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"])
    with engine:
        assert wait_for(lambda: store.entry(good).state == "acked", 5.0)
        assert wait_for(lambda: store.entry(broken).state == "dead", 5.0)
    client.close()
    assert store.entry(broken).dead_reason.startswith("local_corrupt")
