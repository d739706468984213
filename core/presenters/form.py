"""Filling in a matter's form: the values, the problems to show at each field, the steps (docs/forms.md).

The rules come from the form (``core.services.forms.MatterForm``); this presenter adds what the person sees
while filling it in:

- ``set(path, value)`` takes what was typed (``"capital"``, ``"shareholders[1].name"``): an empty entry
  removes the value; a number typed as text becomes a number (or stays text, and is a "type" problem);
- a field's problem is shown as soon as it is known, except "please fill this in": that waits until the
  person has touched the field, or pressed next/accept on its step;
- a field is shown, enabled, or locked with its source ("from the ID card") after ``prefill(identity)``;
- repeatable groups have rows (``add_row``, ``remove_row``);
- steps: ``next()`` moves on only when the step is complete (its shown fields have no problems), ``back()``;
- ``valid`` (no problem at all) and ``data()`` (the cleaned data to send).

Events (``Changed("values" | "problems" | "step")``) are emitted on the caller's thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


from core.i18n import Translator, optional_keys
from core.presenters import Changed
from core.services.events import EventHub
from core.services.forms import FormProblem, MatterForm, UiField, kind_of

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
LOCK_SOURCE_KEY = "ui_form.from_id_card"
ROW_FIELD_KEYS = optional_keys("ui_form.row_field.")  # the usual row fields' names; others show their own


def split_path(path: str) -> list[str | int]:
    """``"shareholders[1].name"`` → ``["shareholders", 1, "name"]``."""
    return [int(index) if index else name for name, index in _PART.findall(path)]


@dataclass(frozen=True)
class SubField:
    """One field of a repeatable group's row. Its label is the UI schema's ``options.fields[name].label``,
    else the schema's ``title``, else the catalogue's name for the usual row fields (``ui_form.row_field.*``:
    a shareholder's name, ID number, contribution, share)."""

    name: str
    kind: str
    label: str
    unit: str = ""


@dataclass(frozen=True)
class FieldView:
    path: str
    kind: str
    label: str
    unit: str
    shown: bool
    enabled: bool
    locked: bool
    source: str  # "来自身份证" when locked from the ID card, else ""
    problem: str  # the text to show under the field, "" when none (yet)
    required: bool


class FormPresenter:
    def __init__(self, form: MatterForm, language: str = "zh_CN") -> None:
        self.form = form
        self.tr = Translator(language)
        self.events = EventHub()
        self.values: dict[str, Any] = {}
        self.touched: set[str] = set()
        self.attempted: set[int] = set()  # steps on which next/accept was pressed
        self.locked: dict[str, str] = {}  # field → its prefill source ("identity.name")
        self.step = 0
        self._order = [name for step in form.steps for name in step.fields]
        self._step_of = {name: i for i, step in enumerate(form.steps) for name in step.fields}
        self._required = set(form.schema.get("required", ()))
        self._check()

    # --- what the form is made of ---------------------------------------------------------------------

    @property
    def language(self) -> str:
        return self.tr.language

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)
        self.events.emit(Changed("values"))
        self.events.emit(Changed("problems"))

    def fields(self, step: int | None = None) -> list[str]:
        """The top-level fields in form order, or those of one step."""
        return list(self.form.steps[step].fields) if step is not None else list(self._order)

    def spec(self, name: str) -> UiField:
        return self.form.fields[name]

    def schema_of(self, path: str) -> dict:
        """The JSON Schema of the field at ``path`` (a row's sub-field included)."""
        parts = split_path(path)
        prop = self.form.schema["properties"].get(parts[0], {})
        for part in parts[1:]:
            if isinstance(part, int):
                prop = prop.get("items", {})
            else:
                prop = prop.get("properties", {}).get(part, {})
        return prop if isinstance(prop, dict) else {}

    def kind(self, path: str) -> str:
        parts = split_path(path)
        if len(parts) == 1:
            return self.form.fields[parts[0]].kind
        for sub in self.sub_fields(str(parts[0])):
            if sub.name == parts[-1]:
                return sub.kind
        return _sub_kind(self.schema_of(path))

    def label(self, name: str) -> str:
        spec = self.form.fields[name]
        return spec.label_en if self.language == "en" and spec.label_en else spec.label

    def step_title(self, step: int) -> str:
        s = self.form.steps[step]
        return s.title_en if self.language == "en" and s.title_en else s.title

    def options(self, path: str) -> list[Any]:
        """The choices of a choice or multi-choice field (its ``enum``)."""
        prop = self.schema_of(path)
        return list((prop.get("items", {}) if prop.get("type") == "array" else prop).get("enum", ()))

    def sub_fields(self, group: str) -> list[SubField]:
        """A group's row fields: label from the UI schema's ``options.fields``, else the schema's title."""
        spec = self.form.fields[group]
        items = self.schema_of(group).get("items", {})
        ui = spec.options.get("fields") or {}
        out = []
        for name, prop in (items.get("properties") or {}).items():
            extra = ui.get(name) or {}
            label = extra.get("label_en") if self.language == "en" and extra.get("label_en") else extra.get("label")
            if not label:
                label = (prop.get("title_en") if self.language == "en" else "") or prop.get("title")
            if not label:
                key = f"ui_form.row_field.{name}"
                label = self.tr(key) if self.tr.has(key) else name
            out.append(SubField(name, extra.get("kind") or _sub_kind(prop), str(label), str(extra.get("unit", ""))))
        return out

    def row_label(self, group: str, index: int) -> str:
        options = self.form.fields[group].options
        item = options.get("item_label_en") if self.language == "en" else options.get("item_label")
        return self.tr("ui_form.row", item=item or self.label(group), n=index + 1)

    # --- input -----------------------------------------------------------------------------------------

    def value(self, path: str) -> Any:
        node: Any = self.values
        for part in split_path(path):
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def set(self, path: str, value: Any) -> None:
        """What the person typed or chose at ``path``; ignored on a locked or disabled field."""
        parts = split_path(path)
        if not parts or parts[0] not in self.form.fields or not self.field(parts[0]).enabled:
            return
        value = self._typed(path, value)
        self.touched.add(path)
        container: Any = self.values
        for part, following in zip(parts, parts[1:]):
            if isinstance(part, int):
                container = container[part]
            else:
                container = container.setdefault(part, [] if isinstance(following, int) else {})
        if value is None:
            if isinstance(container, dict):
                container.pop(parts[-1], None)
        else:
            container[parts[-1]] = value
        self._changed()

    def load(self, values: dict[str, Any]) -> None:
        """Data brought from elsewhere (a 自助申报 reviewed at the window), each field as if typed: shown
        with its problems. Locked fields keep the ID card's values."""
        for name, value in values.items():
            if name in self.form.fields and name not in self.locked:
                self.values[name] = value
                self.touched.add(name)
        self._changed()

    def add_row(self, group: str) -> int:
        """A new empty row at the end of a repeatable group; its index."""
        rows = self.values.setdefault(group, [])
        rows.append({})
        self.touched.add(group)
        self._changed()
        return len(rows) - 1

    def remove_row(self, group: str, index: int) -> None:
        rows = self.values.get(group) or []
        if 0 <= index < len(rows):
            del rows[index]
            self.touched = {p for p in self.touched if not p.startswith(f"{group}[")} | {group}
            self._changed()

    def rows(self, group: str) -> int:
        rows = self.values.get(group)
        return len(rows) if isinstance(rows, list) else 0

    def prefill(self, identity: dict[str, Any]) -> None:
        """Fills the fields that come from the ID card; those marked locked (the default) cannot be edited."""
        values = self.form.prefill(identity)
        self.values.update(values)
        self.locked = {name: self.form.fields[name].prefill for name in values
                       if self.form.fields[name].options.get("locked", True)}
        self._changed()

    # --- steps ---------------------------------------------------------------------------------------

    @property
    def steps(self) -> int:
        return len(self.form.steps)

    def step_complete(self, step: int) -> bool:
        names = {n for n in self.form.steps[step].fields if self.field(n).shown}
        return not any(p.field in names for p in self._problems)

    def next(self) -> bool:
        """Moves to the next step when this one is complete; else its problems all show. True if it moved."""
        self.attempted.add(self.step)
        self.events.emit(Changed("problems"))
        if not self.step_complete(self.step) or self.step + 1 >= self.steps:
            return False
        self.step += 1
        self.events.emit(Changed("step"))
        return True

    def back(self) -> bool:
        if self.step == 0:
            return False
        self.step -= 1
        self.events.emit(Changed("step"))
        return True

    def go_to(self, step: int) -> None:
        if 0 <= step < self.steps and step != self.step:
            self.step = step
            self.events.emit(Changed("step"))

    def accept(self) -> bool:
        """The person wants to send: every problem shows; True when there is none."""
        self.attempted.update(range(self.steps))
        self.events.emit(Changed("problems"))
        return self.valid

    # --- what to show ------------------------------------------------------------------------------

    @property
    def valid(self) -> bool:
        return not self._problems

    @property
    def problems(self) -> list[FormProblem]:
        """Every problem of the data now, shown or not yet."""
        return list(self._problems)

    def data(self) -> dict[str, Any]:
        """The cleaned data to send (hidden fields dropped, text normalised)."""
        return self.form.clean(self.values)

    def field(self, path: str) -> FieldView:
        name = split_path(path)[0]
        shown, enabled = self._state.get(name, (True, True))
        locked = name in self.locked and self.values.get(name) not in (None, "")
        kind = self.kind(path)
        label = self.label(name) if path == name else self._sub_label(path)
        unit = self.form.fields[name].unit if path == name else ""
        return FieldView(path, kind, label, unit, shown, enabled and not locked, locked,
                         self.tr(LOCK_SOURCE_KEY) if locked else "", self.problem(path), self._is_required(path))

    def problem(self, path: str) -> str:
        """The text under the field at ``path`` (its own problems, a row's included for the row)."""
        for p in self._problems:
            if p.path == path and self._visible(p):
                return self.tr(p.key, **p.params)
        return ""

    def shown_problems(self) -> list[tuple[str, str]]:
        """(path, text) of every problem shown now, in form order."""
        return [(p.path, self.tr(p.key, **p.params)) for p in self._problems if self._visible(p)]

    # --- inside ------------------------------------------------------------------------------------

    def _sub_label(self, path: str) -> str:
        parts = split_path(path)
        for sub in self.sub_fields(str(parts[0])):
            if sub.name == parts[-1]:
                return sub.label
        return str(parts[-1])

    def _is_required(self, path: str) -> bool:
        parts = split_path(path)
        if len(parts) == 1:
            return parts[0] in self._required
        return parts[-1] in self.schema_of(str(parts[0])).get("items", {}).get("required", ())

    def _visible(self, problem: FormProblem) -> bool:
        if problem.key != "form.problem.required":
            return True
        if self._step_of.get(problem.field) in self.attempted:
            return True
        return problem.path in self.touched or any(t.startswith(problem.path + "[") for t in self.touched)

    def _typed(self, path: str, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip() == "":
                return None
            if self.kind(path) == "number":
                return _number(value)
        if isinstance(value, list) and not value:
            return None  # nothing chosen: as if never answered
        return value

    def _check(self) -> None:
        self._state = self.form.state(self.values, from_card=self.locked)
        self._problems = self.form.validate(self.values)

    def _changed(self) -> None:
        self._check()
        self.events.emit(Changed("values"))
        self.events.emit(Changed("problems"))


def _sub_kind(prop: dict) -> str:
    if "enum" in prop:
        return "choice"
    if prop.get("type") == "array" and "enum" in (prop.get("items") or {}):
        return "multi_choice"
    return kind_of(prop)


def _number(text: str) -> Any:
    """A typed number as int or float; the text itself when it is not one (a "type" problem then)."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    try:
        number = float(cleaned)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return int(number) if number.is_integer() and "." not in cleaned and "e" not in cleaned.lower() else number
