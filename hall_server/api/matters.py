"""The matter catalogue (事项目录) of the hall: what each matter needs, served to every terminal.

    GET /v1/sync/reference/matters     {"matters": [{code, name, name_en, department, service, promised_days,
                                        fee, materials: [{id, name, required, form, elicence, note}], fields}]}
                                        ETag, and 304 on a matching If-None-Match

The path sits beside ``/v1/sync/reference/hall`` so the terminals' ``offline_cache.ReferenceCache`` caches it
as ``"matters"`` (the clerk window works offline from the cached copy). The catalogue lives in its own table
``matters`` of the hall's database, one JSON row per matter in the hall file's order; ``load_matters(store,
data)`` fills it from the ``matters`` list of a hall file (sample_data/hall.json) and is called where the hall
is seeded (runner._open_store, the demo, tests). Signed like every /v1 request; any terminal role may read it.
Reference data: no personal data.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hall_server.api import ERRORS, call, store
from hall_server.auth import Terminal, require

router = APIRouter(prefix="/v1/sync/reference", tags=["matters"])

SCHEMA = "CREATE TABLE IF NOT EXISTS matters (code TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL)"
_MATTER_KEYS = ("code", "name", "name_en", "department", "service", "kind", "promised_days", "legal_days", "fee")
_MATERIAL_KEYS = ("id", "name", "required", "form", "elicence", "note", "source")


def _clean_matter(i: int, m: Any) -> dict:
    where = f"matters[{i}]"
    if not isinstance(m, dict) or not isinstance(m.get("code"), str) or not m["code"]:
        raise ValueError(f"{where}.code is required")
    if not isinstance(m.get("name"), str) or not m["name"]:
        raise ValueError(f"{where}.name is required")
    materials = m.get("materials") or []
    if not isinstance(materials, list):
        raise ValueError(f"{where}.materials must be a list")
    out = {k: m[k] for k in _MATTER_KEYS if k in m}
    out["materials"] = []
    for j, mat in enumerate(materials):
        if not isinstance(mat, dict) or not isinstance(mat.get("id"), str) or not isinstance(mat.get("name"), str):
            raise ValueError(f"{where}.materials[{j}] needs an id and a name")
        out["materials"].append({k: mat[k] for k in _MATERIAL_KEYS if k in mat})
    out["fields"] = [f for f in (m.get("fields") or []) if isinstance(f, dict)]
    return out


def _ensure(hall_store) -> None:
    with hall_store._write() as con:
        con.execute(SCHEMA)


def load_matters(hall_store, data: dict) -> int:
    """Replaces the catalogue with ``data["matters"]`` (a hall file); returns how many. ValueError names the
    field that is wrong (nothing is replaced then)."""
    rows = [_clean_matter(i, m) for i, m in enumerate(data.get("matters") or [])]
    if len({r["code"] for r in rows}) != len(rows):
        raise ValueError("matters: two matters share a code")
    _ensure(hall_store)
    with hall_store._write() as con:
        con.execute("DELETE FROM matters")
        con.executemany("INSERT INTO matters (code, position, body) VALUES (?, ?, ?)",
                        [(r["code"], i, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(rows)])
    return len(rows)


def matter_catalogue(hall_store) -> dict:
    _ensure(hall_store)
    rows = hall_store._con().execute("SELECT body FROM matters ORDER BY position").fetchall()
    return {"matters": [json.loads(r[0]) for r in rows]}


@router.get("/matters", responses=ERRORS, summary="The hall's matter catalogue (materials, forms), with an ETag")
async def reference_matters(request: Request, terminal: Terminal = Depends(require("citizen", "clerk", "display",
                                                                                    "technician"))):
    body = await call(request, matter_catalogue, store(request))
    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(data, media_type="application/json", headers={"ETag": etag})
