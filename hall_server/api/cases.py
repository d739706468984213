"""Cases: tracking by receipt number, a clerk's review of a pre-application, withdrawal.

    GET  /v1/cases/{tracking}                 (citizen, clerk)  → {case: {tracking, matter_code, matter_name,
                                                matter_name_en, state, accepted_on, promised_on, pickup_window,
                                                history: [{state, at, actor, window, note?}]}}
    GET  /v1/applications/pre/{code}          (clerk, X-Clerk-Session; code: case number or record id) → {case, matter_code, version, current_version,
                                                form, materials, submitted_at, attachments}
    POST /v1/cases/{tracking}/withdraw        (clerk, X-Clerk-Session) {reason}  → {case} (with notes)
    POST /v1/cases/{tracking}/review          (clerk, X-Clerk-Session) {}  → {case}: accepted → in_review
    POST /v1/cases/{tracking}/decide          (clerk, X-Clerk-Session) {decision: approved|refused, reason?}
                                                → {case}: in_review → approved | refused (a refusal's reason)
    POST /v1/cases/{tracking}/result-ready    (clerk, X-Clerk-Session) {method: window|locker|post, window?,
                                                place?}  → {case}: approved → ready_for_pickup
    POST /v1/cases/{tracking}/collected       (clerk, X-Clerk-Session) {collected_by: applicant|proxy}
                                                → {case}: ready_for_pickup → picked_up

Cases are opened by the records terminals sync (``application``, ``notice``, ``pre_application``: see
hall_server/cases.py and case_records.py); these routes read them and withdraw one. Only a clerk terminal
sees a step's ``note`` (a withdrawal's reason): a kiosk shows the history to whoever scans the receipt.
The four moves after acceptance are hall_server/case_progress.py's: a move the state does not allow is 409
``wrong_state``; the same move sent again is answered with the case as it is.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Header, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from core.domain.appointments import CaseState, Collector, PickupMethod
from hall_server import case_progress, cases
from hall_server.api import ERRORS, call, store
from hall_server.auth import Terminal, require

router = APIRouter(tags=["cases"])
TRACKING = r"^[0-9]{20}$"
PRE_CODE = r"^([0-9]{20}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"  # case number or record id
Session = Header(None, alias="X-Clerk-Session", max_length=128, description="token from /v1/clerk/login")


class CaseStepModel(BaseModel):
    state: CaseState
    at: str  # ISO 8601 in the hall's time zone
    actor: str  # a staff id, or the kiosk's terminal id
    window: int | None
    note: str | None = None


class PickupModel(BaseModel):
    method: PickupMethod
    window: int | None
    place: str


class CaseModel(BaseModel):
    tracking: str
    matter_code: str
    matter_name: str
    matter_name_en: str
    state: CaseState
    accepted_on: date
    promised_on: date | None
    pickup_window: int | None
    history: list[CaseStepModel] = []
    refusal_reason: str | None = None
    pickup: PickupModel | None = None
    collected_by: Collector | None = None


class CaseAnswer(BaseModel):
    case: CaseModel


class PreApplicationAnswer(BaseModel):
    case: CaseModel
    matter_code: str
    version: str
    current_version: str | None  # the catalogue's version now (None: the matter has left the catalogue)
    form: dict
    materials: list[dict]
    submitted_at: str
    attachments: list[str]  # SHA-256 of the pages captured at the kiosk


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    reason: str = Field(min_length=1, max_length=200)


@router.get("/v1/cases/{tracking}", response_model=CaseAnswer, response_model_exclude_none=False,
            responses=ERRORS, summary="A case's state and history, by the tracking number on its receipt")
async def case(request: Request, tracking: str = Path(pattern=TRACKING),
               terminal: Terminal = Depends(require("citizen", "clerk"))) -> CaseAnswer:
    found = await call(request, cases.case_view, store(request), tracking, notes=terminal.role == "clerk")
    return CaseAnswer(case=CaseModel.model_validate(found))


@router.get("/v1/applications/pre/{code}", response_model=PreApplicationAnswer, responses=ERRORS,
            summary="A pre-application (自助申报) for the clerk to review, by the code on the kiosk's slip")
async def pre_application(request: Request, code: str = Path(pattern=PRE_CODE),
                          terminal: Terminal = Depends(require("clerk")),
                          token: str | None = Session) -> PreApplicationAnswer:
    found = await call(request, cases.pre_application, store(request), code, terminal_id=terminal.id, token=token)
    return PreApplicationAnswer.model_validate({**found, "case": CaseModel.model_validate(found["case"])})


@router.post("/v1/cases/{tracking}/withdraw", response_model=CaseAnswer, responses=ERRORS,
             summary="Withdraw a case (the applicant asked), with the reason; audited in its history")
async def withdraw(body: WithdrawRequest, request: Request, tracking: str = Path(pattern=TRACKING),
                   terminal: Terminal = Depends(require("clerk")), token: str | None = Session) -> CaseAnswer:
    found = await call(request, cases.withdraw, store(request), terminal_id=terminal.id, token=token,
                       tracking=tracking, reason=body.reason)
    return CaseAnswer(case=CaseModel.model_validate(found))


class _Move(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ReviewRequest(_Move):
    pass


class DecideRequest(_Move):
    decision: Literal["approved", "refused"]
    reason: str = Field("", max_length=case_progress.MAX_REASON)


class ResultReadyRequest(_Move):
    method: Literal["window", "locker", "post"]
    window: int | None = Field(None, ge=1, le=9999)
    place: str = Field("", max_length=case_progress.MAX_PLACE)


class CollectedRequest(_Move):
    collected_by: Literal["applicant", "proxy"]


async def _advance(request: Request, tracking: str, terminal: Terminal, token: str | None,
                   move: case_progress.Move) -> CaseAnswer:
    found = await call(request, case_progress.advance_as_clerk, store(request), terminal_id=terminal.id,
                       token=token, tracking=tracking, move=move)
    return CaseAnswer(case=CaseModel.model_validate(found))


@router.post("/v1/cases/{tracking}/review", response_model=CaseAnswer, responses=ERRORS,
             summary="Start reviewing an accepted case (审核)")
async def review(body: ReviewRequest, request: Request, tracking: str = Path(pattern=TRACKING),
                 terminal: Terminal = Depends(require("clerk")), token: str | None = Session) -> CaseAnswer:
    return await _advance(request, tracking, terminal, token, case_progress.Move(CaseState.IN_REVIEW))


@router.post("/v1/cases/{tracking}/decide", response_model=CaseAnswer, responses=ERRORS,
             summary="Decide a reviewed case: approved, or refused with the reason")
async def decide(body: DecideRequest, request: Request, tracking: str = Path(pattern=TRACKING),
                 terminal: Terminal = Depends(require("clerk")), token: str | None = Session) -> CaseAnswer:
    move = case_progress.Move(CaseState(body.decision), reason=body.reason)
    return await _advance(request, tracking, terminal, token, move)


@router.post("/v1/cases/{tracking}/result-ready", response_model=CaseAnswer, responses=ERRORS,
             summary="The result of an approved case is ready: at a window, in a locker, or posted")
async def result_ready(body: ResultReadyRequest, request: Request, tracking: str = Path(pattern=TRACKING),
                       terminal: Terminal = Depends(require("clerk")), token: str | None = Session) -> CaseAnswer:
    move = case_progress.Move(CaseState.READY_FOR_PICKUP, method=PickupMethod(body.method), window=body.window,
                              place=body.place)
    return await _advance(request, tracking, terminal, token, move)


@router.post("/v1/cases/{tracking}/collected", response_model=CaseAnswer, responses=ERRORS,
             summary="The result was collected, by the applicant or a proxy")
async def collected(body: CollectedRequest, request: Request, tracking: str = Path(pattern=TRACKING),
                    terminal: Terminal = Depends(require("clerk")), token: str | None = Session) -> CaseAnswer:
    move = case_progress.Move(CaseState.PICKED_UP, collected_by=Collector(body.collected_by))
    return await _advance(request, tracking, terminal, token, move)
