"""What the hall display shows besides the calls: ``GET /v1/display/board``.

Every window with its state (``open``: a clerk's session is live; ``paused``; ``closed``: nobody is logged
in) and the number it serves now, and today's waiting count per service. ``satisfaction`` is the day's
share of satisfied ratings (好差评, docs/evaluation.md) over how many there were: optional in the answer's
shape (null before the first rating; a platform that counts none leaves it out), and the display shows its
slot only when it is there.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from core.domain import WindowState
from hall_server.api import ERRORS, call, store
from hall_server.auth import Terminal, require

router = APIRouter(prefix="/v1/display", tags=["display"])


class BoardWindowModel(BaseModel):
    number: int
    name: str
    state: WindowState
    serving: str | None = Field(None, description="the ticket number the window serves now")


class BoardServiceModel(BaseModel):
    prefix: str
    waiting: int


class SatisfactionModel(BaseModel):
    rate: float = Field(ge=0.0, le=1.0, description="today's share of good ratings")
    ratings: int = Field(ge=0, description="today's ratings counted")


class BoardModel(BaseModel):
    windows: list[BoardWindowModel]
    services: list[BoardServiceModel]
    satisfaction: SatisfactionModel | None = Field(None, description="null before the day's first rating")


@router.get("/board", response_model=BoardModel, responses=ERRORS,
            summary="Every window's state and current number, waiting counts per service")
async def display_board(request: Request,
                        terminal: Terminal = Depends(require("display", "technician"))) -> BoardModel:
    board = await call(request, store(request).display_board)
    return BoardModel(
        windows=[BoardWindowModel(number=w.number, name=w.name, state=w.state, serving=w.serving)
                 for w in board.windows],
        services=[BoardServiceModel(prefix=p, waiting=n) for p, n in board.waiting],
        satisfaction=(SatisfactionModel(rate=board.satisfaction.rate, ratings=board.satisfaction.ratings)
                      if board.satisfaction else None))
