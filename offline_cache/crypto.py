"""Encryption at rest for the local store: one master key in a file, sealed records and blobs.

Why and how (docs/sync.md "The local store"; docs/privacy.md "The rules"):

- The master key (32 random bytes) lives OUTSIDE the database, in a key file only the terminal's user can
  read (mode 0600, in a 0700 directory that nobody else may write), created on first start. A stolen database or blob directory alone
  reveals nothing. An OS key store (Secret Service / Windows DPAPI) can hold the same 32 bytes instead:
  pass ``KeyRing(master_key=...)`` from the composition root.
- Two keys are derived from it with HKDF (SHA-256, or SM3 when the cipher is SM4):
  ``enc`` seals records and blobs, ``name`` names blobs.
- ``seal(plaintext, aad)`` gives ``b"HK1" + cipher id (1 byte) + nonce (12) + ciphertext + tag (16)``:
  AES-256-GCM by default; SM4-GCM (GB/T 32907, the national block cipher, as GB/T 39786-2021 audits expect)
  as a configuration choice. ``aad`` binds a sealed value to where it belongs (a record id, a blob name),
  so a value copied into another row does not open.
- ``blob_name(plaintext)`` is a keyed hash (HMAC-SHA-256 or HMAC-SM3) of the plaintext: content-addressed
  (the same scan stored twice is one blob) without the name leaking anything: an unkeyed SHA-256 would let
  anyone holding a known image confirm it is on the device.

Nothing here writes plaintext anywhere: callers hand bytes in and get bytes back in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import ConfigError
from offline_cache.errors import StoreCorrupt

CIPHERS = ("aes-256-gcm", "sm4-gcm")
MAGIC = b"HK1"
_CIPHER_ID = {"aes-256-gcm": 1, "sm4-gcm": 2}
_NONCE = 12
_TAG = 16
KEY_BYTES = 32


def _hash_for(cipher: str) -> hashes.HashAlgorithm:
    return hashes.SM3() if cipher == "sm4-gcm" else hashes.SHA256()


def _derive(master: bytes, cipher: str, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=_hash_for(cipher), length=length, salt=None, info=info).derive(master)


def load_or_create_key(path: str | Path, *, create: bool = True) -> bytes:
    """Reads the 32-byte master key, creating it (0600, directory 0700) on first start when ``create``.

    A key file that others can read, a key directory that others can write (they could swap the key), or a
    key of the wrong size stops start-up with a ``ConfigError``: running on with a leaked or damaged key
    would be worse than not running.
    """
    path = Path(path)
    _check_directory(path.parent)
    if not path.exists():
        if not create:
            raise FileNotFoundError(str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(path.parent, 0o700)
        key = secrets.token_bytes(KEY_BYTES)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return load_or_create_key(path, create=False)
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        return key
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(f"{path}: key file mode {mode:o} lets others read it; chmod 600",
                              setting="sync.key_file", problem=f"mode {mode:o} is readable by others")
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise ConfigError(f"{path}: key file holds {len(key)} bytes, not {KEY_BYTES}",
                          setting="sync.key_file", problem="wrong size")
    return key


def _check_directory(directory: Path) -> None:
    if os.name != "posix" or not directory.exists():
        return
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o002:
        raise ConfigError(f"{directory}: key directory mode {mode:o} lets anyone replace the key; chmod 700",
                          setting="sync.key_file", problem=f"directory mode {mode:o} is writable by others")


def check_cipher(cipher: str) -> None:
    """Raises ``ConfigError`` unless ``cipher`` is known and works with the installed OpenSSL."""
    if cipher not in CIPHERS:
        raise ConfigError(f"sync.cipher: {cipher!r} is not one of {', '.join(CIPHERS)}",
                          setting="sync.cipher", problem="unknown cipher")
    try:
        KeyRing(b"\0" * KEY_BYTES, cipher).seal(b"probe", b"probe")
    except (UnsupportedAlgorithm, ValueError, TypeError) as exc:
        raise ConfigError(f"sync.cipher: {cipher} does not work with this OpenSSL ({exc}); use aes-256-gcm",
                          setting="sync.cipher", problem="not supported by the installed OpenSSL") from None


class KeyRing:
    """Seals and opens values with keys derived from one master key."""

    def __init__(self, master_key: bytes, cipher: str = "aes-256-gcm") -> None:
        if cipher not in CIPHERS:
            raise ConfigError(f"sync.cipher: {cipher!r} is not one of {', '.join(CIPHERS)}",
                              setting="sync.cipher", problem="unknown cipher")
        if len(master_key) != KEY_BYTES:
            raise ConfigError("sync.key_file: the master key must be 32 bytes", setting="sync.key_file",
                              problem="wrong size")
        self.cipher = cipher
        enc_len = 16 if cipher == "sm4-gcm" else 32  # SM4 has a 128-bit key
        self._enc = _derive(master_key, cipher, b"hall-kiosk/offline_cache/enc/" + cipher.encode(), enc_len)
        self._name = _derive(master_key, cipher, b"hall-kiosk/offline_cache/blob-name", 32)
        self._name_hash = "sm3" if cipher == "sm4-gcm" else "sha256"

    @classmethod
    def from_file(cls, path: str | Path, cipher: str = "aes-256-gcm") -> KeyRing:
        check_cipher(cipher)
        return cls(load_or_create_key(path), cipher)

    def _algorithm(self) -> algorithms.BlockCipherAlgorithm:
        return algorithms.SM4(self._enc) if self.cipher == "sm4-gcm" else algorithms.AES(self._enc)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        enc = Cipher(self._algorithm(), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        body = enc.update(plaintext) + enc.finalize()
        return MAGIC + bytes([_CIPHER_ID[self.cipher]]) + nonce + body + enc.tag

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        head = len(MAGIC) + 1
        if len(sealed) < head + _NONCE + _TAG or sealed[: len(MAGIC)] != MAGIC:
            raise StoreCorrupt("sealed value has no valid header")
        if sealed[len(MAGIC)] != _CIPHER_ID[self.cipher]:
            raise StoreCorrupt("sealed with another cipher than the one configured")
        nonce = sealed[head: head + _NONCE]
        body, tag = sealed[head + _NONCE: -_TAG], sealed[-_TAG:]
        dec = Cipher(self._algorithm(), modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(aad)
        try:
            return dec.update(body) + dec.finalize()
        except InvalidTag:
            raise StoreCorrupt("sealed value fails its authentication tag (damaged or wrong key)") from None

    def blob_name(self, plaintext: bytes) -> str:
        """The keyed content address of a blob (64 hex characters)."""
        if self._name_hash == "sm3":
            h = hmac.new(self._name, digestmod=lambda: _SM3Hashlib())  # type: ignore[arg-type]
            h.update(plaintext)
            return h.hexdigest()
        return hmac.new(self._name, plaintext, hashlib.sha256).hexdigest()


class _SM3Hashlib:
    """A hashlib-shaped SM3 (cryptography's) so ``hmac`` can use it."""

    digest_size = 32
    block_size = 64
    name = "sm3"

    def __init__(self, data: bytes = b"", _ctx: hashes.Hash | None = None) -> None:
        self._ctx = _ctx or hashes.Hash(hashes.SM3())
        if data:
            self._ctx.update(data)

    def update(self, data: bytes) -> None:
        self._ctx.update(data)

    def copy(self) -> _SM3Hashlib:
        return _SM3Hashlib(_ctx=self._ctx.copy())

    def digest(self) -> bytes:
        return self._ctx.copy().finalize()

    def hexdigest(self) -> str:
        return self.digest().hex()
