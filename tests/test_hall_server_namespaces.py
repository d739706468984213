"""Each terminal's ids and uploads are its own: another terminal can neither see nor spoil them.

Attachments (by SHA-256), ticket request ids and sync record ids are scoped per terminal; an id another
terminal used is answered exactly as an id nobody used. Against the real hall server on loopback."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid

from server_fixtures import fresh_hall  # noqa: F401

SCAN = os.urandom(5_000)
SHA = hashlib.sha256(SCAN).hexdigest()


def _chunk(hall, terminal: str, data: bytes, total: int, offset: int = 0):
    return hall.send(terminal, "POST", f"/v1/sync/attachments/{SHA}",
                     body={"total": total, "offset": offset, "data": base64.b64encode(data).decode()})


def _record(hall, terminal: str, record_id: str, content: dict, attachments: tuple[str, ...] = ()):
    return hall.send(terminal, "POST", f"/v1/sync/records/{record_id}", body={"kind": "submission", "record": {
        "content": content, "attachments": [{"sha256": s, "size": 1, "media_type": "image/jpeg", "label": ""}
                                            for s in attachments]}})


def test_another_terminals_attachment_is_unknown(fresh_hall):
    """GIVEN kiosk-1 uploaded a scan WHEN kiosk-2 asks for that SHA-256 THEN it is answered as unknown, and
    a record of kiosk-2 naming it lists it as missing."""
    assert _chunk(fresh_hall, "kiosk-1", SCAN, len(SCAN)).json()["complete"] is True
    status = fresh_hall.send("kiosk-2", "GET", f"/v1/sync/attachments/{SHA}").json()
    assert status == {"sha256": SHA, "size": None, "received": 0, "complete": False}
    answer = _record(fresh_hall, "kiosk-2", str(uuid.uuid4()), {"matter": "M-1"}, (SHA,)).json()
    assert answer["missing_attachments"] == [SHA]


def test_a_hash_registered_by_another_terminal_with_a_wrong_size_spoils_nothing(fresh_hall):
    """GIVEN kiosk-2 started an upload under kiosk-1's hash with a wrong size WHEN kiosk-1 uploads its scan
    THEN kiosk-1's upload completes (no size mismatch)."""
    assert _chunk(fresh_hall, "kiosk-2", b"x" * 10, 999).status_code == 200
    answer = _chunk(fresh_hall, "kiosk-1", SCAN, len(SCAN))
    assert (answer.status_code, answer.json()["complete"]) == (200, True)
    assert fresh_hall.store.attachment_data(SHA, terminal_id="kiosk-1") == SCAN


def test_a_request_id_of_another_terminal_issues_a_new_ticket(fresh_hall):
    """GIVEN kiosk-1 issued a ticket with a request id WHEN kiosk-2 sends the same request with that id
    THEN kiosk-2 gets a ticket of its own, not kiosk-1's."""
    body = {"service_prefix": "A", "request_id": "shared-request-0001"}
    first = fresh_hall.send("kiosk-1", "POST", "/v1/tickets", body=body).json()["ticket"]
    second = fresh_hall.send("kiosk-2", "POST", "/v1/tickets", body=body).json()["ticket"]
    assert (first["number"], second["number"]) == ("A001", "A002")
    assert first["tracking_code"] != second["tracking_code"]
    again = fresh_hall.send("kiosk-1", "POST", "/v1/tickets", body=body).json()["ticket"]
    assert again["tracking_code"] == first["tracking_code"]


def test_a_record_id_of_another_terminal_is_a_new_record(fresh_hall):
    """GIVEN kiosk-1 synced a record WHEN kiosk-2 sends a record with the same id (same or other content)
    THEN it is stored as kiosk-2's own, 201 and not a duplicate nor a conflict."""
    record_id = str(uuid.uuid4())
    assert _record(fresh_hall, "kiosk-1", record_id, {"score": 5}).status_code == 201
    same = _record(fresh_hall, "kiosk-2", record_id, {"score": 5})
    assert (same.status_code, same.json()["duplicate"]) == (201, False)
    other = _record(fresh_hall, "kiosk-2", str(record_id), {"score": 5})
    assert (other.status_code, other.json()["duplicate"]) == (200, True)
    owners = sorted(r["terminal_id"] for r in fresh_hall.store.sync_records() if r["record_id"] == record_id)
    assert owners == ["kiosk-1", "kiosk-2"]


def test_a_lease_id_of_another_terminal_leases_a_block_of_its_own(fresh_hall):
    """GIVEN kiosk-1 leased a block with a lease id WHEN kiosk-2 leases with the same id THEN kiosk-2 gets a
    block of its own (not kiosk-1's, and no ``lease_id_reused``), and kiosk-1's retry still gets its own."""
    body = {"lease_id": str(uuid.uuid4()), "service_prefix": "A", "size": 10}
    first = fresh_hall.send("kiosk-1", "POST", "/v1/sync/ticket-blocks", body=body)
    second = fresh_hall.send("kiosk-2", "POST", "/v1/sync/ticket-blocks", body=body)
    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert (first.json()["first"], first.json()["last"]) == (990, 999)
    assert (second.json()["first"], second.json()["last"]) == (980, 989)
    assert fresh_hall.send("kiosk-1", "POST", "/v1/sync/ticket-blocks", body=body).json() == first.json()
