"""A damaged outbox is found at start, kept aside, and every record still readable is saved into a fresh
store; the technician is told what was saved and what was lost, and the terminal goes on working."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sync_fixtures import make_engine, proxy, server, wait_for  # noqa: F401

from core.config import Config, PlatformConfig
from core.services.diagnostics import Diagnostics
from core.ports.outbox import AttachmentIn
from offline_cache import Store

ROOT = Path(__file__).resolve().parents[1]
NAME = "李䶮"
PAGE = 4096


def _filled(data: Path, n: int) -> dict[str, dict]:
    """A store with ``n`` submissions (each about a page of sealed JSON) and one attachment; closed."""
    s = Store(data, margin_bytes=0)
    contents = {}
    try:
        for i in range(n):
            content = {"seq": i, "applicant": {"name": NAME}, "note": "材料齐全" * 250}
            attachments = [AttachmentIn(bytes([i % 256]) * 3000, "image/jpeg", "id_card_front")] if i == 0 else []
            contents[s.enqueue("submission", content, attachments)] = content
    finally:
        s.close()
    con = sqlite3.connect(data / "outbox.sqlite3")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return contents


def _aside(data: Path) -> list[Path]:
    return sorted(p for p in data.iterdir() if p.name.startswith("outbox.sqlite3.damaged-") and "-wal" not in p.name
                  and "-shm" not in p.name)


def test_an_outbox_truncated_to_nothing_is_kept_aside_and_the_loss_is_reported(tmp_path, caplog):
    """GIVEN a store that held 5 records, WHEN its database is truncated to 0 bytes
    THEN opening it keeps the empty file aside, opens a fresh store, logs and reports 5 records lost,
    and the terminal can queue new records."""
    data = tmp_path / "data"
    _filled(data, 5)
    (data / "outbox.sqlite3").write_bytes(b"")
    with caplog.at_level(logging.ERROR, logger="offline_cache"):
        s = Store(data, margin_bytes=0)
    try:
        [report] = s.salvage_reports()
        assert (report["expected"], report["saved"], report["lost"]) == (5, 0, 5)
        assert len(_aside(data)) == 1 and Path(report["kept_as"]) == _aside(data)[0]
        assert any("lost 5" in r.getMessage() for r in caplog.records)
        rid = s.enqueue("rating", {"score": 5})
        assert s.entry(rid).state == "queued"
    finally:
        s.close()


def test_an_outbox_with_a_page_overwritten_gives_back_every_readable_record(tmp_path):
    """GIVEN a store with 40 records, WHEN one page in the middle of the records' table is overwritten
    THEN the damaged file is kept aside, every readable record is in the fresh store queued to be sent
    with the same content (and its attachment), and saved + lost adds up to what was there."""
    data = tmp_path / "data"
    contents = _filled(data, 40)
    db = data / "outbox.sqlite3"
    raw = bytearray(db.read_bytes())
    pages = len(raw) // PAGE
    victim = pages // 2
    raw[victim * PAGE: (victim + 1) * PAGE] = b"\xa5" * PAGE
    db.write_bytes(bytes(raw))
    s = Store(data, margin_bytes=0)
    try:
        [report] = s.salvage_reports()
        assert report["expected"] == 40
        assert report["saved"] + report["lost"] == 40
        assert report["saved"] >= 30
        assert len(_aside(data)) == 1
        assert s.integrity_ok()
        saved = [e.record_id for e in s.entries(("queued",)) if e.kind == "submission"]
        assert len(saved) == report["saved"]
        for rid in saved:
            assert s.load(rid).content == contents[rid]
        first = next(iter(contents))
        if first in saved:
            record = s.load(first)
            assert s.read_blob(record.attachments[0]["blob"]) == bytes([0]) * 3000
        assert s.next_due() is not None
    finally:
        s.close()
    reopened = Store(data, margin_bytes=0)  # the fresh store opens clean: no second salvage
    try:
        assert len(reopened.salvage_reports()) == 1 and len(_aside(data)) == 1
    finally:
        reopened.close()


def test_a_healthy_store_is_not_salvaged(tmp_path):
    """GIVEN a store closed normally THEN reopening it salvages nothing and keeps nothing aside."""
    data = tmp_path / "data"
    _filled(data, 3)
    s = Store(data, margin_bytes=0)
    try:
        assert s.salvage_reports() == [] and _aside(data) == []
        assert s.counts().queued == 3
    finally:
        s.close()


def test_the_technician_sees_the_salvage_in_diag_sync_and_in_the_outbox_report(tmp_path):
    """GIVEN a store that was salvaged THEN ``kiosk diag sync`` prints what was saved and lost and where
    the damaged file is, the technician window's outbox report carries it, and a device_health record
    tells the platform."""
    data = tmp_path / "data"
    _filled(data, 4)
    (data / "outbox.sqlite3").write_bytes(b"")
    s = Store(data, margin_bytes=0)
    try:
        report = Diagnostics(Config("technician", "T-01", "H-01", PlatformConfig("http://127.0.0.1:9")), store=s).outbox()
        assert report.salvage and report.salvage[0]["lost"] == 4
        health = [s.load(e.record_id).content for e in s.entries(("queued",)) if e.kind == "device_health"]
        assert health and health[0]["device"] == "local_store" and health[0]["state"] == "salvaged"
    finally:
        s.close()
    out = subprocess.run([sys.executable, "-m", "kiosk", "diag", "sync", "--data-dir", str(data)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert "salvaged" in out.stdout and "lost 4" in out.stdout and "damaged-" in out.stdout
    js = subprocess.run([sys.executable, "-m", "kiosk", "diag", "sync", "--data-dir", str(data), "--json"],
                        cwd=ROOT, capture_output=True, text=True, timeout=60)
    first = json.loads(js.stdout.splitlines()[0])
    assert first["salvage"][0]["lost"] == 4


def test_a_damaged_store_another_process_has_open_is_not_salvaged_under_it(tmp_path):
    """GIVEN a damaged store that another process holds open (the terminal, while a technician runs
    ``kiosk diag sync``) THEN opening it fails with StoreCorrupt and renames nothing; WHEN that process
    has closed it THEN the next open salvages it."""
    from offline_cache import StoreCorrupt
    from offline_cache.salvage import OpenLock

    data = tmp_path / "data"
    _filled(data, 3)
    (data / "outbox.sqlite3").write_bytes(b"")
    other = OpenLock(data)
    try:
        with pytest.raises(StoreCorrupt) as err:
            Store(data, margin_bytes=0)
        assert "another process" in err.value.detail
        assert _aside(data) == []
    finally:
        other.release()
    s = Store(data, margin_bytes=0)
    try:
        assert s.salvage_reports()[0]["lost"] == 3 and len(_aside(data)) == 1
    finally:
        s.close()


def test_after_a_salvage_the_engine_delivers_every_saved_record(tmp_path, server, proxy):
    """GIVEN a store of 40 records with a page of its database overwritten (before, it opened and sent
    nothing) WHEN it is opened and the engine runs against the hall server THEN every saved record
    arrives once with its content, and the platform learns of the salvage from a device_health record."""
    data = tmp_path / "data"
    contents = _filled(data, 40)
    db = data / "outbox.sqlite3"
    raw = bytearray(db.read_bytes())
    victim = len(raw) // PAGE // 2
    raw[victim * PAGE: (victim + 1) * PAGE] = b"\xa5" * PAGE
    db.write_bytes(bytes(raw))
    s = Store(data, margin_bytes=0)
    engine, client = make_engine(s, proxy.url, server.secrets["K-02"], terminal="K-02")
    try:
        saved = [e.record_id for e in s.entries(("queued",))]
        with engine:
            assert wait_for(lambda: s.counts().waiting == 0, 20.0)
        on_server = {r["record_id"]: r for r in server.store.sync_records() if r["terminal_id"] == "K-02"}
        assert set(saved) <= set(on_server)
        for rid in saved:
            if rid in contents:
                assert on_server[rid]["record"]["content"] == contents[rid]
            else:
                assert on_server[rid]["kind"] == "device_health"
        assert s.counts().dead == 0
    finally:
        client.close()
        s.close()
