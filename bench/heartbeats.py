"""What heartbeats cost the hall server: 200 terminals beating every 5 s, against tickets at the same rate.

    .venv/bin/python bench/heartbeats.py [--terminals 200] [--interval 5] [--seconds 30] [--threads 16]
        [--phases heartbeats,tickets,held-out,tuning] [--tuning-rounds 12]
        [--flap-window S] [--flap-high N] [--flap-low N]

The server runs in its own process (``python -m kiosk hall-server``); its CPU time (Linux /proc: user +
system) is read before and after each phase, so the load generator's own work (signing, JSON, HTTP) on the
same CPUs does not count. Four phases in one run, against one server, at one request rate
(terminals / interval per second):

1. heartbeats: every terminal (citizen kiosks, four devices each, a quiet fleet) posts its heartbeat through
   ``platform_client.heartbeat.HeartbeatClient`` every ``--interval`` seconds, spread evenly;
2. tickets: the same number of kiosks issue a ticket each at the same schedule (``PlatformClient.issue_ticket``,
   caps lifted): the server's everyday work, for the ratio;
3. held out: another fleet of the same size with another mix and fault pattern: clerks, displays and kiosks
   with eight devices each, a tenth of them flapping a printer's paper between ok and out on every beat (an
   alert, its log line and a webhook POST to a receiver on loopback each time, until the damping marks it
   flapping). Not used to choose anything: it says what the choices cost on a fleet they were not made on.
4. tuning: the fleet flap damping (hall_server/fleet.py) is tuned on, never the held-out one: kiosks and
   clerks with six devices each, 15% of them (drawn with their own seed) flapping another device (an ID-card
   reader reconnecting, a scanner failing, a receipt printer's paper low) every 1 to 3 beats; measured after
   ``--tuning-rounds`` rounds (a fleet that has been flapping for a while), with the alerts it raised;
   ``--flap-window``/``--flap-high``/``--flap-low`` set the thresholds for the run (default: the product's).

Figures: per phase, requests sent and refused, server CPU seconds per second of wall time (the share of one
core), CPU per request, the alerts of its own terminals the webhook received while it was measured (the CPU
also pays for those of earlier phases' terminals going late and offline meanwhile); the heartbeat/ticket
ratio; the held-out and tuning phases printed on their own. Bar: heartbeats cost the server under 5% of one
core (docs/fleet.md, "Cost on the hall server").
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ticket_load import cpu_seconds, free_port, start_server  # noqa: E402
from core.domain.heartbeat import DeviceHealth, Heartbeat, OutboxHealth, Paper  # noqa: E402
from core.errors import PlatformError  # noqa: E402
from hall_server import HallStore, sample_hall  # noqa: E402
from hall_server.fleet import set_setting  # noqa: E402
from hall_server.fleet_alerts import WEBHOOK  # noqa: E402
from hall_server.fleet_flapping import set_damping  # noqa: E402
from platform_client import PlatformClient  # noqa: E402
from platform_client.heartbeat import HeartbeatClient  # noqa: E402

BAR = 0.05  # of one core
HELD_OUT_ROLES = ("clerk", "clerk", "display", "citizen")
TUNING_ROLES = ("citizen", "citizen", "clerk")
TUNING_SEED, TUNING_SHARE = 2026, 0.15
TUNING_FLAPS = (("idcard_reader", "reconnecting", None), ("scanner", "failed", None), ("printer:receipt", None, Paper.LOW))
PHASES = ("heartbeats", "tickets", "held-out", "tuning")


def provision(db: Path, terminals: int) -> dict[str, tuple[str, str]]:
    """id → (role, secret): ``hb-…`` kiosks, ``tk-…`` kiosks, ``tn-…`` the tuning mix, ``ho-…`` the held-out mix."""
    hall = sample_hall()
    for service in hall["services"]:
        service["daily_cap"] = 0
        service.pop("issuing_hours", None)
    store = HallStore(db)
    try:
        store.load_hall(hall)
        fleet = {f"hb-{i:03d}": "citizen" for i in range(terminals)}
        fleet.update({f"tk-{i:03d}": "citizen" for i in range(terminals)})
        fleet.update({f"tn-{i:03d}": TUNING_ROLES[i % len(TUNING_ROLES)] for i in range(terminals)})
        fleet.update({f"ho-{i:03d}": HELD_OUT_ROLES[i % len(HELD_OUT_ROLES)] for i in range(terminals)})
        return {tid: (role, store.add_terminal(tid, role)) for tid, role in fleet.items()}
    finally:
        store.close()


def quiet(seq: int, role: str, flapping: bool, devices: int) -> Heartbeat:
    names = ["printer:ticket", "printer:receipt", "idcard_reader", "scanner", "camera", "locker", "sync",
             "printer:fallback"][:devices]
    kinds = {"printer": "printer", "idcard_reader": "idcard", "scanner": "scanner", "camera": "camera",
             "locker": "locker", "sync": "sync"}
    out = flapping and seq % 2 == 1
    health = tuple(DeviceHealth(n, kinds[n.split(":")[0]], "ready",
                                (Paper.OUT if out and n == "printer:ticket" else Paper.OK) if n.startswith("printer")
                                else Paper.NONE) for n in names)
    return Heartbeat(sent_at=time.time(), seq=seq, version="0.1.0", role=role, uptime_s=seq * 5.0, devices=health,
                     outbox=OutboxHealth(seq % 7, 0, float(seq % 7) * 3.0), disk_free_bytes=40 * 1024**3,
                     interval_s=5.0)


def tuning_flaps(ids: list[str]) -> dict[str, tuple[int, int]]:
    """The tuning fleet's flapping terminals, drawn with their own seed: id → (which device, period in beats)."""
    draw = random.Random(TUNING_SEED)
    return {tid: (draw.randrange(len(TUNING_FLAPS)), draw.randint(1, 3)) for tid in ids
            if draw.random() < TUNING_SHARE}


def tuning(seq: int, role: str, flap: tuple[int, int] | None) -> Heartbeat:
    """A tuning fleet's heartbeat: six devices; a flapping one's device faulty for ``period`` beats, then
    well for as many."""
    names = ["printer:ticket", "printer:receipt", "idcard_reader", "scanner", "camera", "sync"]
    kinds = {"printer": "printer", "idcard_reader": "idcard", "scanner": "scanner", "camera": "camera", "sync": "sync"}
    faulty = None
    if flap is not None and (seq // flap[1]) % 2 == 1:
        faulty = TUNING_FLAPS[flap[0]]
    health = []
    for n in names:
        state = faulty[1] if faulty and faulty[0] == n and faulty[1] else "ready"
        paper = Paper.NONE
        if n.startswith("printer"):
            paper = faulty[2] if faulty and faulty[0] == n and faulty[2] else Paper.OK
        health.append(DeviceHealth(n, kinds[n.split(":")[0]], state, paper))
    return Heartbeat(sent_at=time.time(), seq=seq, version="0.1.0", role=role, uptime_s=seq * 5.0,
                     devices=tuple(health), outbox=OutboxHealth(seq % 3, 0, float(seq % 3) * 2.0),
                     disk_free_bytes=30 * 1024**3, interval_s=5.0)


class Receiver:
    """The hall's webhook receiver, on loopback (counts the alerts, and by fleet and event)."""

    def __init__(self) -> None:
        self.count = 0
        self.by: Counter = Counter()  # (the terminal id's prefix: "ho-", event) → alerts
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps the connection open, as a hall's receiver (nginx…) does

            def do_POST(self):  # noqa: N802
                alert = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.count += 1
                outer.by[alert["terminal_id"][:3], alert["event"]] += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def drive(jobs: list, interval: float, seconds: float, sent: list, refused: list) -> None:
    """Runs its terminals' requests on their schedule: job = (first_at, send(seq)); one thread."""
    due = [(first, i, 1) for i, (first, _send) in enumerate(jobs)]
    end = time.monotonic() + seconds
    while due:
        due.sort()
        at, i, seq = due.pop(0)
        if at >= end:
            continue
        time.sleep(max(0.0, at - time.monotonic()))
        try:
            jobs[i][1](seq)
            sent.append(1)
        except PlatformError as exc:
            refused.append(f"{type(exc).__name__}: {exc}")
        due.append((at + interval, i, seq + 1))


def _run(sends: list, args, seconds: float, sent: list, refused: list) -> None:
    start = time.monotonic() + 0.5
    step = args.interval / len(sends)
    jobs = [(start + i * step, send) for i, send in enumerate(sends)]
    threads = [threading.Thread(target=drive, args=(jobs[k::args.threads], args.interval, seconds + 0.5, sent, refused))
               for k in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def phase(url: str, pid: int, make_send, ids: list[str], args, alerts=lambda: Counter(), rounds: int = 1) -> dict:
    """One phase: every terminal in ``ids`` sends on its schedule; the server's CPU over the phase. ``rounds``
    rounds first, not measured: each terminal's connection opens and its first heartbeat (a terminal coming
    online: an alert) is sent, as when the hall opens; then the steady state is measured. ``alerts``: the
    alerts of this phase's terminals the webhook has received, by event (those of the measured part are
    counted; the terminals of earlier phases going late and offline meanwhile are not theirs)."""
    sends = [make_send(tid) for tid in ids]
    _run(sends, args, args.interval * rounds, [], [])
    sent: list = []
    refused: list = []
    time.sleep(0.5)  # the alerts of the unmeasured rounds delivered
    alerts_before = alerts()
    cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
    _run(sends, args, args.seconds, sent, refused)
    cpu, wall = cpu_seconds(pid) - cpu_before, time.monotonic() - wall_before
    time.sleep(0.5)
    return {"sent": len(sent), "refused": len(refused), "first_refusal": refused[0] if refused else "",
            "cpu_s": cpu, "wall_s": wall, "share": cpu / wall, "per_request_ms": cpu * 1000 / max(1, len(sent)),
            "alerts": alerts() - alerts_before}  # Counter: event → alerts


def senders(url: str, fleet: dict, clients: list):
    def heartbeat(flapping_every: int, devices: int):
        def make(tid: str):
            role, secret = fleet[tid]
            client = HeartbeatClient(url, tid, secret, timeout_s=10.0)
            clients.append(client)
            flapping = flapping_every and int(tid[-3:]) % flapping_every == 0
            counter = itertools.count(1)
            return lambda _: client.send_heartbeat(quiet(next(counter), role, flapping, devices).to_wire(), 10.0)
        return make

    def tuned(flaps: dict[str, tuple[int, int]]):
        def make(tid: str):
            role, secret = fleet[tid]
            client = HeartbeatClient(url, tid, secret, timeout_s=10.0)
            clients.append(client)
            counter = itertools.count(1)
            return lambda _: client.send_heartbeat(tuning(next(counter), role, flaps.get(tid)).to_wire(), 10.0)
        return make

    def ticket(tid: str):
        client = PlatformClient(url, tid, fleet[tid][1], timeout_s=10.0)
        clients.append(client)
        return lambda seq: client.issue_ticket("ABCDEFGH"[seq % 8], request_id=str(uuid.uuid4()))

    return heartbeat, tuned, ticket


def report(name: str, r: dict) -> None:
    print(f"  {name:34} {r['sent']:5} requests, {r['refused']} refused   server CPU {r['cpu_s']:6.2f} s over "
          f"{r['wall_s']:5.1f} s = {r['share'] * 100:5.2f}% of one core   ({r['per_request_ms']:.2f} ms CPU/request)"
          + (f"\n      its own alerts while measured: {sum(r['alerts'].values())} ("
             + ", ".join(f"{n} {event}" for event, n in sorted(r["alerts"].items())) + ")" if r.get("alerts") else "")
          + (f"\n      first refusal: {r['first_refusal']}" if r["refused"] else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--threads", type=int, default=16, help="load threads (each drives its terminals in turn)")
    parser.add_argument("--phases", default=",".join(PHASES), help="the phases to run, of " + ", ".join(PHASES))
    parser.add_argument("--tuning-rounds", type=int, default=12,
                        help="unmeasured rounds before the tuning phase is measured (12 at 5 s: a minute)")
    parser.add_argument("--flap-window", type=float, help="flap damping's window for the run, in seconds")
    parser.add_argument("--flap-high", type=int, help="changes within the window that make a terminal flapping")
    parser.add_argument("--flap-low", type=int, help="changes within the window at or under which it settled")
    args = parser.parse_args()
    phases = args.phases.split(",")
    if not set(phases) <= set(PHASES):
        parser.error(f"--phases: of {', '.join(PHASES)}")
    if cpu_seconds(os.getpid()) is None:
        raise SystemExit("bench/heartbeats.py reads CPU time from /proc: Linux only")
    with tempfile.TemporaryDirectory(prefix="heartbeats-") as tmp:
        db, log, port = Path(tmp) / "hall.db", Path(tmp) / "server.log", free_port()
        fleet = provision(db, args.terminals)
        receiver = Receiver()
        store = HallStore(db)
        set_setting(store, WEBHOOK, receiver.url)
        damping = set_damping(store, window_s=args.flap_window, high=args.flap_high, low=args.flap_low)
        store.close()
        server = start_server(db, port, log)
        url = f"http://127.0.0.1:{port}"
        clients: list = []
        heartbeat, tuned, ticket = senders(url, fleet, clients)
        ids = lambda prefix: [t for t in fleet if t.startswith(prefix)]  # noqa: E731
        flaps = tuning_flaps(ids("tn-"))
        def alerts(prefix: str):
            return lambda: Counter({event: n for (p, event), n in receiver.by.items() if p == prefix})
        beats = tickets = tuned_fleet = held_out = None
        try:
            idle_before, idle_wall = cpu_seconds(server.pid), time.monotonic()
            time.sleep(5.0)
            idle = (cpu_seconds(server.pid) - idle_before) / (time.monotonic() - idle_wall)
            if "heartbeats" in phases:
                beats = phase(url, server.pid, heartbeat(0, 4), ids("hb-"), args, alerts("hb-"))
            if "tickets" in phases:
                tickets = phase(url, server.pid, ticket, ids("tk-"), args)
            if "held-out" in phases:  # right after the tickets, as it always ran
                held_out = phase(url, server.pid, heartbeat(10, 8), ids("ho-"), args, alerts("ho-"))
            if "tuning" in phases:
                tuned_fleet = phase(url, server.pid, tuned(flaps), ids("tn-"), args, alerts("tn-"),
                                    args.tuning_rounds)
        finally:
            for c in clients:
                c.close()
            server.send_signal(signal.SIGINT)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
            receiver.close()
    rate = args.terminals / args.interval
    print(f"heartbeats on the hall server: {args.terminals} terminals every {args.interval:g} s = {rate:.0f} "
          f"requests/s for {args.seconds:g} s per phase; server in its own process, {os.cpu_count()} CPUs shared "
          f"with the load generator ({args.threads} threads)")
    print(f"  idle server (the fleet's sweep every 5 s): {idle * 100:.2f}% of one core")
    print(f"  flap damping: flapping at {damping.high} changes within {damping.window_s:g} s, settled at "
          f"{damping.low} or fewer")
    if beats:
        report("heartbeats (kiosks, 4 devices)", beats)
    if tickets:
        report("tickets issued, same rate", tickets)
    if beats and tickets:
        print(f"  heartbeat/ticket CPU ratio: {beats['cpu_s'] / max(tickets['cpu_s'], 1e-9):.2f}")
    if tuned_fleet:
        periods = sorted(period for _, period in flaps.values())
        print(f"tuning fleet (kiosks, clerks; 6 devices; {len(flaps)} of {args.terminals} flapping a reader, "
              f"scanner or receipt paper every {periods[0]}-{periods[-1]} beats; seed {TUNING_SEED}; "
              f"measured after {args.tuning_rounds} rounds):")
        report("heartbeats, tuning mix", tuned_fleet)
        print(f"  alerts per flapping terminal while measured: "
              f"{sum(tuned_fleet['alerts'].values()) / max(1, len(flaps)):.2f}")
    if held_out:
        print("held-out fleet (clerks, displays, kiosks; 8 devices; 1 in 10 flapping paper out/ok every beat):")
        report("heartbeats, held-out mix", held_out)
    print(f"  alerts delivered to the webhook: {receiver.count} (the flapping terminals', every terminal's first "
          f"heartbeat in the unmeasured rounds, the fleets of finished phases going late and offline)")
    if beats:
        at_default = beats["per_request_ms"] / 1000 * args.terminals / 30.0
        print(f"  at the product's default interval (30 s) the same fleet would cost {at_default * 100:.2f}% of one "
              f"core (CPU per heartbeat above x {args.terminals / 30.0:.1f} heartbeats/s)")
    barred = [p for p in (beats, held_out) if p]
    ok = all(p["share"] < BAR and not p["refused"] for p in barred)
    if barred:
        print(f"  bar: heartbeats under {BAR * 100:.0f}% of one core — {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
