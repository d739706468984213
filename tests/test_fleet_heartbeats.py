"""Heartbeats and the fleet (docs/fleet.md): terminals built by the composition root send their real state
through the signed client to the real hall server on loopback; the server keeps the newest, tells online,
late and offline apart by the age of the last one, and alerts on change only (a log line and a webhook)."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from server_fixtures import fresh_hall  # noqa: F401

from core import config
from core.domain.heartbeat import DeviceHealth, Heartbeat, OutboxHealth, Paper
from core.errors import PlatformRejected
from core.ports import PrinterStatus
from core.ports.outbox import RecordKind
from core.services.heartbeat import HeartbeatSender
from hall_server import fleet
from hall_server.__main__ import main as hall_admin
from hall_server.fleet_alerts import WEBHOOK
from kiosk.app import build_terminal
from kiosk.heartbeat import read_last
from platform_client.heartbeat import HeartbeatClient


def kiosk_config(url: str, secret: str, data_dir, terminal: str = "kiosk-1", heartbeat_s: float = 30.0):
    return config.parse({
        "role": "citizen", "terminal_id": terminal, "hall_id": "3201-0042", "data_dir": str(data_dir),
        "platform": {"url": url, "terminal_secret": secret, "timeout_s": 2.0, "heartbeat_s": heartbeat_s},
        "printers": {"ticket": {"url": f"virtual://fleet-{terminal}"}},
        "devices": {"ticket_printer": "ticket"}}, source="test")


def beat(seq: int = 1, *, role: str = "citizen", sent_at: float | None = None, devices=()) -> Heartbeat:
    return Heartbeat(sent_at=time.time() if sent_at is None else sent_at, seq=seq, version="0.1.0", role=role,
                     uptime_s=12.0, devices=tuple(devices), outbox=OutboxHealth(0, 0, None), disk_free_bytes=10**9,
                     interval_s=30.0)


class Webhook:
    """A hall's alert receiver on loopback: keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


def wait_for(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_kiosk_heartbeat_carries_its_devices_outbox_and_disk_and_the_fleet_shows_it_online(fresh_hall, tmp_path):
    """GIVEN a kiosk built by the composition root, with a ticket printer whose paper is running out and two
    records waiting in its outbox
    WHEN its heartbeat sender beats once
    THEN the hall server keeps the heartbeat: the kiosk is online, amber for the low paper, with the printer's
    paper state, the outbox backlog and its oldest record's age, and the last heartbeat is on the kiosk's disk."""
    cfg = kiosk_config(fresh_hall.url, fresh_hall.secret("kiosk-1"), tmp_path / "kiosk")
    terminal = build_terminal(cfg)
    try:
        terminal.printers["ticket"].open().set_status(PrinterStatus.PAPER_NEAR_END)
        for _ in range(2):
            terminal.sync.store.enqueue(RecordKind.DEVICE_HEALTH, {"device": "printer:ticket", "state": "ready"})
        last = terminal.heartbeat.beat()
        assert last.sent, last.error
        view = fleet.terminal(fresh_hall.store, "kiosk-1")
        assert (view.state, view.colour, view.faults) == ("online", "amber", ("printer:ticket: paper low",))
        printer = next(d for d in view.heartbeat["devices"] if d["name"] == "printer:ticket")
        assert (printer["kind"], printer["paper"]) == ("printer", "low")
        assert view.heartbeat["outbox"]["waiting"] == 2 and view.heartbeat["outbox"]["oldest_age_s"] >= 0
        assert view.heartbeat["disk_free_bytes"] > 0 and view.heartbeat["role"] == "citizen"
        assert {d["name"] for d in view.heartbeat["devices"]} >= {"printer:ticket", "sync"}
        kept = read_last(tmp_path / "kiosk")
        assert kept["sent"] is True and kept["heartbeat"]["seq"] == last.heartbeat.seq
    finally:
        terminal.close()


def test_the_sender_thread_beats_on_its_interval_and_stops_bounded(fresh_hall, tmp_path):
    """GIVEN a kiosk whose heartbeat interval is 0.2 s
    WHEN its terminal starts and runs for a second
    THEN several heartbeats arrive, each newer than the last, and closing the terminal stops the thread."""
    cfg = kiosk_config(fresh_hall.url, fresh_hall.secret("kiosk-1"), tmp_path / "kiosk", heartbeat_s=0.2)
    terminal = build_terminal(cfg, sync=False)
    try:
        terminal.start()
        assert wait_for(lambda: terminal.heartbeat.sent >= 3)
        seq = fleet.terminal(fresh_hall.store, "kiosk-1").heartbeat["seq"]
        assert seq >= 3
    finally:
        started = time.monotonic()
        terminal.close()
        assert time.monotonic() - started < 5.0


def test_offline_heartbeats_are_dropped_not_queued_and_the_next_one_carries_the_newest_state(tmp_path):
    """GIVEN a heartbeat sender whose platform does not answer (nothing listens on its port)
    WHEN it beats three times
    THEN each heartbeat is dropped at once with the reason, nothing waits to be sent later, and the last
    heartbeat kept is the newest snapshot."""
    link = HeartbeatClient("http://127.0.0.1:9", "kiosk-1", "secret", timeout_s=1.0)
    sender = HeartbeatSender(lambda seq: beat(seq), link, interval_s=30.0, timeout_s=1.0)
    results = [sender.beat() for _ in range(3)]
    sender.stop()
    assert [r.sent for r in results] == [False, False, False]
    assert all("PlatformUnreachable" in r.error for r in results)
    assert (sender.dropped, sender.sent, sender.last.heartbeat.seq) == (3, 0, 3)


def test_an_older_heartbeat_arriving_late_changes_nothing(fresh_hall):
    """GIVEN a kiosk's heartbeat kept by the server
    WHEN an older one (an earlier seq sent earlier) arrives after it
    THEN it is answered ``accepted: false`` and the newer state stays."""
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    try:
        now = time.time()
        paper_out = DeviceHealth("printer:ticket", "printer", "ready", Paper.OUT, "paper_out")
        assert link.send_heartbeat(beat(5, sent_at=now, devices=[paper_out]).to_wire(), 2.0)["accepted"] is True
        assert link.send_heartbeat(beat(4, sent_at=now - 30).to_wire(), 2.0) == {"accepted": False, "state": "online"}
        view = fleet.terminal(fresh_hall.store, "kiosk-1")
        assert view.heartbeat["seq"] == 5 and view.colour == "red"
        assert view.last_fault == "printer:ticket: paper out (paper_out)"
    finally:
        link.close()


def test_a_heartbeat_must_be_of_the_terminals_own_role_and_of_the_known_shape(fresh_hall):
    """GIVEN signed heartbeats that claim another role, carry an unknown field or too many devices
    THEN each is refused 400 ``invalid_request`` and nothing is kept."""
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    try:
        bad = [beat(role="clerk").to_wire(), {**beat().to_wire(), "id_number": "11010519491231002X"},
               beat(devices=[DeviceHealth(f"d{i}", "camera", "ready") for i in range(17)]).to_wire()]
        for body in bad:
            with pytest.raises(PlatformRejected) as refused:
                link.send_heartbeat(body, 2.0)
            assert refused.value.reason == "invalid_request"
        assert fleet.terminal(fresh_hall.store, "kiosk-1").age_s is None
    finally:
        link.close()


def test_time_passing_makes_a_terminal_late_then_offline_with_one_alert_per_change(fresh_hall, caplog):
    """GIVEN a kiosk heard at 10:00 with a 30 s interval, on the server's clock
    WHEN the clock passes 70 s (two intervals and the grace), then 180 s, and the fleet is swept twice each
    THEN it is late, then offline, with one alert (and one log line) for each change, none for a sweep that
    finds nothing new; a terminal never heard is offline from the start."""
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    try:
        link.send_heartbeat(beat().to_wire(), 2.0)
    finally:
        link.close()
    store = fresh_hall.store
    assert fleet.sweep(store) == []
    fresh_hall.clock.advance(seconds=71)
    assert [(a.terminal_id, a.previous, a.state) for a in fleet.sweep(store)] == [("kiosk-1", "online", "late")]
    assert fleet.sweep(store) == []
    fresh_hall.clock.advance(seconds=110)
    assert [(a.previous, a.state) for a in fleet.sweep(store)] == [("late", "offline")]
    views = {v.terminal_id: v for v in fleet.terminals(store)}
    assert (views["kiosk-1"].state, views["kiosk-1"].colour) == ("offline", "red")
    assert views["kiosk-2"].state == "offline" and views["kiosk-2"].age_s is None


def test_a_fault_alerts_the_webhook_once_and_its_recovery_once_more(fresh_hall, webhook, caplog):
    """GIVEN the hall's webhook configured with ``hall-admin fleet webhook URL``
    WHEN a kiosk reports its printer out of paper twice, then the paper back
    THEN the webhook gets two POSTs (the fault, then the recovery), each JSON naming the terminal, its state
    and its faults, and the server logged each change."""
    assert hall_admin(["--db", fresh_hall.store.db_path, "fleet", "webhook", webhook.url]) == 0
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    out = DeviceHealth("printer:ticket", "printer", "ready", Paper.OUT, "paper_out")
    try:
        with caplog.at_level("WARNING", logger="hall_server.fleet"):
            for seq, devices in ((1, [out]), (2, [out]), (3, [])):
                link.send_heartbeat(beat(seq, devices=devices).to_wire(), 2.0)
            assert wait_for(lambda: len(webhook.bodies) >= 2)
            time.sleep(0.3)
    finally:
        link.close()
    assert [(b["terminal_id"], b["state"], b["faults"]) for b in webhook.bodies] == [
        ("kiosk-1", "online", ["printer:ticket: paper out"]), ("kiosk-1", "online", [])]
    assert sum("terminal kiosk-1 (citizen) is online" in r.getMessage() for r in caplog.records) == 2


def test_a_webhook_that_does_not_answer_never_holds_up_a_heartbeat(fresh_hall, caplog):
    """GIVEN a webhook URL where nothing listens
    WHEN a fault changes a kiosk's status
    THEN the heartbeat is answered at once and the failed webhook is logged."""
    fleet.set_setting(fresh_hall.store, WEBHOOK, "http://127.0.0.1:9/alerts")
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    try:
        with caplog.at_level("WARNING", logger="hall_server.fleet"):
            started = time.monotonic()
            link.send_heartbeat(beat(devices=[DeviceHealth("idcard_reader", "idcard", "failed", last_error="x")])
                                .to_wire(), 2.0)
            assert time.monotonic() - started < 1.0
            assert wait_for(lambda: any("webhook for kiosk-1 failed" in r.getMessage() for r in caplog.records))
    finally:
        link.close()


def test_a_webhook_that_answers_nonsense_costs_that_alert_only(fresh_hall, webhook, caplog):
    """GIVEN a webhook URL whose server answers bytes that are not HTTP
    WHEN a kiosk's printer runs out of paper THEN the failed webhook is logged; and WHEN the hall points the
    webhook at a working receiver and the paper comes back THEN that alert arrives: the fleet's watch lives on."""
    from test_fleet_webhook import NonsenseServer

    garbage = NonsenseServer()
    fleet.set_setting(fresh_hall.store, WEBHOOK, garbage.url)
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    out = DeviceHealth("printer:ticket", "printer", "ready", Paper.OUT, "paper_out")
    try:
        with caplog.at_level("WARNING", logger="hall_server.fleet"):
            link.send_heartbeat(beat(1, devices=[out]).to_wire(), 2.0)
            assert wait_for(lambda: any("webhook for kiosk-1 failed" in r.getMessage() for r in caplog.records))
            fleet.set_setting(fresh_hall.store, WEBHOOK, webhook.url)
            link.send_heartbeat(beat(2).to_wire(), 2.0)
            assert wait_for(lambda: len(webhook.bodies) == 1)
    finally:
        link.close()
        garbage.close()
    assert (webhook.bodies[0]["terminal_id"], webhook.bodies[0]["faults"]) == ("kiosk-1", [])


def test_hall_admin_fleet_prints_the_table_and_json(fresh_hall, capsys):
    """GIVEN a kiosk with its reader failed and a display never heard
    WHEN ``hall-admin fleet`` and ``hall-admin fleet --json`` run
    THEN both list every terminal with its state, and the kiosk's last fault."""
    fresh_hall.clock.set(datetime.now(timezone.utc))  # the command's own store reads the system clock
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    try:
        failed = DeviceHealth("idcard_reader", "idcard", "failed", last_error="DeviceNotFound: /dev/ttyUSB1")
        link.send_heartbeat(beat(devices=[failed]).to_wire(), 2.0)
    finally:
        link.close()
    db = fresh_hall.store.db_path
    capsys.readouterr()

    def fleet_table() -> str:  # the status is written by the fleet's watch a moment after the heartbeat's answer
        assert hall_admin(["--db", db, "fleet"]) == 0
        return capsys.readouterr().out

    assert wait_for(lambda: "idcard_reader: failed" in fleet_table())
    table = fleet_table()
    kiosk = next(line for line in table.splitlines() if line.startswith("kiosk-1"))
    assert "online" in kiosk and "red" in kiosk and "idcard_reader: failed (DeviceNotFound: /dev/ttyUSB1)" in kiosk
    assert any(line.startswith("display-1") and "offline" in line and "never" in line for line in table.splitlines())
    assert hall_admin(["--db", db, "fleet", "--json"]) == 0
    rows = {r["terminal_id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["kiosk-1"]["faults"] == ["idcard_reader: failed"] and rows["display-1"]["state"] == "offline"


def test_the_access_log_leaves_out_accepted_heartbeats_but_keeps_refused_ones_and_other_requests():
    """GIVEN uvicorn's access-log records (client, method, path, HTTP version, status)
    THEN an accepted heartbeat's line is dropped (40 a second in a big hall say nothing), a refused
    heartbeat's and any other request's are kept."""
    import logging

    from hall_server.runner import QuietHeartbeats

    def line(method: str, path: str, status: int) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                                 ("127.0.0.1:5000", method, path, "1.1", status), None)

    quiet = QuietHeartbeats()
    assert not quiet.filter(line("POST", "/v1/fleet/heartbeat", 200))
    assert quiet.filter(line("POST", "/v1/fleet/heartbeat", 401))
    assert quiet.filter(line("POST", "/v1/tickets", 200)) and quiet.filter(line("GET", "/fleet", 200))


def test_a_poke_sends_at_once_but_never_sooner_than_the_gap_after_the_last(fresh_hall):
    """GIVEN a sender with a 30 s interval and a 0.5 s minimum gap, started (its first heartbeat goes at once)
    WHEN it is poked three times in a row right after
    THEN one more heartbeat goes, no sooner than the gap after the first, and no third before the interval."""
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    times: list[float] = []
    sender = HeartbeatSender(lambda seq: beat(seq), link, interval_s=30.0, timeout_s=2.0, min_gap_s=0.5,
                             on_sent=lambda last: times.append(last.heartbeat.sent_at))  # when each was taken
    sender.start()
    try:
        assert wait_for(lambda: len(times) == 1)
        for _ in range(3):
            sender.poke()
        assert wait_for(lambda: len(times) == 2)
        time.sleep(1.0)
        assert len(times) == 2 and times[1] - times[0] >= 0.49
        assert fleet.terminal(fresh_hall.store, "kiosk-1").heartbeat["seq"] == 2
    finally:
        sender.stop()


def test_a_device_lost_is_reported_at_once_not_at_the_next_tick(fresh_hall, tmp_path):
    """GIVEN a clerk's terminal with an ID-card reader on the simulator, its heartbeat every 30 s
    WHEN the reader connects, then the simulator goes away
    THEN the fleet hears of the reader's new state within seconds (the lifecycle change pokes the sender)."""
    from simulators.idcard import IdCardSimulator

    with IdCardSimulator(thread_name="idcard-sim") as sim:
        cfg = config.parse({
            "role": "clerk", "terminal_id": "window-1", "hall_id": "3201-0042", "data_dir": str(tmp_path / "w1"),
            "platform": {"url": fresh_hall.url, "terminal_secret": fresh_hall.secret("window-1"), "timeout_s": 2.0},
            "window": {"number": 1}, "devices": {"idcard_reader": sim.url}}, source="test")
        terminal = build_terminal(cfg, sync=False)
        terminal.heartbeat.min_gap_s = 0.2
        try:
            terminal.start()

            def reader_state() -> str | None:
                view = fleet.terminal(fresh_hall.store, "window-1")
                return next((d["state"] for d in view.heartbeat.get("devices", ())
                             if d["name"] == "idcard_reader"), None)

            assert wait_for(lambda: reader_state() == "ready")
            sim.stop()
            assert wait_for(lambda: reader_state() in ("reconnecting", "failed"), timeout_s=10.0)
        finally:
            terminal.close()
