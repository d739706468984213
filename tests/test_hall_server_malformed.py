"""Malformed requests never get a 500 from the hall server: a 4xx with {"error": {"reason", "message"}}.

A table of hand-picked bad requests for every route, then hypothesis throwing random JSON, random bytes
and random query strings at every route (signed, so they get past authentication to the parsing)."""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_fixtures import STAFF_PIN, hall_server  # noqa: F401

from core import signing
from hall_server.problems import STATUS

POST_ROUTES = ["/v1/tickets", "/v1/clerk/login", "/v1/clerk/logout", "/v1/clerk/call-next",
               "/v1/clerk/call-number", "/v1/clerk/call-back", "/v1/clerk/recall", "/v1/clerk/no-show",
               "/v1/clerk/hold", "/v1/clerk/return", "/v1/clerk/transfer", "/v1/clerk/pause",
               "/v1/clerk/resume", "/v1/clerk/finish"]
GET_ROUTES = ["/v1/hall", "/v1/calls", "/v1/clerk/window", "/v1/tickets/AAAAAAAAAAAAAAAA"]
ROLE = {"/v1/tickets": "kiosk-1", "/v1/calls": "display-1", "/v1/hall": "kiosk-1",
        "/v1/tickets/AAAAAAAAAAAAAAAA": "kiosk-1"}


def terminal_for(path: str) -> str:
    return ROLE.get(path.split("?")[0], "window-7")


def assert_refused_properly(response: requests.Response, *, allow_ok: bool = False) -> None:
    assert response.status_code < 500, response.text
    if allow_ok and response.status_code == 200:
        return
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["reason"] in STATUS and STATUS[error["reason"]] == response.status_code
    assert isinstance(error["message"], str) and error["message"]


@pytest.fixture(scope="module")
def session_token(hall_server):
    response = hall_server.send("window-7", "POST", "/v1/clerk/login",
                                body={"window": 7, "staff_id": "S1007", "pin": STAFF_PIN})
    return response.json()["token"]


BAD_BODIES = [
    (b"{", "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    ("{\"service_prefix\": \"\udcff\"}".encode("utf-8", "surrogatepass"), "application/json"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b'"just a string"', "application/json"),
    (b"12", "application/json"),
    (b'{"service_prefix": 1, "request_id": 2}', "application/json"),
    (b'{"service_prefix": "A", "request_id": "short"}', "application/json"),
    (b'{"service_prefix": "A", "request_id": "0123456789", "extra": 1}', "application/json"),
    (b'{"service_prefix": "A", "request_id": "0123456789", "birth_date": 19550312}', "application/json"),
    (b'{"service_prefix": "A", "request_id": "0123456789", "birth_date": "1955-02-30"}', "application/json"),
    (b'{"service_prefix": "A", "request_id": "0123456789", "id_number": "3201 0219 5503"}', "application/json"),
    (b'{"window": "1", "staff_id": "S1001", "pin": "2468"}', "application/json"),
    (b'{"window": true, "staff_id": "S1001", "pin": "2468"}', "application/json"),
    (b'{"window": 1e400, "staff_id": "S1001", "pin": "2468"}', "application/json"),
    (b'{"number": "A001; DROP TABLE tickets"}', "application/json"),
    (b'{"outcome": "great"}', "application/json"),
    (b'{"reason": ""}', "application/json"),
    (b'{"reason": "' + b"x" * 5000 + b'"}', "application/json"),
    (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
    (b'{"service_prefix": "A"}', "text/plain"),
    (b'service_prefix=A', "application/x-www-form-urlencoded"),
    (b'{"service_prefix": "A"}', ""),
]


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize(("body", "content_type"), BAD_BODIES)
def test_bad_bodies_on_every_post_route(hall_server, session_token, path, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {"Content-Type": ""}
    response = hall_server.send(terminal_for(path), "POST", path, body=body, headers=headers, session=session_token)
    assert_refused_properly(response)


@pytest.mark.parametrize("path", GET_ROUTES + ["/v1/calls?after=-1", "/v1/calls?after=abc", "/v1/calls?wait=1e9",
                                               "/v1/calls?wait=nan", "/v1/calls?after=99999999999999999999999",
                                               "/v1/tickets/%FF%FE", "/v1/tickets/" + "A" * 500,
                                               "/v1/tickets/a%2Fb", "/v1/nothing-here", "/v1/hall/../../etc"])
def test_bad_gets(hall_server, path):
    response = hall_server.send(terminal_for(path), "GET", path, session="not-a-session")
    assert_refused_properly(response, allow_ok=path in ("/v1/hall", "/v1/calls"))


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/v1/tickets"), ("PUT", "/v1/hall"),
                                              ("GET", "/v1/clerk/call-next"), ("PATCH", "/v1/clerk/finish")])
def test_wrong_methods(hall_server, method, path):
    response = hall_server.send(terminal_for(path), method, path)
    assert_refused_properly(response)
    assert response.json()["error"]["reason"] in ("method_not_allowed", "not_found")


def test_a_huge_body_is_refused_before_it_is_read(hall_server):
    body = b'{"service_prefix": "' + b"A" * (2 * 1024 * 1024) + b'"}'
    response = hall_server.send("kiosk-1", "POST", "/v1/tickets", body=body,
                                headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["error"]["reason"]) == (413, "body_too_large")


def test_a_huge_streamed_body_without_length_is_cut_off(hall_server):
    def chunks():
        for _ in range(200):
            yield b"x" * 4096

    headers = signing.sign("kiosk-1", hall_server.secret("kiosk-1"), "POST", "/v1/tickets", b"")
    try:
        response = requests.post(hall_server.url + "/v1/tickets", data=chunks(), timeout=10,
                                 headers={**headers, "Content-Type": "application/json"})
    except requests.ConnectionError:
        return  # the server closed the connection while the body was still coming: also a refusal
    assert (response.status_code, response.json()["error"]["reason"]) == (413, "body_too_large")


def test_a_lying_content_length_is_refused(hall_server):
    response = hall_server.send("kiosk-1", "POST", "/v1/tickets", body=b"{}",
                                headers={"Content-Type": "application/json", "Content-Length": "abc"})
    assert_refused_properly(response)


def test_validation_errors_name_the_field(hall_server):
    response = hall_server.send("kiosk-1", "POST", "/v1/tickets", body={"service_prefix": "A", "request_id": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("request_id:")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
field_names = st.sampled_from(["service_prefix", "request_id", "id_number", "birth_date", "appointment_code",
                               "window", "staff_id", "pin", "number", "reason", "outcome"])
plausible_bodies = st.dictionaries(field_names, json_values, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(POST_ROUTES), body=plausible_bodies | json_values)
def test_random_json_never_gets_a_500(hall_server, path, body):
    data = json.dumps(body).encode()
    response = hall_server.send(terminal_for(path), "POST", path, body=data,
                                headers={"Content-Type": "application/json"}, session="x" * 20)
    assert_refused_properly(response, allow_ok=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(POST_ROUTES), data=st.binary(max_size=300))
def test_random_bytes_never_get_a_500(hall_server, path, data):
    response = hall_server.send(terminal_for(path), "POST", path, body=data,
                                headers={"Content-Type": "application/json"})
    assert_refused_properly(response, allow_ok=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(after=st.text(max_size=30), wait=st.text(max_size=12))
def test_random_query_strings_never_get_a_500(hall_server, after, wait):
    from urllib.parse import urlencode

    path = "/v1/calls?" + urlencode({"after": after, "wait": wait})
    response = hall_server.send("display-1", "GET", path)
    assert_refused_properly(response, allow_ok=True)
