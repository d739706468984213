"""The store opens only with its own key: a missing, mistyped or replaced key file stops start-up with an
error naming the key file the store was sealed with; a new key is made only for a new, empty store."""

from __future__ import annotations

import os
import stat

import pytest

from core.errors import ConfigError, StoreKeyMismatch
from offline_cache import KeyRing, Store
from offline_cache.crypto import load_or_create_key

NAME = "李䶮"


def _store_with_a_record(data, **kwargs) -> str:
    s = Store(data, margin_bytes=0, **kwargs)
    try:
        return s.enqueue("submission", {"applicant": {"name": NAME}})
    finally:
        s.close()


def test_a_store_with_records_refuses_to_open_when_its_key_file_is_gone(tmp_path):
    """GIVEN a store holding a record, WHEN its key file is deleted and the store is opened again
    THEN it refuses with StoreKeyMismatch naming the key file, and no new key is written."""
    data = tmp_path / "data"
    _store_with_a_record(data)
    key = data / "keys" / "store.key"
    key.unlink()
    with pytest.raises(StoreKeyMismatch) as err:
        Store(data, margin_bytes=0)
    assert err.value.params["key_file"] == str(key)
    assert not key.exists()


def test_a_mistyped_key_path_is_refused_and_the_error_names_the_expected_file(tmp_path):
    """GIVEN a store sealed with data/keys/store.key, WHEN it is opened with a key_file that does not exist
    (a typing mistake in the configuration) THEN it refuses, names the file it expected, creates nothing."""
    data = tmp_path / "data"
    _store_with_a_record(data)
    wrong = tmp_path / "keys" / "stroe.key"
    with pytest.raises(StoreKeyMismatch) as err:
        Store(data, key_file=wrong, margin_bytes=0)
    assert err.value.params["key_file"] == str(data / "keys" / "store.key")
    assert not wrong.exists()
    for language in ("zh_CN", "en"):
        assert str(data / "keys" / "store.key") in err.value.message("technician", language)
        assert "store.key" not in err.value.message("citizen", language)


def test_another_key_is_refused_and_the_right_one_still_opens(tmp_path):
    """GIVEN a store with a record, WHEN its key file is replaced by another valid key THEN it refuses;
    WHEN the right key comes back THEN the record opens as it was."""
    data = tmp_path / "data"
    rid = _store_with_a_record(data)
    key = data / "keys" / "store.key"
    original = key.read_bytes()
    key.write_bytes(os.urandom(32))
    with pytest.raises(StoreKeyMismatch):
        Store(data, margin_bytes=0)
    key.write_bytes(original)
    s = Store(data, margin_bytes=0)
    try:
        assert s.load(rid).content["applicant"]["name"] == NAME
    finally:
        s.close()


def test_a_keyring_from_the_os_key_store_is_checked_too(tmp_path):
    """GIVEN a store opened with a KeyRing handed in by the composition root, WHEN another KeyRing is
    handed in next time THEN it refuses (the message says the key came from the caller, not a file)."""
    data = tmp_path / "data"
    _store_with_a_record(data, keyring=KeyRing(os.urandom(32)))
    with pytest.raises(StoreKeyMismatch):
        Store(data, keyring=KeyRing(os.urandom(32)), margin_bytes=0)


def test_a_new_or_empty_store_makes_its_own_key(tmp_path):
    """GIVEN no store yet THEN opening makes a key (0600); GIVEN a store that never held a record whose key
    file is gone THEN a new key is made (nothing can be lost) and the store opens."""
    data = tmp_path / "data"
    Store(data, margin_bytes=0).close()
    key = data / "keys" / "store.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key.unlink()
    s = Store(data, margin_bytes=0)
    try:
        assert key.exists()
        s.enqueue("rating", {"score": 5})
    finally:
        s.close()
    Store(data, margin_bytes=0).close()


def test_a_store_from_before_the_key_check_opens_with_its_key_and_refuses_another(tmp_path):
    """GIVEN a store written before stores carried a key check (records, no check value) THEN its own key
    opens it (and the check is added), another key is refused."""
    data = tmp_path / "data"
    rid = _store_with_a_record(data)
    s = Store(data, margin_bytes=0)
    with s.transaction() as db:
        db.execute("DELETE FROM meta")
    s.close()
    key = data / "keys" / "store.key"
    original = key.read_bytes()
    key.write_bytes(os.urandom(32))
    with pytest.raises(StoreKeyMismatch):
        Store(data, margin_bytes=0)
    key.write_bytes(original)
    s = Store(data, margin_bytes=0)
    try:
        assert s.load(rid).id == rid
        with s.transaction() as db:
            assert db.execute("SELECT COUNT(*) FROM meta WHERE name = 'key_check'").fetchone()[0] == 1
    finally:
        s.close()


def test_a_world_writable_key_directory_is_refused(tmp_path):
    """GIVEN a key directory anyone may write (anyone could swap the key) THEN loading the key stops
    start-up with a ConfigError naming sync.key_file, as a key file others can read does."""
    path = tmp_path / "keys" / "store.key"
    load_or_create_key(path)
    os.chmod(path.parent, 0o777)
    with pytest.raises(ConfigError) as err:
        load_or_create_key(path)
    assert err.value.params["setting"] == "sync.key_file"
    os.chmod(path.parent, 0o700)
    assert len(load_or_create_key(path)) == 32


def test_the_same_key_with_another_cipher_is_refused(tmp_path):
    """GIVEN a store sealed with AES-256-GCM, WHEN sync.cipher is changed to SM4-GCM THEN it refuses to
    open (every record would otherwise be a dead letter 'sealed with another cipher')."""
    data = tmp_path / "data"
    _store_with_a_record(data)
    with pytest.raises(StoreKeyMismatch) as err:
        Store(data, cipher="sm4-gcm", margin_bytes=0)
    assert "sm4-gcm" in err.value.detail
