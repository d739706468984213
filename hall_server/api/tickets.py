"""Issuing a ticket (citizen kiosks) and looking one up by its tracking code."""

from __future__ import annotations


from fastapi import APIRouter, Depends, Path, Request

from hall_server.api import ERRORS, call, store
from hall_server.auth import Terminal, require
from hall_server.models import IssueRequest, TicketAnswer, TicketModel

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])


@router.post("", response_model=TicketAnswer, responses=ERRORS,
             summary="Issue the next number of a service (idempotent on request_id)")
async def issue(body: IssueRequest, request: Request,
                terminal: Terminal = Depends(require("citizen"))) -> TicketAnswer:
    ticket = await call(request, store(request).issue_ticket, terminal_id=terminal.id,
                        service_prefix=body.service_prefix, request_id=body.request_id, id_number=body.id_number,
                        birth_date=body.birth_date, appointment_code=body.appointment_code)
    return TicketAnswer(ticket=TicketModel.model_validate(ticket, from_attributes=True))


@router.get("/{tracking_code}", response_model=TicketAnswer, responses=ERRORS,
            summary="A ticket's current state, by the tracking code printed on it")
async def lookup(request: Request, tracking_code: str = Path(pattern=r"^[A-Za-z0-9_-]{8,64}$"),
                 terminal: Terminal = Depends(require("citizen", "clerk"))) -> TicketAnswer:
    ticket = await call(request, store(request).ticket_by_tracking, tracking_code)
    return TicketAnswer(ticket=TicketModel.model_validate(ticket, from_attributes=True))
