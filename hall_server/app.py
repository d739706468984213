"""The FastAPI application: ``create_app(store)`` wires the middleware, error handlers and routers.

Adding an API area later (appointments, tracking, submissions and sync, offline ticket blocks) is one
router module under ``hall_server/api/`` and one line in ``ROUTERS``.

Threads: every route is ``async`` and runs the store's (blocking, SQLite) methods on the app's own
``ThreadPoolExecutor`` through ``app.state.run``; its threads are named ``<worker_prefix>-N`` (a test's
session-wide server names them ``session:…``). Nothing uses AnyIO's shared thread pool, so stopping the
server leaves no thread behind.

Errors: every refusal is ``{"error": {"reason", "message"}}`` with the status of
``problems.STATUS[reason]``: the store's ``HallError``, FastAPI's validation errors (400
``invalid_request`` naming the field, instead of FastAPI's 422), unknown paths and methods, a busy
database (503 with Retry-After). An unexpected exception is logged (with no request data) and answered
500 ``internal_error``; the tests make sure no malformed request gets there.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import __version__
from hall_server import appointments, database
from hall_server.api import calls, clerk, hall, sync, tickets
from hall_server.api import cases, display, fleet, locker_relay, matters, pickup, ratings
from hall_server.auth import SignedRequests
from hall_server.fleet_alerts import FleetWatch
from hall_server.heartbeat_path import HeartbeatPath
from hall_server.problems import HallError

log = logging.getLogger("hall_server")

# The fleet's router comes first: FastAPI tries the routers in this order. (The terminals' heartbeats, the most
# frequent request, are answered before FastAPI by HallApp: heartbeat_path.py, bench/heartbeats.py.)
ROUTERS = (fleet.router, hall.router, tickets.router, clerk.router, calls.router, sync.router, appointments.router,
           matters.router, cases.router, ratings.router, display.router, pickup.router, locker_relay.router)


def _error(reason: str, message: str, headers: dict | None = None) -> JSONResponse:
    error = HallError(reason, message)
    return JSONResponse({"error": {"reason": error.reason, "message": error.message}},
                        status_code=error.status, headers=headers)


def _field(error: dict) -> str:
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
    return ".".join(loc) or "body"


class HallApp(FastAPI):
    """FastAPI, with the terminals' heartbeats (``POST /v1/fleet/heartbeat``) answered in front of it by
    ``heartbeat_path.HeartbeatPath``: the same rules and answers for a fraction of the CPU (docs/fleet.md,
    "Cost on the hall server"). Set ``heartbeats`` to None and FastAPI's route answers them."""

    heartbeats: HeartbeatPath | None = None

    async def __call__(self, scope, receive, send) -> None:
        if self.heartbeats is not None and HeartbeatPath.matches(scope):
            await self.heartbeats(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(store, *, worker_prefix: str = "hall-store", workers: int = 16,
               now: Callable[[], float] | None = None, fleet_sweep_s: float = 5.0) -> HallApp:
    """The hall server's ASGI app over ``store`` (a HallStore). ``now`` is the clock used to check
    request timestamps (default ``time.time``). ``fleet_sweep_s``: how often the fleet's watch looks for
    terminals gone late or offline (fleet_alerts.py; its thread runs while the app does)."""
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=worker_prefix)

    async def run(fn, /, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        watch = FleetWatch(store, sweep_s=fleet_sweep_s, thread_name=f"{worker_prefix}-fleet-watch")
        watch.start()
        app.state.fleet_watch = watch
        store.start_listening(f"{worker_prefix}-calls-listener")  # calls other processes commit (PostgreSQL)
        try:
            yield
        finally:
            app.state.closing = True
            store.stop_listening()
            watch.stop()
            executor.shutdown(wait=True, cancel_futures=True)

    app = HallApp(title="Hall server", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="The central-platform API of the hall terminals (queue tickets, windows, "
                              "calls). Every /v1 request except /v1/health is signed; see docs/hall-server.md.")
    app.state.store = store
    app.state.run = run
    app.state.closing = False

    @app.exception_handler(HallError)
    async def hall_error(request: Request, exc: HallError) -> JSONResponse:
        headers = {"Retry-After": "1"} if exc.reason == "busy" else None
        return _error(exc.reason, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        message = f"{_field(first)}: {first.get('msg', 'invalid')}" if first else "invalid request"
        return _error("invalid_request", message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(exc.status_code,
                                                                                          "invalid_request")
        return _error(reason, str(exc.detail))

    async def busy(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
        return _error("busy", "the database is busy; retry", {"Retry-After": "1"})

    for operational in database.OperationalError:  # a lock not had in time, a lost connection: retry
        app.add_exception_handler(operational, busy)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error("internal_error", type(exc).__name__)

    for router in ROUTERS:
        app.include_router(router)
    kwargs = {"now": now} if now is not None else {}
    app.add_middleware(SignedRequests, store=store, run=run, **kwargs)
    app.heartbeats = HeartbeatPath(app.state, **kwargs)
    return app
