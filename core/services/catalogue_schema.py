"""The shape of a matter's entry in the hall's catalogue: the whole service guide (办事指南) and its form.

The hall server checks every entry against ``MATTER_SCHEMA`` when a catalogue is loaded or imported (a file
with one bad entry loads nothing, and every problem is reported with its place); a terminal checks what it
receives and leaves out an entry that does not fit, with the reason logged. The fields follow what
provincial portals publish for a matter's guide; docs/guide.md lists them with their meaning.

    problems = matter_problems(entry)      # [] or ["materials[2].trust: 'E' is not one of ['A', 'B', 'C', 'D']"]
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from core.services.forms import FormDefinitionError, MatterForm, form_from_fields

TEXT = {"type": "string", "maxLength": 2000}
SHORT = {"type": "string", "maxLength": 200}
DAYS = {"type": "integer", "minimum": 0, "maximum": 3650}
PHONE = {"type": "string", "pattern": r"^[0-9+()\- ]{3,30}$"}

MATERIAL_SCHEMA = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,40}$"},
        "name": SHORT,
        "name_en": SHORT,
        "required": {"type": "boolean"},
        "condition": SHORT,            # when it is needed, for a conditional material ("委托他人办理时")
        "form": SHORT,                 # as the guide words it: "原件1份", "复印件1份"
        "original": {"type": "boolean"},  # the original is seen (or kept)
        "copies": {"type": "integer", "minimum": 0, "maximum": 100},
        "source": SHORT,               # the issuing body (出具单位), or "申请人自备"
        "medium": {"enum": ["paper", "electronic", "paper_or_electronic"]},
        "trust": {"enum": ["A", "B", "C", "D"]},  # 国办函〔2016〕108号: A issued/e-licence … D promised
        "may_follow": {"type": "boolean"},  # 容缺: the case may be accepted and this brought later
        "follow_days": DAYS,           # … within so many working days
        "elicence": SHORT,             # the e-licence type that provides it
        "note": TEXT,
    },
    "additionalProperties": False,
}

MATTER_SCHEMA = {
    "type": "object",
    "required": ["code", "name", "department", "service"],
    "properties": {
        "code": {"type": "string", "pattern": r"^[A-Za-z0-9-]{3,40}$"},
        "name": SHORT,
        "name_en": SHORT,
        "version": {"type": "string", "pattern": r"^[A-Za-z0-9._-]{1,40}$"},
        "department": SHORT,
        "service": {"type": "string", "pattern": r"^[A-Z]$"},
        "kind": SHORT,                 # 行政许可, 公共服务, 行政确认 …
        "audience": {"type": "array", "items": {"enum": ["个人", "法人"]}, "uniqueItems": True},
        "theme": {"type": "array", "items": SHORT, "maxItems": 20},
        "keywords": {"type": "array", "items": SHORT, "maxItems": 50},
        "promised_days": DAYS,
        "legal_days": DAYS,
        "visits": {"type": "integer", "minimum": 0, "maximum": 5},  # 到现场次数
        "fee": SHORT,
        "fee_basis": TEXT,
        "basis": TEXT,                 # 设定依据
        "conditions": TEXT,            # 受理条件
        "steps": {"type": "array", "items": SHORT, "maxItems": 30},  # 办理流程
        "place": SHORT,
        "hours": SHORT,
        "phone": PHONE,                # 咨询电话
        "complaint_phone": PHONE,      # 投诉电话
        "faq": {"type": "array", "maxItems": 50, "items": {
            "type": "object", "required": ["q", "a"], "additionalProperties": False,
            "properties": {"q": TEXT, "a": TEXT}}},
        "self_service": {"type": "boolean"},  # the kiosk may take a pre-application (自助申报)
        "needs_notice_pdf": {"type": "boolean"},  # an A4 受理通知书 besides the receipt
        "pickup": {"type": "array", "items": {"enum": ["window", "locker", "post"]}, "uniqueItems": True},
        "materials": {"type": "array", "items": MATERIAL_SCHEMA, "maxItems": 100},
        "fields": {"type": "array", "items": {"type": "object"}},  # the simple field list (forms.form_from_fields)
        "form": {"type": "object"},    # or the form itself (JSON Schema + UI schema), docs/forms.md
    },
    "additionalProperties": False,
}

_VALIDATOR = Draft202012Validator(MATTER_SCHEMA)


def _where(error) -> str:
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def matter_problems(entry: Any) -> list[str]:
    """Every problem with one catalogue entry, as ``place: reason`` lines; [] when it is a matter."""
    problems = [f"{_where(e) or '(entry)'}: {e.message}" for e in
                sorted(_VALIDATOR.iter_errors(entry), key=lambda e: list(map(str, e.absolute_path)))]
    if problems or not isinstance(entry, dict):
        return problems or ["(entry): not an object"]
    ids = [m["id"] for m in entry.get("materials", ())]
    if len(ids) != len(set(ids)):
        problems.append("materials: two materials share an id")
    for i, m in enumerate(entry.get("materials", ())):
        if m.get("required") and m.get("condition"):
            problems.append(f"materials[{i}]: a required material has no condition (drop one of them)")
        if m.get("follow_days") and not m.get("may_follow"):
            problems.append(f"materials[{i}].follow_days: only for a material that may follow (may_follow)")
    if "form" in entry and "fields" in entry:
        problems.append("(entry): give either form or fields, not both")
    try:
        if "form" in entry:
            MatterForm.from_json(entry["form"])
        elif entry.get("fields"):
            form_from_fields(entry["fields"])
    except FormDefinitionError as exc:
        problems.append(f"form: {exc}")
    return problems


def served_form(entry: dict) -> dict | None:
    """The form a terminal receives for an entry: its own, or the one its simple field list stands for."""
    if "form" in entry:
        return entry["form"]
    if entry.get("fields"):
        return form_from_fields(entry["fields"], version=entry.get("version", "1"))
    return None
