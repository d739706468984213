"""The fleet: terminals' heartbeats, the fleet page for the hall's IT, and /metrics.

    POST /v1/fleet/heartbeat        (any terminal, signed) a heartbeat → {accepted, state}
    GET  /fleet                     the page: every terminal, its state, colour and last fault (a session)
    GET  /fleet/terminals/{id}      one terminal's detail: its devices, outbox, disk (a session)
    GET  /fleet/login, POST /fleet/login (form: staff_id, pin), POST /fleet/logout
    GET  /metrics                   Prometheus text format (loopback, or ``Authorization: Bearer <token>``)

The page and /metrics are not under /v1: a browser and Prometheus sign nothing. The page's session is a
cookie (fleet_access.py); without one, /fleet answers 303 to the login form. See docs/fleet.md.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from core.domain.heartbeat import MAX_DEVICES, MAX_ERROR
from core.i18n import Translator
from hall_server import fleet, fleet_access, fleet_page, metrics
from hall_server.api import ERRORS, call, store
from hall_server.auth import Terminal, require
from hall_server.problems import HallError

router = APIRouter(tags=["fleet"])
COOKIE = "fleet_session"
ROLE = Literal["citizen", "clerk", "display", "technician"]
STATE = Literal["stopped", "connecting", "ready", "reconnecting", "failed", "stopping", "error"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DeviceIn(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_.:-]{1,40}$")
    kind: Literal["printer", "idcard", "scanner", "camera", "locker", "sync"]
    state: STATE
    paper: Literal["ok", "low", "out", "unknown", "none"] = "none"
    last_error: str = Field("", max_length=MAX_ERROR)


class OutboxIn(_Strict):
    waiting: int = Field(ge=0, le=10**9)
    dead: int = Field(ge=0, le=10**9)
    oldest_age_s: float | None = Field(None, ge=0, le=10**10)


class HeartbeatIn(_Strict):
    sent_at: float = Field(ge=0, le=10**11)
    seq: int = Field(ge=0, le=2**53)
    version: str = Field(min_length=1, max_length=32)
    role: ROLE
    uptime_s: float = Field(ge=0, le=10**10)
    devices: list[DeviceIn] = Field(default_factory=list, max_length=MAX_DEVICES)
    outbox: OutboxIn | None = None
    disk_free_bytes: int | None = Field(None, ge=0, le=2**63)
    interval_s: float = Field(gt=0, le=3600)


@router.post("/v1/fleet/heartbeat", responses=ERRORS, summary="A terminal's heartbeat (the newest one wins)")
async def heartbeat(request: Request, body: HeartbeatIn,
                    terminal: Terminal = Depends(require("citizen", "clerk", "display", "technician"))) -> dict:
    """The most frequent request of all: the hall server's ``HallApp`` answers it before FastAPI
    (heartbeat_path.py, measured by bench/heartbeats.py) with the same rules and ``take``; this route
    describes it in /openapi.json and answers it wherever the app is called without that front."""
    return await take(request.app.state, terminal, body)


async def take(state, terminal: Terminal, body: HeartbeatIn) -> dict:
    """Keeps a signed, valid heartbeat: ``{accepted, state}``. In memory on the event loop (fleet.keep
    touches no database); SQLite (on the store's threads, ``state.run``) only for the first heartbeat,
    which loads the kept ones. A changed status is handed to the fleet's watch, whose thread writes it
    and then sends its alert: the request does not wait. ``state``: the app's state (store, run,
    fleet_watch)."""
    if body.role != terminal.role:
        raise HallError("invalid_request", f"role: this terminal is registered as {terminal.role}")
    s = state.store
    if not fleet.loaded(s):  # the first heartbeat loads the kept ones from SQLite
        await state.run(fleet.load, s)
    accepted, now_state, alert = fleet.keep(s, terminal_id=terminal.id, role=terminal.role, body=body.model_dump())
    if alert is not None:
        watch = getattr(state, "fleet_watch", None)
        if watch is not None:
            watch.alert(alert)  # the watch writes the status, then logs and posts it
        else:  # an app run without its lifespan: the status written (claimed) here
            await state.run(fleet.announce, s, [alert])
    return {"accepted": accepted, "state": now_state}


def _tr(request: Request) -> Translator:
    return Translator(fleet_page.language_of(request.headers.get("accept-language")))


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers={"Cache-Control": "no-store",
                                                           "Content-Security-Policy": "default-src 'none'; "
                                                           "style-src 'unsafe-inline'; form-action 'self'"})


async def _staff(request: Request) -> str | None:
    return await call(request, fleet_access.session_staff, store(request), request.cookies.get(COOKIE))


@router.get("/fleet/login", include_in_schema=False)
async def login_form(request: Request) -> Response:
    return _html(fleet_page.login_page(_tr(request)))


@router.post("/fleet/login", include_in_schema=False)
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
    staff_id, pin = (form.get(k, [""])[0] for k in ("staff_id", "pin"))
    try:
        token = await call(request, fleet_access.login, store(request), staff_id, pin)
    except HallError as exc:
        key = "fleet.locked" if exc.reason == "too_many_attempts" else "fleet.bad_login"
        return _html(fleet_page.login_page(_tr(request), key), exc.status)
    response = RedirectResponse("/fleet", status_code=303)
    response.set_cookie(COOKIE, token, max_age=fleet_access.SESSION_HOURS * 3600, path="/",
                        secure=request.url.scheme == "https", httponly=True, samesite="strict")
    return response


@router.post("/fleet/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    await call(request, fleet_access.logout, store(request), request.cookies.get(COOKIE))
    response = RedirectResponse("/fleet/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/fleet", include_in_schema=False)
async def fleet_list(request: Request) -> Response:
    staff = await _staff(request)
    if staff is None:
        return RedirectResponse("/fleet/login", status_code=303)
    views = await call(request, fleet.terminals, store(request))
    return _html(fleet_page.fleet_page(_tr(request), views, staff, fleet.counts_by_state(views)))


@router.get("/fleet/terminals/{terminal_id}", include_in_schema=False)
async def fleet_terminal(request: Request, terminal_id: str = Path(max_length=64)) -> Response:
    staff = await _staff(request)
    if staff is None:
        return RedirectResponse("/fleet/login", status_code=303)
    view = await call(request, fleet.terminal, store(request), terminal_id)
    tr = _tr(request)
    if view is None:
        return _html(fleet_page.missing_page(tr), 404)
    return _html(fleet_page.detail_page(tr, view, staff))


@router.get("/metrics", include_in_schema=False)
async def prometheus(request: Request) -> Response:
    client = request.client.host if request.client else None
    forwarded = any(h in request.headers for h in fleet_access.FORWARDING_HEADERS)
    allowed = await call(request, fleet_access.metrics_allowed, store(request), client,
                         request.headers.get("authorization"), forwarded=forwarded)
    if not allowed:
        raise HallError("forbidden_role", "/metrics needs the configured token (or a request from loopback)")
    return Response(await call(request, metrics.render, store(request)), media_type=metrics.CONTENT_TYPE)
