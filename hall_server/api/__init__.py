"""The API areas of the hall server, one APIRouter per module (see ``hall_server.app.ROUTERS``).

Routes are ``async`` and hand the store's blocking work to ``call(request, fn, …)``, which runs it on the
app's own thread pool (see app.py).
"""

from __future__ import annotations

from fastapi import Request

from hall_server.models import ErrorBody

# What every signed route may answer besides its success (for /openapi.json).
ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 415, 422, 429, 503)}


async def no_body(request: Request) -> None:
    """For actions that take no body: anything but nothing (or ``{}``) is a malformed request."""
    body = (await request.body()).strip()
    if body not in (b"", b"{}"):
        from hall_server.problems import HallError

        raise HallError("invalid_request", "this action takes no request body")


async def call(request: Request, fn, /, *args, **kwargs):
    return await request.app.state.run(fn, *args, **kwargs)


def store(request: Request):
    return request.app.state.store


def reference_answer(request: Request, body):
    """A reference document as JSON with its ETag; 304 when the terminal holds the same (If-None-Match)."""
    import hashlib
    import json

    from fastapi.responses import Response

    data = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(data, media_type="application/json", headers={"ETag": etag})
