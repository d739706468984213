"""What a ``rating`` record (好差评) must hold before the platform keeps it, and the hall's rating reference.

The server never trusts the terminal (docs/evaluation.md, "The rating record"); every rating is checked
here, before anything is written:

- its shape (pydantic, strict, no unknown field): ``invalid_request`` naming the field;
- the channel against the sending terminal's role: ``window_pad`` from a clerk window, ``kiosk`` from a
  citizen kiosk; ``web`` and ``app`` ratings reach the provincial platform by its own channels, never from a
  hall terminal (``forbidden_role``);
- what was rated: a case number (of a case this platform holds) or, for a service that opens no case, a
  ticket number; the matter against the catalogue (``matter_unknown``) and, with a case, the case's matter;
- the level 1..5; a 差评 (level 2 or less) names at least one reason, every reason a code of the hall's
  list (``rating_reason_unknown``: the list changed since the terminal cached it); a better level names none;
- the window, the service and every clerk evaluated (known staff, allowed at that window); a window pad's
  rating names its window and at least one clerk;
- the citizen's words: at most ``MAX_TEXT`` characters, no control character (emoji and rare characters kept);
- ``rated_at`` with its offset, neither in the future nor older than ``MAX_AGE_DAYS``.

The hall's reference (``load_rating_reference``, from the hall file's ``rating`` section) is served to every
terminal at ``/v1/sync/reference/rating``: the five levels with their words, the reason list, and
``follow_up_days``, the working days a 差评's follow-up has (default ``DEFAULT_FOLLOW_UP_DAYS``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.domain.rating import MAX_CLERKS, MAX_REASONS, MAX_TEXT, RatingChannel, is_low, text_problem
from hall_server.case_records import MATTER, STAFF_ID, TRACKING, _invalid, _when, find_matter
from hall_server.ticket_blocks import Refused

DEFAULT_FOLLOW_UP_DAYS = 15
MAX_FOLLOW_UP_DAYS = 60
REASON_CODE = r"^[a-z0-9_]{1,32}$"
TICKET = r"^[A-Z]{1,2}[0-9]{3,4}$"
ROLES = {RatingChannel.WINDOW_PAD: "clerk", RatingChannel.KIOSK: "citizen"}
DEFAULT_LEVELS = [{"value": 5, "label": "非常满意", "label_en": "Very satisfied"},
                  {"value": 4, "label": "满意", "label_en": "Satisfied"},
                  {"value": 3, "label": "基本满意", "label_en": "Fairly satisfied"},
                  {"value": 2, "label": "不满意", "label_en": "Dissatisfied"},
                  {"value": 1, "label": "非常不满意", "label_en": "Very dissatisfied"}]
_CODE = re.compile(REASON_CODE)


class RatingContent(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    channel: Literal["window_pad", "kiosk", "web", "app"]
    level: int = Field(ge=1, le=5)
    rated_at: str = Field(max_length=40)
    department: str = Field(min_length=1, max_length=64)
    case_number: str | None = Field(None, pattern=TRACKING)
    ticket_number: str | None = Field(None, pattern=TICKET)
    matter_code: str | None = Field(None, pattern=MATTER)
    matter_version: str | None = Field(None, min_length=1, max_length=32)
    service: str | None = Field(None, pattern=r"^[A-Z]{1,2}$")
    window: int | None = Field(None, ge=1, le=9999)
    clerks: list[Annotated[str, Field(pattern=STAFF_ID)]] = Field(default_factory=list, max_length=MAX_CLERKS)
    reasons: list[Annotated[str, Field(pattern=REASON_CODE)]] = Field(default_factory=list, max_length=MAX_REASONS)
    text: str = Field("", max_length=4 * MAX_TEXT)  # a bound on the body; text_problem gives the precise one
    applicant_ref: str | None = Field(None, pattern=r"^[\x21-\x7e]{1,128}$")


@dataclass(frozen=True)
class CheckedRating:
    """A rating that may be kept: its content, when it was made (Unix seconds) and the service day it was
    made on, and what it rates (``subject``: ``case:<number>`` or ``ticket:<day>:<number>``, one rating per
    subject and channel)."""

    content: RatingContent
    at: float
    day: str
    subject: str


# --- the hall's reference ---------------------------------------------------------------------------------

def reference_problems(section: Any) -> list[str]:
    """What is wrong with a hall file's ``rating`` section ([] when it may be loaded)."""
    if not isinstance(section, dict):
        return ["rating: an object with a list of reasons"]
    problems, seen = [], set()
    reasons = section.get("reasons", [])
    if not isinstance(reasons, list) or len(reasons) > 50:
        return ["rating.reasons: a list of at most 50 reasons"]
    for i, r in enumerate(reasons):
        code = r.get("code") if isinstance(r, dict) else None
        if not (isinstance(code, str) and _CODE.match(code)) or code in seen:
            problems.append(f"rating.reasons[{i}].code: 1–32 lower-case letters, digits or '_', each once")
        if not (isinstance(r, dict) and isinstance(r.get("label"), str) and 0 < len(r["label"]) <= 40
                and isinstance(r.get("label_en", ""), str) and len(r.get("label_en", "")) <= 80):
            problems.append(f"rating.reasons[{i}].label: 1–40 characters (label_en at most 80)")
        seen.add(code)
    days = section.get("follow_up_days", DEFAULT_FOLLOW_UP_DAYS)
    if not (isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= MAX_FOLLOW_UP_DAYS):
        problems.append(f"rating.follow_up_days: a whole number of working days, 1–{MAX_FOLLOW_UP_DAYS}")
    levels = section.get("levels", DEFAULT_LEVELS)
    if not (isinstance(levels, list) and all(isinstance(lv, dict) and isinstance(lv.get("label"), str)
                                             and lv.get("value") in (1, 2, 3, 4, 5) for lv in levels)
            and sorted(lv["value"] for lv in levels) == [1, 2, 3, 4, 5]):
        problems.append("rating.levels: the five levels 5..1, each with its label")
    return problems


def load_rating_reference(hall_store, data: dict) -> None:
    """Keeps the hall file's ``rating`` section (none: no reasons, the default deadline). ValueError lists
    what is wrong (nothing is replaced then)."""
    section = data.get("rating", {}) if isinstance(data, dict) else None
    problems = reference_problems(section)
    if problems:
        raise ValueError("\n".join(problems))
    body = {"levels": section.get("levels", DEFAULT_LEVELS),
            "reasons": [{"code": r["code"], "label": r["label"], "label_en": r.get("label_en", "")}
                        for r in section.get("reasons", [])],
            "follow_up_days": section.get("follow_up_days", DEFAULT_FOLLOW_UP_DAYS)}
    with hall_store._write() as con:
        con.execute("INSERT INTO case_reference VALUES ('rating', ?)"
                    " ON CONFLICT (name) DO UPDATE SET body = excluded.body",
                    (json.dumps(body, ensure_ascii=False),))


def rating_reference(hall_store, con=None) -> dict:
    """What ``/v1/sync/reference/rating`` answers: levels, reasons and follow_up_days."""
    row = (con or hall_store._con()).execute("SELECT body FROM case_reference WHERE name = 'rating'").fetchone()
    return json.loads(row[0]) if row else {"levels": DEFAULT_LEVELS, "reasons": [],
                                           "follow_up_days": DEFAULT_FOLLOW_UP_DAYS}


def has_rating_reference(hall_store) -> bool:
    return hall_store._con().execute("SELECT 1 FROM case_reference WHERE name = 'rating'").fetchone() is not None


# --- checking a record ------------------------------------------------------------------------------------

def _bad(field: str, why: str) -> Refused:
    return Refused("invalid_request", f"content.{field}: {why}", 400)


def _check_people(con, c: RatingContent) -> None:
    if c.window is not None and con.execute("SELECT 1 FROM windows WHERE number = ?", (c.window,)).fetchone() is None:
        raise _bad("window", "no such window")
    if c.service is not None and con.execute("SELECT 1 FROM services WHERE prefix = ?",
                                             (c.service,)).fetchone() is None:
        raise _bad("service", "no such service")
    if len(set(c.clerks)) != len(c.clerks):
        raise _bad("clerks", "a clerk is named twice")
    for i, clerk in enumerate(c.clerks):
        row = con.execute("SELECT windows FROM staff WHERE staff_id = ?", (clerk,)).fetchone()
        if row is None:
            raise _bad(f"clerks[{i}]", "no such staff id")
        allowed = json.loads(row[0])
        if c.window is not None and allowed and c.window not in allowed:
            raise _bad(f"clerks[{i}]", f"not assigned to window {c.window}")
    if c.channel == RatingChannel.WINDOW_PAD and (c.window is None or not c.clerks):
        raise _bad("clerks", "a window pad's rating names its window and the clerk(s) evaluated")


def _check_subject(hall_store, con, c: RatingContent) -> None:
    if c.case_number is None and c.ticket_number is None:
        raise _bad("case_number", "a rating names a case number, or a ticket number for a service with no case")
    if (c.matter_code is None) != (c.matter_version is None):
        raise _bad("matter_version", "a matter is named with its version")
    if c.matter_code is not None and find_matter(hall_store, c.matter_code) is None:
        raise Refused("matter_unknown", f"matter {c.matter_code} is not in the platform's catalogue", 422)
    if c.case_number is not None:
        row = con.execute("SELECT matter_code FROM cases WHERE tracking = ?", (c.case_number,)).fetchone()
        if row is None:
            raise _bad("case_number", "no case with this number")
        if c.matter_code is not None and row[0] != c.matter_code:
            raise _bad("matter_code", "not the matter of this case")


def _check_reasons(hall_store, con, c: RatingContent) -> None:
    if is_low(c.level) and not c.reasons:
        raise _bad("reasons", "a 差评 (level 2 or less) names at least one reason")
    if not is_low(c.level) and c.reasons:
        raise _bad("reasons", "only a 差评 (level 2 or less) names reasons")
    if len(set(c.reasons)) != len(c.reasons):
        raise _bad("reasons", "a reason is named twice")
    known = {r["code"] for r in rating_reference(hall_store, con)["reasons"]}
    for i, code in enumerate(c.reasons):
        if code not in known:
            raise Refused("rating_reason_unknown", f"content.reasons[{i}]: {code} is not in the hall's reason list "
                                                   "(refresh the rating reference)", 422)
    problem = text_problem(c.text)
    if problem:
        raise _bad("text", problem)


def check(hall_store, *, content: Any, role: str | None) -> CheckedRating:
    """The rating checked against the platform's data; ``Refused`` if not."""
    try:
        c = RatingContent.model_validate(content)
    except ValidationError as exc:
        raise _invalid(exc) from None
    wanted = ROLES.get(RatingChannel(c.channel))
    if wanted is None:
        raise Refused("forbidden_role", f"a {c.channel} rating reaches the provincial platform by its own channel, "
                                        "not from a hall terminal", 403)
    if role is not None and role != wanted:
        raise Refused("forbidden_role", f"a {c.channel} rating comes from a {wanted} terminal", 403)
    con = hall_store._con()
    _check_subject(hall_store, con, c)
    _check_people(con, c)
    _check_reasons(hall_store, con, c)
    at = _when(hall_store, "rated_at", c.rated_at)
    day = datetime.fromtimestamp(at, hall_store.tz(con)).date().isoformat()
    subject = f"case:{c.case_number}" if c.case_number else f"ticket:{day}:{c.ticket_number}"
    return CheckedRating(c, at, day, subject)
