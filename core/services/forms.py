"""A matter's application form: JSON Schema (draft 2020-12) for the data, a UI schema for how it is shown.

The platform sends each matter's form with the catalogue; the terminal renders it, checks it as it is filled
and never sends data that does not validate; the hall server checks it again (it never trusts a terminal).
Validation is the ``jsonschema`` library on both sides: no expression language runs on the terminal. The
format is described in docs/forms.md; in short:

    {"version": "2026.1",
     "schema": {"type": "object", "properties": {...}, "required": [...]},      # JSON Schema 2020-12
     "ui": {"steps": [{"title": "申请人", "title_en": "Applicant", "fields": ["name", "id_number"]}],
            "fields": {"name": {"kind": "text", "label": "姓名", "label_en": "Name",
                                "prefill": "identity.name"}},
            "rules": [{"effect": "show", "field": "agent_name",
                       "when": {"properties": {"by_agent": {"const": true}}, "required": ["by_agent"]}}]}}

Field kinds (``ui.fields[*].kind``): text, long_text, number (with ``unit``), date, choice, multi_choice,
yes_no, id_number, mobile, region, address, group (a repeatable group: an array of objects, e.g. the
shareholders). A rule's ``when`` is itself a JSON Schema evaluated on the data; ``show``/``hide`` and
``enable``/``disable`` act on one field. A hidden or disabled field's problems do not count and its value is
not sent.

    form = MatterForm.from_json(matter["form"])
    problems = form.validate(data)          # [] when the data may be sent
    problems[0].path, problems[0].key       # "shareholders[1].id_number", "form.problem.id_number"
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from core.domain.id_number import id_number_valid
from core.services.form_problems import PROBLEM_KEYS, PROBLEMS, FormProblem  # noqa: F401 (re-exported)

FIELD_KINDS = ("text", "long_text", "number", "date", "choice", "multi_choice", "yes_no", "id_number", "mobile",
               "region", "address", "group")
RULE_EFFECTS = ("show", "hide", "enable", "disable")
PREFILL_SOURCES = ("identity.name", "identity.id_number", "identity.sex", "identity.ethnicity",
                   "identity.birth_date", "identity.address", "identity.authority", "identity.valid_to")
# Text longer than a printer, a database column or a clerk's patience should take, when a schema sets none.
DEFAULT_MAX_LENGTH = {"text": 200, "long_text": 2000, "address": 200}
MAX_DATA_BYTES = 256 * 1024  # a whole filled form, as JSON; photos and scans travel as attachments

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_REGION = re.compile(r"[1-8][0-9]{5}")
# The province-level codes of GB/T 2260 (two leading digits): 11–15 north, 21–23 north-east, 31–37 east,
# 41–46 central and south, 50–54 south-west, 61–65 north-west, 71 Taiwan, 81–82 Hong Kong and Macao.
PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                       50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82})

class FormDefinitionError(ValueError):
    """The form the platform sent is not a form this terminal can show (bad schema, unknown kind, a rule on
    a field that does not exist). The matter is skipped with this reason; the others still work."""


def _is_region(value: object) -> bool:
    if not isinstance(value, str) or not _REGION.fullmatch(value):
        return False
    return int(value[:2]) in PROVINCES


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


FORMATS = FormatChecker(formats=())
FORMATS.checks("cn-id-number")(lambda v: not isinstance(v, str) or id_number_valid(v))
FORMATS.checks("cn-mobile")(lambda v: not isinstance(v, str) or bool(_MOBILE.fullmatch(v)))
FORMATS.checks("gb2260")(lambda v: not isinstance(v, str) or _is_region(v))
FORMATS.checks("date")(lambda v: not isinstance(v, str) or _is_date(v))
# jsonschema's reason → our problem, by the failing keyword; formats by name.
_KEYWORD_PROBLEMS = {"required": "required", "type": "type", "maxLength": "too_long", "minLength": "too_short",
                     "minimum": "too_small", "exclusiveMinimum": "too_small", "maximum": "too_large",
                     "exclusiveMaximum": "too_large", "enum": "choice", "const": "choice", "minItems": "too_few",
                     "maxItems": "too_many", "uniqueItems": "duplicate"}
_FORMAT_PROBLEMS = {"cn-id-number": "id_number", "cn-mobile": "mobile", "gb2260": "region", "date": "date"}


@dataclass(frozen=True)
class UiField:
    name: str
    kind: str
    label: str
    label_en: str = ""
    unit: str = ""
    prefill: str = ""
    widget: str = ""
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    effect: str
    field: str
    when: dict


@dataclass(frozen=True)
class Step:
    title: str
    title_en: str
    fields: tuple[str, ...]


class MatterForm:
    """One matter's form, checked once when it arrives; then ``validate``, ``state`` and ``clean``."""

    def __init__(self, schema: dict, fields: Mapping[str, UiField], steps: Iterable[Step], rules: Iterable[Rule],
                 *, version: str) -> None:
        self.schema = schema
        self.fields = dict(fields)
        self.steps = tuple(steps)
        self.rules = tuple(rules)
        self.version = version
        self._validator = Draft202012Validator(schema, format_checker=FORMATS)
        self._conditions = [Draft202012Validator(r.when) for r in self.rules]

    # --- building -------------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, form: Any) -> MatterForm:
        """Reads the platform's form; ``FormDefinitionError`` with the reason when it is not one."""
        if not isinstance(form, dict):
            raise FormDefinitionError("a form is an object with schema, ui and version")
        schema, ui, version = form.get("schema"), form.get("ui", {}), form.get("version", "")
        if not isinstance(schema, dict) or schema.get("type") != "object" or not isinstance(
                schema.get("properties"), dict):
            raise FormDefinitionError("the form's schema must be an object schema with properties")
        if not isinstance(version, str) or not version:
            raise FormDefinitionError("the form has no version")
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise FormDefinitionError(f"the form's schema is not JSON Schema 2020-12: {exc.message}") from None
        if not isinstance(ui, dict):
            raise FormDefinitionError("the form's ui must be an object")
        fields = {name: _ui_field(name, spec) for name, spec in (ui.get("fields") or {}).items()}
        properties = schema["properties"]
        for name in properties:
            fields.setdefault(name, _ui_field(name, {"kind": kind_of(properties[name])}))
        unknown = sorted(set(fields) - set(properties))
        if unknown:
            raise FormDefinitionError(f"ui fields without a schema property: {', '.join(unknown)}")
        steps = [_step(i, s, properties) for i, s in enumerate(ui.get("steps") or ())]
        if not steps:
            steps = [Step("", "", tuple(properties))]
        placed = [f for s in steps for f in s.fields]
        if sorted(placed) != sorted(properties):
            raise FormDefinitionError("every field appears in exactly one step")
        rules = [_rule(r, properties) for r in ui.get("rules") or ()]
        return cls(schema, fields, steps, rules, version=version)

    # --- using --------------------------------------------------------------------------------------------

    def state(self, data: Mapping[str, Any], *, from_card: Collection[str] = ()) -> dict[str, tuple[bool, bool]]:
        """Per field: (shown, enabled) for this data. A field with a ``show`` rule is hidden until its
        condition holds; ``hide`` hides it while the condition holds; likewise ``enable``/``disable``. A field
        named in ``from_card`` (filled from the ID card, see ``prefill``) is shown locked unless its UI says
        ``locked: false``; the same field typed by hand stays editable."""
        shown = {name: True for name in self.fields}
        enabled = {name: True for name in self.fields}
        for rule, condition in zip(self.rules, self._conditions):
            holds = condition.is_valid(dict(data))
            if rule.effect == "show":
                shown[rule.field] = shown[rule.field] and holds
            elif rule.effect == "hide":
                shown[rule.field] = shown[rule.field] and not holds
            elif rule.effect == "enable":
                enabled[rule.field] = enabled[rule.field] and holds
            else:
                enabled[rule.field] = enabled[rule.field] and not holds
        for name, spec in self.fields.items():
            if (name in from_card and spec.prefill and spec.options.get("locked", True)
                    and data.get(name) not in (None, "")):
                enabled[name] = False  # prefilled from the ID card: shown, not editable
        return {name: (shown[name], enabled[name] or not shown[name]) for name in self.fields}

    def clean(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The data as it is sent: hidden fields dropped, strings normalised (NFC, trimmed)."""
        state = self.state(data)
        return {name: _normalise(value) for name, value in data.items()
                if name in self.fields and state[name][0]}

    def validate(self, data: Any) -> list[FormProblem]:
        """Every problem with ``data``, in the order of the form's fields; [] when it may be sent."""
        if not isinstance(data, dict):
            return [FormProblem("", "form.problem.type")]
        if _json_size(data) > MAX_DATA_BYTES:
            return [FormProblem("", "form.problem.too_big", {"limit_kb": MAX_DATA_BYTES // 1024})]
        state = self.state(data)
        hidden = {name for name, (shown, _) in state.items() if not shown}
        cleaned = {k: v for k, v in self.clean(data).items()}
        problems = []
        for error in self._validator.iter_errors(cleaned):
            problem = _problem(error)
            if problem.field in hidden:
                continue
            problems.append(problem)
        problems += _text_problems(cleaned, self.fields)
        order = {name: i for i, name in enumerate(f for s in self.steps for f in s.fields)}
        unique = {(p.path, p.key): p for p in problems}
        return sorted(unique.values(), key=lambda p: (order.get(p.field, -1), p.path, p.key))

    def prefill(self, identity: Mapping[str, Any]) -> dict[str, Any]:
        """The values of fields that come from the ID card (``identity`` maps ``name``, ``id_number``…)."""
        values = {}
        for name, spec in self.fields.items():
            if spec.prefill:
                value = identity.get(spec.prefill.removeprefix("identity."))
                if value not in (None, ""):
                    values[name] = value.isoformat() if isinstance(value, date) else value
        return values


def _ui_field(name: str, spec: Any) -> UiField:
    if not isinstance(spec, dict):
        raise FormDefinitionError(f"ui field {name}: not an object")
    kind = spec.get("kind", "text")
    if kind not in FIELD_KINDS:
        raise FormDefinitionError(f"ui field {name}: unknown kind {kind!r}")
    prefill = spec.get("prefill", "")
    if prefill and prefill not in PREFILL_SOURCES:
        raise FormDefinitionError(f"ui field {name}: unknown prefill source {prefill!r}")
    return UiField(name, kind, str(spec.get("label", name)), str(spec.get("label_en", "")), str(spec.get("unit", "")),
                   prefill, str(spec.get("widget", "")), dict(spec.get("options") or {}))


def kind_of(prop: Any) -> str:
    """The field kind a schema property stands for when the UI schema does not say."""
    if not isinstance(prop, dict):
        return "text"
    fmt = prop.get("format", "")
    return {"cn-id-number": "id_number", "cn-mobile": "mobile", "gb2260": "region", "date": "date"}.get(fmt) or {
        "number": "number", "integer": "number", "boolean": "yes_no", "array": "group"}.get(prop.get("type"), "text")


def _step(i: int, spec: Any, properties: dict) -> Step:
    if not isinstance(spec, dict) or not isinstance(spec.get("fields"), list):
        raise FormDefinitionError(f"step {i + 1}: an object with a list of fields")
    missing = [f for f in spec["fields"] if f not in properties]
    if missing:
        raise FormDefinitionError(f"step {i + 1}: unknown fields {', '.join(map(str, missing))}")
    return Step(str(spec.get("title", "")), str(spec.get("title_en", "")), tuple(spec["fields"]))


def _rule(spec: Any, properties: dict) -> Rule:
    if not isinstance(spec, dict) or spec.get("effect") not in RULE_EFFECTS:
        raise FormDefinitionError(f"a rule needs an effect out of {', '.join(RULE_EFFECTS)}")
    if spec.get("field") not in properties:
        raise FormDefinitionError(f"a rule acts on an unknown field {spec.get('field')!r}")
    when = spec.get("when")
    if not isinstance(when, dict):
        raise FormDefinitionError(f"the rule on {spec['field']} has no condition")
    try:
        Draft202012Validator.check_schema(when)
    except jsonschema.SchemaError as exc:
        raise FormDefinitionError(f"the rule on {spec['field']}: {exc.message}") from None
    return Rule(spec["effect"], spec["field"], when)


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(error: jsonschema.ValidationError) -> FormProblem:
    parts = list(error.absolute_path)
    if error.validator == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        if missing:
            parts.append(missing.group(1))
        return FormProblem(_path(parts), "form.problem.required")
    if error.validator == "format":
        reason = _FORMAT_PROBLEMS.get(error.validator_value, "invalid")
        return FormProblem(_path(parts), f"form.problem.{reason}")
    reason = _KEYWORD_PROBLEMS.get(error.validator, "invalid")
    params = {"limit": error.validator_value} if reason in ("too_long", "too_short", "too_small", "too_large",
                                                            "too_few", "too_many") else {}
    return FormProblem(_path(parts), f"form.problem.{reason}", params)


def _text_problems(data: Mapping[str, Any], fields: Mapping[str, UiField]) -> list[FormProblem]:
    """Control characters anywhere (a line break only in long text) and the default length limits."""
    problems = []

    def walk(value: Any, path: str, kind: str) -> None:
        if isinstance(value, str):
            allowed = "\n" if kind == "long_text" else ""
            if any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in value):
                problems.append(FormProblem(path, "form.problem.control_characters"))
            limit = DEFAULT_MAX_LENGTH.get(kind)
            if limit and len(value) > limit:
                problems.append(FormProblem(path, "form.problem.too_long", {"limit": limit}))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]", kind)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}", "text")

    for name, value in data.items():
        walk(value, name, fields[name].kind if name in fields else "text")
    return problems


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value


def _json_size(data: Any) -> int:
    import json

    try:
        return len(json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError):
        return MAX_DATA_BYTES + 1  # not JSON at all (NaN, a set, an object): refused as too big to be a form


# The catalogue's simple field list (``{"id", "label", "type", "required", "max", "min", "options",
# "prefill"}``, as halls keep it in a spreadsheet) and the kinds and formats it stands for.
_SIMPLE_TYPES = {"text": ("text", {"type": "string"}), "textarea": ("long_text", {"type": "string"}),
                 "number": ("number", {"type": "number"}), "date": ("date", {"type": "string", "format": "date"}),
                 "choice": ("choice", {}), "multi": ("multi_choice", {}), "yesno": ("yes_no", {"type": "boolean"}),
                 "id_number": ("id_number", {"type": "string", "format": "cn-id-number"}),
                 "phone": ("mobile", {"type": "string", "format": "cn-mobile"}),
                 "mobile": ("mobile", {"type": "string", "format": "cn-mobile"}),
                 "region": ("region", {"type": "string", "format": "gb2260"}),
                 "address": ("address", {"type": "string"})}
SIMPLE_FIELD_TYPES = tuple(_SIMPLE_TYPES)  # the ``type`` values of the simple field list


def form_from_fields(fields: Iterable[Mapping[str, Any]], *, version: str = "1") -> dict:
    """The form (schema and UI schema) of a catalogue's simple field list; ``FormDefinitionError`` names the
    field that cannot be one."""
    properties: dict[str, Any] = {}
    ui_fields: dict[str, Any] = {}
    required = []
    for i, f in enumerate(fields):
        name, kind_name = f.get("id"), f.get("type", "text")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
            raise FormDefinitionError(f"field {i + 1}: id {name!r} is not a field name (a-z, digits, _)")
        if kind_name not in _SIMPLE_TYPES:
            raise FormDefinitionError(f"field {name}: unknown type {kind_name!r}")
        kind, prop = _SIMPLE_TYPES[kind_name]
        prop = dict(prop)
        options = f.get("options")
        if kind == "choice":
            prop["enum"] = list(options or ())
        elif kind == "multi_choice":
            prop.update(type="array", items={"enum": list(options or ())}, uniqueItems=True)
        if kind in ("choice", "multi_choice") and not options:
            raise FormDefinitionError(f"field {name}: a choice needs options")
        if "max" in f:
            prop["maxLength" if prop.get("type") == "string" else "maximum"] = f["max"]
        if "min" in f:
            prop["minLength" if prop.get("type") == "string" else "minimum"] = f["min"]
        properties[name] = prop
        ui_fields[name] = {"kind": kind, "label": str(f.get("label", name)), "label_en": str(f.get("label_en", "")),
                           "unit": str(f.get("unit", "")), **({"prefill": f["prefill"]} if f.get("prefill") else {})}
        if f.get("required"):
            required.append(name)
    # One step listing the fields in the list's order: the properties' own order does not survive a platform
    # that serialises JSON with sorted keys (the hall server does), a list's does.
    form = {"version": version, "schema": {"type": "object", "properties": properties, "required": required},
            "ui": {"fields": ui_fields, "steps": [{"title": "", "fields": list(properties)}]}}
    MatterForm.from_json(form)  # the same checks as a form the platform sends
    return form
