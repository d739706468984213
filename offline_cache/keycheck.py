"""The store opens only with its own key (docs/sync.md "The key check").

A key file that is missing, mistyped in the configuration or replaced must not quietly become a new key:
every record waiting would then fail its authentication tag and end as a dead letter. So:

- the store keeps a **key check value** in its ``meta`` table: a fixed constant sealed with the store's key
  (AES-256-GCM / SM4-GCM, bound to the name ``key_check``), and the path of the key file it was sealed with;
- at open, the key given must open the check value, or the store refuses with ``StoreKeyMismatch`` (a
  ``ConfigError`` naming ``sync.key_file`` and the key file the store expects);
- a key is created only for a store that holds nothing a new key would lock away: no record, no check
  value, no record-count sidecar (sidecar.py). A store written before key checks existed is checked
  against the sidecar or one of its records, and gains the check value when the key opens it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.errors import StoreKeyMismatch
from offline_cache.crypto import KeyRing, check_cipher, load_or_create_key
from offline_cache.errors import StoreCorrupt
from offline_cache.sidecar import SIDECAR, SIDECAR_AAD

CHECK_PLAINTEXT = b"hall-kiosk/offline_cache/key-check/1"
CHECK_AAD = b"key_check"
GIVEN_BY_CALLER = "(key given by the terminal, e.g. from the OS key store)"


def _meta(db: sqlite3.Connection, name: str) -> bytes | str | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    except sqlite3.DatabaseError:
        return None  # a damaged file: the sidecar or a record proves the key (salvage follows)
    return row[0] if row else None


def holds_data(db: sqlite3.Connection, data_dir: Path) -> bool:
    """Whether a new key would lock records away: the store holds records, or held some (the sidecar is
    written only once records exist); a file that does not read counts as holding records."""
    if (data_dir / SIDECAR).exists():
        return True
    try:
        return bool(db.execute("SELECT EXISTS(SELECT 1 FROM records)").fetchone()[0])
    except sqlite3.DatabaseError:
        return True


def open_keyring(db: sqlite3.Connection, data_dir: Path, *, keyring: KeyRing | None, key_file: str | Path | None,
                 cipher: str) -> KeyRing:
    """The store's KeyRing, checked against the store: loads (or, for a new store, creates) the key file
    and verifies it; raises ``StoreKeyMismatch`` when the store was sealed with another key."""
    path = Path(key_file) if key_file else data_dir / "keys" / "store.key"
    given = GIVEN_BY_CALLER if keyring is not None else str(path)
    recorded = _meta(db, "key_file")
    expected = recorded if isinstance(recorded, str) and recorded else given
    holds = holds_data(db, data_dir)
    if keyring is None:
        check_cipher(cipher)
        try:
            master = load_or_create_key(path, create=not holds)
        except FileNotFoundError:
            raise StoreKeyMismatch(f"no key file at {path}; the store was sealed with {expected}",
                                   key_file=expected) from None
        keyring = KeyRing(master, cipher)
    if holds and not _proves(db, data_dir, keyring):
        raise StoreKeyMismatch(f"the key given ({given}, cipher {keyring.cipher}) does not open this store; it was "
                               f"sealed with {expected} (or with another sync.cipher)", key_file=expected)
    if not holds or _meta(db, "key_check") is None:  # an empty store takes the key it is given
        try:
            write_check(db, keyring, given)
        except sqlite3.DatabaseError:
            pass  # a damaged file gets its check value when it is salvaged
    return keyring


def write_check(db: sqlite3.Connection, keyring: KeyRing, key_file: str) -> None:
    """Stores the check value and the key file's path (in the caller's transaction, or on its own)."""
    sealed = keyring.seal(CHECK_PLAINTEXT, CHECK_AAD)
    db.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('key_check', ?)", (sealed,))
    db.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('key_file', ?)", (key_file,))


def _opens(keyring: KeyRing, sealed: bytes, aad: bytes) -> bool:
    try:
        keyring.open(bytes(sealed), aad)
    except StoreCorrupt:
        return False
    return True


def _proves(db: sqlite3.Connection, data_dir: Path, keyring: KeyRing) -> bool:
    """Whether ``keyring`` is the store's key: the check value, else the sidecar, else one record body
    (a store from before key checks); True when there is nothing to check against."""
    check = _meta(db, "key_check")
    if isinstance(check, bytes):
        return _opens(keyring, check, CHECK_AAD) and keyring.open(check, CHECK_AAD) == CHECK_PLAINTEXT
    sidecar = data_dir / SIDECAR
    if sidecar.exists():
        return _opens(keyring, sidecar.read_bytes(), SIDECAR_AAD)
    try:
        row = db.execute("SELECT id, body FROM records WHERE body IS NOT NULL ORDER BY rowid LIMIT 1").fetchone()
    except sqlite3.DatabaseError:
        return True  # nothing readable to check against; salvage sorts what opens from what does not
    return row is None or _opens(keyring, row[1], row[0].encode("ascii"))
