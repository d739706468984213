"""Encryption at rest for the hall server: one key in a file beside the database, sealed values in it.

- The key (32 random bytes) lives OUTSIDE the database, by default in ``<database>.key``, mode 0600. It is
  created together with a new database; a key file that group or others may read, or of the wrong size,
  is refused (``ConfigError``), and so is a database whose key file is missing or does not open it: the
  server never makes a fresh key for data sealed with another one.
- ``Sealer.seal(plaintext, aad)`` gives ``b"HS1" + nonce (12) + ciphertext + tag (16)``, AES-256-GCM
  (NIST SP 800-38D) with a random 96-bit nonce per value. ``aad`` binds a value to its row (a terminal id
  and record id, say), so a sealed value copied into another row does not open.
- ``meta.key_check`` holds a sealed constant: opening it tells at start-up whether the key is the
  database's own.
- Rotation (``kiosk hall-admin --db DB rotate-key``, ``HallStore.rotate_key``): the new key is written to
  ``<key>.new`` first, every sealed value is re-sealed in one transaction, and only after the commit does
  ``<key>.new`` replace the key file. A crash in between leaves both files; on the next start the one that
  opens ``key_check`` is kept (``load_key``). docs/hall-server.md describes backing the key up.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import ConfigError

MAGIC = b"HS1"
KEY_BYTES = 32
_NONCE = 12
_CHECK = b"hall-server key check"
_CHECK_AAD = b"meta:key_check"


class SealBroken(Exception):
    """A sealed value that does not open with the key (tampered, or sealed with another key)."""


class Sealer:
    """AES-256-GCM with one key; thread-safe (no state besides the key)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("the key must be 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return MAGIC + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        sealed = bytes(sealed)
        if not sealed.startswith(MAGIC):
            raise SealBroken("not a sealed value")
        nonce, body = sealed[len(MAGIC): len(MAGIC) + _NONCE], sealed[len(MAGIC) + _NONCE:]
        try:
            return self._aead.decrypt(nonce, body, aad)
        except InvalidTag:
            raise SealBroken("a sealed value does not open with this key") from None

    def key_check(self) -> bytes:
        return self.seal(_CHECK, _CHECK_AAD)

    def opens(self, check: bytes) -> bool:
        try:
            return self.open(check, _CHECK_AAD) == _CHECK
        except SealBroken:
            return False


#: The key file of a database that is not a file (a ``postgresql://`` URL), when ``--key`` does not name it;
#: or a folder of key files, one per database name (a machine serving several cities' or districts' databases).
KEY_ENV, KEY_DIR_ENV = "KIOSK_HALL_KEY", "KIOSK_HALL_KEY_DIR"


def key_path_for(db_path: str | Path) -> Path:
    """Where the key of the database at ``db_path`` is kept when nobody says: beside a SQLite file, as
    ``<database>.key``; for a PostgreSQL database, the file ``$KIOSK_HALL_KEY`` names, else
    ``$KIOSK_HALL_KEY_DIR/<database name>.key`` (every server process of one database needs the same key;
    docs/hall-server.md, "Several server processes")."""
    if str(db_path).startswith(("postgresql://", "postgres://")):
        if os.environ.get(KEY_ENV):
            return Path(os.environ[KEY_ENV])
        if os.environ.get(KEY_DIR_ENV):
            name = urlsplit(str(db_path)).path.strip("/") or "postgres"
            return Path(os.environ[KEY_DIR_ENV]) / f"{name}.key"
        raise ConfigError(f"a PostgreSQL database keeps no key file beside it: name one with --key or ${KEY_ENV}",
                          setting="key", problem="no key file named")
    return Path(f"{db_path}.key")


def _read_key(path: Path) -> bytes:
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ConfigError(f"{path}: the hall server's key file may be read by others; chmod 600 it",
                          setting="key", problem="readable by others")
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise ConfigError(f"{path}: not a hall server key ({len(key)} bytes, not {KEY_BYTES})",
                          setting="key", problem="wrong size")
    return key


def write_key(path: Path, key: bytes) -> None:
    """Writes ``key`` to a new file, 0600 from the start, synced to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)


def load_key(path: Path, check: bytes | None) -> bytes:
    """The database's key. ``check`` is the database's ``key_check`` (None: a database that has none yet,
    which gets a new key file unless one exists). Finishes an interrupted rotation (see the docstring)."""
    pending = Path(f"{path}.new")
    if check is None:
        if path.exists():
            return _read_key(path)
        key = secrets.token_bytes(KEY_BYTES)
        write_key(path, key)
        return key
    for candidate in (path, pending):
        if candidate.exists():
            key = _read_key(candidate)
            if Sealer(key).opens(check):
                if candidate == pending:  # the rotation committed but did not get to replace the file
                    os.replace(pending, path)
                elif pending.exists():  # the rotation did not commit: its new key was never used
                    pending.unlink()
                return key
    if not path.exists():
        raise ConfigError(f"{path}: the key file of this hall database is missing; restore it from the backup",
                          setting="key", problem="missing")
    raise ConfigError(f"{path}: this key does not open the hall database (another database's key?)",
                      setting="key", problem="wrong key")
