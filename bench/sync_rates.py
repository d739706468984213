"""Sync rates, each against a baseline measured side by side in the same run.

    .venv/bin/python bench/sync_rates.py [--records 300]

1. Durable enqueue: ``Store.enqueue`` of a submission (sealed, WAL, synchronous=FULL, its own transaction)
   against the baseline of a raw SQLite INSERT of the same number of bytes, also WAL + FULL, one
   transaction each (what durability costs at least on this disk). With a 20 kB attachment as well.
2. Drain: the sync engine delivering N records (content + one 20 kB attachment each) to the reference hall
   server on loopback, against the baseline of a plain ``requests`` loop posting the same payloads (same
   endpoints, same signing, no store, no engine).
3. Reconnect: the link is down (every connection reset) with a record waiting and the engine in a 60 s
   backoff; the link comes back; time to the first acknowledged delivery, against that backoff (what the
   engine would wait without its probe) and against the probe interval.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from faultproxy import FaultProxy  # noqa: E402

from hall_server import ServerThread, sample_hall  # noqa: E402
from platform_client.sync import SyncClient  # noqa: E402
from core.ports.outbox import AttachmentIn, canonical_json  # noqa: E402
from offline_cache import Store  # noqa: E402
from offline_cache.engine import SyncEngine  # noqa: E402

CONTENT = {"matter": "M-001", "applicant": {"name": "李䶮", "id_number": "32010219550312123X"},
           "fields": {"note": "材料齐全" * 20}}


def enqueue_rate(work: Path, n: int, attachment: int) -> tuple[float, float]:
    store = Store(work / f"enqueue-{attachment}", margin_bytes=0)
    t = time.perf_counter()
    for i in range(n):
        store.enqueue("submission", {**CONTENT, "i": i}, [AttachmentIn(os.urandom(attachment))] if attachment else ())
    ours = n / (time.perf_counter() - t)
    store.close()
    raw = sqlite3.connect(work / f"raw-{attachment}.sqlite3", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("CREATE TABLE r(id TEXT PRIMARY KEY, body BLOB)")
    size = len(canonical_json(CONTENT)) + 64 + attachment
    t = time.perf_counter()
    for _ in range(n):
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO r VALUES (?, ?)", (str(uuid.uuid4()), os.urandom(size)))
        raw.execute("COMMIT")
    baseline = n / (time.perf_counter() - t)
    raw.close()
    return ours, baseline


def drain_rate(work: Path, server: ServerThread, secret: str, n: int) -> tuple[float, float]:
    store = Store(work / "drain", margin_bytes=0)
    payloads = []
    for i in range(n):
        scan = os.urandom(20_000)
        store.enqueue("submission", {**CONTENT, "i": i}, [AttachmentIn(scan)])
        payloads.append(({**CONTENT, "i": -i - 1}, os.urandom(20_000)))
    client = SyncClient(server.url, "K-RATE", secret)
    t = time.perf_counter()
    with SyncEngine(store, client, idle_check_s=0.05, probe_interval_s=0.05) as engine:
        while engine.delivered < n:  # an attribute, not a query: the bench must not slow the engine down
            time.sleep(0.005)
    ours = n / (time.perf_counter() - t)
    store.close()
    t = time.perf_counter()  # baseline: the same requests in a plain loop
    for content, scan in payloads:
        sha = hashlib.sha256(scan).hexdigest()
        client.put_attachment_chunk(sha, len(scan), 0, scan)
        client.post_record("submission", str(uuid.uuid4()), {"content": content, "attachments": [
            {"sha256": sha, "size": len(scan), "media_type": "image/jpeg", "label": ""}]})
    baseline = n / (time.perf_counter() - t)
    client.close()
    return ours, baseline


def reconnect_time(work: Path, server: ServerThread, secret: str) -> tuple[float, float, float]:
    backoff, probe = 60.0, 0.5
    store = Store(work, margin_bytes=0)
    with FaultProxy(server.port, {"pass": 1}) as proxy:
        proxy.set_down(True)
        client = SyncClient(proxy.url, "K-RATE", secret, timeout_s=1.0, probe_timeout_s=0.3, keep_alive=False)
        with SyncEngine(store, client, backoff_base_s=backoff, backoff_max_s=backoff, probe_interval_s=probe):
            rid = store.enqueue("device_health", {"score": 5})
            while store.entry(rid).attempts == 0:
                time.sleep(0.01)
            time.sleep(0.5)  # it is now well inside its 60 s backoff
            proxy.set_down(False)
            t = time.perf_counter()
            while store.entry(rid).state != "acked":
                time.sleep(0.005)
            elapsed = time.perf_counter() - t
        client.close()
    store.close()
    return elapsed, backoff, probe


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sync-rates-"))
    n = args.records
    for attachment in (0, 20_000):
        ours, base = enqueue_rate(work, n, attachment)
        print(f"enqueue (attachment {attachment // 1000} kB): {ours:.0f} records/s durable (sealed, WAL, "
              f"synchronous=FULL) vs raw SQLite insert WAL+FULL {base:.0f}/s: ratio {ours / base:.2f}")
    with ServerThread(work / "hall.db", seed=sample_hall(), thread_name="rates-hall") as server:
        secret = server.store.add_terminal("K-RATE", "citizen")
        ours, base = drain_rate(work, server, secret, n)
        print(f"drain: {ours:.1f} records/s through the engine vs plain requests loop {base:.1f}/s: "
              f"ratio {ours / base:.2f}")
        runs = [reconnect_time(work / f"r{i}", server, secret) for i in range(5)]
        times = [r[0] for r in runs]
        backoff, probe = runs[0][1], runs[0][2]
        mean = sum(times) / len(times)
        print(f"reconnect: first delivery {mean:.2f} s on average (max {max(times):.2f} s, 5 runs) after the link "
              f"returned, during a {backoff:.0f} s backoff (ratio {mean / backoff:.4f}); probe interval {probe:.1f} s "
              f"(ratio {mean / probe:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
