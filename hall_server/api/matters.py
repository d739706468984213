"""The matter catalogue (事项目录) of the hall: every matter's whole service guide, served to every terminal.

    GET /v1/sync/reference/matters     {"matters": [entry + {"form", "version"}, ...], "synonyms": {word: means},
                                        "calendar": [year, ...]}
                                        ETag, and 304 on a matching If-None-Match

Each entry is the whole guide as the hall keeps it (core/services/catalogue_schema.py, docs/guide.md: the
department, conditions, materials, steps, time limits, fees, place, FAQ …), served whole, plus ``form`` (the
entry's own, or the one its simple field list stands for) and ``version`` (the entry's own, or a short hash of
its content, so a terminal can tell an edited guide). ``synonyms`` are the hall's search words (生孩子 → 出生).

The path sits beside ``/v1/sync/reference/hall`` so the terminals' ``offline_cache.ReferenceCache`` caches it
as ``"matters"`` (the clerk window works offline from the cached copy). The catalogue lives in the table
``matters`` of the hall's database, one JSON row per matter as the hall wrote it, in the hall file's order,
and the synonyms in ``matter_synonyms``. ``load_matters(store, data)`` checks every entry of a hall file
(sample_data/hall.json) and replaces the catalogue only when all are good; it is called where the hall is
seeded (runner._open_store, the demo, tests) and by ``kiosk hall-admin matters import`` (catalogue_io.py).
Signed like every /v1 request; any terminal role may read it. Reference data: no personal data.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from core.services.catalogue_schema import matter_problems, served_form
from hall_server.api import ERRORS, call, store
from hall_server.auth import Terminal, require

router = APIRouter(prefix="/v1/sync/reference", tags=["matters"])

SCHEMA = ("CREATE TABLE IF NOT EXISTS matters (code TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL)",
          "CREATE TABLE IF NOT EXISTS matter_synonyms (word TEXT PRIMARY KEY, position INTEGER NOT NULL, "
          "means TEXT NOT NULL)")
MAX_MATTERS = 5000
MAX_SYNONYMS = 2000


def _code_of(entry: Any) -> str:
    code = entry.get("code") if isinstance(entry, dict) else None
    return code if isinstance(code, str) and code else "?"


def catalogue_problems(data: Any) -> list[str]:
    """Every problem with a hall file's catalogue (``matters`` and ``synonyms``), as
    ``matters[i] (CODE).place: reason`` lines; [] when it may be loaded."""
    if not isinstance(data, dict):
        return ["(file): not an object with a list of matters"]
    matters = data.get("matters") or []
    if not isinstance(matters, list):
        return ["matters: not a list"]
    if len(matters) > MAX_MATTERS:
        return [f"matters: {len(matters)} matters, more than {MAX_MATTERS}"]
    problems, first = [], {}
    for i, entry in enumerate(matters):
        where = f"matters[{i}] ({_code_of(entry)})"
        for problem in matter_problems(entry):
            problems.append(f"{where}{problem.removeprefix('(entry)')}" if problem.startswith("(entry)")
                            else f"{where}.{problem}")
        code = _code_of(entry)
        if code != "?" and code in first:
            problems.append(f"{where}.code: the same code as matters[{first[code]}]")
        first.setdefault(code, i)
    synonyms = data.get("synonyms", {})
    if not isinstance(synonyms, dict) or len(synonyms) > MAX_SYNONYMS or not all(
            isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 40 and 0 < len(v) <= 40
            for k, v in synonyms.items()):
        problems.append(f"synonyms: an object of at most {MAX_SYNONYMS} words, each word and meaning 1–40 characters")
    return problems


def _ensure(hall_store) -> None:
    with hall_store._write() as con:
        for statement in SCHEMA:
            con.execute(statement)


def load_matters(hall_store, data: dict) -> int:
    """Replaces the catalogue with ``data["matters"]`` (a hall file) and, when the file has them, the hall's
    ``synonyms``; returns how many matters. A file with any bad entry loads nothing: ValueError lists every
    problem, one per line."""
    problems = catalogue_problems(data)
    if problems:
        raise ValueError("\n".join(problems))
    matters = data.get("matters") or []
    _ensure(hall_store)
    with hall_store._write() as con:
        con.execute("DELETE FROM matters")
        con.executemany("INSERT INTO matters (code, position, body) VALUES (?, ?, ?)",
                        [(m["code"], i, json.dumps(m, ensure_ascii=False)) for i, m in enumerate(matters)])
        if "synonyms" in data:
            con.execute("DELETE FROM matter_synonyms")
            con.executemany("INSERT INTO matter_synonyms (word, position, means) VALUES (?, ?, ?)",
                            [(word, i, means) for i, (word, means) in enumerate(data["synonyms"].items())])
    return len(matters)


def catalogue_source(hall_store) -> dict:
    """The catalogue as the hall wrote it (``{"matters": [...], "synonyms": {...}}``): what export writes."""
    _ensure(hall_store)
    con = hall_store._con()
    rows = con.execute("SELECT body FROM matters ORDER BY position").fetchall()
    synonyms = con.execute("SELECT word, means FROM matter_synonyms ORDER BY position").fetchall()
    return {"matters": [json.loads(r[0]) for r in rows], "synonyms": {w: m for w, m in synonyms}}


def content_version(entry: dict) -> str:
    """A short hash of an entry's content: its version when the hall gave it none."""
    text = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "h" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@functools.lru_cache(maxsize=1024)
def _served(body: str) -> str:
    entry = json.loads(body)
    whole = {**entry, "version": entry.get("version") or content_version(entry)}
    form = served_form(whole)
    if form is not None:
        whole["form"] = form
    return json.dumps(whole, ensure_ascii=False)


def matter_catalogue(hall_store) -> dict:
    """The answer of GET /v1/sync/reference/matters: every entry whole, with its form and version, and the
    hall's synonyms. Forms are built once per entry's content (cached), not per request."""
    _ensure(hall_store)
    con = hall_store._con()
    rows = con.execute("SELECT body FROM matters ORDER BY position").fetchall()
    synonyms = con.execute("SELECT word, means FROM matter_synonyms ORDER BY position").fetchall()
    return {"matters": [json.loads(_served(r[0])) for r in rows], "synonyms": {w: m for w, m in synonyms},
            "calendar": _calendar(con)}


def _calendar(con) -> list:
    """The hall's calendar (hall_server/cases.py keeps it): terminals count a receipt's promised date on the
    same working days as the platform counts the case's."""
    try:
        row = con.execute("SELECT body FROM case_reference WHERE name = 'calendar'").fetchone()
    except sqlite3.OperationalError:  # a hall seeded before cases: no calendar table yet
        return []
    return json.loads(row[0]) if row else []


@router.get("/matters", responses=ERRORS, summary="The hall's matter catalogue (whole guides, forms), with an ETag")
async def reference_matters(request: Request, terminal: Terminal = Depends(require("citizen", "clerk", "display",
                                                                                    "technician"))):
    body = await call(request, matter_catalogue, store(request))
    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(data, media_type="application/json", headers={"ETag": etag})
