"""The hall server on PostgreSQL with several server processes on one database (docs/hall-server.md,
"Databases" and "Several server processes").

What a city's platform relies on when a load balancer spreads its halls' terminals over several processes:
ticket numbers stay unique and gap-free per service and day whichever process issues them; a clerk's session,
a replayed request and a call are the same to every process; a process killed mid-request loses nothing it
acknowledged; a dropped database connection costs one retry, not the process.

Every test here needs a PostgreSQL cluster (``HALL_TEST_POSTGRES``, tests/hall_databases.py), whichever database
the rest of the run uses: without one it is skipped with that said, and under ``CI=true`` it fails.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from hall_databases import database_name, drop_hall_db, hall_sql, new_hall_db
from test_services_queue_support import unused_port

from core import signing
from core.errors import PlatformServerFault, PlatformUnreachable
from hall_server import HallStore, sample_hall
from platform_client import PlatformClient

pytestmark = pytest.mark.postgres

PIN = "2468"
REPO = Path(__file__).resolve().parents[1]


def admin(db: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", "hall-admin", "--db", db, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


class Processes:
    """``count`` ``kiosk hall-server`` processes on one database, each on a port of its own."""

    def __init__(self, db: str, count: int, log: Path) -> None:
        self.db, self.log = db, log
        self.ports = [unused_port() for _ in range(count)]
        self.processes = [self._start(port) for port in self.ports]

    def _start(self, port: int) -> subprocess.Popen:
        with open(self.log, "ab") as out:
            process = subprocess.Popen([sys.executable, "-m", "kiosk", "hall-server", "--db", self.db,
                                        "--port", str(port)], cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).ok:
                    return process
            except requests.ConnectionError:
                time.sleep(0.1)
        process.kill()
        raise AssertionError(f"the hall server did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def kill(self, i: int) -> None:
        self.processes[i].kill()
        self.processes[i].wait(15)

    def restart(self, i: int) -> None:
        self.processes[i] = self._start(self.ports[i])

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def city(tmp_path):
    """A PostgreSQL database with the sample hall, kiosks, a clerk terminal per window, a display and the
    hall's staff; two server processes on it. Yields (processes, secrets)."""
    db = str(new_hall_db(tmp_path / "hall.db", postgres=True))
    store = HallStore(db)
    try:
        hall = sample_hall()
        for service in hall["services"]:
            service["daily_cap"] = 0
        store.load_hall(hall)
        secrets = {tid: store.add_terminal(tid, "citizen") for tid in (f"kiosk-{i}" for i in range(8))}
        secrets |= {f"window-{w['number']}": store.add_terminal(f"window-{w['number']}", "clerk")
                    for w in hall["windows"]}
        secrets["display-1"] = store.add_terminal("display-1", "display")
        for w in hall["windows"]:
            store.add_staff(w["staff"]["id"], w["staff"]["name"], PIN, [w["number"]])
    finally:
        store.close()
    processes = Processes(db, 2, tmp_path / "servers.log")
    yield processes, secrets
    processes.stop()
    drop_hall_db(db)


def issue(clients: list[PlatformClient], prefix: str, acknowledged: list) -> None:
    """One ticket, asked of each process in turn until one answers (the same request id every time)."""
    request_id = str(uuid.uuid4())
    for attempt in range(len(clients) * 30):
        client = clients[attempt % len(clients)]
        try:
            ticket = client.issue_ticket(prefix, request_id=request_id)
        except (PlatformUnreachable, PlatformServerFault):
            time.sleep(0.1)
            continue
        acknowledged.append((client.terminal_id, request_id, ticket.number))
        return
    raise AssertionError(f"no process issued {request_id}")


def load(processes: Processes, secrets: dict, per_kiosk: int, during=None) -> list[tuple[str, str, str]]:
    """Eight kiosks issuing at once over every process (kiosk i starts at process i mod n)."""
    acknowledged: list = []
    clients = [[PlatformClient(processes.url((k + i) % len(processes.ports)), f"kiosk-{k}", secrets[f"kiosk-{k}"],
                               timeout_s=20) for i in range(len(processes.ports))] for k in range(8)]
    threads = [threading.Thread(target=lambda c=c, k=k: [issue(c, "ABCD"[(k + n) % 4], acknowledged)
                                                         for n in range(per_kiosk)], name=f"kiosk-{k}")
               for k, c in enumerate(clients)]
    for t in threads:
        t.start()
    if during is not None:
        during()
    for t in threads:
        t.join(300)
    for row in clients:
        for c in row:
            c.close()
    return acknowledged


def stored_tickets(db: str) -> dict[tuple[str, str], str]:
    with hall_sql(db) as con:
        return {(r["terminal_id"], r["request_id"]): r["number"]
                for r in con.execute("SELECT terminal_id, request_id, number FROM tickets")}


def assert_gap_free(numbers: list[str]) -> None:
    per_prefix: dict[str, list[int]] = defaultdict(list)
    for number in numbers:
        per_prefix[number[0]].append(int(number[1:]))
    for prefix, seqs in per_prefix.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"{prefix}: duplicates or gaps"


def test_hall_admin_migrates_loads_and_provisions_a_postgresql_database(tmp_path):
    db = str(new_hall_db(tmp_path / "hall.db", postgres=True))
    try:
        first, again = admin(db, "migrate"), admin(db, "migrate")
        assert (first.returncode, first.stdout.strip()) == (0, "schema version 0 → 7"), first.stderr
        assert again.stdout.strip() == "schema version 7: up to date, nothing changed"
        assert admin(db, "load-hall").returncode == 0
        added = admin(db, "add-terminal", "kiosk-7", "--role", "citizen")
        assert added.returncode == 0 and len(added.stdout.strip()) >= 32
        assert admin(db, "add-staff", "S9", "--name", "李䶮", "--pin", "1234").returncode == 0
        assert "kiosk-7\tcitizen" in admin(db, "list-terminals").stdout
        with hall_sql(db) as con:
            assert con.execute("SELECT name FROM staff WHERE staff_id = 'S9'").fetchone()["name"] == "李䶮"
            versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == [1, 2, 3, 4, 5, 6, 7]
    finally:
        drop_hall_db(db)


def test_a_database_url_that_does_not_answer_is_said_plainly(tmp_path):
    missing = str(new_hall_db(tmp_path / "hall.db", postgres=True))
    drop_hall_db(missing)
    refused = admin(missing, "migrate")
    assert refused.returncode == 2
    assert f'database "{database_name(missing)}" does not exist' in refused.stderr
    assert "Traceback" not in refused.stderr


def test_numbers_stay_unique_and_gap_free_across_server_processes(city):
    """GIVEN two server processes on one database WHEN eight kiosks issue twenty-five tickets each, spread over both
    THEN every service's numbers are 1..n with none twice, and each is stored once under the number given."""
    processes, secrets = city
    acknowledged = load(processes, secrets, 25)
    assert len(acknowledged) == 200
    assert_gap_free([number for _, _, number in acknowledged])
    stored = stored_tickets(processes.db)
    assert stored == {(t, r): n for t, r, n in acknowledged}


def test_a_call_made_on_one_process_reaches_a_display_waiting_on_another(city):
    """The clerk logs in on process 0 and calls there; the display's long poll waits on process 1 and gets
    the call at once (LISTEN/NOTIFY), not when its wait runs out. The clerk's session works on either."""
    processes, secrets = city
    with PlatformClient(processes.url(0), "kiosk-0", secrets["kiosk-0"]) as kiosk, \
            PlatformClient(processes.url(0), "window-1", secrets["window-1"]) as clerk, \
            PlatformClient(processes.url(1), "window-1", secrets["window-1"]) as clerk_elsewhere, \
            PlatformClient(processes.url(1), "display-1", secrets["display-1"], timeout_s=30) as display:
        ticket = kiosk.issue_ticket("A", request_id=str(uuid.uuid4()))
        session = clerk.login(1, "S1001", PIN)
        heard: list = []
        waiting = threading.Thread(target=lambda: heard.append((display.call_events(0, wait_s=20), time.monotonic())),
                                   name="display-wait")
        waiting.start()
        time.sleep(1.0)  # the display is waiting on process 1
        called_at = time.monotonic()
        assert clerk.call_next(session).number == ticket.number
        waiting.join(30)
        events, answered_at = heard[0]
        assert [e.ticket_number for e in events] == [ticket.number]
        assert answered_at - called_at < 5.0  # not the 20 s wait
        assert clerk_elsewhere.window_status(session).current.number == ticket.number


def test_a_request_replayed_to_another_process_is_refused(city):
    processes, secrets = city
    headers = signing.sign("kiosk-0", secrets["kiosk-0"], "GET", "/v1/hall", b"")
    first = requests.get(processes.url(0) + "/v1/hall", headers=headers, timeout=10)
    again = requests.get(processes.url(1) + "/v1/hall", headers=headers, timeout=10)
    assert first.status_code == 200
    assert (again.status_code, again.json()["error"]["reason"]) == (401, "replayed_nonce")


def test_a_process_killed_mid_load_loses_no_acknowledged_ticket(city):
    """GIVEN eight kiosks issuing over two processes WHEN process 0 is killed (SIGKILL) mid-load and started
    again THEN every acknowledged ticket is stored once under its number, nothing else is stored, and the
    numbers stay gap-free (the killed process's open transaction rolled back)."""
    processes, secrets = city

    def kill_and_restart() -> None:
        time.sleep(1.5)
        processes.kill(0)
        time.sleep(1.0)
        processes.restart(0)

    acknowledged = load(processes, secrets, 40, during=kill_and_restart)
    assert len(acknowledged) == 320
    assert_gap_free([number for _, _, number in acknowledged])
    assert stored_tickets(processes.db) == {(t, r): n for t, r, n in acknowledged}


def test_a_dropped_database_connection_is_opened_again_unseen(city):
    """The database ends every connection of the server processes (a failover, a restart): the processes open
    new ones, the kiosk's next tickets are served without an error, and the numbers go on without a gap."""
    processes, secrets = city
    with PlatformClient(processes.url(0), "kiosk-0", secrets["kiosk-0"]) as kiosk:
        numbers = [kiosk.issue_ticket("B", request_id=str(uuid.uuid4())).number]
        with hall_sql(processes.db) as con:
            ended = con.execute("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = ? AND pid <> pg_backend_pid()",
                                (database_name(processes.db),)).fetchone()[0]
        assert ended >= 2  # the request threads' and the call listener's
        numbers += [kiosk.issue_ticket("B", request_id=str(uuid.uuid4())).number for _ in range(3)]
    assert numbers == ["B001", "B002", "B003", "B004"]


@pytest.fixture
def two_processes_fleet(tmp_path):
    """Two hall stores on one PostgreSQL database, as two server processes hold them (each with its own fleet
    board), on one clock a test moves; three kiosks provisioned."""
    from server_fixtures import SettableClock

    db = str(new_hall_db(tmp_path / "hall.db", postgres=True))
    clock = SettableClock(datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc))
    first = HallStore(db, clock=clock)
    first.load_hall(sample_hall())
    for k in range(3):
        first.add_terminal(f"kiosk-{k}", "citizen")
    second = HallStore(db, clock=clock)
    yield first, second, clock
    first.close()
    second.close()
    drop_hall_db(db)


def heartbeat(seq: int, sent_at: float, devices=()) -> dict:
    return {"sent_at": sent_at, "seq": seq, "version": "0.1.0", "role": "citizen", "uptime_s": 1.0,
            "devices": list(devices), "outbox": None, "disk_free_bytes": 10**9, "interval_s": 5.0}


def test_processes_share_the_fleet_and_announce_each_change_once(two_processes_fleet):
    """GIVEN two processes on one database WHEN kiosk-0's heartbeats reach the first only THEN the second's
    sweep, after taking in what the first wrote, sees it online and alerts nothing; its fleet shows it online.
    WHEN kiosk-0 falls silent and both sweep THEN exactly one of them announces it late, and one offline.
    WHEN a heartbeat reaches the second at last THEN an older one the first still holds never overwrites it."""
    from hall_server import fleet

    first, second, clock = two_processes_fleet
    now = clock.now().timestamp()
    accepted, state, alert = fleet.keep(first, terminal_id="kiosk-0", role="citizen", body=heartbeat(1, now))
    assert (accepted, state) == (True, "online") and alert is not None  # never heard before: online now
    fleet.flush(first)
    assert all(a.terminal_id != "kiosk-0" for a in fleet.sweep(second) + fleet.sweep(first))
    assert {v.terminal_id: v.state for v in fleet.terminals(second)}["kiosk-0"] == "online"

    clock.advance(seconds=25)  # two intervals and the grace: late
    late = fleet.sweep(first) + fleet.sweep(second)
    assert [(a.terminal_id, a.state) for a in late if a.terminal_id == "kiosk-0"] == [("kiosk-0", "late")]
    clock.advance(seconds=40)  # five intervals and the grace: offline
    offline = fleet.sweep(second) + fleet.sweep(first)
    assert [(a.terminal_id, a.state) for a in offline if a.terminal_id == "kiosk-0"] == [("kiosk-0", "offline")]

    later = clock.now().timestamp()
    assert fleet.keep(second, terminal_id="kiosk-0", role="citizen", body=heartbeat(9, later))[:2] == (True, "online")
    fleet.flush(second)
    delayed = fleet.keep(first, terminal_id="kiosk-0", role="citizen", body=heartbeat(5, later - 1))
    assert delayed[:2] == (True, "online")  # newer than what the first held, older than what the second wrote
    fleet.flush(first)
    with hall_sql(first.db_path) as con:
        (seq,) = con.execute("SELECT seq FROM fleet_terminals WHERE terminal_id = 'kiosk-0'").fetchone()
    assert seq == 9
    fleet.sweep(first)  # takes in the newer heartbeat
    assert {v.terminal_id: v.heartbeat.get("seq") for v in fleet.terminals(first)}["kiosk-0"] == 9


def flapping_beat(seq: int, sent_at: float) -> dict:
    paper = "out" if seq % 2 else "ok"
    return heartbeat(seq, sent_at, [{"name": "printer:ticket", "kind": "printer", "state": "ready", "paper": paper,
                                     "last_error": ""}])


def test_processes_announce_a_flapping_terminal_and_its_settling_once(two_processes_fleet):
    """GIVEN two processes on one database, kiosk-0's printer flapping (paper out / ok on every beat)
    WHEN its heartbeats reach the first until it flaps, and each process writes its alerts as the fleet's watch
    does (``fleet.announce``) THEN the second's sweep takes the mark in and alerts nothing, and a change that
    reaches the second is damped there too.
    WHEN both see the same sixth change of kiosk-1 (each from a heartbeat of its own) THEN only one of them
    announces that it flaps. WHEN a sweep writes a terminal's row between a heartbeat's alert and its claim
    THEN the alert still goes out. WHEN the flapping stops and both sweep after the window THEN exactly one says
    each settled."""
    from hall_server import fleet

    first, second, clock = two_processes_fleet
    sent = []

    def beat(store, terminal: str, seq: int) -> list:
        clock.advance(seconds=5)
        accepted, _, alert = fleet.keep(store, terminal_id=terminal, role="citizen",
                                        body=flapping_beat(seq, clock.now().timestamp()))
        assert accepted
        announced = fleet.announce(store, [alert] if alert else [])
        sent.extend(announced)
        return announced

    for seq in range(1, 8):
        beat(first, "kiosk-0", seq)
    assert [a.event for a in sent] == ["terminal_status"] * 6 + ["terminal_flapping"]
    assert fleet.sweep(second) == []
    assert {v.terminal_id: v.flapping for v in fleet.terminals(second)}["kiosk-0"]
    assert beat(second, "kiosk-0", 8) == [] and fleet.sweep(first) == [] and fleet.sweep(second) == []

    sent.clear()
    for seq in range(1, 7):  # kiosk-1: five changes, seen by both
        beat(first, "kiosk-1", seq)
    fleet.sweep(second)
    both = beat(first, "kiosk-1", 7) + beat(second, "kiosk-1", 9)  # the same change, from two heartbeats
    assert [(a.terminal_id, a.event) for a in both] == [("kiosk-1", "terminal_flapping")]
    assert [(a.terminal_id, a.event) for a in fleet.sweep(second) + fleet.sweep(first)] == []

    clock.advance(seconds=1)
    accepted, _, alert = fleet.keep(first, terminal_id="kiosk-2", role="citizen",
                                    body=flapping_beat(1, clock.now().timestamp()))
    fleet.sweep(first)  # the fleet's watch sweeps (and writes kiosk-2's row) before it takes the alert
    assert fleet.announce(first, [alert]) == [alert] and fleet.sweep(second) == []

    sent.clear()
    for seq in range(10, 150, 2):  # the paper stays in, heartbeats to either process, over 10 minutes
        beat(first if seq % 4 else second, "kiosk-0", seq)
        beat(second if seq % 4 else first, "kiosk-1", seq)
        sent.extend(fleet.sweep(first) + fleet.sweep(second))
    assert sorted((a.terminal_id, a.event) for a in sent if a.terminal_id != "kiosk-2") == [
        ("kiosk-0", "terminal_settled"), ("kiosk-1", "terminal_settled")]  # (kiosk-2 fell silent: late, offline)
    with hall_sql(first.db_path) as con:
        alerted = dict(con.execute("SELECT terminal_id, alerted FROM fleet_terminals").fetchall())
    assert "flapping" not in alerted["kiosk-0"] and "flapping" not in alerted["kiosk-1"]
    assert not any(v.flapping for v in fleet.terminals(first) + fleet.terminals(second))
