"""Sync: attachments (chunked, resumable), records (de-duplicated by id), offline ticket blocks.

    GET  /v1/sync/attachments/{sha256}          → {sha256, size, received, complete}
    POST /v1/sync/attachments/{sha256}          {total, offset, data: base64}  → the same status
    POST /v1/sync/records/{record_id}           {kind, record: {content, attachments}}
                                                → 201 (new) / 200 (same id and content again)
                                                  {record_id, content_hash, duplicate, missing_attachments,
                                                   case?: {number, state, promised_on},
                                                  rating?: {id, follow_up: {id, state, due_on} | null}}
                                                → 409 record_conflict (same id, other content) /
                                                  rating_exists (this case or ticket rated on this channel)
                                                → 422 matter_unknown / form_outdated {current_version} /
                                                  form_invalid {problems: [{path, key, params}]} /
                                                  rating_reason_unknown
    GET  /v1/sync/reference/hall                the hall, services and windows without today's counts;
                                                ETag, and 304 on a matching If-None-Match
    POST /v1/sync/ticket-blocks                 {lease_id, service_prefix, size} → {lease_id, service_day,
                                                  service_prefix, first, last}

Signed like every /v1 request (auth.SignedRequests); any terminal role may sync its outbox, only citizen
kiosks lease ticket blocks. Bodies are JSON and at most auth.MAX_BODY (64 kB): attachments travel in
chunks of 32 kB of base64. Refusals have the server's shape ``{"error": {"reason", "message"}}``. The logic
and the tables are in hall_server/submissions.py and ticket_blocks.py (ratings: ratings.py, docs/evaluation.md).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hall_server.api import ERRORS, call, reference_answer, store
from hall_server.auth import MAX_BODY, Terminal, require
from hall_server.ticket_blocks import Refused

router = APIRouter(prefix="/v1/sync", tags=["sync"])

ANY_TERMINAL = ("citizen", "clerk", "display", "technician")
_SHA256 = r"^[0-9a-f]{64}$"
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # no "5" for 5, no unknown fields


class ChunkBody(_Strict):
    total: int = Field(ge=0, le=2**53)
    offset: int = Field(ge=0, le=2**53)
    data: str = Field(max_length=MAX_BODY)


class RecordBody(_Strict):
    kind: str = Field(max_length=32)
    record: dict[str, Any]


class LeaseBody(_Strict):
    lease_id: str = Field(pattern=_UUID)
    service_prefix: str = Field(pattern=r"^[A-Z]{1,2}$")
    size: int = Field(default=50, ge=1, le=200)


def _refused(exc: Refused) -> JSONResponse:
    error = {**exc.details, "reason": exc.reason, "message": exc.message}
    return JSONResponse({"error": error}, status_code=exc.status)


@router.get("/attachments/{sha256}", responses=ERRORS, summary="How much of an attachment the server holds")
async def attachment_status(request: Request, sha256: str = Path(pattern=_SHA256),
                            terminal: Terminal = Depends(require(*ANY_TERMINAL))) -> dict:
    return await call(request, store(request).attachment_status, terminal.id, sha256)


@router.post("/attachments/{sha256}", responses=ERRORS, summary="One chunk of an attachment, at an offset")
async def attachment_chunk(body: ChunkBody, request: Request, sha256: str = Path(pattern=_SHA256),
                           terminal: Terminal = Depends(require(*ANY_TERMINAL))):
    try:
        return await call(request, store(request).put_attachment_chunk, terminal.id, sha256, body.total, body.offset,
                          body.data)
    except Refused as exc:
        return _refused(exc)


@router.post("/records/{record_id}", responses=ERRORS, summary="A record from a terminal's outbox (once)")
async def record(body: RecordBody, request: Request, record_id: str = Path(pattern=_UUID),
                 terminal: Terminal = Depends(require(*ANY_TERMINAL))):
    try:
        answer, created = await call(request, store(request).sync_record, terminal_id=terminal.id,
                                     record_id=record_id, kind=body.kind, record=body.record, role=terminal.role)
    except Refused as exc:
        return _refused(exc)
    return JSONResponse(answer, status_code=201 if created else 200)


@router.post("/ticket-blocks", responses=ERRORS, summary="Lease a block of today's numbers for offline issuing")
async def ticket_block(body: LeaseBody, request: Request, terminal: Terminal = Depends(require("citizen"))):
    try:
        return await call(request, store(request).lease_ticket_block, terminal_id=terminal.id,
                          lease_id=body.lease_id, service_prefix=body.service_prefix, size=body.size)
    except Refused as exc:
        return _refused(exc)


def _reference_hall(s) -> dict:
    info = asdict(s.hall_info())
    for service in info["services"]:  # today's counts change all day: not reference data
        service.pop("available", None)
        service.pop("waiting", None)
    return info


@router.get("/reference/hall", responses=ERRORS, summary="The hall's reference data, with an ETag")
async def reference_hall(request: Request, terminal: Terminal = Depends(require(*ANY_TERMINAL))):
    return reference_answer(request, await call(request, _reference_hall, store(request)))


@router.get("/reference/technicians", responses=ERRORS,
            summary="The PIN verifiers of the staff with the technician right, for locked-down kiosks, with an ETag")
async def reference_technicians(request: Request, terminal: Terminal = Depends(require("citizen"))):
    from hall_server.technicians import technicians_reference

    return reference_answer(request, await call(request, technicians_reference, store(request)))
