"""The hall server's sync endpoints de-duplicate in the database (docs/sync.md, "Lessons from offline data-collection"):
same id and content → the same answer; same id, other content → 409; concurrent uploads → one record."""

from __future__ import annotations

import hashlib
import os
import threading
import uuid

import pytest
from sync_fixtures import server  # noqa: F401

from core import signing
from core.errors import PlatformConflict, PlatformRejected
from platform_client.sync import SyncClient
from core.ports.outbox import content_hash


def _wire(content: dict, attachments: list[bytes] = ()) -> dict:
    return {"content": content, "attachments": [
        {"sha256": hashlib.sha256(a).hexdigest(), "size": len(a), "media_type": "image/jpeg", "label": ""}
        for a in attachments]}


@pytest.fixture
def client(server):
    with SyncClient(server.url, "K-01", server.secrets["K-01"]) as c:
        yield c


def test_same_id_same_content_gets_the_same_answer_again(server, client):
    rid = str(uuid.uuid4())
    wire = _wire({"name": "李䶮", "matter": "M-001"})
    first = client.post_record("submission", rid, wire)
    again = client.post_record("submission", rid, wire)
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.content_hash == again.content_hash == content_hash(wire)
    assert [r["record_id"] for r in server.store.sync_records()].count(rid) == 1


def test_same_id_other_content_is_a_conflict_and_the_stored_record_stays(server, client):
    rid = str(uuid.uuid4())
    client.post_record("device_health", rid, _wire({"score": 5}))
    with pytest.raises(PlatformConflict) as err:
        client.post_record("device_health", rid, _wire({"score": 1}))
    assert (err.value.status, err.value.reason) == (409, "record_conflict")
    stored = next(r for r in server.store.sync_records() if r["record_id"] == rid)
    assert stored["record"]["content"] == {"score": 5}


def test_concurrent_uploads_of_one_id_make_one_record(server):
    """GIVEN eight connections posting the same record at the same moment
    THEN exactly one creates it, the others get the duplicate answer, and the database holds one row."""
    rid = str(uuid.uuid4())
    wire = _wire({"n": "race"})
    barrier = threading.Barrier(8)
    answers, errors = [], []

    def post():
        with SyncClient(server.url, "K-01", server.secrets["K-01"]) as c:
            barrier.wait(5)
            try:
                answers.append(c.post_record("submission", rid, wire))
            except Exception as exc:  # reported below
                errors.append(exc)

    threads = [threading.Thread(target=post, name=f"race-{i}") for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert sorted(a.duplicate for a in answers) == [False] + [True] * 7
    assert [r["record_id"] for r in server.store.sync_records()].count(rid) == 1


def test_missing_attachments_are_named_and_taken_on_the_resend(server, client):
    scan = os.urandom(40_000)
    sha = hashlib.sha256(scan).hexdigest()
    rid = str(uuid.uuid4())
    wire = _wire({"n": "late scan"}, [scan])
    assert client.post_record("submission", rid, wire).missing_attachments == (sha,)
    held = 0
    while held < len(scan):
        held = client.put_attachment_chunk(sha, len(scan), held, scan[held: held + 32_768])
    again = client.post_record("submission", rid, wire)
    assert again.duplicate and again.missing_attachments == ()
    assert server.store.attachment_data(sha) == scan


@pytest.mark.parametrize("offset, expected", [(0, 32_768), (10, 32_768), (40_000, 32_768)])
def test_chunks_at_the_wrong_offset_change_nothing_and_say_where_to_go_on(client, offset, expected):
    scan = os.urandom(50_000)
    sha = hashlib.sha256(scan).hexdigest()
    assert client.put_attachment_chunk(sha, len(scan), 0, scan[:32_768]) == 32_768
    assert client.put_attachment_chunk(sha, len(scan), offset, scan[offset: offset + 100]) == expected
    assert client.attachment_received(sha) == 32_768


def test_attachment_that_does_not_match_its_hash_is_dropped(server, client):
    scan = os.urandom(1_000)
    sha = hashlib.sha256(scan).hexdigest()
    assert client.put_attachment_chunk(sha, len(scan), 0, os.urandom(1_000)) == 0  # damaged: start over
    assert server.store.attachment_data(sha) is None
    assert client.put_attachment_chunk(sha, len(scan), 0, scan) == 1_000
    assert server.store.attachment_data(sha) == scan


@pytest.mark.parametrize("body, reason", [
    ({"kind": "gossip", "record": {"content": {}, "attachments": []}}, "unknown_kind"),
    ({"kind": "device_health", "record": {"content": "x", "attachments": []}}, "invalid_request"),
    ({"kind": "device_health", "record": {"content": {}, "attachments": [{"sha256": "zz"}]}}, "invalid_request"),
])
def test_malformed_records_are_refused_with_a_reason(client, body, reason):
    import json

    path = f"/v1/sync/records/{uuid.uuid4()}"
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **signing.sign("K-01", client._secret, "POST", path, data)}
    response = client._session.post(client.base_url + path, data=data, headers=headers, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == reason


def test_unsigned_requests_are_refused(server):
    with SyncClient(server.url, "K-01", "wrong secret") as c:
        with pytest.raises(PlatformRejected) as err:
            c.post_record("device_health", str(uuid.uuid4()), _wire({}))
    assert err.value.status == 401


def test_every_byte_value_survives_the_base64_chunk(server, client):
    scan = bytes(range(256)) * 10
    sha = hashlib.sha256(scan).hexdigest()
    assert client.put_attachment_chunk(sha, len(scan), 0, scan) == len(scan)
    assert server.store.attachment_data(sha) == scan
