"""Terminal authentication and request limits, as one ASGI middleware, plus the role check.

``SignedRequests`` runs before FastAPI parses anything, so an unauthenticated request never reaches a
route (and never learns whether its body would have been valid):

1. Body limits: ``Content-Length`` above ``max_body`` (or a streamed body growing past it) → 413
   ``body_too_large``; a POST body under ``/v1/`` that is not ``application/json`` → 415
   ``unsupported_media_type`` (the fleet page's login form, outside /v1, posts a form).
2. Public paths (``/v1/health``, ``/openapi.json``) pass. Everything else under ``/v1/`` must carry the four
   headers of core/signing.py, checked in this order: headers present (``missing_signature``), timestamp
   within ±MAX_SKEW_S of the server's clock (``stale_timestamp``), HMAC over method, raw path and query,
   timestamp, nonce and body hash (``bad_signature``; an unknown terminal gets exactly this answer, so the
   answers do not tell which terminal ids exist), nonce not seen before from this terminal
   (``replayed_nonce``; nonces are kept in SQLite until they could no longer pass the timestamp check, so
   a restart does not open a replay window).
3. A signed body must be strict JSON (strict_json.py: no NaN, no 1e999, no lone surrogates …), else 400
   ``invalid_request``.
4. The terminal (id, role) goes into ``request.state.terminal``; routes declare the roles they allow with
   ``Depends(require("clerk"))`` (``forbidden_role`` otherwise).

The steps are functions (``read_body``, ``authenticate``, ``refuse``) so that heartbeat_path.py, which
answers ``POST /v1/fleet/heartbeat`` before this middleware, applies the very same ones (with the nonce
kept in memory instead; see there).

Which roles may do what: citizen kiosks issue and look up tickets; clerk terminals act at windows and look
up tickets; displays read call events; every role reads the hall info.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request

from core import signing
from hall_server import strict_json
from hall_server.problems import HallError

PUBLIC_PATHS = frozenset({"/v1/health", "/openapi.json"})
MAX_BODY = 64 * 1024
_NONCE = re.compile(r"^[0-9a-fA-F]{16,64}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_NOBODYS_SECRET = secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Terminal:
    id: str
    role: str


def error_body(error: HallError) -> dict:
    """Every refusal's body: ``{"error": {"reason", "message"}}``."""
    return {"error": {"reason": error.reason, "message": error.message}}


def error_response_parts(error: HallError) -> tuple[int, bytes]:
    return error.status, json.dumps(error_body(error)).encode("utf-8")


async def send_json(send, status: int, payload: bytes, headers=()) -> None:
    """One JSON answer over ASGI: its status, Content-Type and Content-Length, then ``headers``."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": payload})


class SignedRequests:
    """ASGI middleware: body limits, then terminal signatures (see the module docstring)."""

    def __init__(self, app, *, store, run: Callable[..., Awaitable], max_body: int = MAX_BODY,
                 now: Callable[[], float] = time.time) -> None:
        self.app = app
        self.store = store
        self.run = run
        self.max_body = max_body
        self.now = now

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body = await self._body(scope, receive)
            if scope["path"] not in PUBLIC_PATHS and scope["path"].startswith("/v1/"):
                terminal = await self._verify(scope, body)
                scope.setdefault("state", {})["terminal"] = terminal
                if body.strip():
                    strict_json.check(body)
        except HallError as error:
            await self._refuse(send, error)
            return

        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _body(self, scope, receive) -> bytes:
        return await read_body(scope, receive, self.max_body)

    async def _verify(self, scope, body: bytes) -> Terminal:
        headers = header_dict(scope)
        method, target = scope["method"], request_target(scope)
        return await self.run(lambda: authenticate(self.store, headers, method, target, body, self.now(),
                                                   self.store.remember_nonce))

    async def _refuse(self, send, error: HallError) -> None:
        await refuse(send, error)


async def refuse(send, error: HallError, *, close: bool = True) -> None:
    """Answers ``error`` as ``{"error": {"reason", "message"}}``; ``close``: and closes the connection (a
    request refused before its route: its body may not have been read to the end)."""
    status, payload = error_response_parts(error)
    await send_json(send, status, payload, [(b"connection", b"close")] if close else [])


def header_dict(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def request_target(scope) -> str:
    """The path and query as the terminal signed them (raw, not percent-decoded)."""
    target = (scope.get("raw_path") or scope["path"].encode("utf-8")).decode("latin-1")
    if scope.get("query_string"):
        target += "?" + scope["query_string"].decode("latin-1")
    return target


async def read_body(scope, receive, max_body: int) -> bytes:
    """The request's body, within ``max_body`` (413 ``body_too_large``); a /v1 POST, PUT or PATCH body must
    be ``application/json`` (415 ``unsupported_media_type``)."""
    headers = header_dict(scope)
    length = headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > max_body):
        raise HallError("body_too_large" if length.isdigit() else "invalid_request",
                        f"request bodies are limited to {max_body} bytes")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_body:
            raise HallError("body_too_large", f"request bodies are limited to {max_body} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    if body and scope["method"] in ("POST", "PUT", "PATCH") and scope["path"].startswith("/v1/"):
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise HallError("unsupported_media_type", "request bodies must be application/json")
    return body


def authenticate(store, headers: dict[str, str], method: str, target: str, body: bytes, now: float,
                 remember: Callable[[str, str, float, float], bool]) -> Terminal:
    """Checks a request's signature (steps of the module docstring) and hands its nonce to ``remember``
    (terminal id, nonce, until when it could pass the timestamp check, now → False: seen before).
    Blocking: the terminal's secret is read from the store."""
    terminal_id = headers.get(signing.HEADER_TERMINAL.lower())
    timestamp = headers.get(signing.HEADER_TIMESTAMP.lower())
    nonce = headers.get(signing.HEADER_NONCE.lower())
    given = headers.get(signing.HEADER_SIGNATURE.lower())
    if not (terminal_id and timestamp and nonce and given):
        raise HallError("missing_signature", "X-Terminal-Id, X-Timestamp, X-Nonce and X-Signature are required")
    # An unknown terminal goes through the same checks with a secret nobody has, so it is answered (and
    # timed) as a known one with a wrong secret: the answer does not confirm which ids exist.
    known = store.terminal(terminal_id) if len(terminal_id) <= 64 else None
    role, secret = known if known is not None else ("", _NOBODYS_SECRET)
    if not _TIMESTAMP.match(timestamp) or not _NONCE.match(nonce):
        raise HallError("bad_signature", "malformed timestamp or nonce")
    if abs(int(timestamp) - now) > signing.MAX_SKEW_S:
        raise HallError("stale_timestamp", f"timestamp is more than {signing.MAX_SKEW_S} s from server time")
    if not signing.verify(secret, method, target, timestamp, nonce, body, given) or known is None:
        raise HallError("bad_signature", "signature does not match")
    if not remember(terminal_id, nonce.lower(), int(timestamp) + signing.MAX_SKEW_S + 1, now):
        raise HallError("replayed_nonce", "this nonce was already used")
    return Terminal(terminal_id, role)


def require(*roles: str) -> Callable[[Request], Awaitable[Terminal]]:
    """A dependency: the signed terminal, if its role is one of ``roles``. (Async, so FastAPI does not
    hand it to a thread pool of its own.)"""

    async def dependency(request: Request) -> Terminal:
        terminal = getattr(request.state, "terminal", None)
        if terminal is None:  # only reachable if the middleware is not installed
            raise HallError("missing_signature", "request is not signed")
        if terminal.role not in roles:
            raise HallError("forbidden_role", f"a {terminal.role} terminal may not do this")
        return terminal

    return dependency
