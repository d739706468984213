"""No false "offline" on a healthy network: a server closes idle keep-alive connections on a timer, and a
request written in that instant meets a closed connection although the platform is up. The terminals send
such a request once more on a fresh connection (platform_client/transport.py); the hall server keeps idle
connections open longer than any terminal waits between requests (hall_server/runner.py)."""

from __future__ import annotations

import inspect
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.domain import ClerkSession
from core.errors import PlatformUnreachable
from hall_server.pki import issue_ca, issue_cert
from hall_server.runner import KEEP_ALIVE_S, ServerTls, ServerThread
from kiosk.app import ENGINE_DEFAULTS
from offline_cache.engine import SyncEngine
from platform_client import PlatformClient
from platform_client.sync import SyncClient
from platform_client.transport import Tls
from server_fixtures import STAFF_PIN, _prepared_db, copy_db

KEEP_ALIVE = 0.1
# Waits from 1.5 ms before to 1.5 ms after the server's idle timer, in 50 µs steps: without the repeat,
# a few of these 61 requests meet a connection closed under them on every run.
WAITS = [KEEP_ALIVE + k * 0.00005 for k in range(-30, 31)]


@pytest.fixture
def short_keep_alive(request, tmp_path_factory, tmp_path):
    """A real hall server whose idle connections close after 0.1 s, over plain HTTP and over TLS."""
    template, secrets = _prepared_db(tmp_path_factory)
    db = copy_db(template, tmp_path / "hall.db")
    tls, client_tls = None, None
    if getattr(request, "param", "http") == "https":
        issue_ca(tmp_path / "pki")
        issue_cert(tmp_path / "pki", "hall", tmp_path / "pki", servers=("127.0.0.1",))
        tls = ServerTls(str(tmp_path / "pki" / "hall.pem"), str(tmp_path / "pki" / "hall.key"))
        client_tls = Tls(str(tmp_path / "pki" / "ca.pem"))
    with ServerThread(db, tls=tls, keep_alive_s=KEEP_ALIVE, thread_name="keep-alive-hall") as server:
        yield server, secrets, client_tls


@pytest.mark.parametrize("short_keep_alive", ["http", "https"], indirect=True)
def test_the_sync_probe_and_uploads_idling_around_the_keep_alive_never_see_offline(short_keep_alive):
    """GIVEN a terminal's sync client on a pooled connection WHEN it probes and uploads after idling just
    under, at and just over the server's keep-alive THEN every probe says online and every upload is acked."""
    server, secrets, tls = short_keep_alive
    offline, errors = [], []
    with SyncClient(server.url, "kiosk-1", secrets["kiosk-1"], tls=tls, probe_timeout_s=2) as sync:
        assert sync.probe()
        for n, wait in enumerate(WAITS):
            time.sleep(wait)
            if n % 2 == 0:
                if not sync.probe():
                    offline.append(round(wait - KEEP_ALIVE, 5))
                continue
            try:
                sync.post_record("submission", str(uuid.uuid4()), {"content": {"n": n}, "attachments": []})
            except PlatformUnreachable as exc:
                errors.append(exc.detail)
    assert (offline, errors) == ([], [])
    assert len(server.store.sync_records()) == len(WAITS) // 2


def test_clerk_actions_idling_around_the_keep_alive_are_done_once_each(short_keep_alive):
    """GIVEN a clerk logged in WHEN pause and resume alternate after idles around the keep-alive THEN none
    fails and none is applied twice (a repeat would be refused as a replayed nonce, or find the window in
    the wrong state)."""
    server, secrets, tls = short_keep_alive
    with PlatformClient(server.url, "window-1", secrets["window-1"], tls=tls) as clerk:
        session = clerk.login(1, "S1001", STAFF_PIN)
        for n, wait in enumerate(WAITS):
            time.sleep(wait)
            if n % 2 == 0:
                clerk.pause(session, "午休")
            else:
                clerk.resume(session)
        assert clerk.window_status(session).paused is (len(WAITS) % 2 == 1)


class KeepAliveServer:
    """A real HTTP/1.1 server that keeps connections open and answers ``{"ok": true}``, except that the
    requests numbered in ``close_on`` find the connection closed without an answer."""

    def __init__(self, close_on: set[int]) -> None:
        self.seen: list[tuple[str, str, int]] = []  # (path, nonce, client port)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 0.5  # an idle connection ends after this, so no handler outlives the test

            def log_message(self, *args) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.seen.append((self.path, self.headers.get("X-Nonce", ""), self.client_address[1]))
                if len(outer.seen) in close_on:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="keep-alive-server")

    def __enter__(self) -> KeepAliveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()  # joins the connections' threads
        self.thread.join(5)


def test_a_request_on_a_connection_closed_under_it_is_sent_once_more_identically_on_a_new_one():
    """GIVEN a connection that carried one request WHEN the server closes it under the clerk's next action
    THEN that action goes out once more, the identical request (same nonce: a server that had applied it
    refuses the copy as a replay), on a new connection, and succeeds."""
    session = ClerkSession(1, "S1001", "x", "token")
    with KeepAliveServer(close_on={2}) as server, PlatformClient(server.url, "window-1", "secret") as clerk:
        clerk.resume(session)
        clerk.pause(session, "午休")
    (_, _, port1), (path2, nonce2, port2), (path3, nonce3, port3) = server.seen
    assert path2 == path3 == "/v1/clerk/pause" and nonce2 == nonce3
    assert port1 == port2 != port3


def test_the_copy_is_sent_once_only():
    session = ClerkSession(1, "S1001", "x", "token")
    with KeepAliveServer(close_on={2, 3}) as server, PlatformClient(server.url, "window-1", "secret") as clerk:
        clerk.resume(session)
        with pytest.raises(PlatformUnreachable):
            clerk.call_next(session)
    assert [path for path, _, _ in server.seen] == ["/v1/clerk/resume", "/v1/clerk/call-next", "/v1/clerk/call-next"]


def test_the_hall_server_keeps_idle_connections_longer_than_any_terminal_waits_between_requests():
    engine = inspect.signature(SyncEngine).parameters
    longest_wait = max(ENGINE_DEFAULTS["idle_check_s"], engine["probe_interval_s"].default,
                       engine["housekeeping_interval_s"].default, 25.0)  # 25 s: a hall display's long poll
    assert KEEP_ALIVE_S > longest_wait
