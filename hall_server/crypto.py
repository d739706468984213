"""Secrets of the hall server: clerk PINs, ID-number keys, session tokens, terminal secrets.

- PINs are stored as scrypt(pin, salt) with a random 16-byte salt (RFC 7914 parameters below: about
  50 ms per try on a kiosk-class CPU, so a stolen database does not give the PINs away in seconds).
- An ID number is never stored: only HMAC-SHA256(server key, normalised number), enough to keep one waiting
  ticket per person per service (docs/privacy.md; PIPL Art. 6: collect the minimum). The key is
  random per database (table ``meta``), so the hash cannot be matched against another hall's.
- Session tokens and tracking codes come from ``secrets``; the database keeps only a session token's
  SHA-256, so a copy of the database cannot be used to act as a logged-in clerk.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_LEN = 32


def hash_pin(pin: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
    """(salt, hash) of a PIN."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=SCRYPT_LEN)
    return salt, digest


def verify_pin(pin: str, salt: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt)[1], expected)


def person_key(server_key: bytes, id_number: str) -> str:
    """The keyed hash that stands for a person's ID number (upper-cased, spaces removed)."""
    normalised = "".join(id_number.split()).upper()
    return hmac.new(server_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_tracking_code() -> str:
    """16 URL-safe characters (96 random bits): printed as the ticket's QR, not guessable."""
    return secrets.token_urlsafe(12)


def new_terminal_secret() -> str:
    return secrets.token_urlsafe(32)
