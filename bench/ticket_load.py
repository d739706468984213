"""Ticket numbering under load: many kiosks issuing at once against the hall server on loopback.

    .venv/bin/python bench/ticket_load.py [--terminals 50] [--tickets 5000] [--alone 300]

The server runs in its own process (``python -m kiosk hall-server``), so the load generator's GIL does not
slow it down. Each load thread is one terminal with its own credentials and its own PlatformClient; they
start together at a barrier and issue round-robin over the sample hall's eight services (caps lifted).

Checks: every service's numbers are exactly 1..n: no duplicate, no skipped number.
Figures: issue latency p50/p99 of one terminal issuing alone (the baseline, measured first in the same
run against the same server), then under load, and the ratio load/alone; throughput under load.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.errors import PlatformError  # noqa: E402
from hall_server import HallStore, sample_hall  # noqa: E402
from platform_client import PlatformClient  # noqa: E402

PREFIXES = "ABCDEFGH"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def provision(db: Path, terminals: int) -> dict[str, str]:
    hall = sample_hall()
    for service in hall["services"]:
        service["daily_cap"] = 0  # the figure is about numbering, not about caps
    store = HallStore(db)
    try:
        store.load_hall(hall)
        ids = ["solo"] + [f"load-{i:03d}" for i in range(terminals)]
        return {tid: store.add_terminal(tid, "citizen") for tid in ids}
    finally:
        store.close()


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen:
    out = open(log, "wb")
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "hall-server", "--db", str(db), "--port", str(port)],
                               stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).ok:
                return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the hall server did not start; see {log}")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def issue_many(client: PlatformClient, count: int, offset: int, barrier: threading.Barrier | None,
               latencies: list[float], numbers: list[str], errors: list[str]) -> None:
    if barrier is not None:
        barrier.wait(60)
    for n in range(count):
        prefix = PREFIXES[(offset + n) % len(PREFIXES)]
        started = time.perf_counter()
        try:
            ticket = client.issue_ticket(prefix, request_id=str(uuid.uuid4()))
        except PlatformError as exc:
            errors.append(f"{type(exc).__name__}: {exc.detail}")
            continue
        latencies.append(time.perf_counter() - started)
        numbers.append(ticket.number)


def check_numbers(numbers: list[str]) -> tuple[int, int, dict[str, int]]:
    per_prefix: dict[str, list[int]] = defaultdict(list)
    for number in numbers:
        per_prefix[number[0]].append(int(number[1:]))
    duplicates = skipped = 0
    for seqs in per_prefix.values():
        duplicates += len(seqs) - len(set(seqs))
        skipped += max(seqs) - len(set(seqs))
    return duplicates, skipped, {p: len(s) for p, s in sorted(per_prefix.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=5000, help="tickets issued under load, in total")
    parser.add_argument("--alone", type=int, default=300, help="tickets the single terminal issues alone")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ticket-load-") as tmp:
        db, log, port = Path(tmp) / "hall.db", Path(tmp) / "server.log", free_port()
        secrets = provision(db, args.terminals)
        server = start_server(db, port, log)
        url = f"http://127.0.0.1:{port}"
        try:
            # Baseline: one terminal alone.
            alone_lat: list[float] = []
            numbers: list[str] = []
            errors: list[str] = []
            with PlatformClient(url, "solo", secrets["solo"], timeout_s=30) as solo:
                issue_many(solo, args.alone, 0, None, alone_lat, numbers, errors)

            # Load: every terminal at once.
            per, extra = divmod(args.tickets, args.terminals)
            barrier = threading.Barrier(args.terminals)
            load_lat: list[float] = []
            clients = [PlatformClient(url, f"load-{i:03d}", secrets[f"load-{i:03d}"], timeout_s=30)
                       for i in range(args.terminals)]
            threads = [threading.Thread(target=issue_many, name=f"terminal-{i}",
                                        args=(c, per + (1 if i < extra else 0), i, barrier, load_lat, numbers, errors))
                       for i, c in enumerate(clients)]
            cpu_before = cpu_seconds(server.pid)
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
            cpu_after = cpu_seconds(server.pid)
            for c in clients:
                c.close()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()

        duplicates, skipped, counts = check_numbers(numbers)
        ms = lambda seconds: seconds * 1000  # noqa: E731
        a50, a99 = ms(percentile(alone_lat, 50)), ms(percentile(alone_lat, 99))
        l50, l99 = ms(percentile(load_lat, 50)), ms(percentile(load_lat, 99))
        print(f"ticket numbering under load: {args.terminals} terminals (threads, one PlatformClient and one "
              f"terminal secret each), hall server in its own process on 127.0.0.1, {os.cpu_count()} CPUs")
        print(f"  tickets issued: {len(numbers)} ({args.alone} alone + {len(load_lat)} under load), "
              f"errors: {len(errors)}{' — first: ' + errors[0] if errors else ''}")
        print(f"  per service: {json.dumps(counts)}")
        print(f"  duplicate numbers: {duplicates}, skipped numbers: {skipped}")
        print(f"  baseline, one terminal alone:   p50 {a50:7.2f} ms   p99 {a99:7.2f} ms   "
              f"(mean {ms(statistics.mean(alone_lat)):.2f} ms)")
        print(f"  {args.terminals} terminals at once:        p50 {l50:7.2f} ms   p99 {l99:7.2f} ms   "
              f"(throughput {len(load_lat) / elapsed:.0f} tickets/s)")
        if cpu_before is not None and cpu_after is not None and load_lat:
            per_ticket = ms(cpu_after - cpu_before) / len(load_lat)
            print(f"  server CPU per ticket under load: {per_ticket:.2f} ms (HTTP, signature, nonce, SQLite; the "
                  f"load generator shares the same {os.cpu_count()} CPUs)")
        print(f"  ratio load/alone:               p50 {l50 / a50:6.1f}x     p99 {l99 / a99:6.1f}x")
        ok = duplicates == 0 and skipped == 0 and not errors and len(numbers) == args.alone + args.tickets
        print("  result:", "OK" if ok else "FAILED")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
