"""Ticket numbering under load: many kiosks issuing at once against the hall server on loopback.

    .venv/bin/python bench/ticket_load.py [--terminals 50] [--tickets 5000] [--alone 300]
        [--db postgresql://… [--processes 4] [--kill-every S]]

The server runs in its own process (``python -m kiosk hall-server``), so the load generator's GIL does not
slow it down. Each load thread is one terminal with its own credentials and its own PlatformClient; they
start together at a barrier and issue round-robin over the sample hall's eight services (caps lifted).

Checks: every service's numbers are exactly 1..n: no duplicate, no skipped number.
Figures: issue latency p50/p99 of one terminal issuing alone (the baseline, measured first in the same
run against the same server), then under load, and the ratio load/alone; throughput under load.

With ``--db URL`` the same load runs again on that PostgreSQL database (its tables are dropped first: give the
bench a database of its own) against ``--processes`` server processes, each terminal spread over all of them
as a load balancer would; printed beside the SQLite run of the same invocation, with the ratios. With
``--kill-every S`` one process is killed (SIGKILL) every S seconds and started again, and a terminal whose
process died asks another with the same request id. Both runs also check the database: every acknowledged
ticket is stored once under the number the terminal was given, and no ticket is stored that nobody was given.

With ``--records-every K`` each terminal also sends a record (a device-health record, through the sync API
as a terminal's outbox does) after every K-th ticket, retried on another process with the same record id
when its process died; the check then also finds every acknowledged record stored exactly once, with the
content hash the server acknowledged.

Held out (``--held-out N``, after the measured load, on the same servers): a load of another shape that no
work on the server ever looked at while it was measured: half the terminals, each with a random generator of
its own seeded apart from everything else, choosing services by a skewed mix (most tickets on two services,
so most requests contend for the same number sequences) with random pauses of 0–20 ms. Its latency and
throughput print apart; the checks above cover its tickets with the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

from core.errors import PlatformError, PlatformServerFault, PlatformUnreachable  # noqa: E402
from hall_server import HallStore, sample_hall  # noqa: E402
from hall_server.database import open_database, shown  # noqa: E402
from platform_client import PlatformClient  # noqa: E402
from platform_client.sync import SyncClient  # noqa: E402

PREFIXES = "ABCDEFGH"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def provision(db: str | Path, terminals: int, key: Path | None = None) -> dict[str, str]:
    hall = sample_hall()
    for service in hall["services"]:
        service["daily_cap"] = 0  # the figure is about numbering, not about caps
    store = HallStore(db, key_path=key)
    try:
        store.load_hall(hall)
        ids = ["solo"] + [f"load-{i:03d}" for i in range(terminals)]
        return {tid: store.add_terminal(tid, "citizen") for tid in ids}
    finally:
        store.close()


def start_server(db: str | Path, port: int, log: Path, key: Path | None = None) -> subprocess.Popen:
    out = open(log, "ab")
    command = [sys.executable, "-m", "kiosk", "hall-server", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(command + (["--key", str(key)] if key else []),
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


def issue_many(clients: list[PlatformClient], count: int, offset: int, barrier: threading.Barrier | None,
               out: dict[str, list], syncs: list[SyncClient] = (), records_every: int = 0) -> None:
    """Issues ``count`` tickets; with several server processes, a terminal whose process does not answer (killed,
    restarting) asks the next one with the same request id, which gives back the same ticket if the first
    had issued it."""
    if barrier is not None:
        barrier.wait(60)
    for n in range(count):
        ticket = issue_one(clients, offset, PREFIXES[(offset + n) % len(PREFIXES)], "latencies", out)
        if ticket is None:
            continue
        if syncs and n % records_every == records_every - 1:
            send_record(syncs, offset + n, {"content": {"device": "ticket_printer", "state": "ok",
                                                      "ticket": ticket.number}, "attachments": []}, out)


def send_record(syncs: list[SyncClient], offset: int, content: dict, out: dict[str, list]) -> None:
    """One record through the sync API, asked as ``ask_in_turn`` asks (a process that took it before it died
    answers ``duplicate`` to the same record id)."""
    record_id = str(uuid.uuid4())
    refused = len(out["errors"])
    answered = ask_in_turn(syncs, offset, lambda sync: sync.post_record("device_health", record_id, content),
                           out, "record: ")
    if answered is not None:
        sync, ack = answered
        out["records"].append((sync.terminal_id, record_id, ack.content_hash))
    elif len(out["errors"]) == refused:  # not refused: no process answered
        out["errors"].append(f"no process took record {record_id}")


def ask_in_turn(clients: list, first: int, call, out: dict[str, list], what: str = ""):
    """``call(client)`` on ``clients[first]`` and, while a process does not answer (killed, restarting), on the
    next: ``(client, answer)``, or None (a refusal goes to ``out["errors"]``, after ``what``)."""
    for attempt in range(len(clients) * 30):
        client = clients[(first + attempt) % len(clients)]
        try:
            return client, call(client)
        except (PlatformUnreachable, PlatformServerFault):
            time.sleep(0.1)
        except PlatformError as exc:
            out["errors"].append(f"{what}{type(exc).__name__}: {exc.detail}")
            return None
    return None


HELD_OUT_SEED = 8_061_953  # used by the held-out load only
SKEW = (40, 25, 10, 8, 7, 5, 3, 2)  # per cent of the held-out tickets per service, A to H


def issue_skewed(clients: list[PlatformClient], count: int, seed: int, barrier: threading.Barrier,
                 out: dict[str, list]) -> None:
    """The held-out shape: services by the skewed mix, a random pause before each request, the same retry
    over processes as ``issue_many``."""
    rng = random.Random(seed)
    barrier.wait(60)
    for _ in range(count):
        time.sleep(rng.uniform(0, 0.02))
        prefix = rng.choices(PREFIXES, weights=SKEW)[0]
        issue_one(clients, rng.randrange(len(clients)), prefix, "held_latencies", out)


def issue_one(clients: list[PlatformClient], first: int, prefix: str, latencies: str, out: dict[str, list]):
    """One ticket, asked as ``ask_in_turn`` asks with one request id; its latency goes to ``out[latencies]``.
    The ticket, or None."""
    request_id = str(uuid.uuid4())
    started = time.perf_counter()
    answered = ask_in_turn(clients, first, lambda client: client.issue_ticket(prefix, request_id=request_id), out)
    if answered is None:
        if not out["errors"]:
            out["errors"].append(f"no process issued {request_id}")
        return None
    client, ticket = answered
    out[latencies].append(time.perf_counter() - started)
    out["numbers"].append(ticket.number)
    out["acknowledged"].append((client.terminal_id, request_id, ticket.number))
    return ticket


def check_numbers(numbers: list[str]) -> tuple[int, int, dict[str, int]]:
    per_prefix: dict[str, list[int]] = defaultdict(list)
    for number in numbers:
        per_prefix[number[0]].append(int(number[1:]))
    duplicates = skipped = 0
    for seqs in per_prefix.values():
        duplicates += len(seqs) - len(set(seqs))
        skipped += max(seqs) - len(set(seqs))
    return duplicates, skipped, {p: len(s) for p, s in sorted(per_prefix.items())}


def check_stored(db: str | Path, acknowledged: list[tuple[str, str, str]],
                 records: list[tuple[str, str, str]]) -> tuple[int, int, int, int]:
    """(acknowledged tickets the database lacks or holds under another number, tickets nobody acknowledged,
    acknowledged records it lacks or holds with another content hash, records nobody acknowledged)."""
    con = open_database(str(db)).connect()
    try:
        stored = {(r[0], r[1]): r[2] for r in con.execute("SELECT terminal_id, request_id, number FROM tickets")}
        kept = {(r[0], r[1]): r[2] for r in con.execute("SELECT terminal_id, record_id, content_hash "
                                                        "FROM sync_records WHERE kind = 'device_health'")}
    finally:
        con.close()
    missing = sum(1 for terminal, request, number in acknowledged if stored.get((terminal, request)) != number)
    lost = sum(1 for terminal, record, digest in records if kept.get((terminal, record)) != digest)
    return missing, len(stored) - len(acknowledged), lost, len(kept) - len(records)


class Servers:
    """``count`` hall-server processes on one database, on ports of their own; ``kill_every`` seconds one of
    them is killed (SIGKILL, mid-request) and started again."""

    def __init__(self, db: str | Path, count: int, log: Path, key: Path | None) -> None:
        self.db, self.log, self.key = db, log, key
        self.ports = [free_port() for _ in range(count)]
        self.processes = [start_server(db, port, log, key) for port in self.ports]
        self.kills = 0
        self._stop = threading.Event()
        self._killer: threading.Thread | None = None

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def kill_every(self, seconds: float) -> None:
        def killer() -> None:
            victim = 0
            while not self._stop.wait(seconds):
                self.processes[victim].kill()
                self.processes[victim].wait(15)
                self.kills += 1
                self.processes[victim] = start_server(self.db, self.ports[victim], self.log, self.key)
                victim = (victim + 1) % len(self.processes)

        self._killer = threading.Thread(target=killer, name="killer", daemon=True)
        self._killer.start()

    def cpu(self) -> float | None:
        values = [cpu_seconds(p.pid) for p in self.processes]
        return None if None in values else sum(values)

    def stop(self) -> None:
        self._stop.set()
        if self._killer is not None:
            self._killer.join(60)
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def run(db: str | Path, key: Path | None, processes: int, args, tmp: Path, kill_every: float = 0.0) -> dict:
    """One measured run: a terminal alone, then every terminal at once, spread over the processes."""
    secrets = provision(db, args.terminals, key)
    servers = Servers(db, processes, tmp / f"server-{processes}.log", key)
    out: dict[str, list] = {"latencies": [], "numbers": [], "errors": [], "acknowledged": [],
                            "held_latencies": [], "records": []}
    try:
        with PlatformClient(servers.urls[0], "solo", secrets["solo"], timeout_s=30) as solo:
            issue_many([solo], args.alone, 0, None, out)
        alone = out["latencies"][:]
        out["latencies"].clear()
        per, extra = divmod(args.tickets, args.terminals)
        barrier = threading.Barrier(args.terminals)
        clients = [[PlatformClient(url, f"load-{i:03d}", secrets[f"load-{i:03d}"], timeout_s=30)
                    for url in servers.urls] for i in range(args.terminals)]
        syncs = [[SyncClient(url, f"load-{i:03d}", secrets[f"load-{i:03d}"], timeout_s=30)
                  for url in servers.urls] if args.records_every else [] for i in range(args.terminals)]
        threads = [threading.Thread(target=issue_many, name=f"terminal-{i}",
                                    args=(c, per + (1 if i < extra else 0), i, barrier, out, syncs[i],
                                          args.records_every))
                   for i, c in enumerate(clients)]
        if kill_every:
            servers.kill_every(kill_every)
        cpu_before, started = servers.cpu(), time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed, cpu_after = time.perf_counter() - started, servers.cpu()
        held_elapsed = 0.0
        if args.held_out:
            half = clients[: max(1, len(clients) // 2)]
            per, extra = divmod(args.held_out, len(half))
            barrier = threading.Barrier(len(half))
            threads = [threading.Thread(target=issue_skewed, name=f"held-out-{i}",
                                        args=(c, per + (1 if i < extra else 0), HELD_OUT_SEED + i, barrier, out))
                       for i, c in enumerate(half)]
            held_started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            held_elapsed = time.perf_counter() - held_started
        for row in clients + syncs:
            for c in row:
                c.close()
    finally:
        servers.stop()
    duplicates, skipped, counts = check_numbers(out["numbers"])
    missing, unacknowledged, records_lost, records_unacknowledged = check_stored(db, out["acknowledged"],
                                                                                 out["records"])
    return {"alone": alone, "load": out["latencies"], "numbers": out["numbers"], "errors": out["errors"],
            "elapsed": elapsed, "held": out["held_latencies"], "held_elapsed": held_elapsed, "counts": counts,
            "duplicates": duplicates, "skipped": skipped,
            "missing": missing, "unacknowledged": unacknowledged, "kills": servers.kills,
            "records": len(out["records"]), "records_lost": records_lost,
            "records_unacknowledged": records_unacknowledged,
            "cpu": None if kill_every or cpu_before is None or cpu_after is None else cpu_after - cpu_before}


def ms(seconds: float) -> float:
    return seconds * 1000


def report(title: str, r: dict, args) -> bool:
    a50, a99 = ms(percentile(r["alone"], 50)), ms(percentile(r["alone"], 99))
    l50, l99 = ms(percentile(r["load"], 50)), ms(percentile(r["load"], 99))
    print(title)
    print(f"  tickets issued: {len(r['numbers'])} ({args.alone} alone + {len(r['load'])} under load"
          + (f" + {len(r['held'])} held out" if r["held"] else "") + "), "
          f"errors: {len(r['errors'])}{' — first: ' + r['errors'][0] if r['errors'] else ''}")
    print(f"  per service: {json.dumps(r['counts'])}")
    print(f"  duplicate numbers: {r['duplicates']}, skipped numbers: {r['skipped']}")
    print(f"  in the database: acknowledged but missing or renumbered {r['missing']}, "
          f"stored but never acknowledged {r['unacknowledged']}" + (f"; processes killed {r['kills']}"
                                                                     if r["kills"] else ""))
    if args.records_every:
        print(f"  records: {r['records']} acknowledged; in the database: acknowledged but missing or changed "
              f"{r['records_lost']}, stored but never acknowledged {r['records_unacknowledged']}")
    print(f"  baseline, one terminal alone:   p50 {a50:7.2f} ms   p99 {a99:7.2f} ms   "
          f"(mean {ms(statistics.mean(r['alone'])):.2f} ms)")
    print(f"  {args.terminals} terminals at once:        p50 {l50:7.2f} ms   p99 {l99:7.2f} ms   "
          f"(throughput {len(r['load']) / r['elapsed']:.0f} tickets/s)")
    if r["cpu"] is not None and r["load"]:
        print(f"  server CPU per ticket under load: {ms(r['cpu']) / len(r['load']):.2f} ms (HTTP, signature, nonce, "
              f"database; the load generator shares the same {os.cpu_count()} CPUs)")
    print(f"  ratio load/alone:               p50 {l50 / a50:6.1f}x     p99 {l99 / a99:6.1f}x")
    if r["held"]:
        h50, h99 = ms(percentile(r["held"], 50)), ms(percentile(r["held"], 99))
        print(f"  held out, skewed services and random pauses ({len(r['held'])} tickets, "
              f"{max(1, args.terminals // 2)} terminals): p50 {h50:7.2f} ms   p99 {h99:7.2f} ms   "
              f"(throughput {len(r['held']) / r['held_elapsed']:.0f} tickets/s)")
    ok = (r["duplicates"] == 0 and r["skipped"] == 0 and not r["errors"] and r["missing"] == 0
          and r["unacknowledged"] == 0 and len(r["numbers"]) == args.alone + args.tickets + args.held_out
          and r["records_lost"] == 0 and r["records_unacknowledged"] == 0)
    print("  result:", "OK" if ok else "FAILED")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=5000, help="tickets issued under load, in total")
    parser.add_argument("--alone", type=int, default=300, help="tickets the single terminal issues alone")
    parser.add_argument("--db", metavar="URL",
                        help="also run on this PostgreSQL database (emptied first), against one process on SQLite")
    parser.add_argument("--processes", type=int, default=4, help="server processes on the --db database")
    parser.add_argument("--kill-every", type=float, default=0.0, metavar="S",
                        help="with --db: kill one server process every S seconds and start it again (the soak)")
    parser.add_argument("--records-every", type=int, default=0, metavar="K",
                        help="each terminal also sends a record after every K-th ticket (the soak)")
    parser.add_argument("--held-out", type=int, default=2000, metavar="N",
                        help="tickets of the held-out load (skewed services, random pauses), 0 for none")
    args = parser.parse_args()

    print(f"ticket numbering under load: {args.terminals} terminals (threads, one PlatformClient and one "
          f"terminal secret per server process each), hall servers in processes of their own on 127.0.0.1, "
          f"{os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="ticket-load-") as tmp_name:
        tmp = Path(tmp_name)
        baseline = run(tmp / "hall.db", None, 1, args, tmp)
        ok = report("SQLite, one server process (the baseline):", baseline, args)
        if args.db:
            empty(args.db)
            pg = run(args.db, tmp / "pg.key", args.processes, args, tmp, args.kill_every)
            ok = report(f"PostgreSQL, {args.processes} server processes"
                        + (f", one killed every {args.kill_every:g} s" if args.kill_every else "") + ":", pg, args) and ok
            b99, p99 = percentile(baseline["load"], 99), percentile(pg["load"], 99)
            print(f"PostgreSQL x{args.processes} / SQLite x1 in this run: throughput "
                  f"{(len(pg['load']) / pg['elapsed']) / (len(baseline['load']) / baseline['elapsed']):.2f}x, "
                  f"p99 {p99 / b99:.2f}x")
            if args.held_out:
                hb, hp = baseline["held"], pg["held"]
                print(f"  held out, PostgreSQL x{args.processes} / SQLite x1: throughput "
                      f"{(len(hp) / pg['held_elapsed']) / (len(hb) / baseline['held_elapsed']):.2f}x, "
                      f"p99 {percentile(hp, 99) / percentile(hb, 99):.2f}x")
        print("result:", "OK" if ok else "FAILED")
        return 0 if ok else 1


def empty(url: str) -> None:
    """Drops every table of the bench's PostgreSQL database (a database of its own: it says so first)."""
    con = open_database(url).connect()
    try:
        tables = [r[0] for r in con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        if tables:
            print(f"  emptying {shown(url)}: {len(tables)} tables dropped")
            con.execute("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    finally:
        con.close()


if __name__ == "__main__":
    raise SystemExit(main())
