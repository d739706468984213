"""The local store: durable, encrypted, consistent when the disk fills, and it never purges what the
platform has not acknowledged (docs/sync.md "The local store")."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.errors import ConfigError, StoreKeyMismatch
from core.ports.outbox import AttachmentIn, RecordKind, content_hash
from offline_cache import KeyRing, Store, StoreCorrupt, StoreError, StoreFull
from offline_cache.crypto import check_cipher, load_or_create_key

ROOT = Path(__file__).resolve().parents[1]
NAME = "李䶮"  # CJK Extension A: must survive every path
ID_NUMBER = "32010219550312123X"


class FakeTime:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(params=["aes-256-gcm", "sm4-gcm"])
def store(request, tmp_path):
    s = Store(tmp_path / "data", cipher=request.param, margin_bytes=0)
    yield s
    s.close()


def test_pragmas_are_wal_and_full_sync(tmp_path):
    s = Store(tmp_path, margin_bytes=0)
    try:
        with s.transaction() as db:
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            sync = db.execute("PRAGMA synchronous").fetchone()[0]
        assert (mode, sync) == ("wal", 2)  # 2 = FULL
    finally:
        s.close()


def test_record_round_trips_with_rare_characters_and_attachments(store):
    image = os.urandom(20_000)
    rid = store.enqueue(RecordKind.SUBMISSION, {"applicant": {"name": NAME, "id_number": ID_NUMBER}},
                        [AttachmentIn(image, "image/jpeg", "id_card_front")])
    record = store.load(rid)
    assert record.content["applicant"]["name"] == NAME
    assert record.attachments[0]["sha256"] == __import__("hashlib").sha256(image).hexdigest()
    assert store.read_blob(record.attachments[0]["blob"]) == image
    wire = record.wire()
    assert "blob" not in wire["attachments"][0]  # the local blob name never leaves the terminal
    assert len(content_hash(wire)) == 64


def test_record_and_outbox_entry_are_written_together(store):
    rid = store.enqueue("rating", {"score": 5})
    entry = store.entry(rid)
    assert (entry.state, entry.kind, entry.attempts) == ("queued", "rating", 0)
    assert store.counts().waiting == 1


def test_a_record_enqueued_again_under_its_own_id_is_kept_once(store):
    """A caller retrying an act whose commit finished but whose answer was lost passes the same record id:
    the store keeps the first record, once, and says its id."""
    first = store.enqueue("application", {"n": 1}, record_id="5e0c0f5e-8a3b-4c1e-9d2a-0b1c2d3e4f50")
    again = store.enqueue("application", {"n": 2}, record_id=first)
    assert again == first and store.counts().waiting == 1 and store.load(first).content == {"n": 1}


def test_ids_are_uuid4_and_unique(store):
    import uuid

    ids = {store.enqueue("rating", {"i": i}) for i in range(50)}
    assert len(ids) == 50
    assert all(uuid.UUID(i).version == 4 for i in ids)


def test_nothing_personal_is_in_the_database_file_or_blobs(store, tmp_path):
    image = b"\xff\xd8\xff\xe0JFIF-sample-image-bytes" + os.urandom(4000)
    store.enqueue("submission", {"name": NAME, "id_number": ID_NUMBER}, [AttachmentIn(image)])
    store.close()
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert ID_NUMBER.encode() not in data, path
            assert NAME.encode("utf-8") not in data, path
            assert image[:24] not in data, path


def test_blob_names_are_keyed_so_they_do_not_reveal_known_content(tmp_path):
    image = b"a well-known specimen image"
    a = KeyRing(load_or_create_key(tmp_path / "a.key"))
    b = KeyRing(load_or_create_key(tmp_path / "b.key"))
    plain = __import__("hashlib").sha256(image).hexdigest()
    assert a.blob_name(image) != plain
    assert a.blob_name(image) != b.blob_name(image)
    assert a.blob_name(image) == a.blob_name(image)


def test_key_file_is_created_private_and_refused_when_readable_by_others(tmp_path):
    path = tmp_path / "keys" / "store.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError) as err:
        load_or_create_key(path)
    assert err.value.params["setting"] == "sync.key_file"


def test_unknown_cipher_is_a_config_error():
    with pytest.raises(ConfigError):
        check_cipher("des-cbc")


def test_sealed_value_bound_to_its_record(store):
    a = store.enqueue("rating", {"v": "a"})
    b = store.enqueue("rating", {"v": "b"})
    with store.transaction() as db:  # an attacker (or a bug) swaps bodies between rows
        body_a = db.execute("SELECT body FROM records WHERE id = ?", (a,)).fetchone()[0]
        db.execute("UPDATE records SET body = ? WHERE id = ?", (body_a, b))
    with pytest.raises(StoreCorrupt):
        store.load(b)


def test_a_different_key_opens_nothing(tmp_path):
    """GIVEN a store's record, THEN a KeyRing made from another key cannot open its sealed body, and the
    store itself refuses to open without its key (tests/test_store_keys.py)."""
    s = Store(tmp_path / "d", margin_bytes=0)
    rid = s.enqueue("rating", {"v": 1})
    with s.transaction() as db:
        sealed = db.execute("SELECT body FROM records WHERE id = ?", (rid,)).fetchone()[0]
    s.close()
    with pytest.raises(StoreCorrupt):
        KeyRing(os.urandom(32)).open(sealed, rid.encode("ascii"))
    (tmp_path / "d" / "keys" / "store.key").unlink()
    with pytest.raises(StoreKeyMismatch):
        Store(tmp_path / "d", margin_bytes=0)


def test_crash_leaves_inflight_records_to_be_sent_again(store):
    rid = store.enqueue("rating", {"v": 1})
    store.mark_inflight(rid)
    assert store.next_due() is None
    assert store.recover() == 1
    assert store.next_due().record_id == rid
    assert store.entry(rid).attempts == 1


def test_retention_purges_only_acknowledged_records_after_the_period(tmp_path):
    clock = FakeTime()
    s = Store(tmp_path, margin_bytes=0, retention_s=3600, clock=clock)
    try:
        acked = s.enqueue("submission", {"name": NAME}, [AttachmentIn(b"scan-1" * 100)])
        waiting = s.enqueue("submission", {"name": NAME}, [AttachmentIn(b"scan-2" * 100)])
        old_unacked = s.enqueue("submission", {"name": NAME})
        s.mark_acked(acked, {"ok": True})
        clock.t += 1800
        assert s.purge() == 0  # retention not over
        clock.t += 100_000
        assert s.purge() == 1
        with pytest.raises(StoreError):
            s.load(acked)
        assert s.load(waiting).content["name"] == NAME
        assert s.load(old_unacked).content["name"] == NAME
        blob_files = [p for p in s.blob_dir.rglob("*") if p.is_file()]
        assert len(blob_files) == 1  # scan-1's blob is gone, scan-2's stays
    finally:
        s.close()


def test_shared_blob_survives_until_its_last_record_is_purged(tmp_path):
    clock = FakeTime()
    s = Store(tmp_path, margin_bytes=0, retention_s=10, clock=clock)
    try:
        scan = AttachmentIn(b"same scan" * 50)
        a = s.enqueue("submission", {"n": 1}, [scan])
        b = s.enqueue("submission", {"n": 2}, [scan])
        s.mark_acked(a, {})
        clock.t += 100
        s.purge()
        assert s.read_blob(s.load(b).attachments[0]["blob"]) == scan.data
    finally:
        s.close()


def test_dead_letter_resend_with_fix_and_discard_leave_audit_entries(store):
    a = store.enqueue("submission", {"matter": "bad"})
    b = store.enqueue("submission", {"matter": "junk", "id_number": ID_NUMBER})
    store.mark_inflight(a)
    store.mark_dead(a, "unknown_matter: matter 'bad' does not exist")
    store.mark_dead(b, "unknown_matter")
    assert {e.record_id for e in store.dead_letters()} == {a, b}
    store.resend(a, actor="tech-7", why="corrected the matter code", content={"matter": "M-001"})
    assert store.entry(a).state == "queued"
    assert store.load(a).content == {"matter": "M-001"}
    with pytest.raises(StoreError):
        store.discard(b, actor="tech-7", why="  ")
    store.discard(b, actor="tech-7", why=f"duplicate of another application by {ID_NUMBER}")
    assert store.dead_letters() == []
    actions = [(e.action, e.record_id) for e in store.audit_log()]
    assert ("discard", b) in actions and ("resend_fixed", a) in actions
    assert all(ID_NUMBER not in e.why for e in store.audit_log())  # masked


def test_reference_cache_keeps_body_etag_and_age(tmp_path):
    clock = FakeTime()
    s = Store(tmp_path, margin_bytes=0, clock=clock)
    try:
        assert s.ref_get("hall") is None
        s.ref_put("hall", {"services": ["A"]}, '"v1"')
        clock.t += 60
        s.ref_touch("hall")
        body, etag, fetched = s.ref_get("hall")
        assert (body, etag, fetched) == ({"services": ["A"]}, '"v1"', clock.t)
    finally:
        s.close()


def test_free_space_is_checked_before_anything_is_written(tmp_path):
    s = Store(tmp_path, margin_bytes=0)
    try:
        s.margin_bytes = s.free_bytes() + 1  # as if the disk had no room left
        with pytest.raises(StoreFull):
            s.check_space()
        with pytest.raises(StoreFull):
            s.enqueue("submission", {"v": 1}, [AttachmentIn(b"x" * 1000)])
        assert s.counts().waiting == 0
        assert not [p for p in s.blob_dir.rglob("*") if p.is_file()]
    finally:
        s.close()


_FILL = textwrap.dedent("""
    import os, resource, signal, sys
    sys.path.insert(0, {root!r})
    from offline_cache import Store, StoreFull
    from core.ports.outbox import AttachmentIn
    s = Store(sys.argv[1], margin_bytes=0)
    s.enqueue("rating", {{"first": True}})
    if sys.argv[2] == "rlimit":
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))
    n = 1
    try:
        for i in range(100_000):
            s.enqueue("submission", {{"i": i, "pad": "x" * 3000}}, [AttachmentIn(os.urandom(20_000 + i))])
            n += 1
    except StoreFull:
        print("full", n, flush=True)
""")


def _fill_and_check(tmp_path: Path, data_dir: Path, mode: str) -> None:
    script = tmp_path / "fill.py"
    script.write_text(_FILL.format(root=str(ROOT)))
    out = subprocess.run([sys.executable, str(script), str(data_dir), mode], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.startswith("full"), out.stdout + out.stderr
    committed = int(out.stdout.split()[1])
    if mode == "tmpfs":
        os.system(f"mount -o remount,size=64m {data_dir}")  # room to open it again
    s = Store(data_dir, margin_bytes=0)
    try:
        assert s.integrity_ok()
        assert s.counts().queued == committed
        for entry in s.entries():
            record = s.load(entry.record_id)
            for a in record.attachments:
                assert len(s.read_blob(a["blob"])) == a["size"]
        s.enqueue("rating", {"after": True})
    finally:
        s.close()


def test_disk_full_mid_write_is_reported_and_leaves_the_store_consistent(tmp_path):
    """GIVEN a process whose files may not grow past 300 kB (RLIMIT_FSIZE, works for any user and in CI)
    WHEN it enqueues submissions until a write is refused
    THEN it gets StoreFull, and the store reopens intact holding exactly the records that were committed."""
    _fill_and_check(tmp_path, tmp_path / "data", "rlimit")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_disk_full_on_a_real_small_filesystem(tmp_path):
    """GIVEN the data directory on a 1 MB tmpfs (ENOSPC from the kernel, SQLITE_FULL from SQLite)
    WHEN submissions are enqueued until it is full
    THEN StoreFull, and the store reopens intact."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.system(f"mount -t tmpfs -o size=1m tmpfs {mnt} 2>/dev/null") != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        _fill_and_check(tmp_path, mnt, "tmpfs")
    finally:
        os.system(f"umount {mnt}")


def test_reference_data_uses_etags_and_is_served_stale_with_its_age_offline(tmp_path):
    """GIVEN the hall server
    WHEN the cache fetches the hall twice, then the server is gone
    THEN the second fetch is a 304 (nothing new), and offline the copy comes back marked stale with its age."""
    from hall_server import ServerThread, sample_hall
    from platform_client.sync import SyncClient
    from offline_cache.refcache import ReferenceCache

    clock = FakeTime(time_now := __import__("time").time())
    s = Store(tmp_path / "t", margin_bytes=0, clock=clock)
    try:
        with ServerThread(tmp_path / "h.db", seed=sample_hall(), thread_name="hall-ref") as srv:
            secret = srv.store.add_terminal("K-01", "citizen")
            with SyncClient(srv.url, "K-01", secret) as client:
                cache = ReferenceCache(s, client)
                first = cache.get("hall")
                assert not first.stale and first.body["services"][0]["prefix"] == "A"
                etag = s.ref_get("hall")[1]
                assert etag
                assert client.get_reference("/v1/sync/reference/hall", etag)[0] == 304
                assert cache.get("hall").body == first.body
            port = srv.port
        clock.t = time_now + 7200
        with SyncClient(f"http://127.0.0.1:{port}", "K-01", secret, timeout_s=0.5) as gone:
            offline = ReferenceCache(s, gone).get("hall")
        assert offline.stale and offline.body == first.body and offline.age_s == pytest.approx(7200, abs=5)
    finally:
        s.close()
