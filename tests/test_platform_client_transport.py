"""PlatformClient against a misbehaving platform: a tiny real HTTP server on loopback that answers what a
captive portal, a proxy, a dying or a hanging server would. Every answer becomes one of the platform
errors, never a KeyError or a requests exception."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.errors import PlatformConflict, PlatformRejected, PlatformServerFault, PlatformUnreachable
from platform_client import PlatformClient

TICKET = {"number": "A001", "service_prefix": "A", "service_name": "综合受理", "service_name_en": "General",
          "state": "waiting", "issued_at": "2026-11-23T10:00:00+08:00", "tracking_code": "abcdefgh12345678",
          "people_ahead": 0, "estimated_wait_min": 0, "priority": False, "appointment": False, "window": None,
          "called_at": None, "reprint": False, "service_day": "2026-11-23"}


class FakePlatform:
    """``behave(handler)`` answers each request; ``requests`` keeps (method, path, headers, body)."""

    def __init__(self) -> None:
        self.behave: Callable[[BaseHTTPRequestHandler, int], None] = lambda h, n: None
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # for Content-Length semantics; every connection closes after one answer

            def log_message(self, *args) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.requests.append((self.command, self.path, dict(self.headers), body))
                fake.behave(self, len(fake.requests))
                self.close_connection = True

            do_GET = do_POST = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="fake-platform")

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def fake():
    platform = FakePlatform()
    platform.thread.start()
    yield platform
    platform.stop()


def answer(handler, status: int, body: bytes, content_type: str = "application/json", headers: dict | None = None,
           length: int | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


def client(fake, timeout_s: float = 2.0) -> PlatformClient:
    return PlatformClient(fake.url, "kiosk-1", "secret", timeout_s=timeout_s)


def rid() -> str:
    return str(uuid.uuid4())


def test_captive_portal_html_200_is_unreachable(fake):
    fake.behave = lambda h, n: answer(h, 200, "<html><body>请登录 Wi-Fi</body></html>".encode(), "text/html")
    with client(fake) as c, pytest.raises(PlatformUnreachable, match="not the platform"):
        c.hall_info()


def test_truncated_json_is_unreachable(fake):
    def truncated(h, n):
        answer(h, 200, json.dumps({"ticket": TICKET}).encode()[:60], length=400)
        h.close_connection = True

    fake.behave = truncated
    with client(fake) as c, pytest.raises(PlatformUnreachable):
        c.ticket("abcdefgh12345678")


@pytest.mark.parametrize("body", [
    {"ticket": {**TICKET, "people_ahead": "3"}},
    {"ticket": {**TICKET, "priority": 1}},
    {"ticket": {**TICKET, "state": "teleported"}},
    {"ticket": {**TICKET, "issued_at": "2026-11-23T10:00:00"}},
    {"ticket": {k: v for k, v in TICKET.items() if k != "number"}},
    {"ticket": None},
    {"tickets": [TICKET]},
])
def test_json_of_the_wrong_shape_is_unreachable_with_the_field_named(fake, body):
    fake.behave = lambda h, n: answer(h, 200, json.dumps(body).encode())
    with client(fake) as c, pytest.raises(PlatformUnreachable) as caught:
        c.ticket("abcdefgh12345678")
    assert "ticket" in caught.value.detail


def test_a_503_with_retry_after_is_a_server_fault(fake):
    fake.behave = lambda h, n: answer(h, 503, b'{"error": {"reason": "busy", "message": "busy"}}',
                                      headers={"Retry-After": "7"})
    with client(fake) as c, pytest.raises(PlatformServerFault) as caught:
        c.hall_info()
    assert caught.value.params["retry_after"] == "7"


def test_a_500_html_page_is_a_server_fault(fake):
    fake.behave = lambda h, n: answer(h, 500, b"<h1>Internal Server Error</h1>", "text/html")
    with client(fake) as c, pytest.raises(PlatformServerFault):
        c.hall_info()


def test_a_hanging_server_times_out_as_unreachable(fake):
    fake.behave = lambda h, n: fake.release.wait(10)
    started = time.monotonic()
    with client(fake, timeout_s=0.5) as c, pytest.raises(PlatformUnreachable):
        c.hall_info()
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(("status", "error"), [(400, PlatformRejected), (401, PlatformRejected),
                                               (404, PlatformRejected), (409, PlatformConflict),
                                               (422, PlatformRejected)])
def test_4xx_with_a_reason_is_rejected_with_that_reason(fake, status, error):
    fake.behave = lambda h, n: answer(h, status, b'{"error": {"reason": "some_reason", "message": "why"}}')
    with client(fake) as c, pytest.raises(error) as caught:
        c.hall_info()
    assert (type(caught.value), caught.value.reason, caught.value.status) == (error, "some_reason", status)


def test_4xx_without_the_platforms_error_body_is_not_the_platform(fake):
    fake.behave = lambda h, n: answer(h, 403, b"<html>Forbidden by proxy</html>", "text/html")
    with client(fake) as c, pytest.raises(PlatformUnreachable):
        c.hall_info()


def test_a_redirect_to_a_login_page_is_unreachable(fake):
    fake.behave = lambda h, n: answer(h, 302, b"", "text/html", headers={"Location": "http://127.0.0.1:9/login"})
    with client(fake) as c, pytest.raises(PlatformUnreachable):
        c.hall_info()


def test_nobody_listening_is_unreachable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with PlatformClient(f"http://127.0.0.1:{port}", "kiosk-1", "secret", timeout_s=1) as c, \
            pytest.raises(PlatformUnreachable):
        c.hall_info()


def test_issue_is_retried_once_with_the_same_request_id_after_a_dropped_connection(fake):
    def drop_first(h, n):
        if n == 1:
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)  # no answer at all
            return
        answer(h, 200, json.dumps({"ticket": TICKET}).encode())

    fake.behave = drop_first
    request_id = rid()
    with client(fake) as c:
        ticket = c.issue_ticket("A", request_id=request_id)
    assert ticket.number == "A001"
    bodies = [json.loads(body) for _, _, _, body in fake.requests]
    nonces = {headers["X-Nonce"] for _, _, headers, _ in fake.requests}
    assert [b["request_id"] for b in bodies] == [request_id, request_id] and len(nonces) == 2


def test_issue_gives_up_after_one_retry(fake):
    def drop(h, n):
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)

    fake.behave = drop
    with client(fake) as c, pytest.raises(PlatformUnreachable):
        c.issue_ticket("A", request_id=rid())
    assert len(fake.requests) == 2


def test_clerk_actions_are_never_retried(fake):
    from core.domain import ClerkSession

    def drop(h, n):
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)

    fake.behave = drop
    with client(fake) as c, pytest.raises(PlatformUnreachable):
        c.call_next(ClerkSession(1, "S1", "x", "token"))
    assert len(fake.requests) == 1


def test_requests_are_signed_over_the_path_and_query_sent(fake):
    from core import signing

    fake.behave = lambda h, n: answer(h, 200, b'{"events": [], "last_seq": 0}')
    with client(fake) as c:
        assert c.call_events(5, wait_s=1.5) == []
    method, path, headers, body = fake.requests[0]
    assert path == "/v1/calls?after=5&wait=1.5"
    assert signing.verify("secret", method, path, headers["X-Timestamp"], headers["X-Nonce"], body,
                          headers["X-Signature"])
