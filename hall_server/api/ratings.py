"""Ratings (好差评): the hall's rating reference, a clerk's own ratings, follow-ups, appeals, statistics.

    GET  /v1/sync/reference/rating                (any terminal) → {levels, reasons: [{code, label, label_en}],
                                                    follow_up_days}; ETag, and 304 on a matching If-None-Match
    GET  /v1/ratings/mine                         (clerk, X-Clerk-Session) → {ratings: [...]} evaluating the clerk
    GET  /v1/ratings/follow-ups?open=&overdue=    (clerk, X-Clerk-Session) → {follow_ups: [...]}
    POST /v1/ratings/follow-ups/{id}/move         (clerk, X-Clerk-Session) {to, note, owner?} → {follow_up}
    POST /v1/ratings/{id}/appeal                  (clerk, X-Clerk-Session) {reason} → {appeal}
    GET  /v1/ratings/appeals?pending=             (clerk, X-Clerk-Session; a supervisor) → {appeals: [...]}
    POST /v1/ratings/appeals/{id}/decide          (clerk, X-Clerk-Session; a supervisor) {uphold, note} → {appeal}
    GET  /v1/ratings/stats?from=&to=              (clerk, X-Clerk-Session; a supervisor) → the statistics

Ratings themselves arrive as ``rating`` records through the outbox (``POST /v1/sync/records/{id}``;
hall_server/rating_records.py and ratings.py). The rules of follow-ups and appeals are rating_reviews.py's;
docs/evaluation.md describes them all.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from hall_server import rating_reviews, rating_stats, ratings
from hall_server.api import ERRORS, call, reference_answer, store
from hall_server.auth import Terminal, require
from hall_server.problems import HallError
from hall_server.rating_records import rating_reference

router = APIRouter(tags=["ratings"])
Session = Header(None, alias="X-Clerk-Session", max_length=128, description="token from /v1/clerk/login")
ANY_TERMINAL = ("citizen", "clerk", "display", "technician")
MAX_ID = 2**53


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class MoveBody(_Strict):
    to: Literal["correct", "call_back", "closed"]
    note: str = Field(min_length=1, max_length=rating_reviews.MAX_NOTE)
    owner: str | None = Field(None, pattern=r"^[A-Za-z0-9._:-]{1,64}$")


class AppealBody(_Strict):
    reason: str = Field(min_length=1, max_length=rating_reviews.MAX_NOTE)


class DecideBody(_Strict):
    uphold: bool
    note: str = Field(min_length=1, max_length=rating_reviews.MAX_NOTE)


@router.get("/v1/sync/reference/rating", responses=ERRORS,
            summary="The hall's rating levels, reasons for a poor rating and follow-up days, with an ETag")
async def reference_rating(request: Request, terminal: Terminal = Depends(require(*ANY_TERMINAL))):
    return reference_answer(request, await call(request, rating_reference, store(request)))


@router.get("/v1/ratings/mine", responses=ERRORS, summary="The ratings that evaluate the logged-in clerk")
async def mine(request: Request, terminal: Terminal = Depends(require("clerk")), token: str | None = Session) -> dict:
    return {"ratings": await call(request, ratings.my_ratings, store(request), terminal_id=terminal.id, token=token)}


@router.get("/v1/ratings/follow-ups", responses=ERRORS, summary="Follow-ups of 差评: all, open, or overdue")
async def follow_ups(request: Request, open: bool = Query(False), overdue: bool = Query(False),
                     terminal: Terminal = Depends(require("clerk")), token: str | None = Session) -> dict:
    found = await call(request, rating_reviews.staff_follow_ups, store(request), terminal_id=terminal.id, token=token,
                       open_only=open, overdue=overdue)
    return {"follow_ups": found}


@router.post("/v1/ratings/follow-ups/{follow_up_id}/move", responses=ERRORS,
             summary="Move a follow-up to its next state (verify → correct → call_back → closed), with a note")
async def move(body: MoveBody, request: Request, follow_up_id: int = Path(ge=1, le=MAX_ID),
               terminal: Terminal = Depends(require("clerk")),
               token: str | None = Session) -> dict:
    moved = await call(request, rating_reviews.move_follow_up, store(request), terminal_id=terminal.id, token=token,
                       follow_up_id=follow_up_id, to=body.to, note=body.note, owner=body.owner)
    return {"follow_up": moved}


@router.post("/v1/ratings/{rating_id}/appeal", responses=ERRORS, summary="Appeal a rating (申诉), with the reason")
async def appeal(body: AppealBody, request: Request, rating_id: int = Path(ge=1, le=MAX_ID),
                 terminal: Terminal = Depends(require("clerk")),
                 token: str | None = Session) -> dict:
    filed = await call(request, rating_reviews.appeal, store(request), terminal_id=terminal.id, token=token,
                       rating_id=rating_id, reason=body.reason)
    return {"appeal": filed}


@router.get("/v1/ratings/appeals", responses=ERRORS, summary="Appeals for a supervisor (all, or pending)")
async def appeals(request: Request, pending: bool = Query(False), terminal: Terminal = Depends(require("clerk")),
                  token: str | None = Session) -> dict:
    return {"appeals": await call(request, rating_reviews.appeals, store(request), terminal_id=terminal.id,
                                  token=token, pending_only=pending)}


@router.post("/v1/ratings/appeals/{appeal_id}/decide", responses=ERRORS,
             summary="A supervisor upholds or rejects an appeal (复核); upheld, the rating leaves the statistics")
async def decide(body: DecideBody, request: Request, appeal_id: int = Path(ge=1, le=MAX_ID),
                 terminal: Terminal = Depends(require("clerk")),
                 token: str | None = Session) -> dict:
    decided = await call(request, rating_reviews.decide, store(request), terminal_id=terminal.id, token=token,
                         appeal_id=appeal_id, uphold=body.uphold, note=body.note)
    return {"appeal": decided}


def _supervisor_stats(hall_store, *, terminal_id: str, token: str | None, start: date | None, end: date | None) -> dict:
    con = hall_store._con()
    staff_id = hall_store._session(con, terminal_id, token)["staff_id"]
    if not ratings.is_supervisor(con, staff_id):
        raise HallError("not_permitted", "only a supervisor reads the statistics")
    return rating_stats.stats(hall_store, start, end)


@router.get("/v1/ratings/stats", responses=ERRORS, summary="Counts per level and satisfaction rate, per window, "
                                                           "clerk, service, matter and day")
async def statistics(request: Request, start: date | None = Query(None, alias="from"),
                     end: date | None = Query(None, alias="to"), terminal: Terminal = Depends(require("clerk")),
                     token: str | None = Session) -> dict:
    return await call(request, _supervisor_stats, store(request), terminal_id=terminal.id, token=token, start=start,
                      end=end)
