"""Request signing between a terminal and the platform (shared by the client and the hall server).

Every request carries four headers:

    X-Terminal-Id:   the terminal's id
    X-Timestamp:     Unix seconds (integer) when it was signed
    X-Nonce:         32 random hex characters, never reused
    X-Signature:     hex HMAC-SHA256(secret, canonical)

where ``canonical`` is the UTF-8 of
``METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body))``.
The server rejects a timestamp more than ``MAX_SKEW_S`` from its clock and a nonce it has seen inside
that window (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

MAX_SKEW_S = 300

HEADER_TERMINAL = "X-Terminal-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"


def canonical(method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    body_hash = hashlib.sha256(body or b"").hexdigest()
    return "\n".join([method.upper(), path_and_query, timestamp, nonce, body_hash]).encode("utf-8")


def signature(secret: str, method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = canonical(method, path_and_query, timestamp, nonce, body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(terminal_id: str, secret: str, method: str, path_and_query: str, body: bytes,
         *, now: float | None = None) -> dict[str, str]:
    """The headers that sign one request."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    return {
        HEADER_TERMINAL: terminal_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(secret, method, path_and_query, timestamp, nonce, body),
    }


def verify(secret: str, method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes,
           given: str) -> bool:
    expected = signature(secret, method, path_and_query, timestamp, nonce, body)
    return hmac.compare_digest(expected, given or "")
