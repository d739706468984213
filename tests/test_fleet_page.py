"""The fleet page (docs/fleet.md) in a real headless browser (Chromium over the DevTools protocol:
tests/browser_support.py) against the real hall server on loopback: the login is the real form, the session
a real cookie."""

from __future__ import annotations

import time

from browser_support import Browser
from server_fixtures import fresh_hall  # noqa: F401

from core.domain.heartbeat import DeviceHealth, Paper
from hall_server.__main__ import main as hall_admin
from platform_client.heartbeat import HeartbeatClient
from test_fleet_heartbeats import beat

TECH_PIN = "13572468"


def report(hall, terminal: str, role: str, devices=()) -> None:
    link = HeartbeatClient(hall.url, terminal, hall.secret(terminal))
    try:
        link.send_heartbeat(beat(role=role, devices=devices).to_wire(), 2.0)
    finally:
        link.close()


def fill_the_fleet(hall) -> None:
    """kiosk-1 out of paper, kiosk-2 well, window-1 with its reader failed, window-2 heard 100 s ago (late);
    the others never heard (offline)."""
    report(hall, "window-2", "clerk")
    hall.clock.advance(seconds=100)
    report(hall, "kiosk-1", "citizen", [DeviceHealth("printer:ticket", "printer", "ready", Paper.OUT, "paper_out")])
    report(hall, "kiosk-2", "citizen", [DeviceHealth("printer:ticket", "printer", "ready", Paper.OK)])
    report(hall, "window-1", "clerk", [DeviceHealth("idcard_reader", "idcard", "failed",
                                                    last_error="DeviceNotFound: /dev/ttyUSB1")])


def rows(browser) -> dict[str, tuple[str, str]]:
    found = browser.evaluate("[...document.querySelectorAll('tr[data-terminal]')]"
                             ".map(r => [r.dataset.terminal, r.dataset.state, r.dataset.colour])")
    return {t: (state, colour) for t, state, colour in found}


def test_a_technician_logs_in_sees_every_terminal_in_colour_and_opens_one(fresh_hall, tmp_path):
    """GIVEN a hall with a technician (张䶮, the technician right) and a clerk without it, and terminals
    online, late, offline and at fault
    WHEN a browser opens /fleet, is sent to the login form, signs in as the clerk, then as the technician
    THEN the clerk is refused on the form, the technician sees every terminal with its state, colour and
    last fault, opens window-1's detail with its failed reader, and after signing out /fleet asks for a
    login again."""
    db = fresh_hall.store.db_path
    assert hall_admin(["--db", db, "add-staff", "T01", "--name", "张䶮", "--pin", TECH_PIN, "--technician"]) == 0
    fill_the_fleet(fresh_hall)
    with Browser.launch(tmp_path / "profile") as browser:
        browser.open(fresh_hall.url + "/fleet")
        assert browser.evaluate("location.pathname") == "/fleet/login"
        browser.submit_form("#login", staff_id="S1001", pin="2468")  # a clerk: no technician right
        assert browser.evaluate("location.pathname") == "/fleet/login"
        assert "运维权限" in browser.evaluate("document.getElementById('error').textContent")

        browser.submit_form("#login", staff_id="T01", pin=TECH_PIN)
        assert browser.evaluate("location.pathname") == "/fleet"
        assert "张䶮" not in browser.evaluate("document.body.textContent")  # the staff id is shown, not the name
        fleet = rows(browser)
        assert fleet["kiosk-1"] == ("online", "red") and fleet["kiosk-2"] == ("online", "green")
        assert fleet["window-1"] == ("online", "red") and fleet["window-2"] == ("late", "amber")
        assert fleet["display-1"] == ("offline", "red") and len(fleet) == 14
        assert browser.evaluate("document.getElementById('summary').textContent") == "在线 3 · 迟到 1 · 离线 10"
        faults = browser.evaluate("document.querySelector('tr[data-terminal=\"kiosk-1\"] .fault').textContent")
        assert faults == "printer:ticket: paper out (paper_out)"
        (tmp_path / "fleet.png").write_bytes(browser.screenshot())

        browser.click('a[href="/fleet/terminals/window-1"]')
        assert browser.evaluate("location.pathname") == "/fleet/terminals/window-1"
        device = browser.evaluate("[...document.querySelectorAll('tr[data-device=\"idcard_reader\"] td')]"
                                  ".map(c => c.textContent)")
        assert device == ["idcard_reader", "failed", "—", "DeviceNotFound: /dev/ttyUSB1"]

        browser.submit_form("header form")
        browser.open(fresh_hall.url + "/fleet")
        assert browser.evaluate("location.pathname") == "/fleet/login"
    assert (tmp_path / "fleet.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_is_not_served_without_a_session_and_the_login_locks_out_guessing(fresh_hall):
    """GIVEN no session cookie, or a made-up one
    THEN /fleet and a terminal's detail answer 303 to the login form; and five wrong PINs for an id lock it
    (the sixth attempt, even with the right PIN, is refused 429)."""
    import requests

    hall_admin(["--db", fresh_hall.store.db_path, "add-staff", "T02", "--name", "李工", "--pin", TECH_PIN,
                "--technician"])
    with requests.Session() as http:
        http.trust_env = False
        for path in ("/fleet", "/fleet/terminals/kiosk-1"):
            for cookies in ({}, {"fleet_session": "made-up"}):
                answer = http.get(fresh_hall.url + path, cookies=cookies, allow_redirects=False, timeout=5)
                assert (answer.status_code, answer.headers["location"]) == (303, "/fleet/login")
        for _ in range(5):
            answer = http.post(fresh_hall.url + "/fleet/login", data={"staff_id": "T02", "pin": "0000"},
                               allow_redirects=False, timeout=10)
            assert answer.status_code == 401
        time.sleep(0.01)
        answer = http.post(fresh_hall.url + "/fleet/login", data={"staff_id": "T02", "pin": TECH_PIN},
                           allow_redirects=False, timeout=10)
        assert answer.status_code == 429 and "fleet_session" not in answer.cookies


def test_a_terminal_that_does_not_exist_is_a_404_page_with_the_way_back(fresh_hall, tmp_path):
    """GIVEN a technician signed in
    WHEN the browser opens the detail of a terminal id nobody provisioned (an id with markup in it)
    THEN the page says there is no such terminal, links back to the list, and nothing of the id is rendered."""
    hall_admin(["--db", fresh_hall.store.db_path, "add-staff", "T03", "--name", "王工", "--pin", TECH_PIN,
                "--technician"])
    with Browser.launch(tmp_path / "profile", language="en") as browser:
        browser.open(fresh_hall.url + "/fleet/login")
        browser.submit_form("#login", staff_id="T03", pin=TECH_PIN)
        browser.open(fresh_hall.url + "/fleet/terminals/%3Cb%3Enobody")
        assert browser.evaluate("document.body.textContent").startswith("No such terminal.")
        assert browser.evaluate("document.querySelector('b')") is None
        assert browser.evaluate("document.querySelector('a').getAttribute('href')") == "/fleet"
