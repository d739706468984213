"""What the hall server keeps on disk: no citizen's data and no terminal secret in plain text.

Record bodies, attachments, terminal secrets and the person-hash key are sealed with AES-256-GCM under a
key kept outside the database (a 0600 file); the database files are 0600 too."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import uuid

import pytest
from server_fixtures import fresh_hall  # noqa: F401

from core.errors import ConfigError
from hall_server import HallStore, sample_hall

pytestmark = pytest.mark.sqlite_only("the database's own file, its key file beside it and their modes; a PostgreSQL cluster's files are its administrator's (docs/hall-server.md)")

NAME = "李䶮"
ID_NUMBER = "32010219550312123X"
PHONE = "13812345678"
PHOTO = b"\xff\xd8\xff\xe0" + os.urandom(6_000) + b"\xff\xd9"


def _needles(secrets: dict[str, str]) -> dict[str, bytes]:
    return {"name utf-8": NAME.encode("utf-8"), "name gb18030": NAME.encode("gb18030"),
            "name json": json.dumps(NAME).strip('"').encode("ascii"),
            "name json upper": json.dumps(NAME).strip('"').upper().replace("\\U", "\\u").encode("ascii"),
            "id number": ID_NUMBER.encode(), "id number lower": ID_NUMBER.lower().encode(), "phone": PHONE.encode(),
            "photo head": PHOTO[:48], "photo middle": PHOTO[3000:3048], "photo tail": PHOTO[-48:],
            **{f"secret of {t}": s.encode() for t, s in secrets.items()}}


def _files(directory) -> list:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def _sync_a_citizen(hall) -> None:
    sha = hashlib.sha256(PHOTO).hexdigest()
    for offset in range(0, len(PHOTO), 4_000):
        chunk = PHOTO[offset: offset + 4_000]
        answer = hall.send("kiosk-1", "POST", f"/v1/sync/attachments/{sha}", body={
            "total": len(PHOTO), "offset": offset, "data": base64.b64encode(chunk).decode()})
        assert answer.status_code == 200
    record = {"kind": "submission", "record": {
        "content": {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "matter": "320100-XK-0001"},
        "attachments": [{"sha256": sha, "size": len(PHOTO), "media_type": "image/jpeg", "label": "id_photo"}]}}
    answer = hall.send("kiosk-1", "POST", f"/v1/sync/records/{uuid.uuid4()}", body=record)
    assert answer.status_code == 201 and answer.json()["missing_attachments"] == []
    issued = hall.send("kiosk-1", "POST", "/v1/tickets", body={"service_prefix": "A", "request_id": str(uuid.uuid4()),
                                                                "id_number": ID_NUMBER})
    assert issued.status_code == 200


def test_no_citizen_data_nor_terminal_secret_is_in_any_file_the_server_writes(fresh_hall, tmp_path):
    """GIVEN a kiosk synced a submission (name, ID number, phone) with an ID photo and issued a ticket with
    the ID number WHEN every file in the server's directory is searched, while it runs and after it stops
    THEN none holds the name (UTF-8, GB18030, JSON-escaped), the ID number, the phone, a slice of the
    photo, or any terminal's secret; and the server still gives the record and the photo back."""
    _sync_a_citizen(fresh_hall)
    needles = _needles(fresh_hall.secrets)
    stored = [r for r in fresh_hall.store.sync_records() if r["kind"] == "submission"]
    assert stored[-1]["record"]["content"]["name"] == NAME
    assert fresh_hall.store.attachment_data(hashlib.sha256(PHOTO).hexdigest(), terminal_id="kiosk-1") == PHOTO
    for when in ("running", "stopped"):
        if when == "stopped":
            fresh_hall.server.stop()
        files = _files(tmp_path)
        assert {p.name for p in files} >= {"hall.db", "hall.db.key"}
        for path in files:
            data = path.read_bytes()
            found = [what for what, needle in needles.items() if needle in data]
            assert found == [], f"{path.name} ({when}) holds {found}"
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_a_new_database_gets_a_private_key_file_and_private_files(tmp_path):
    """GIVEN no database WHEN the store opens one THEN the database and its key file are 0600."""
    db = tmp_path / "hall.db"
    HallStore(db).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "hall.db.key").stat().st_mode) == 0o600
    assert len((tmp_path / "hall.db.key").read_bytes()) == 32


def test_a_key_file_others_can_read_is_refused(tmp_path):
    db = tmp_path / "hall.db"
    HallStore(db).close()
    os.chmod(tmp_path / "hall.db.key", 0o640)
    with pytest.raises(ConfigError):
        HallStore(db)


def test_a_database_whose_key_is_missing_or_wrong_is_refused(tmp_path):
    """GIVEN a database with a terminal WHEN its key file is gone, or is another database's key, THEN the
    store refuses to open (it never makes a new key for a database sealed with another)."""
    db = tmp_path / "hall.db"
    store = HallStore(db)
    store.add_terminal("kiosk-1", "citizen")
    store.close()
    key = (tmp_path / "hall.db.key").read_bytes()
    (tmp_path / "hall.db.key").unlink()
    with pytest.raises(ConfigError):
        HallStore(db)
    HallStore(tmp_path / "other.db").close()
    os.replace(tmp_path / "other.db.key", tmp_path / "hall.db.key")
    with pytest.raises(ConfigError):
        HallStore(db)
    (tmp_path / "hall.db.key").write_bytes(key)
    os.chmod(tmp_path / "hall.db.key", 0o600)
    reopened = HallStore(db)
    assert reopened.terminals() == [("kiosk-1", "citizen")]
    reopened.close()


def test_rotating_the_key_keeps_every_record_and_secret(tmp_path):
    """GIVEN a hall with a terminal, a synced record and an attachment WHEN ``rotate-key`` runs THEN the key
    file holds a new key, and the terminal's secret, the record and the attachment read back the same."""
    from hall_server.__main__ import main

    db = tmp_path / "hall.db"
    store = HallStore(db)
    store.load_hall(sample_hall())
    secret = store.add_terminal("kiosk-1", "citizen")
    sha = hashlib.sha256(PHOTO).hexdigest()
    store.put_attachment_chunk("kiosk-1", sha, len(PHOTO), 0, base64.b64encode(PHOTO).decode())
    store.sync_record(terminal_id="kiosk-1", record_id=str(uuid.uuid4()), kind="submission",
                      record={"content": {"name": NAME}, "attachments": []})
    store.close()
    old_key = (tmp_path / "hall.db.key").read_bytes()
    assert main(["--db", str(db), "rotate-key"]) == 0
    assert (tmp_path / "hall.db.key").read_bytes() != old_key
    assert stat.S_IMODE((tmp_path / "hall.db.key").stat().st_mode) == 0o600
    store = HallStore(db)
    try:
        assert store.terminal("kiosk-1") == ("citizen", secret)
        assert store.attachment_data(sha, terminal_id="kiosk-1") == PHOTO
        assert store.sync_records()[0]["record"]["content"] == {"name": NAME}
    finally:
        store.close()


def test_a_running_server_follows_a_rotation_made_from_the_command_line(fresh_hall):
    """GIVEN a running server WHEN ``hall-admin rotate-key`` re-seals its database from another process
    THEN the server goes on answering its terminals, and what it stores afterwards opens under the new key."""
    from hall_server.__main__ import main

    assert fresh_hall.send("kiosk-1", "GET", "/v1/hall").status_code == 200
    assert main(["--db", fresh_hall.store.db_path, "rotate-key"]) == 0
    assert fresh_hall.send("kiosk-1", "GET", "/v1/hall").status_code == 200
    _sync_a_citizen(fresh_hall)
    fresh_hall.server.stop()
    reopened = HallStore(fresh_hall.store.db_path)
    try:
        assert [r["record"]["content"]["name"] for r in reopened.sync_records()] == [NAME]
        assert reopened.attachment_data(hashlib.sha256(PHOTO).hexdigest(), terminal_id="kiosk-1") == PHOTO
    finally:
        reopened.close()
