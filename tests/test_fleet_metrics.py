"""/metrics (docs/fleet.md): the hall in the Prometheus text format, read by prometheus_client's own parser
from the real hall server; readable from loopback, or from elsewhere with the configured token only."""

from __future__ import annotations

import contextlib
import io
import socket
import time
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from server_fixtures import STAFF_PIN, fresh_hall, with_catalogue  # noqa: F401
from test_hall_server_ratings import kiosk_rating, sync

from core.ports.outbox import RecordKind
from hall_server import ServerThread
from hall_server.__main__ import main as hall_admin
from platform_client.heartbeat import HeartbeatClient
from test_fleet_heartbeats import beat


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(url: str, **headers) -> requests.Response:
    with requests.Session() as http:
        http.trust_env = False
        return http.get(url + "/metrics", headers=headers, timeout=5)


def test_metrics_count_the_days_tickets_calls_waits_terminals_backlogs_and_ratings(fresh_hall):
    """GIVEN three tickets issued (two for A, one for B), one of them called at window 1 two minutes later,
    a kiosk whose heartbeat reports 7 records waiting, and two citizens' ratings at a kiosk (a 4 and a 5)
    WHEN /metrics is scraped from loopback
    THEN it says 2 and 1 issued, 1 and 1 waiting, 1 call, an average wait of 120 s for A, one terminal online
    and the rest offline, the kiosk's backlog of 7, and one rating at level 4, one at 5, none below."""
    with_catalogue(fresh_hall)
    kiosk = fresh_hall.client("kiosk-1")
    for prefix in ("A", "A", "B"):
        kiosk.issue_ticket(prefix, request_id=uuid.uuid4().hex)
    fresh_hall.clock.advance(minutes=2)
    clerk = fresh_hall.client("window-1")
    session = clerk.login(1, "S1001", STAFF_PIN)
    called = clerk.call_next(session)
    link = HeartbeatClient(fresh_hall.url, "kiosk-1", fresh_hall.secret("kiosk-1"))
    try:
        link.send_heartbeat({**beat().to_wire(), "outbox": {"waiting": 7, "dead": 1, "oldest_age_s": 42.0}}, 2.0)
    finally:
        link.close()
    for level, ticket in ((4, "A012"), (5, "A013")):
        sync(fresh_hall, "kiosk-2").post_record(RecordKind.RATING, str(uuid.uuid4()),
                                                kiosk_rating(level, ticket_number=ticket))
    response = scrape(fresh_hall.url)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    got = samples(response.text)
    assert got[("hall_tickets_issued", (("service", "A"),))] == 2
    assert got[("hall_tickets_issued", (("service", "B"),))] == 1
    assert got[("hall_tickets_waiting", (("service", called.service_prefix),))] == 1
    assert got[("hall_calls", ())] == 1
    assert got[("hall_wait_seconds_average", (("service", called.number[0]),))] == pytest.approx(120, abs=1)
    assert got[("hall_terminals", (("state", "online"),))] == 1
    assert got[("hall_terminals", (("state", "offline"),))] == 13
    assert got[("hall_terminal_outbox_waiting", (("terminal", "kiosk-1"),))] == 7
    assert got[("hall_terminal_outbox_oldest_age_seconds", (("terminal", "kiosk-1"),))] == 42
    assert got[("hall_outbox_waiting", ())] == 7
    assert [got[("hall_ratings", (("level", str(level)),))] for level in range(1, 6)] == [0, 0, 0, 1, 1]


def _outside_address() -> str:
    """This machine's address on its network (not loopback), or a skip when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            address = ""
    if not address or address.startswith("127."):
        pytest.skip("this machine has no non-loopback address to scrape /metrics from")
    return address


def test_metrics_from_another_host_need_the_configured_token(fresh_hall, tmp_path):
    """GIVEN the hall server listening on the machine's network address (a scrape from there is not loopback)
    WHEN /metrics is asked without a token, with a wrong one, and with the one ``hall-admin fleet
    metrics-token`` printed
    THEN the first two are refused 403 and the last is answered."""
    db = fresh_hall.store.db_path
    fresh_hall.server.stop()
    server = ServerThread(db, host=_outside_address(), thread_name="hall-server-outside").start()
    try:
        assert scrape(server.url).status_code == 403
        assert scrape(server.url, Authorization="Bearer wrong").status_code == 403
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert hall_admin(["--db", str(db), "fleet", "metrics-token"]) == 0
        token = out.getvalue().strip()
        time.sleep(0.05)
        response = scrape(server.url, Authorization=f"Bearer {token}")
        assert response.status_code == 200 and "hall_terminals" in response.text
    finally:
        server.stop()


def test_metrics_through_a_proxy_on_the_server_need_the_token_too(fresh_hall):
    """GIVEN a request from loopback that came through a proxy on the server (it says so in X-Forwarded-For
    or Forwarded, as the TLCP set-up's reverse proxy does when told to)
    THEN it is refused 403 without the token, as a request from the hall's network would be."""
    for header in ({"X-Forwarded-For": "10.0.0.7"}, {"Forwarded": "for=10.0.0.7"}, {"X-Real-IP": "10.0.0.7"}):
        assert scrape(fresh_hall.url, **header).status_code == 403
    assert scrape(fresh_hall.url).status_code == 200
