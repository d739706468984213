"""Terminal authentication at the hall server (core/signing.py): every /v1 request is signed; bad, stale,
replayed and unknown-terminal requests and wrong roles are refused with a machine-readable reason."""

from __future__ import annotations

import time
import uuid

import pytest
import requests
from server_fixtures import hall_server  # noqa: F401

from core import signing
from core.errors import PlatformRejected
from platform_client import PlatformClient


def reason_of(response: requests.Response) -> str:
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["error"]["reason"]


def test_public_endpoints_need_no_signature(hall_server):
    assert requests.get(hall_server.url + "/v1/health", timeout=5).json()["ok"] is True
    spec = requests.get(hall_server.url + "/openapi.json", timeout=5).json()
    assert "/v1/tickets" in spec["paths"] and "/v1/clerk/call-next" in spec["paths"]


def test_unsigned_request_is_refused(hall_server):
    response = requests.get(hall_server.url + "/v1/hall", timeout=5)
    assert (response.status_code, reason_of(response)) == (401, "missing_signature")


def test_signed_request_passes(hall_server):
    assert hall_server.send("kiosk-1", "GET", "/v1/hall").status_code == 200


@pytest.mark.parametrize(("change", "reason"), [
    ({"secret": "not-the-secret"}, "bad_signature"),
    ({"sign_path": "/v1/hall?x=1"}, "bad_signature"),
    ({"skew": -signing.MAX_SKEW_S - 5}, "stale_timestamp"),
    ({"skew": signing.MAX_SKEW_S + 5}, "stale_timestamp"),
    ({"headers": {"X-Nonce": "not hex"}}, "bad_signature"),
    ({"headers": {"X-Timestamp": "12.5"}}, "bad_signature"),
    ({"headers": {"X-Signature": ""}}, "missing_signature"),
])
def test_bad_signatures(hall_server, change, reason):
    change = dict(change)
    if "skew" in change:  # the time is taken when the test runs, not when it is collected
        change["now"] = time.time() + change.pop("skew")
    response = hall_server.send("kiosk-1", "GET", "/v1/hall", **change)
    assert (response.status_code, reason_of(response)) == (401, reason)


def test_a_tampered_body_breaks_the_signature(hall_server):
    body = b'{"service_prefix": "A", "request_id": "%s"}' % str(uuid.uuid4()).encode()
    headers = signing.sign("kiosk-1", hall_server.secret("kiosk-1"), "POST", "/v1/tickets", body)
    tampered = body.replace(b'"A"', b'"B"')
    response = requests.post(hall_server.url + "/v1/tickets", data=tampered,
                             headers={**headers, "Content-Type": "application/json"}, timeout=5)
    assert (response.status_code, reason_of(response)) == (401, "bad_signature")


def test_a_replayed_request_is_refused(hall_server):
    headers = signing.sign("kiosk-1", hall_server.secret("kiosk-1"), "GET", "/v1/hall", b"")
    first = requests.get(hall_server.url + "/v1/hall", headers=headers, timeout=5)
    again = requests.get(hall_server.url + "/v1/hall", headers=headers, timeout=5)
    assert first.status_code == 200
    assert (again.status_code, reason_of(again)) == (401, "replayed_nonce")


def test_a_timestamp_inside_the_skew_window_is_accepted(hall_server):
    assert hall_server.send("kiosk-1", "GET", "/v1/hall", now=time.time() - signing.MAX_SKEW_S + 10).ok


def test_an_unknown_terminal_is_refused_as_a_bad_signature(hall_server):
    """Answered as a known terminal with a wrong secret, so the answer does not tell which ids exist."""
    response = hall_server.send("kiosk-99", "GET", "/v1/hall", secret="whatever")
    assert (response.status_code, reason_of(response)) == (401, "bad_signature")
    with PlatformClient(hall_server.url, "kiosk-99", "whatever") as client, \
            pytest.raises(PlatformRejected) as caught:
        client.hall_info()
    assert (caught.value.reason, caught.value.status) == ("bad_signature", 401)


def test_a_removed_terminal_is_refused_at_once(hall_server):
    secret = hall_server.store.add_terminal("kiosk-temp", "citizen")
    assert hall_server.send("kiosk-temp", "GET", "/v1/hall", secret=secret).ok
    hall_server.store.remove_terminal("kiosk-temp")
    assert reason_of(hall_server.send("kiosk-temp", "GET", "/v1/hall", secret=secret)) == "bad_signature"


@pytest.mark.parametrize(("terminal", "method", "path", "body", "allowed"), [
    ("kiosk-1", "GET", "/v1/hall", None, True),
    ("display-1", "GET", "/v1/hall", None, True),
    ("tech-1", "GET", "/v1/hall", None, True),
    ("window-1", "GET", "/v1/hall", None, True),
    ("kiosk-1", "POST", "/v1/clerk/login", {"window": 1, "staff_id": "S1001", "pin": "2468"}, False),
    ("kiosk-1", "POST", "/v1/clerk/call-next", None, False),
    ("kiosk-1", "GET", "/v1/calls", None, False),
    ("display-1", "POST", "/v1/tickets", {"service_prefix": "A", "request_id": "0123456789"}, False),
    ("display-1", "POST", "/v1/clerk/call-next", None, False),
    ("display-1", "GET", "/v1/tickets/AAAAAAAAAAAAAAAA", None, False),
    ("display-1", "GET", "/v1/calls", None, True),
    ("window-1", "POST", "/v1/tickets", {"service_prefix": "A", "request_id": "0123456789"}, False),
    ("tech-1", "POST", "/v1/tickets", {"service_prefix": "A", "request_id": "0123456789"}, False),
    ("tech-1", "GET", "/v1/calls", None, False),
])
def test_roles(hall_server, terminal, method, path, body, allowed):
    response = hall_server.send(terminal, method, path, body=body)
    if allowed:
        assert response.status_code == 200
    else:
        assert (response.status_code, reason_of(response)) == (403, "forbidden_role")


def test_the_servers_request_clock_decides_staleness(tmp_path):
    """GIVEN a server whose clock is 10 minutes ahead WHEN a terminal signs with its own (correct) clock
    THEN the request is stale: the check is against the server's time, as the signing module says."""
    from hall_server import ServerThread, sample_hall

    with ServerThread(tmp_path / "h.db", seed=sample_hall(), request_clock=lambda: time.time() + 600) as server:
        secret = server.store.add_terminal("k", "citizen")
        with PlatformClient(server.url, "k", secret) as client, pytest.raises(PlatformRejected) as caught:
            client.hall_info()
        assert caught.value.reason == "stale_timestamp"
