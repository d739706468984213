"""Result pickup (统一出件): deposits in the smart locker, pickups at a kiosk, hand-overs at the window.

    POST /v1/locker/deposits              (clerk, X-Clerk-Session) {tracking, size: S|M|L}
                                            → {compartment: {tracking, locker, locker_name, number, board, lock, size}}
    POST /v1/locker/deposits/{tracking}/closed   (clerk, X-Clerk-Session) {}  → {case}: approved → ready_for_pickup
                                            (in the locker; the pickup code goes out by text message)
    POST /v1/locker/deposits/{tracking}/failed   (clerk, X-Clerk-Session) {fault: jammed|no_answer}
                                            → {fault}: the compartment released (a jammed one out of service)
    POST /v1/locker/pickups               (citizen) {id_number} | {code}  → {items: [{…compartment, grant,
                                            collector, matter_name, matter_name_en}]}
    POST /v1/locker/pickups/collected     (citizen) {grant, opened: true, closed: true}  → {case}: picked_up
    POST /v1/locker/pickups/fault         (citizen) {grant, fault: jammed|left_open|no_answer}  → {fault}
    POST /v1/pickup/ready                 (clerk, X-Clerk-Session) {id_number}  → {items: [{case, collector}]}
    POST /v1/pickup/hand-over             (clerk, X-Clerk-Session) {tracking, id_number, authorisation?}
                                            → {case}: picked_up by the applicant or a proxy

The rules are hall_server/lockers.py's and pickup_kiosk.py's (docs/pickup.md).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hall_server import lockers, pickup_kiosk
from hall_server.api import ERRORS, call, store
from hall_server.api.cases import TRACKING, CaseAnswer, CaseModel, Session
from hall_server.auth import Terminal, require
from hall_server.case_records import ID_NUMBER

router = APIRouter(tags=["pickup"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DepositRequest(_Strict):
    tracking: str = Field(pattern=TRACKING)
    size: Literal["S", "M", "L"]


class DepositFailedRequest(_Strict):
    fault: Literal["jammed", "no_answer"]


class LookupRequest(_Strict):
    id_number: str | None = Field(None, pattern=ID_NUMBER)
    code: str | None = Field(None, pattern=r"^[0-9]{6}$")

    @model_validator(mode="after")
    def _one(self):
        if (self.id_number is None) == (self.code is None):
            raise ValueError("give either id_number (the card just read) or code (the pickup code)")
        return self


class CollectedRequest(_Strict):
    grant: str = Field(min_length=16, max_length=128)
    opened: bool
    closed: bool


class FaultRequest(_Strict):
    grant: str = Field(min_length=16, max_length=128)
    fault: Literal["jammed", "left_open", "no_answer"]


class ReadyRequest(_Strict):
    id_number: str = Field(pattern=ID_NUMBER)


class HandOverRequest(_Strict):
    tracking: str = Field(pattern=TRACKING)
    id_number: str = Field(pattern=ID_NUMBER)
    authorisation: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")  # SHA-256 of the captured authorisation


class CompartmentModel(BaseModel):
    tracking: str
    locker: str
    locker_name: str
    number: int
    board: int
    lock: int
    size: str


class CompartmentAnswer(BaseModel):
    compartment: CompartmentModel


class FaultModel(BaseModel):
    tracking: str
    locker: str
    number: int
    fault: str


class FaultAnswer(BaseModel):
    fault: FaultModel


class PickupItem(CompartmentModel):
    grant: str
    collector: Literal["applicant", "proxy"]
    matter_name: str
    matter_name_en: str


class PickupAnswer(BaseModel):
    items: list[PickupItem]


class ReadyItem(BaseModel):
    case: CaseModel
    collector: Literal["applicant", "proxy"]


class ReadyAnswer(BaseModel):
    items: list[ReadyItem]


@router.post("/v1/locker/deposits", response_model=CompartmentAnswer, responses=ERRORS,
             summary="Assign a free compartment for an approved case (the pickup window's deposit)")
async def deposit(body: DepositRequest, request: Request, terminal: Terminal = Depends(require("clerk")),
                  token: str | None = Session) -> CompartmentAnswer:
    found = await call(request, lockers.deposit, store(request), terminal_id=terminal.id, token=token,
                       tracking=body.tracking, size=body.size)
    return CompartmentAnswer(compartment=CompartmentModel.model_validate(found))


@router.post("/v1/locker/deposits/{tracking}/closed", response_model=CaseAnswer, responses=ERRORS,
             summary="The deposit's door was seen closed: the result waits in the locker, the code is sent")
async def deposited(request: Request, tracking: str = Path(pattern=TRACKING),
                    terminal: Terminal = Depends(require("clerk")), token: str | None = Session) -> CaseAnswer:
    from hall_server.api import no_body

    await no_body(request)
    found = await call(request, lockers.deposited, store(request), terminal_id=terminal.id, token=token,
                       tracking=tracking)
    return CaseAnswer(case=CaseModel.model_validate(found))


@router.post("/v1/locker/deposits/{tracking}/failed", response_model=FaultAnswer, responses=ERRORS,
             summary="The deposit's door did not open: the compartment is released and an alert kept")
async def deposit_failed(body: DepositFailedRequest, request: Request, tracking: str = Path(pattern=TRACKING),
                         terminal: Terminal = Depends(require("clerk")), token: str | None = Session) -> FaultAnswer:
    found = await call(request, lockers.deposit_failed, store(request), terminal_id=terminal.id, token=token,
                       tracking=tracking, fault=body.fault)
    return FaultAnswer(fault=FaultModel.model_validate(found))


@router.post("/v1/locker/pickups", response_model=PickupAnswer, responses=ERRORS,
             summary="The items waiting for the ID card just read, or for a pickup code (rate-limited)")
async def lookup(body: LookupRequest, request: Request,
                 terminal: Terminal = Depends(require("citizen"))) -> PickupAnswer:
    found = await call(request, pickup_kiosk.lookup, store(request), terminal_id=terminal.id,
                       id_number=body.id_number, code=body.code)
    return PickupAnswer(items=[PickupItem.model_validate(i) for i in found])


@router.post("/v1/locker/pickups/collected", response_model=CaseAnswer, responses=ERRORS,
             summary="The door was seen opened and then closed: the result is collected")
async def collected(body: CollectedRequest, request: Request,
                    terminal: Terminal = Depends(require("citizen"))) -> CaseAnswer:
    found = await call(request, pickup_kiosk.collected, store(request), terminal_id=terminal.id, grant=body.grant,
                       opened=body.opened, closed=body.closed)
    return CaseAnswer(case=CaseModel.model_validate(found))


@router.post("/v1/locker/pickups/fault", response_model=FaultAnswer, responses=ERRORS,
             summary="A pickup's door jammed, was left open, or the bus did not answer: an alert for staff")
async def fault(body: FaultRequest, request: Request, terminal: Terminal = Depends(require("citizen"))) -> FaultAnswer:
    found = await call(request, pickup_kiosk.fault, store(request), terminal_id=terminal.id, grant=body.grant,
                       fault=body.fault)
    return FaultAnswer(fault=FaultModel.model_validate(found))


@router.post("/v1/pickup/ready", response_model=ReadyAnswer, responses=ERRORS,
             summary="The cases ready for pickup that the holder of an ID card may collect (the pickup window)")
async def ready(body: ReadyRequest, request: Request, terminal: Terminal = Depends(require("clerk")),
                token: str | None = Session) -> ReadyAnswer:
    found = await call(request, pickup_kiosk.ready_for, store(request), terminal_id=terminal.id, token=token,
                       id_number=body.id_number)
    return ReadyAnswer(items=[ReadyItem(case=CaseModel.model_validate(i["case"]), collector=i["collector"])
                              for i in found])


@router.post("/v1/pickup/hand-over", response_model=CaseAnswer, responses=ERRORS,
             summary="Hand a result over at the window: the ID card checked against the case")
async def hand_over(body: HandOverRequest, request: Request, terminal: Terminal = Depends(require("clerk")),
                    token: str | None = Session) -> CaseAnswer:
    found = await call(request, pickup_kiosk.hand_over, store(request), terminal_id=terminal.id, token=token,
                       tracking=body.tracking, id_number=body.id_number, authorisation=body.authorisation)
    return CaseAnswer(case=CaseModel.model_validate(found))
