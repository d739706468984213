"""The fleet's webhook (hall_server/fleet_alerts.py, docs/fleet.md): alerts reach the hall's receiver over one
kept-alive connection, a receiver that closes connections or answers nonsense costs an alert at most, and a
heartbeat never waits for any of it."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hall_server.fleet_alerts import WebhookPoster


class Receiver:
    """An alert receiver on loopback speaking ``protocol`` (HTTP/1.1 keeps connections open, HTTP/1.0 closes
    each after its answer; ``idle_s``: a kept connection idle that long is closed); counts the connections
    it accepted and keeps the bodies."""

    def __init__(self, protocol: str = "HTTP/1.1", status: int = 204, idle_s: float | None = None) -> None:
        self.bodies: list[dict] = []
        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = protocol
            timeout = idle_s  # a kept connection idle for longer is closed (nginx's keepalive_timeout)

            def setup(self):
                outer.connections += 1
                super().setup()

            def do_POST(self):  # noqa: N802 - the standard library's name
                outer.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts?hall=T01"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def post_webhook(url: str, payload: dict, timeout_s: float) -> int:
    """One POST on a connection of its own, as the watch's first alert makes it."""
    poster = WebhookPoster(timeout_s)
    try:
        return poster.post(url, payload)
    finally:
        poster.close()


class NonsenseServer:
    """A server on loopback that answers the first request it gets with bytes that are not HTTP."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(1)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/alerts"
        threading.Thread(target=self._answer, daemon=True).start()

    def _answer(self) -> None:
        try:
            con, _ = self.socket.accept()
        except OSError:  # closed before anything came
            return
        con.recv(65536)
        con.sendall(b"\x00\xffnot http at all\r\n\r\n")
        con.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def keep_alive():
    receiver = Receiver("HTTP/1.1")
    yield receiver
    receiver.close()


def alert(n: int) -> dict:
    return {"terminal_id": f"kiosk-{n}", "state": "online", "faults": ["printer:ticket: paper out"],
            "note": "纸张用尽 𠮷"}


def test_alerts_share_one_kept_alive_connection(keep_alive):
    """GIVEN a receiver that keeps connections open WHEN five alerts are posted THEN all five arrive, whole
    (UTF-8, a character outside the BMP included), over one connection."""
    poster = WebhookPoster(2.0)
    try:
        assert [poster.post(keep_alive.url, alert(n)) for n in range(5)] == [204] * 5
    finally:
        poster.close()
    assert keep_alive.bodies == [alert(n) for n in range(5)]
    assert poster.opened == 1 and keep_alive.connections == 1


def test_a_receiver_that_closes_each_connection_gets_every_alert():
    """GIVEN a receiver that closes the connection after each answer (HTTP/1.0) THEN every alert arrives,
    each on a connection of its own."""
    receiver = Receiver("HTTP/1.0")
    poster = WebhookPoster(2.0)
    try:
        assert [poster.post(receiver.url, alert(n)) for n in range(3)] == [204] * 3
    finally:
        poster.close()
        receiver.close()
    assert len(receiver.bodies) == 3 and poster.opened == 3


def test_a_kept_connection_the_receiver_closed_while_idle_is_opened_again():
    """GIVEN a receiver that closes connections idle for 0.2 s WHEN an alert follows another after 0.6 s
    THEN it is delivered once, on a new connection (the POST never reached the receiver on the old one)."""
    receiver = Receiver("HTTP/1.1", idle_s=0.2)
    poster = WebhookPoster(2.0)
    try:
        assert poster.post(receiver.url, alert(1)) == 204
        time.sleep(0.6)
        assert poster.post(receiver.url, alert(2)) == 204
        assert poster.post(receiver.url, alert(3)) == 204
    finally:
        poster.close()
        receiver.close()
    assert receiver.bodies == [alert(1), alert(2), alert(3)]
    assert poster.opened == 2 and receiver.connections == 2


def test_a_receiver_answering_nonsense_is_an_error_and_the_next_alert_goes_out(keep_alive):
    """GIVEN a receiver that answers bytes that are not HTTP WHEN an alert is posted THEN the poster raises
    (the watch logs it) and drops the connection; the next alert to a working receiver is delivered."""
    garbage = NonsenseServer()
    poster = WebhookPoster(2.0)
    try:
        with pytest.raises(Exception) as caught:
            poster.post(garbage.url, alert(1))
        assert isinstance(caught.value, OSError) or type(caught.value).__module__ == "http.client"
        assert poster.post(keep_alive.url, alert(2)) == 204
    finally:
        poster.close()
        garbage.close()
    assert keep_alive.bodies == [alert(2)]


def test_a_url_that_is_not_http_is_refused_before_anything_is_sent():
    with pytest.raises(ValueError):
        post_webhook("ftp://127.0.0.1/alerts", alert(1), 1.0)
    with pytest.raises(ValueError):
        post_webhook("http:///alerts", alert(1), 1.0)


def test_a_receiver_that_does_not_answer_costs_the_timeout_at_most():
    """GIVEN a receiver that accepts and never answers THEN the POST fails with a timeout (OSError)."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        with pytest.raises(OSError):
            post_webhook(f"http://127.0.0.1:{silent.getsockname()[1]}/alerts", alert(1), 0.3)
    finally:
        silent.close()
