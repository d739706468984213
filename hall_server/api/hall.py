"""Hall information (every role) and the unauthenticated health check."""

from __future__ import annotations


from fastapi import APIRouter, Depends, Request

from core import __version__
from hall_server.api import ERRORS, call, store
from hall_server.auth import Terminal, require
from hall_server.models import HallModel, Health

router = APIRouter(prefix="/v1", tags=["hall"])


@router.get("/health", response_model=Health, summary="Is the server up (no signature needed)")
async def health(request: Request) -> Health:
    s = store(request)
    hall = await call(request, lambda: s.hall_info().id if s.has_hall() else None)
    return Health(ok=True, version=__version__, hall=hall)


@router.get("/hall", response_model=HallModel, responses=ERRORS,
            summary="The hall, its services with today's availability and waiting counts, its windows")
async def hall_info(request: Request,
                    terminal: Terminal = Depends(require("citizen", "clerk", "display", "technician"))) -> HallModel:
    info = await call(request, store(request).hall_info)
    return HallModel.model_validate(info, from_attributes=True)
