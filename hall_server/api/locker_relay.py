"""Door commands for a locker whose bus another terminal drives (hall_server/locker_relay.py).

    POST /v1/locker/doors               (clerk, X-Clerk-Session) {board, lock, action: open|door} → {id}
    GET  /v1/locker/doors/{id}?wait=S   (the clerk terminal that asked) → {id, state, result}
                                          waits up to S seconds (at most 10) for an answer
    GET  /v1/locker/bus?wait=S          (the terminal that drives the bus) → {commands: [{id, locker,
                                          board, lock, action}]}, waiting up to S seconds (at most 20)
    POST /v1/locker/bus/{id}            (the terminal that drives the bus) {opened, status} | {door} | {error}

Waiting costs no thread: the route sleeps on the event loop and looks at the database every 100 ms.
"""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hall_server import locker_relay
from hall_server.api import ERRORS, call, store
from hall_server.api.cases import Session
from hall_server.auth import Terminal, require

router = APIRouter(tags=["pickup"])
POLL_S = 0.1
COMMAND_ID = r"^[0-9a-f]{24}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DoorRequest(_Strict):
    board: int = Field(ge=1, le=255)
    lock: int = Field(ge=1, le=255)
    action: Literal["open", "door"]


class DoorResult(_Strict):
    """What the bus answered: ``opened`` and the raw ``status`` byte for "open", ``door`` for "door", or
    ``error`` (``no_answer``, ``protocol``, ``no_bus``) when the board could not be asked."""

    opened: bool | None = None
    status: int | None = Field(None, ge=0, le=255)
    door: Literal["open", "closed"] | None = None
    error: Literal["no_answer", "protocol", "no_bus"] | None = None

    @model_validator(mode="after")
    def _one(self):
        given = [self.opened is not None, self.door is not None, self.error is not None]
        if sum(given) != 1 or (self.opened is not None) != (self.status is not None):
            raise ValueError("give opened with status, or door, or error")
        return self


class CommandId(BaseModel):
    id: str


class CommandState(BaseModel):
    id: str
    state: Literal["pending", "taken", "done", "expired"]
    result: dict | None


class Command(BaseModel):
    id: str
    locker: str
    board: int
    lock: int
    action: str


class Commands(BaseModel):
    commands: list[Command]


async def _until(request: Request, condition, wait: float) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not request.app.state.closing:
        if await call(request, condition):
            return
        await asyncio.sleep(POLL_S)


@router.post("/v1/locker/doors", response_model=CommandId, responses=ERRORS,
             summary="Ask the terminal driving the locker's bus to open, or read, the door of this window's deposit")
async def door_command(body: DoorRequest, request: Request, terminal: Terminal = Depends(require("clerk")),
                       token: str | None = Session) -> CommandId:
    found = await call(request, locker_relay.request, store(request), terminal_id=terminal.id, token=token,
                       board=body.board, lock=body.lock, action=body.action)
    return CommandId(**found)


@router.get("/v1/locker/doors/{command}", response_model=CommandState, responses=ERRORS,
            summary="A door command's answer (long poll up to `wait` seconds)")
async def door_result(request: Request, command: str = Path(pattern=COMMAND_ID),
                      wait: float = Query(0.0, ge=0.0, le=10.0),
                      terminal: Terminal = Depends(require("clerk"))) -> CommandState:
    def answered() -> bool:
        return locker_relay.result(store(request), terminal_id=terminal.id, command=command)["state"] in (
            "done", "expired")

    await _until(request, answered, wait)
    found = await call(request, locker_relay.result, store(request), terminal_id=terminal.id, command=command)
    return CommandState(**found)


@router.get("/v1/locker/bus", response_model=Commands, responses=ERRORS,
            summary="The door commands for the lockers this terminal drives (long poll up to `wait` seconds)")
async def bus_commands(request: Request, wait: float = Query(0.0, ge=0.0, le=20.0),
                       terminal: Terminal = Depends(require("citizen", "clerk"))) -> Commands:
    await _until(request, lambda: locker_relay.has_pending(store(request), terminal.id), wait)
    found = await call(request, locker_relay.take, store(request), terminal_id=terminal.id)
    return Commands(commands=[Command(**c) for c in found])


@router.post("/v1/locker/bus/{command}", response_model=CommandState, responses=ERRORS,
             summary="The bus's answer to a door command this terminal took")
async def bus_report(body: DoorResult, request: Request, command: str = Path(pattern=COMMAND_ID),
                     terminal: Terminal = Depends(require("citizen", "clerk"))) -> CommandState:
    found = await call(request, locker_relay.report, store(request), terminal_id=terminal.id, command=command,
                       result=body.model_dump(exclude_none=True))
    return CommandState(id=found["id"], state="done", result=None)
