"""The heartbeat's own path through the hall server (hall_server/heartbeat_path.py, docs/fleet.md "Cost on the
hall server"): answered before FastAPI, on the event loop, with the nonce kept in memory. These tests hold it
to every promise of a heartbeat: signed, replay-protected, strictly validated with the same answers as the
FastAPI route, the newest state wins, alerts on change only."""

from __future__ import annotations

import json
import logging
import time

import pytest
import requests
from server_fixtures import copy_db, fresh_hall  # noqa: F401

from core import signing
from core.domain.heartbeat import DeviceHealth, Heartbeat, OutboxHealth, Paper
from hall_server import ServerThread, fleet
from hall_server.heartbeat_path import PATH, NonceWindow

UNKNOWN_FIELD = "id_number"


def beat(seq: int, *, role: str = "citizen", sent_at: float | None = None, paper: Paper = Paper.OK) -> dict:
    devices = (DeviceHealth("printer:ticket", "printer", "ready", paper),)
    return Heartbeat(sent_at=time.time() if sent_at is None else sent_at, seq=seq, version="0.1.0", role=role,
                     uptime_s=5.0, devices=devices, outbox=OutboxHealth(0, 0, None), disk_free_bytes=10**9,
                     interval_s=30.0).to_wire()


def signed(hall, body: bytes, terminal: str = "kiosk-1", **extra) -> dict:
    return {**signing.sign(terminal, hall.secret(terminal), "POST", PATH, body),
            "Content-Type": "application/json", **extra}


def post(hall, body: bytes, headers: dict) -> requests.Response:
    with requests.Session() as http:
        http.trust_env = False
        return http.post(hall.url + PATH, data=body, headers=headers, timeout=10)


def nonces_kept(hall) -> int:
    return hall.store._con().execute("SELECT COUNT(*) FROM nonces").fetchone()[0]


def test_a_replayed_heartbeat_is_refused_and_its_nonce_never_reaches_the_database(fresh_hall):
    """GIVEN a kiosk's signed heartbeat, accepted
    WHEN the very same request (headers, nonce, body) is sent again
    THEN it is refused 401 ``replayed_nonce`` and the kept heartbeat is the first one; the nonce lived in
    the server's memory only (no row in ``nonces``: no write, no trip to the store's threads)."""
    before = nonces_kept(fresh_hall)
    body = json.dumps(beat(7)).encode()
    headers = signed(fresh_hall, body)
    assert post(fresh_hall, body, headers).json() == {"accepted": True, "state": "online"}
    again = post(fresh_hall, body, headers)
    assert (again.status_code, again.json()["error"]["reason"]) == (401, "replayed_nonce")
    assert fleet.terminal(fresh_hall.store, "kiosk-1").heartbeat["seq"] == 7
    assert nonces_kept(fresh_hall) == before


def test_a_heartbeat_replayed_to_a_restarted_server_changes_nothing(tmp_path, fresh_hall):
    """GIVEN a heartbeat accepted by a server that then stops (its nonces in memory are gone)
    WHEN a copy of the same signed request reaches a new server process on the same database
    THEN the copy is answered ``accepted: false``: the server keeps a heartbeat only when it is newer by the
    ``sent_at`` and ``seq`` of its signed body, so a replay never brings back an older state."""
    body = json.dumps(beat(3, paper=Paper.OUT)).encode()
    headers = signed(fresh_hall, body)
    assert post(fresh_hall, body, headers).json()["accepted"] is True
    newer = json.dumps(beat(4)).encode()
    assert post(fresh_hall, newer, signed(fresh_hall, newer)).json()["accepted"] is True
    fresh_hall.server.stop()  # writes the kept heartbeats
    again = copy_db(fresh_hall.server.store.db_path, tmp_path / "again.db")
    with ServerThread(again) as server:
        with requests.Session() as http:
            http.trust_env = False
            answer = http.post(server.url + PATH, data=body, headers=headers, timeout=10)
        assert answer.status_code == 200 and answer.json()["accepted"] is False
        view = fleet.terminal(server.store, "kiosk-1")
        assert view.heartbeat["seq"] == 4 and view.faults == ()


BAD = [
    ("unsigned", lambda h: (json.dumps(beat(1)).encode(), {"Content-Type": "application/json"}),
     401, "missing_signature"),
    ("another terminal's secret", lambda h: (b := json.dumps(beat(1)).encode(),
                                             {**signed(h, b, "kiosk-2"), "X-Terminal-Id": "kiosk-1"}),
     401, "bad_signature"),
    ("not JSON as content type", lambda h: (b := json.dumps(beat(1)).encode(),
                                            signed(h, b, **{"Content-Type": "text/plain"})),
     415, "unsupported_media_type"),
    ("too large", lambda h: (b := json.dumps({**beat(1), "version": "x" * 70_000}).encode(), signed(h, b)),
     413, "body_too_large"),
    ("NaN", lambda h: (b := json.dumps(beat(1)).replace('"uptime_s": 5.0', '"uptime_s": NaN').encode(),
                       signed(h, b)), 400, "invalid_request"),
]


@pytest.mark.parametrize(("case", "make", "status", "reason"), BAD, ids=[b[0] for b in BAD])
def test_a_request_refused_before_its_body_is_read_closes_the_connection_and_keeps_nothing(fresh_hall, case, make,
                                                                                       status, reason):
    """GIVEN a heartbeat unsigned, signed with the wrong secret, of the wrong type, too large or not strict JSON
    THEN it is refused as every signed request is (status, reason, ``Connection: close``), nothing kept."""
    body, headers = make(fresh_hall)
    answer = post(fresh_hall, body, headers)
    assert (answer.status_code, answer.json()["error"]["reason"]) == (status, reason)
    assert answer.headers.get("connection") == "close"
    assert fleet.terminal(fresh_hall.store, "kiosk-1").age_s is None


SHAPES = [
    ("unknown field", json.dumps({**beat(1), UNKNOWN_FIELD: "11010519491231002X"}).encode()),
    ("missing field", json.dumps({k: v for k, v in beat(1).items() if k != "version"}).encode()),
    ("seq as text", json.dumps({**beat(1), "seq": "1"}).encode()),
    ("seq as true", json.dumps({**beat(1), "seq": True}).encode()),
    ("bad device name", json.dumps({**beat(1), "devices": [{"name": "A B", "kind": "camera",
                                                            "state": "ready"}]}).encode()),
    ("17 devices", json.dumps({**beat(1), "devices": [{"name": f"d{i}", "kind": "camera", "state": "ready"}
                                                      for i in range(17)]}).encode()),
    ("a list", b"[]"),
    ("null", b"null"),
    ("nothing", b""),
    ("another role", json.dumps(beat(1, role="clerk")).encode()),
]


@pytest.mark.parametrize(("case", "body"), SHAPES, ids=[s[0] for s in SHAPES])
def test_a_malformed_heartbeat_gets_the_fastapi_routes_answer_word_for_word(fresh_hall, case, body):
    """GIVEN a signed heartbeat of a wrong shape
    WHEN it is sent to the server's own heartbeat path, and again (signed anew) with that path switched off
    so that FastAPI's route and error handlers answer it
    THEN both answers are the same 400 ``invalid_request`` naming the field, and nothing is kept."""
    fast = post(fresh_hall, body, signed(fresh_hall, body))
    front, fresh_hall.server.app.heartbeats = fresh_hall.server.app.heartbeats, None
    try:
        routed = post(fresh_hall, body, signed(fresh_hall, body))
    finally:
        fresh_hall.server.app.heartbeats = front
    assert fast.status_code == routed.status_code == 400
    assert fast.json() == routed.json() and fast.json()["error"]["reason"] == "invalid_request"
    assert fleet.terminal(fresh_hall.store, "kiosk-1").age_s is None


def test_the_newest_heartbeat_wins_and_a_fault_alerts_once_on_the_fast_path(fresh_hall, caplog):
    """GIVEN heartbeats sent out of order, one of them with the printer out of paper
    THEN the newest by (sent_at, seq) is kept, an older one is answered ``accepted: false``, and the fault
    and its recovery each raise one alert."""
    now = time.time()
    caplog.set_level(logging.WARNING, logger="hall_server.fleet")
    answers = []
    for seq, sent_at, paper in ((1, now, Paper.OK), (3, now + 2, Paper.OUT), (2, now + 1, Paper.OK),
                                (4, now + 3, Paper.OUT), (5, now + 4, Paper.OK)):
        body = json.dumps(beat(seq, sent_at=sent_at, paper=paper)).encode()
        answers.append(post(fresh_hall, body, signed(fresh_hall, body)).json()["accepted"])
    assert answers == [True, True, False, True, True]
    assert fleet.terminal(fresh_hall.store, "kiosk-1").heartbeat["seq"] == 5

    def alerts() -> list[str]:  # logged by the fleet's watch, after the statuses are written
        return [r.getMessage() for r in caplog.records if "terminal kiosk-1" in r.getMessage()]

    deadline = time.monotonic() + 10
    while len(alerts()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # and no more come
    assert len(alerts()) == 3 and "paper out" in alerts()[1] and "faults" not in alerts()[2]


def test_the_nonce_window_forgets_a_nonce_once_its_timestamp_could_no_longer_pass():
    """GIVEN nonces remembered until their expiry THEN a nonce is a replay until then, the same nonce of
    another terminal is not, and expired ones are dropped (the window stays bounded)."""
    window = NonceWindow()
    assert window.remember("k1", "aa", expires=100.0, now=0.0)
    assert window.remember("k2", "aa", expires=100.0, now=0.0)
    assert not window.remember("k1", "aa", expires=100.0, now=50.0)
    assert window.remember("k1", "bb", expires=400.0, now=99.0) and len(window) == 3
    assert window.remember("k1", "cc", expires=500.0, now=101.0) and len(window) == 2
    assert window.remember("k1", "aa", expires=600.0, now=101.0)


@pytest.mark.parametrize(("body", "refused"), [
    (b'{"version": "\\ud800"}', "lone surrogate"),
    (b'{"version": "\\uDFFF"}', "lone surrogate"),
    ('{"version": "\ud800"}'.encode("utf-8", "surrogatepass"), "lone surrogate"),
    ('{"version": "\ud800"}'.encode("utf-16", "surrogatepass"), "lone surrogate"),
    (b"[" * 33 + b"1" + b"]" * 33, "nested deeper than 32"),
    (b"[" * 32 + b"1" + b"]" * 32, None),
    ('{"version": "\\ud7ff 䶮 𠮷 \\\\ud800"}'.encode(), None),
])
def test_strict_json_takes_its_short_cut_only_where_no_surrogate_or_deep_nesting_can_hide(body, refused):
    """GIVEN bodies with a lone surrogate (escaped, raw in UTF-8, in UTF-16) or nested 33 deep
    THEN each is refused, although a body with neither skips the walk over every value (strict_json.py);
    nesting of 32, rare characters and an escaped backslash before ``ud800`` pass."""
    from hall_server import strict_json
    from hall_server.problems import HallError

    if refused is None:
        strict_json.parse(body)
    else:
        with pytest.raises(HallError, match=refused):
            strict_json.parse(body)
