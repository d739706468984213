"""``POST /v1/fleet/heartbeat`` answered before FastAPI: the one request every terminal sends all day.

200 terminals beating every 5 s are 40 requests a second; through the whole stack (the signature middleware's
trip to the store's threads for the terminal and the nonce, FastAPI's middleware, routing and dependencies)
each cost the hall server about 2.7 ms of CPU, most of it not the work itself but the hop to a worker thread
and back (the GIL handed over, futex wake-ups) and the framework; answered here, 1.5 ms (docs/fleet.md,
"Cost on the hall server"; bench/heartbeats.py). ``HallApp`` (app.py) hands this one route here;
everything else, and a heartbeat sent with another method, goes through FastAPI as before.

The rules and answers are those of every signed request (auth.py) and of the route's model
(``api.fleet.HeartbeatIn``), in the same order: body limits (413, 415), the signature (401:
``missing_signature``, ``bad_signature`` for an unknown terminal too, ``stale_timestamp``,
``replayed_nonce``), strict JSON (400), the model (400 ``invalid_request`` naming the field), the
terminal's role (400); then ``api.fleet.take`` keeps it, exactly as the FastAPI route does.

What differs is where the work runs and where the nonce is kept:

- On the event loop, no thread hop: reading the terminal's secret is one SQLite read by primary key, and
  in WAL mode a reader never waits for a writer (https://www.sqlite.org/wal.html, "Concurrency"). The
  rest of its SQLite work (``fleet.load``, reading the kept heartbeats at the first one; ``fleet.flush``
  when a status changed) still goes to the store's threads.
- The nonce is kept in memory (``NonceWindow``) for as long as its timestamp could pass the check, not in
  SQLite: a replayed heartbeat is refused ``replayed_nonce`` by this process as before. A heartbeat is
  also replay-safe without it: the server keeps one only when it is newer, by the ``sent_at`` and ``seq``
  in its signed body, than the one it holds (fleet.keep), so a copy sent again after a restart, or to
  another server process, is answered ``accepted: false`` and changes nothing.
"""

from __future__ import annotations

import functools
import heapq
import json
import logging
import time
from collections.abc import Callable

from pydantic import ValidationError

from hall_server import database, strict_json
from hall_server.api.fleet import HeartbeatIn, take
from hall_server.auth import (MAX_BODY, authenticate, error_body, header_dict, read_body, refuse, request_target,
                              send_json)
from hall_server.problems import HallError

log = logging.getLogger("hall_server")

PATH = "/v1/fleet/heartbeat"


class NonceWindow:
    """The nonces of accepted heartbeats, each until its timestamp could no longer pass the check. Used on
    the event loop only. Holds at most (heartbeats a second) x (2 x MAX_SKEW_S + 1) entries: 24 000 for
    40 a second."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()
        self._expiry: list[tuple[float, tuple[str, str]]] = []

    def remember(self, terminal_id: str, nonce: str, expires: float, now: float) -> bool:
        """False when ``terminal_id`` used ``nonce`` already (a replay); else keeps it until ``expires``."""
        while self._expiry and self._expiry[0][0] < now:
            self._seen.discard(heapq.heappop(self._expiry)[1])
        key = (terminal_id, nonce)
        if key in self._seen:
            return False
        self._seen.add(key)
        heapq.heappush(self._expiry, (expires, key))
        return True

    def __len__(self) -> int:
        return len(self._seen)


def _invalid(error: ValidationError) -> HallError:
    """The message FastAPI's handler gives (app.py): the first error's field path, then its text."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "body"
    if first.get("type") == "model_type":  # not an object: worded as FastAPI words it
        return HallError("invalid_request", "body: Input should be a valid dictionary or object to extract fields from")
    return HallError("invalid_request", f"{field}: {first.get('msg', 'invalid')}")


_MISSING = object()


def _model(value) -> HeartbeatIn:
    if value is _MISSING:
        raise HallError("invalid_request", "body: Field required")
    try:
        return HeartbeatIn.model_validate(value)
    except ValidationError as exc:
        raise _invalid(exc) from None


class HeartbeatPath:
    """The ASGI handler of ``POST /v1/fleet/heartbeat`` (see the module docstring)."""

    def __init__(self, state, *, max_body: int = MAX_BODY, now: Callable[[], float] = time.time) -> None:
        self.state = state  # the app's state: .store, .run, .fleet_watch
        self.max_body = max_body
        self.now = now
        self.nonces = NonceWindow()

    @staticmethod
    def matches(scope) -> bool:
        return scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST"

    async def __call__(self, scope, receive, send) -> None:
        try:  # refused before the body is looked at, and with the connection closed, as auth.SignedRequests
            body = await read_body(scope, receive, self.max_body)
            terminal = authenticate(self.state.store, header_dict(scope), "POST", request_target(scope), body,
                                    self.now(), self.nonces.remember)
            value = strict_json.parse(body) if body.strip() else _MISSING
        except HallError as error:
            await refuse(send, error)
            return
        except Exception as exc:
            await _failed(send, exc)
            return
        try:  # answered as app.py's handlers answer a route's errors
            answer = await take(self.state, terminal, _model(value))
        except HallError as error:
            await _answer(send, error.status, error_body(error), busy=error.reason == "busy")
            return
        except Exception as exc:
            await _failed(send, exc)
            return
        await send_json(send, 200, _accepted(answer["accepted"], answer["state"]))


async def _failed(send, exc: Exception) -> None:
    """As app.py's handlers: a busy database 503 (retry), anything else logged without request data, 500."""
    if isinstance(exc, database.OperationalError):
        log.warning("database error on POST %s: %s", PATH, exc)
        await _answer(send, 503, error_body(HallError("busy", "the database is busy; retry")), busy=True)
    else:
        log.error("unexpected error on POST %s", PATH, exc_info=exc)
        await _answer(send, 500, error_body(HallError("internal_error", type(exc).__name__)))


async def _answer(send, status: int, body: dict, *, busy: bool = False) -> None:
    """JSON as FastAPI's JSONResponse writes it (compact); a busy database's answer says when to retry."""
    await send_json(send, status, _json(body), [(b"retry-after", b"1")] if busy else [])


def _json(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@functools.lru_cache(maxsize=16)
def _accepted(accepted: bool, state: str) -> bytes:
    """The answer to a kept heartbeat (``take``'s ``{accepted, state}``): one of a handful, encoded once."""
    return _json({"accepted": accepted, "state": state})
