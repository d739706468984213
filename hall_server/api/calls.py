"""Call events for the hall display: a long poll, and a Server-Sent Events stream.

``GET /v1/calls?after=SEQ&wait=S`` answers at once when there are events after SEQ, otherwise waits up to S
seconds (at most 25) for one. Waiting costs no thread: the route sleeps on the event loop and looks at
``store.last_call_seq`` (an integer the store raises after each committed call) every 50 ms; only when it
moved past SEQ does it read the events from SQLite. ``GET /v1/calls/stream?after=SEQ`` sends the same
events as ``text/event-stream`` (``id: seq``, ``data: {event JSON}``), with a comment line every 15 s to
keep proxies from closing it. Both end early when the server is shutting down.
"""

from __future__ import annotations

import asyncio
import json
import time

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from hall_server.api import ERRORS, call, store
from hall_server.auth import Terminal, require
from hall_server.models import CallEventModel, CallEventsModel

router = APIRouter(prefix="/v1/calls", tags=["calls"])
MAX_WAIT_S = 25.0
POLL_S = 0.05
KEEPALIVE_S = 15.0
readers = require("display", "clerk")


async def _wait_for_events(request: Request, after: int, wait: float) -> None:
    s = store(request)
    deadline = time.monotonic() + wait
    while s.last_call_seq <= after and time.monotonic() < deadline and not request.app.state.closing:
        await asyncio.sleep(POLL_S)


@router.get("", response_model=CallEventsModel, responses=ERRORS,
            summary="Call events after a sequence number (long poll up to `wait` seconds)")
async def call_events(request: Request, after: int = Query(0, ge=0, le=2**62),
                      wait: float = Query(0.0, ge=0.0, le=MAX_WAIT_S),
                      terminal: Terminal = Depends(readers)) -> CallEventsModel:
    await _wait_for_events(request, after, wait)
    top = store(request).last_call_seq  # read before the query: a call committed after it is not skipped
    events = await call(request, store(request).call_events, after)
    last = max([after, top] + [e.seq for e in events])
    return CallEventsModel(events=[CallEventModel.model_validate(e, from_attributes=True) for e in events], last_seq=last)


@router.get("/stream", responses=ERRORS, response_class=StreamingResponse,
            summary="Call events as Server-Sent Events (text/event-stream)")
async def call_stream(request: Request, after: int = Query(0, ge=0, le=2**62),
                      terminal: Terminal = Depends(readers)) -> StreamingResponse:
    async def events():
        seen = after
        while not request.app.state.closing and not await request.is_disconnected():
            await _wait_for_events(request, seen, KEEPALIVE_S)
            if request.app.state.closing:
                break
            top = store(request).last_call_seq  # read before the query: a call committed after it is not lost
            batch = await call(request, store(request).call_events, seen)
            if not batch:  # a timeout, or only events of an earlier day
                seen = max(seen, top)
                yield ": keep-alive\n\n"
                continue
            for event in batch:
                seen = max(seen, event.seq)
                data = json.dumps(CallEventModel.model_validate(event, from_attributes=True).model_dump(mode="json"),
                                  ensure_ascii=False)
                yield f"id: {event.seq}\ndata: {data}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
