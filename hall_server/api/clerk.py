"""Clerk actions at a window. Log in first; then send the session token as ``X-Clerk-Session``.

Every action answers the ticket it acted on (``{"ticket": …}``), pause/resume/logout answer ``{"ok": true}``.
"""

from __future__ import annotations


from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel

from hall_server.api import ERRORS, call, no_body, store
from hall_server.auth import Terminal, require
from hall_server.models import (
    FinishRequest,
    LoginRequest,
    MaybeTicketAnswer,
    NumberRequest,
    Ok,
    PauseRequest,
    SessionModel,
    TicketAnswer,
    TicketModel,
    TransferRequest,
    WindowStatusModel,
)

router = APIRouter(prefix="/v1/clerk", tags=["clerk"])
clerk = require("clerk")
Session = Header(None, alias="X-Clerk-Session", max_length=128, description="token from /v1/clerk/login")


def _answer(ticket) -> TicketAnswer:
    return TicketAnswer(ticket=TicketModel.model_validate(ticket, from_attributes=True))


@router.post("/login", response_model=SessionModel, responses=ERRORS, summary="Log a clerk in to a window")
async def login(body: LoginRequest, request: Request, terminal: Terminal = Depends(clerk)) -> SessionModel:
    session = await call(request, store(request).login, terminal_id=terminal.id, window=body.window,
                         staff_id=body.staff_id, pin=body.pin)
    return SessionModel(window=session.window, staff_id=session.staff_id, staff_name=session.staff_name,
                        token=session.token)


class PhotoModel(BaseModel):
    staff_id: str
    media_type: str
    photo: str  # base64


@router.get("/photo", response_model=PhotoModel, responses=ERRORS,
            summary="The photo of the clerk logged in (the evaluation pad shows it); not_found without one")
async def staff_photo(request: Request, terminal: Terminal = Depends(clerk), token: str | None = Session) -> PhotoModel:
    from hall_server.staff_photos import photo_of_session

    return PhotoModel(**await call(request, photo_of_session, store(request), terminal_id=terminal.id, token=token))


@router.post("/logout", dependencies=[Depends(no_body)], response_model=Ok, responses=ERRORS)
async def logout(request: Request, terminal: Terminal = Depends(clerk), token: str | None = Session) -> Ok:
    await call(request, store(request).logout, terminal_id=terminal.id, token=token)
    return Ok()


@router.get("/window", response_model=WindowStatusModel, responses=ERRORS,
            summary="The window's state: current ticket, waiting and held lists, the day's counts")
async def window_status(request: Request, terminal: Terminal = Depends(clerk),
                        token: str | None = Session) -> WindowStatusModel:
    status = await call(request, store(request).window_status, terminal_id=terminal.id, token=token)
    return WindowStatusModel.model_validate(status, from_attributes=True)


@router.post("/call-next", dependencies=[Depends(no_body)], response_model=MaybeTicketAnswer, responses=ERRORS,
             summary="Call the next ticket (appointments, weight, arrival; priority streak cap)")
async def call_next(request: Request, terminal: Terminal = Depends(clerk),
                    token: str | None = Session) -> MaybeTicketAnswer:
    ticket = await call(request, store(request).call_next, terminal_id=terminal.id, token=token)
    return MaybeTicketAnswer(ticket=TicketModel.model_validate(ticket, from_attributes=True) if ticket else None)


def _numbered(name: str, summary: str):
    """``POST /<name>`` with a ``{"number": …}`` body, answered by the store's method of the same name."""
    async def action(body: NumberRequest, request: Request, terminal: Terminal = Depends(clerk),
                     token: str | None = Session) -> TicketAnswer:
        return _answer(await call(request, getattr(store(request), name.replace("-", "_")), terminal_id=terminal.id,
                                  token=token, number=body.number))

    action.__name__ = name.replace("-", "_")
    router.add_api_route(f"/{name}", action, methods=["POST"], response_model=TicketAnswer, responses=ERRORS,
                         summary=summary)


def _simple(name: str, summary: str):
    """``POST /<name>`` without a body, answered by the store's method of the same name."""
    async def action(request: Request, terminal: Terminal = Depends(clerk),
                     token: str | None = Session) -> TicketAnswer:
        return _answer(await call(request, getattr(store(request), name.replace("-", "_")), terminal_id=terminal.id,
                                  token=token))

    action.__name__ = name.replace("-", "_")
    router.add_api_route(f"/{name}", action, methods=["POST"], response_model=TicketAnswer, responses=ERRORS,
                         summary=summary, dependencies=[Depends(no_body)])


_numbered("call-number", "Call a specific waiting number")
_numbered("call-back", "Call a held ticket back")
_simple("recall", "Announce the current ticket again")
_simple("no-show", "The current ticket did not come")
_simple("hold", "Set the current ticket aside, to call back today")


@router.post("/return", dependencies=[Depends(no_body)], response_model=TicketAnswer, responses=ERRORS,
             summary="Put the current ticket back at the end of its queue")
async def return_to_queue(request: Request, terminal: Terminal = Depends(clerk),
                          token: str | None = Session) -> TicketAnswer:
    return _answer(await call(request, store(request).return_to_queue, terminal_id=terminal.id, token=token))


@router.post("/transfer", response_model=TicketAnswer, responses=ERRORS,
             summary="Move the current ticket to another service and/or window")
async def transfer(body: TransferRequest, request: Request, terminal: Terminal = Depends(clerk),
                   token: str | None = Session) -> TicketAnswer:
    return _answer(await call(request, store(request).transfer, terminal_id=terminal.id, token=token,
                              service_prefix=body.service_prefix, window=body.window))


@router.post("/finish", response_model=TicketAnswer, responses=ERRORS,
             summary="Finish the current ticket with an outcome")
async def finish(body: FinishRequest, request: Request, terminal: Terminal = Depends(clerk),
                 token: str | None = Session) -> TicketAnswer:
    return _answer(await call(request, store(request).finish, terminal_id=terminal.id, token=token,
                              outcome=body.outcome))


@router.post("/pause", response_model=Ok, responses=ERRORS, summary="Pause the window with a reason")
async def pause(body: PauseRequest, request: Request, terminal: Terminal = Depends(clerk),
                token: str | None = Session) -> Ok:
    await call(request, store(request).pause, terminal_id=terminal.id, token=token, reason=body.reason)
    return Ok()


@router.post("/resume", dependencies=[Depends(no_body)], response_model=Ok, responses=ERRORS, summary="Resume a paused window")
async def resume(request: Request, terminal: Terminal = Depends(clerk), token: str | None = Session) -> Ok:
    await call(request, store(request).resume, terminal_id=terminal.id, token=token)
    return Ok()
