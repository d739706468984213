"""What an ``application``, ``notice`` or ``pre_application`` record must hold before it may open a case.

The server never trusts the terminal (docs/hall-server.md, "Cases"): every record of these kinds is checked
here, before anything is written, against the platform's own data:

- its shape (pydantic, strict, no unknown field): ``invalid_request`` naming the field;
- the kind against the terminal's role: applications and notices come from clerk windows, pre-applications
  from citizen kiosks (``forbidden_role``);
- the matter against the platform's catalogue (``hall_server.api.matters.matter_catalogue``):
  ``matter_unknown``; the form version the terminal used against the catalogue's current one (the served
  entry's ``"version"``: the hall's own, or a hash of the entry's content, api/matters.py): ``form_outdated``,
  with ``current_version``;
- the form data with ``core.services.forms.MatterForm.validate`` on the form the catalogue serves
  (``served_form``), and the material ids against the matter's list: ``form_invalid``, with every problem
  as ``{path, key, params}``. An application must account for every required material: received, or
  named as a 容缺 item (``deficiencies``); one that is not is the problem ``materials``,
  ``form.problem.required`` with ``params.material`` naming it;
- the clerk (a known staff id, allowed at that window) and the window;
- the time of the act (``accepted_at``, ``given_at``, ``submitted_at``: ISO 8601 with an offset) neither
  later than the server's clock plus ``CLOCK_SKEW_S`` nor older than ``MAX_AGE_DAYS`` (a record may wait
  offline for days, not for months).

``check(...)`` returns a ``Checked`` that ``hall_server.cases.open_case`` turns into a case in the same
transaction that stores the record.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.ports.outbox import RecordKind
from core.services.catalogue_schema import served_form
from core.services.forms import FormDefinitionError, FormProblem, MatterForm
from hall_server.api.matters import matter_catalogue
from hall_server.problems import HallError
from hall_server.ticket_blocks import Refused

log = logging.getLogger(__name__)

KINDS = frozenset({RecordKind.APPLICATION, RecordKind.NOTICE, RecordKind.PRE_APPLICATION})
ROLES = {RecordKind.APPLICATION: "clerk", RecordKind.NOTICE: "clerk", RecordKind.PRE_APPLICATION: "citizen"}
CLOCK_SKEW_S = 300
MAX_AGE_DAYS = 30
DEFAULT_VERSION = "1"  # an entry without "version" (the served catalogue always gives one)

MATTER = r"^[0-9A-Z-]{1,32}$"
MATERIAL_ID = r"^[A-Za-z0-9_.-]{1,32}$"
STAFF_ID = r"^[A-Za-z0-9._:-]{1,64}$"
TRACKING = r"^[0-9]{20}$"
ID_NUMBER = r"^[0-9A-Za-z]{6,32}$"  # a resident ID (18 characters) or another document's number
MaterialId = Annotated[str, Field(pattern=MATERIAL_ID)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Received(_Strict):
    """A material received (or captured at the kiosk): its id in the matter, the pages scanned (0: an
    original checked or an e-licence)."""

    id: MaterialId
    pages: int = Field(ge=0, le=500)


class ApplicationContent(_Strict):
    matter_code: str = Field(pattern=MATTER)
    version: str = Field(min_length=1, max_length=32)
    form: dict[str, Any]
    materials: list[Received] = Field(max_length=100)
    deficiencies: list[MaterialId] = Field(default_factory=list, max_length=100)  # 容缺: to follow later
    window: int = Field(ge=1, le=9999)
    clerk: str = Field(pattern=STAFF_ID)
    accepted_at: str = Field(max_length=40)
    pre_application: str | None = Field(None, pattern=TRACKING)  # the case number of a 自助申报 it accepts
    ticket_number: str | None = Field(None, pattern=r"^[A-Z]{1,2}[0-9]{3,4}$")
    # who may collect the result (lockers.py keeps only their HMACs): the ID card read at the window, and
    # any proxy the applicant registered (代领人)
    applicant_id: str | None = Field(None, pattern=ID_NUMBER)
    proxy_ids: list[Annotated[str, Field(pattern=ID_NUMBER)]] = Field(default_factory=list, max_length=5)


class NoticeContent(_Strict):
    matter_code: str = Field(pattern=MATTER)
    missing: list[MaterialId] = Field(min_length=1, max_length=100)
    window: int = Field(ge=1, le=9999)
    clerk: str = Field(pattern=STAFF_ID)
    given_at: str = Field(max_length=40)
    ticket_number: str | None = Field(None, pattern=r"^[A-Z]{1,2}[0-9]{3,4}$")


class PreApplicationContent(_Strict):
    matter_code: str = Field(pattern=MATTER)
    version: str = Field(min_length=1, max_length=32)
    form: dict[str, Any]
    materials: list[Received] = Field(default_factory=list, max_length=100)
    submitted_at: str = Field(max_length=40)
    applicant_id: str | None = Field(None, pattern=ID_NUMBER)  # the ID card read at the kiosk


MODELS: dict[str, type[_Strict]] = {RecordKind.APPLICATION: ApplicationContent, RecordKind.NOTICE: NoticeContent,
                                    RecordKind.PRE_APPLICATION: PreApplicationContent}
_TIME_FIELD = {RecordKind.APPLICATION: "accepted_at", RecordKind.NOTICE: "given_at",
               RecordKind.PRE_APPLICATION: "submitted_at"}


@dataclass(frozen=True)
class Checked:
    """A record that may open (or move) a case: its kind, the catalogue entry, the content, when it
    happened (Unix seconds), who did it (staff id, or the kiosk's terminal id) and at which window."""

    kind: str
    matter: dict
    content: _Strict
    at: float
    actor: str
    window: int | None
    pre_application: str | None = None


def current_version(entry: dict) -> str:
    return str(entry.get("version", DEFAULT_VERSION))


def find_matter(hall_store, code: str) -> dict | None:
    return next((m for m in matter_catalogue(hall_store)["matters"] if m.get("code") == code), None)


def _invalid(exc: ValidationError) -> Refused:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ())) or "content"
    return Refused("invalid_request", f"content.{where}: {first.get('msg', 'invalid')}", 400)


def _problem_dict(p: FormProblem) -> dict:
    return {"path": p.path, "key": p.key, "params": {k: v for k, v in p.params.items()
                                                     if isinstance(v, (str, int, float, bool))}}


def form_problems(entry: dict, data: dict) -> list[FormProblem]:
    form = served_form(entry)
    if form is None:
        return [] if not data else [FormProblem("", "form.problem.invalid")]
    try:
        return MatterForm.from_json(form).validate(data)
    except FormDefinitionError as exc:
        log.error("the catalogue's form of matter %s is not a form: %s", entry.get("code"), exc)
        raise HallError("internal_error", "the platform's form of this matter is broken") from None


def _material_problems(entry: dict, kind: str, c: _Strict) -> list[FormProblem]:
    ids = [m.get("id") for m in entry.get("materials", [])]
    problems = []
    for i, m in enumerate(getattr(c, "materials", [])):
        if m.id not in ids:
            problems.append(FormProblem(f"materials[{i}].id", "form.problem.choice"))
    for name in ("deficiencies", "missing"):
        for i, material_id in enumerate(getattr(c, name, [])):
            if material_id not in ids:
                problems.append(FormProblem(f"{name}[{i}]", "form.problem.choice"))
    if kind == RecordKind.APPLICATION:
        accounted = {m.id for m in c.materials} | set(c.deficiencies)
        for m in entry.get("materials", []):
            if m.get("required") and m.get("id") not in accounted:
                problems.append(FormProblem("materials", "form.problem.required", {"material": m.get("id")}))
    return problems


def _when(hall_store, field: str, value: str) -> float:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise Refused("invalid_request", f"content.{field}: not an ISO 8601 date and time", 400) from None
    if at.tzinfo is None:
        raise Refused("invalid_request", f"content.{field}: needs its UTC offset", 400)
    now = hall_store.clock.now()
    if at > now + timedelta(seconds=CLOCK_SKEW_S):
        raise Refused("invalid_request", f"content.{field}: lies in the future", 400)
    if at < now - timedelta(days=MAX_AGE_DAYS):
        raise Refused("invalid_request", f"content.{field}: older than {MAX_AGE_DAYS} days", 400)
    return at.timestamp()


def _check_clerk(hall_store, clerk: str, window: int) -> None:
    con = hall_store._con()
    if con.execute("SELECT 1 FROM windows WHERE number = ?", (window,)).fetchone() is None:
        raise Refused("invalid_request", "content.window: no such window", 400)
    row = con.execute("SELECT windows FROM staff WHERE staff_id = ?", (clerk,)).fetchone()
    if row is None:
        raise Refused("invalid_request", "content.clerk: no such staff id", 400)
    allowed = json.loads(row[0])
    if allowed and window not in allowed:
        raise Refused("invalid_request", f"content.clerk: not assigned to window {window}", 400)


def check(hall_store, *, kind: str, content: Any, terminal_id: str, role: str | None) -> Checked:
    """The record's content checked against the platform's data; ``Refused`` (or ``HallError``) if not."""
    if role is not None and ROLES[kind] != role:
        raise Refused("forbidden_role", f"a {kind} record comes from a {ROLES[kind]} terminal", 403)
    try:
        c = MODELS[kind].model_validate(content)
    except ValidationError as exc:
        raise _invalid(exc) from None
    entry = find_matter(hall_store, c.matter_code)
    if entry is None:
        raise Refused("matter_unknown", f"matter {c.matter_code} is not in the platform's catalogue", 422)
    if kind != RecordKind.NOTICE and c.version != current_version(entry):
        current = current_version(entry)
        raise Refused("form_outdated", f"form version {c.version} is not the current one ({current})", 422,
                      details={"current_version": current})
    problems = (form_problems(entry, c.form) if kind != RecordKind.NOTICE else []) \
        + _material_problems(entry, kind, c)
    if problems:
        first = problems[0]
        raise Refused("form_invalid", f"{len(problems)} problem(s), the first at '{first.path}': {first.key}",
                      422, details={"problems": [_problem_dict(p) for p in problems]})
    at = _when(hall_store, _TIME_FIELD[kind], getattr(c, _TIME_FIELD[kind]))
    if kind == RecordKind.PRE_APPLICATION:
        return Checked(kind, entry, c, at, terminal_id, None)
    _check_clerk(hall_store, c.clerk, c.window)
    return Checked(kind, entry, c, at, c.clerk, c.window, getattr(c, "pre_application", None))
