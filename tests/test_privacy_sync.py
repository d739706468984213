"""No personal data in plain text on the terminal: not in the store (database, WAL, blobs), not in the logs,
not in the temp directory (docs/privacy.md: "Plaintext copies left on the device (temp files, camera
buffers) are the known gap")."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

import pytest
from sync_fixtures import make_engine, proxy, server, wait_for  # noqa: F401

from core.logs import MaskingFilter, forget_sensitive, register_sensitive
from core.ports.outbox import AttachmentIn
from offline_cache import Store

NAME = "李䶮"
ID_NUMBER = "32010219550312123X"
PHONE = "13912345678"


def _needles(image: bytes) -> dict[str, bytes]:
    escaped = json.dumps(NAME)[1:-1].encode()  # \u674e\u4dee, should anything write ASCII-escaped JSON
    return {
        "id number": ID_NUMBER.encode(),
        "id number (utf-16)": ID_NUMBER.encode("utf-16-le"),
        "name (utf-8)": NAME.encode("utf-8"),
        "name (gb18030)": NAME.encode("gb18030"),
        "name (json-escaped)": escaped,
        "phone": PHONE.encode(),
        "image head": image[:32],
        "image middle": image[len(image) // 2: len(image) // 2 + 32],
        "image tail": image[-32:],
    }


def _scan(folder: Path, needles: dict[str, bytes]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{what} in {path.relative_to(folder)}" for what, needle in needles.items() if needle in data]
    return found


def test_no_personal_data_in_store_blobs_logs_or_temp(tmp_path, monkeypatch, server, proxy):
    """GIVEN a citizen's application (name with a rare character, ID number, phone, an ID-card image)
    WHEN it is stored, synced through a faulty link (errors get logged), acknowledged, and a rejected
    record is discarded by a technician who types the ID number into the reason
    THEN grepping the terminal's data directory, its logs and its temp directory finds none of it."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    handler = logging.FileHandler(log_dir / "kiosk.log", encoding="utf-8")
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    image = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(60_000)
    try:
        store = Store(tmp_path / "data", margin_bytes=0)
        rid = store.enqueue("submission", {"applicant": {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE},
                                           "matter": "M-001"}, [AttachmentIn(image, "image/jpeg", "id_card_front")])
        bad = store.enqueue("offline_ticket", {"service_prefix": "A", "seq": 1, "service_day": "2026-11-23",
                                               "issued_at": 0.0, "holder": NAME, "id_number": ID_NUMBER})
        register_sensitive(NAME)  # as the citizen's session does while it holds the card's data
        logging.getLogger("test").info("citizen %s with %s finished", NAME, ID_NUMBER)  # a careless line
        proxy.set_weights({"pass": 3, "truncated": 1, "portal": 1, "reset_after": 1, "http500": 1})
        engine, client = make_engine(store, proxy.url, server.secrets["K-01"])
        with engine:
            assert wait_for(lambda: store.entry(rid).state == "acked" and store.entry(bad).state == "dead", 30)
        client.close()
        store.discard(bad, actor="tech-1", why=f"wrong ticket for {ID_NUMBER} {PHONE}")
        needles = _needles(image)
        found = _scan(tmp_path / "data", needles)  # while the store is open: the WAL holds pages
        store.close()
    finally:
        forget_sensitive()
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old_level)
    found += _scan(tmp_path / "data", needles) + _scan(log_dir, needles) + _scan(temp, needles)
    assert found == []
    assert (log_dir / "kiosk.log").stat().st_size > 0  # the logs were written, just masked


@pytest.mark.parametrize("cipher", ["aes-256-gcm", "sm4-gcm"])
def test_blob_files_are_ciphertext_under_keyed_names(tmp_path, cipher):
    import hashlib

    image = os.urandom(10_000)
    store = Store(tmp_path / "d", cipher=cipher, margin_bytes=0)
    try:
        store.enqueue("submission", {"x": 1}, [AttachmentIn(image)])
        files = [p for p in store.blob_dir.rglob("*") if p.is_file()]
        assert len(files) == 1
        assert files[0].name != hashlib.sha256(image).hexdigest()
        assert image[:64] not in files[0].read_bytes()
        assert oct(files[0].stat().st_mode & 0o777) == "0o600"
    finally:
        store.close()
