"""Flap damping on the fleet (docs/fleet.md, "Flapping"): a terminal whose status keeps changing (a printer's
paper sensor going out / ok on every heartbeat) raises one alert that it flaps and what flaps, then none for
its changes, then one when it settled; going offline is alerted all the same; a real change every few minutes
is alerted every time; the mark survives a restart; the fleet page and ``hall-admin fleet`` show it."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
from hall_databases import drop_hall_db, new_hall_db
from server_fixtures import SettableClock, fresh_hall  # noqa: F401
from test_fleet_heartbeats import beat, wait_for, webhook  # noqa: F401

from core.domain.heartbeat import DeviceHealth, Paper
from core.i18n import Translator
from hall_server import HallStore, fleet, fleet_flapping, fleet_page, sample_hall
from hall_server.__main__ import main as hall_admin
from hall_server.api.fleet import HeartbeatIn
from platform_client.heartbeat import HeartbeatClient

OUT = DeviceHealth("printer:ticket", "printer", "ready", Paper.OUT, "paper_out")
OK = DeviceHealth("printer:ticket", "printer", "ready", Paper.OK)
LOW = DeviceHealth("printer:ticket", "printer", "ready", Paper.LOW)
SCANNER_FAILED = DeviceHealth("scanner", "scanner", "failed", last_error="DeviceNotFound: /dev/ttyACM0")
SCANNER_READY = DeviceHealth("scanner", "scanner", "ready")


@pytest.fixture
def hall(tmp_path):
    """A hall store (no server: nothing sweeps but the test) on a clock the test moves; kiosk-1 provisioned."""
    db = new_hall_db(tmp_path / "hall.db")
    clock = SettableClock(datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc))
    store = HallStore(db, clock=clock)
    store.load_hall(sample_hall())
    store.add_terminal("kiosk-1", "citizen")
    yield store, clock
    store.close()
    drop_hall_db(db)


class Beats:
    """kiosk-1's heartbeats, kept as the server keeps them (``fleet.keep``), each alert written as the
    fleet's watch writes it (``fleet.announce``) before it would go out."""

    def __init__(self, store, clock) -> None:
        self.store, self.clock, self.seq, self.alerts = store, clock, 0, []

    def send(self, *devices, after_s: float = 30.0) -> fleet.Alert | None:
        self.clock.advance(seconds=after_s)
        self.seq += 1
        body = HeartbeatIn.model_validate(beat(self.seq, sent_at=self.clock.now().timestamp(), devices=devices)
                                          .to_wire()).model_dump()
        accepted, _, alert = fleet.keep(self.store, terminal_id="kiosk-1", role="citizen", body=body)
        assert accepted
        if alert is not None:
            self.alerts += fleet.announce(self.store, [alert])
        return alert

    def sweep(self, after_s: float = 0.0) -> list[fleet.Alert]:
        self.clock.advance(seconds=after_s)
        alerts = fleet.sweep(self.store)
        self.alerts += alerts
        return alerts

    def events(self) -> list[tuple[str, str, tuple[str, ...]]]:
        return [(a.event, a.state, a.faults) for a in self.alerts]


def flap(beats: Beats, times: int, after_s: float = 30.0) -> None:
    for n in range(times):
        beats.send(OUT if n % 2 == 0 else OK, after_s=after_s)


def test_a_printer_flapping_on_every_beat_alerts_once_that_it_flaps_then_nothing_then_once_that_it_settled(
        fresh_hall, webhook):
    """GIVEN a kiosk whose ticket printer's paper goes out and back on every heartbeat (every 30 s), the hall's
    webhook configured, the default thresholds (6 changes within 10 minutes flap, 2 or fewer settle)
    WHEN it beats 30 times so, then 30 times with the paper ok
    THEN the webhook gets its first status, its first five changes one by one, then one ``terminal_flapping``
    alert naming the printer's paper, nothing for the next 23 changes, and one ``terminal_settled`` alert with
    its status (online, no fault) once the changes have left the window; the server logged each of them."""
    assert hall_admin(["--db", fresh_hall.store.db_path, "fleet", "webhook", webhook.url]) == 0
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    try:
        for seq in range(1, 61):
            fresh_hall.clock.advance(seconds=30)
            printer = (OUT if seq % 2 else OK) if seq <= 30 else OK
            sent_at = fresh_hall.clock.now().timestamp()
            link.send_heartbeat(beat(seq, sent_at=sent_at, devices=[printer]).to_wire(), 2.0)
        assert wait_for(lambda: any(b["event"] == "terminal_settled" for b in webhook.bodies))
        time.sleep(0.3)
    finally:
        link.close()
    events = [(b["event"], b["faults"]) for b in webhook.bodies]
    out, ok = ["printer:ticket: paper out"], []
    assert events == [("terminal_status", out), ("terminal_status", ok), ("terminal_status", out),
                      ("terminal_status", ok), ("terminal_status", out), ("terminal_status", ok),
                      ("terminal_flapping", out), ("terminal_settled", ok)]
    flapping, settled = webhook.bodies[-2], webhook.bodies[-1]
    assert flapping["flapping"] == ["printer:ticket: paper out"] and flapping["state"] == "online"
    assert (settled["state"], settled["flapping"], settled["terminal_id"]) == ("online", [], "kiosk-1")


def test_going_offline_while_flapping_is_alerted_and_so_is_coming_back(hall):
    """GIVEN kiosk-1 marked flapping (its printer's paper out / ok on every beat)
    WHEN it falls silent: late after 70 s, offline after 180 s; then it beats again, paper still flapping
    THEN being late is not alerted (damped, like its other changes), going offline is, naming what flaps,
    and so is coming back online; it is still flapping, and its next change is not alerted."""
    store, clock = hall
    beats = Beats(store, clock)
    flap(beats, 8)
    assert beats.events()[-1][0] == "terminal_flapping"
    before = len(beats.alerts)
    assert beats.sweep(after_s=71) == []  # late: damped
    offline = beats.sweep(after_s=110)
    assert [(a.event, a.state, a.previous, a.flapping) for a in offline] == [
        ("terminal_status", "offline", "late", ("printer:ticket: paper out", "late"))]
    back = beats.send(OUT, after_s=10)
    assert (back.event, back.state, back.previous) == ("terminal_status", "online", "offline")
    assert beats.send(OK) is None  # still flapping: not alerted
    assert len(beats.alerts) == before + 2
    assert fleet.terminal(store, "kiosk-1").flapping


def test_a_slow_real_change_is_alerted_every_time(hall):
    """GIVEN kiosk-1 beating every 30 s for an hour
    WHEN one real change happens every three minutes (the paper runs low, runs out, is refilled, the scanner
    fails, is reconnected, and again)
    THEN every change is alerted as it happens (twenty of them), and the kiosk is never marked flapping."""
    store, clock = hall
    beats = Beats(store, clock)
    cycle = [(OK, SCANNER_READY), (LOW, SCANNER_READY), (OUT, SCANNER_READY), (OK, SCANNER_READY),
             (OK, SCANNER_FAILED)]
    beats.send(OK, SCANNER_READY)
    changes = 0
    for n in range(1, 121):  # an hour of heartbeats
        devices = cycle[(n // 6) % len(cycle)]  # a new status every 6 beats (3 minutes)
        alert = beats.send(*devices)
        if n % 6 == 0:
            changes += 1
            assert alert is not None and alert.event == "terminal_status", n
        else:
            assert alert is None, n
        beats.sweep()
        assert not fleet.terminal(store, "kiosk-1").flapping
    assert changes == 20 and len(beats.alerts) == 21
    assert {event for event, _, _ in beats.events()} == {"terminal_status"}


def test_a_restart_keeps_the_flapping_mark_and_alerts_nothing_again(hall):
    """GIVEN kiosk-1 marked flapping, its statuses written (as the fleet's watch writes them, and at a stop)
    WHEN the server restarts (a new store on the same database) and kiosk-1 keeps flapping
    THEN it is shown flapping from the start, and neither its changes nor its flapping are alerted again."""
    store, clock = hall
    beats = Beats(store, clock)
    flap(beats, 8)
    assert [e for e, _, _ in beats.events()].count("terminal_flapping") == 1
    fleet.flush(store)
    restarted = HallStore(store.db_path, clock=clock)
    try:
        assert fleet.terminal(restarted, "kiosk-1").flapping
        again = Beats(restarted, clock)
        again.seq = beats.seq
        flap(again, 6)
        assert again.alerts == [] and again.sweep() == []
        assert fleet.terminal(restarted, "kiosk-1").flaps == ("printer:ticket: paper out",)
    finally:
        restarted.close()


def test_the_thresholds_are_fleet_settings_a_running_server_follows(hall, capsys):
    """GIVEN the default thresholds
    WHEN ``hall-admin fleet flapping --high 3 --low 1 --window 300`` runs while the server runs
    THEN the command says them, the server takes them at its next sweep, kiosk-1 flaps at its third change
    within 5 minutes and settles once one change or none is left; thresholds that do not make sense
    (settling at as many changes as flapping) are refused and change nothing."""
    store, clock = hall
    db = str(store.db_path)
    assert hall_admin(["--db", db, "fleet", "flapping"]) == 0
    assert capsys.readouterr().out.strip() == "a terminal flaps at 6 changes of status within 600 s, and has " \
                                              "settled at 2 or fewer"
    assert hall_admin(["--db", db, "fleet", "flapping", "--high", "3", "--low", "1", "--window", "300"]) == 0
    assert "flaps at 3 changes of status within 300 s" in capsys.readouterr().out
    assert hall_admin(["--db", db, "fleet", "flapping", "--low", "3"]) == 2
    assert "fewer to settle" in capsys.readouterr().err
    assert fleet_flapping.damping(store) == fleet_flapping.Damping(300.0, 3, 1)
    beats = Beats(store, clock)
    beats.sweep()  # the running server's next sweep reads them
    flap(beats, 4)
    assert [e for e, _, _ in beats.events()] == ["terminal_status"] * 3 + ["terminal_flapping"]
    for _ in range(8):  # the paper stays in: 2 changes left within the 5 minutes
        assert beats.send(OK) is None and beats.sweep() == []
    assert fleet.terminal(store, "kiosk-1").flapping
    settled = beats.send(OK)  # one left
    assert (settled.event, settled.state, settled.faults) == ("terminal_settled", "online", ())
    assert not fleet.terminal(store, "kiosk-1").flapping


def test_the_fleet_page_and_hall_admin_fleet_show_a_flapping_terminal(fresh_hall, capsys):
    """GIVEN kiosk-1 flapping its printer's paper, kiosk-2 well
    WHEN the fleet page is rendered in Chinese and in English, and ``hall-admin fleet [--json]`` runs
    THEN the page marks kiosk-1 flapping (状态抖动 / flapping) with what flaps, counts it in the summary and
    says it on its detail page, kiosk-2 not; the table has a flapping column naming the printer's paper and
    its count below; the JSON keeps every key it had and adds ``flapping`` and ``flaps``."""
    fresh_hall.clock.set(datetime.now(timezone.utc))  # the command's own store reads the system clock
    links = {t: HeartbeatClient(fresh_hall.url, t, fresh_hall.secret(t)) for t in ("kiosk-1", "kiosk-2")}
    try:
        start = time.time()
        for seq in range(1, 9):
            links["kiosk-1"].send_heartbeat(beat(seq, sent_at=start + seq, devices=[OUT if seq % 2 else OK])
                                            .to_wire(), 2.0)
        links["kiosk-2"].send_heartbeat(beat(1, devices=[OK]).to_wire(), 2.0)
    finally:
        for link in links.values():
            link.close()
    views = fleet.terminals(fresh_hall.store)
    by_id = {v.terminal_id: v for v in views}
    assert by_id["kiosk-1"].flapping and not by_id["kiosk-2"].flapping
    counts = fleet.counts_by_state(views)
    zh = fleet_page.fleet_page(Translator("zh_CN"), views, "T01", counts)
    en = fleet_page.fleet_page(Translator("en"), views, "T01", counts)
    assert 'data-terminal="kiosk-1" data-state="online" data-colour="amber" data-flapping="yes"' in zh
    assert 'data-terminal="kiosk-2" data-state="online" data-colour="green" data-flapping="no"' in zh
    assert "状态抖动" in zh and "抖动 1" in zh and "printer:ticket: paper out" in zh
    assert ">flapping<" in en and "flapping 1" in en
    detail = fleet_page.detail_page(Translator("zh_CN"), by_id["kiosk-1"], "T01")
    assert "状态抖动：printer:ticket: paper out" in detail
    assert "状态抖动" not in fleet_page.detail_page(Translator("zh_CN"), by_id["kiosk-2"], "T01")

    db = fresh_hall.store.db_path
    capsys.readouterr()

    def fleet_table() -> str:  # the statuses are written by the fleet's watch a moment after the answers
        assert hall_admin(["--db", db, "fleet"]) == 0
        return capsys.readouterr().out

    assert wait_for(lambda: "flapping" in fleet_table().splitlines()[0] and "1 flapping" in fleet_table())
    table = fleet_table()
    kiosk = next(line for line in table.splitlines() if line.startswith("kiosk-1"))
    assert kiosk.rstrip().endswith("printer:ticket: paper out") and "amber" in kiosk
    assert next(line for line in table.splitlines() if line.startswith("kiosk-2")).rstrip().endswith("-")
    assert hall_admin(["--db", db, "fleet", "--json"]) == 0
    rows = {r["terminal_id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert list(rows["kiosk-2"]) == ["terminal_id", "role", "state", "colour", "age_s", "version", "faults",
                                     "last_fault", "last_fault_at", "outbox", "disk_free_bytes", "flapping", "flaps"]
    assert (rows["kiosk-1"]["flapping"], rows["kiosk-1"]["flaps"]) == (True, ["printer:ticket: paper out"])
    assert (rows["kiosk-2"]["flapping"], rows["kiosk-2"]["flaps"]) == (False, [])
