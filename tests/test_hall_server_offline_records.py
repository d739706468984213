"""One hostile or damaged offline-ticket record must not break the windows for the day.

Every field of an ``offline_ticket`` record is checked before the ticket joins the queue (number inside
the kiosk's leased block, issue time inside the service day and after the lease, exact JSON types), the
body itself must be strict JSON, and a ticket that got in anyway can be taken out with
``hall-admin tickets remove`` (audited). Against the real hall server on loopback."""

from __future__ import annotations

import json
import uuid

from hall_databases import hall_sql
import pytest
from server_fixtures import MONDAY_10AM, STAFF_PIN, fresh_hall  # noqa: F401

from hall_server.__main__ import main as admin
from hall_server.admin import audit

DAY = MONDAY_10AM.date().isoformat()
NOW = MONDAY_10AM.timestamp()


def _lease(hall) -> tuple[int, int]:
    block = hall.send("kiosk-1", "POST", "/v1/sync/ticket-blocks",
                      body={"lease_id": str(uuid.uuid4()), "service_prefix": "A", "size": 50}).json()
    return block["first"], block["last"]


def _content(seq: int, **changes) -> dict:
    content = {"service_prefix": "A", "seq": seq, "number": f"A{seq}", "service_day": DAY,
               "issued_at": NOW + 60, "tracking_code": uuid.uuid4().hex[:16], "terminal_id": "kiosk-1"}
    content.update(changes)
    return content


def _post(hall, content: dict | bytes, record_id: str | None = None):
    path = f"/v1/sync/records/{record_id or uuid.uuid4()}"
    if isinstance(content, bytes):
        body = b'{"kind": "offline_ticket", "record": {"attachments": [], "content": ' + content + b"}}"
        return hall.send("kiosk-1", "POST", path, body=body, headers={"Content-Type": "application/json"})
    return hall.send("kiosk-1", "POST", path, body={"kind": "offline_ticket",
                                                   "record": {"content": content, "attachments": []}})


def _windows_answer(hall) -> None:
    """Window 1 (serving A) shows its status and calls next without a server error."""
    login = hall.send("window-1", "POST", "/v1/clerk/login", body={"window": 1, "staff_id": "S1001", "pin": STAFF_PIN})
    token = login.json()["token"]
    assert hall.send("window-1", "GET", "/v1/clerk/window", session=token).status_code == 200
    assert hall.send("window-1", "POST", "/v1/clerk/call-next", session=token).status_code == 200


def _raw(seq: int, issued_at: str) -> bytes:
    return (f'{{"service_prefix": "A", "seq": {seq}, "service_day": "{DAY}", "issued_at": {issued_at}, '
            f'"tracking_code": "{uuid.uuid4().hex[:16]}"}}').encode()


@pytest.mark.parametrize(("label", "make"), [
    ("issued_at 1e300", lambda first: _content(first, issued_at=1e300)),
    ("issued_at 1e999", lambda first: _raw(first, "1e999")),
    ("issued_at NaN", lambda first: _raw(first, "NaN")),
    ("issued_at -Infinity", lambda first: _raw(first, "-Infinity")),
    ("issued_at a string", lambda first: _content(first, issued_at=str(NOW))),
    ("issued_at the day before", lambda first: _content(first, issued_at=NOW - 11 * 3600)),
    ("issued_at before the lease", lambda first: _content(first, issued_at=NOW - 3600)),
    ("issued_at tomorrow", lambda first: _content(first, issued_at=NOW + 15 * 3600)),
    ("seq 2**63", lambda first: _content(2**63)),
    ("seq 2**64", lambda first: _raw(2**64, str(NOW + 60))),
    ("seq a string", lambda first: _content(str(first))),
    ("seq true", lambda first: _content(True)),
    ("seq 0", lambda first: _content(0)),
    ("seq above the block", lambda first: _content(1000)),
    ("service_day 9999-12-31", lambda first: _content(first, service_day="9999-12-31")),
    ("service_day a number", lambda first: _content(first, service_day=20261123)),
    ("service_prefix an object", lambda first: _content(first, service_prefix={"A": 1})),
    ("tracking_code a list", lambda first: _content(first, tracking_code=["x" * 16])),
    ("tracking_code a lone surrogate", lambda first: _raw(first, str(NOW + 60)).replace(
        b'"tracking_code": "', b'"tracking_code": "\\ud800')),
    ("a lone surrogate in a key", lambda first: _raw(first, str(NOW + 60)).replace(b"{", b'{"\\udfff": 1, ', 1)),
])
def test_a_hostile_offline_ticket_is_refused_and_the_windows_go_on(fresh_hall, label, make):
    """GIVEN kiosk-1 leased a block of A WHEN it sends an offline ticket with a field out of range THEN the
    record is refused with a 4xx naming the problem, and window 1 still shows its status and calls next."""
    first, _last = _lease(fresh_hall)
    answer = _post(fresh_hall, make(first))
    assert 400 <= answer.status_code < 500, (label, answer.status_code, answer.text)
    assert answer.json()["error"]["reason"] in ("invalid_request", "not_in_block")
    _windows_answer(fresh_hall)


def test_a_good_offline_ticket_joins_the_queue(fresh_hall):
    first, _last = _lease(fresh_hall)
    assert _post(fresh_hall, _content(first)).status_code == 201
    assert _post(fresh_hall, _content(first + 1, issued_at=int(NOW) + 120)).status_code == 201
    _windows_answer(fresh_hall)


def test_a_damaged_ticket_is_removed_by_the_admin_and_the_removal_is_audited(fresh_hall, capsys):
    """GIVEN an offline ticket that an earlier version let in with issued_at 1e300 (window 1 answers 500)
    WHEN ``hall-admin tickets remove`` takes it out with a reason THEN window 1 answers again, the audit
    log holds the removal, and the kiosk's resend of the record does not bring the ticket back."""
    first, _last = _lease(fresh_hall)
    record_id = str(uuid.uuid4())
    content = _content(first)
    assert _post(fresh_hall, content, record_id).status_code == 201
    with hall_sql(fresh_hall.store.db_path) as con:  # as an earlier version stored it
        con.execute("UPDATE tickets SET issued_at = 1e300, queued_at = 1e300 WHERE number = ?", (f"A{first:03d}",))
    login = fresh_hall.send("window-1", "POST", "/v1/clerk/login",
                            body={"window": 1, "staff_id": "S1001", "pin": STAFF_PIN}).json()["token"]
    assert fresh_hall.send("window-1", "GET", "/v1/clerk/window", session=login).status_code == 500

    db = fresh_hall.store.db_path
    assert admin(["--db", db, "tickets", "remove", f"A{first:03d}", "--day", DAY,
                  "--reason", "issued_at out of range"]) == 0
    assert f"removed A{first:03d} of {DAY}" in capsys.readouterr().out
    assert admin(["--db", db, "tickets", "remove", f"A{first:03d}", "--day", DAY, "--reason", "again"]) == 2
    _windows_answer(fresh_hall)
    entries = audit(fresh_hall.store)
    assert [(e["action"], e["subject"], e["reason"]) for e in entries] == [
        ("tickets.remove", f"{DAY} A{first:03d}", "issued_at out of range")]
    assert entries[0]["detail"]["terminal_id"] == "kiosk-1"
    resent = _post(fresh_hall, content, record_id)
    assert (resent.status_code, resent.json()["duplicate"]) == (200, True)
    assert json.dumps(f"A{first:03d}") not in fresh_hall.send(
        "window-1", "GET", "/v1/clerk/window", session=login).text
