"""Form figures: how fast a matter's form is on screen and how fast a filled form is checked.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/form_render.py             # 150 generated fields
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/form_render.py --runs 3    # quick look

(a) *Render*: from constructing ``FormView`` over a ``FormPresenter`` to interactive (shown, and
``QApplication.processEvents()`` returned; ``FormView`` builds a step's fields when the step is first
shown, so this is the first step; the cost of building every other step is printed beside it), against
the baseline of a plain ``QFormLayout`` with the same
number of ``QLineEdit``s built in the same run. Goal: ours ≤ 100 ms for the largest form; the ratio
ours / baseline is printed.
(b) *Validation* of a filled form: one ``FormPresenter.set`` (which re-validates the whole form with the
rules, the text checks and the problems' texts) against plain ``jsonschema.Draft202012Validator(schema)
.iter_errors`` over the same data. Goal: ≤ 5 ms per validation; the ratio is printed.

Times are wall-clock medians (and the 95th percentile) over the runs; the machine is shared, so the
thread's CPU time (``time.thread_time``) is printed beside them. Two sets of forms, printed separately:
- *tuned*: the sample hall's company registration form (320100-XK-0018, every field kind) followed by
  ``generate_fields`` (seed 1): ~150 fields cycling through every kind, steps of 20;
- *held-out*: ``other_fields`` (seed 7): another mix (mostly choices with long option lists, multi-choices,
  groups with more row fields, long text), steps of 40; nothing was tuned on it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from jsonschema import Draft202012Validator  # noqa: E402
from PySide6.QtWidgets import QApplication, QFormLayout, QLineEdit, QWidget  # noqa: E402

from core.presenters.form import FormPresenter  # noqa: E402
from core.services.forms import FIELD_KINDS, MatterForm  # noqa: E402
from simulators import sample_data  # noqa: E402
from ui.form_view import FormView  # noqa: E402

ID = "320102195503121230"
WORDS = ["企业", "名称", "地址", "联系人", "经营", "范围", "股东", "资本", "日期", "备注", "许可", "类别"]


def sample_form() -> dict:
    """The form of the sample hall's matter 320100-XK-0018 (company registration: every kind)."""
    return sample_data.matter("320100-XK-0018")["form"]


def field(kind: str, rng: random.Random, options: int = 3, row_fields: int = 3) -> tuple[dict, dict]:
    """A schema property and its UI field of one kind."""
    choices = [f"{rng.choice(WORDS)}{i}" for i in range(options)]
    prop = {"text": {"type": "string", "maxLength": 40}, "long_text": {"type": "string"}, "address": {"type": "string"},
            "number": {"type": "number", "minimum": 0}, "date": {"type": "string", "format": "date"},
            "choice": {"enum": choices}, "yes_no": {"type": "boolean"},
            "multi_choice": {"type": "array", "items": {"enum": choices}, "uniqueItems": True},
            "id_number": {"type": "string", "format": "cn-id-number"},
            "mobile": {"type": "string", "format": "cn-mobile"}, "region": {"type": "string", "format": "gb2260"},
            "group": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"}, "id_number": {"type": "string", "format": "cn-id-number"},
                **{f"extra{i}": {"type": "string"} for i in range(row_fields - 2)}}}}}[kind]
    return prop, {"kind": kind, "label": rng.choice(WORDS) + rng.choice(WORDS), "unit": "万元" if kind == "number" else ""}


def build(base: dict | None, kinds: list[str], step_size: int, seed: int, **shape) -> dict:
    rng = random.Random(seed)
    form = json.loads(json.dumps(base)) if base else {"version": "1", "schema": {"type": "object", "properties": {},
                                                                                 "required": []}, "ui": {"fields": {}, "steps": []}}
    names = []
    for i, kind in enumerate(kinds):
        name = f"f{i:03d}_{kind}"
        form["schema"]["properties"][name], form["ui"]["fields"][name] = field(kind, rng, **shape)
        if rng.random() < 0.5:
            form["schema"]["required"].append(name)
        names.append(name)
    for start in range(0, len(names), step_size):
        form["ui"]["steps"].append({"title": f"第{start // step_size + 1}部分", "fields": names[start:start + step_size]})
    return form


def generate_fields(n: int = 150, seed: int = 1) -> dict:
    """The tuned set: the sample form, then ``n`` fields cycling through every kind."""
    return build(sample_form(), [FIELD_KINDS[i % len(FIELD_KINDS)] for i in range(n)], 20, seed)


def other_fields(n: int = 150, seed: int = 7) -> dict:
    """The held-out set: another mix and shape."""
    rng = random.Random(seed)
    mix = ["choice"] * 4 + ["multi_choice"] * 3 + ["long_text"] * 2 + ["group", "yes_no", "region", "text"]
    return build(None, [rng.choice(mix) for _ in range(n)], 40, seed, options=12, row_fields=5)


def value(presenter: FormPresenter, path: str, kind: str, rng: random.Random):
    return {"text": "李䶮", "long_text": "第一行\n第二行", "address": "南京市玄武区中山路18号", "number": 50,
            "date": "2026-03-12", "yes_no": False, "id_number": ID, "mobile": "13912345678", "region": "320102",
            "company_name": "南京示例科技有限公司"}.get(kind) if kind not in ("choice", "multi_choice") else (
        rng.choice(presenter.options(path)) if kind == "choice" else presenter.options(path)[:2])


def fill(presenter: FormPresenter, seed: int = 3) -> None:
    rng = random.Random(seed)
    for name in presenter.fields():
        kind = presenter.spec(name).kind
        if kind == "group":
            row = presenter.add_row(name)
            for sub in presenter.sub_fields(name):
                presenter.set(f"{name}[{row}].{sub.name}", value(presenter, f"{name}[{row}].{sub.name}", sub.kind, rng))
        elif not name.startswith("agent") and name != "company_name":
            presenter.set(name, value(presenter, name, kind, rng))
    presenter.set("company_name", "南京示例科技有限公司") if "company_name" in presenter.form.fields else None


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.thread_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def render_ours(form: MatterForm) -> QWidget:
    view = FormView(FormPresenter(form))
    view.show()
    QApplication.processEvents()
    return view


def render_plain(count: int) -> QWidget:
    widget = QWidget()
    layout = QFormLayout(widget)
    for i in range(count):
        layout.addRow(f"字段{i}", QLineEdit())
    widget.show()
    QApplication.processEvents()
    return widget


def summary(samples: list[tuple[float, float]]) -> str:
    walls = sorted(s[0] for s in samples)
    p95 = walls[min(len(walls) - 1, int(len(walls) * 0.95))]
    return (f"median {statistics.median(walls):7.2f} ms  p95 {p95:7.2f} ms  "
            f"cpu {statistics.median(s[1] for s in samples):7.2f} ms")


def measure(title: str, form_json: dict, runs: int, validations: int) -> None:
    form = MatterForm.from_json(form_json)
    count = len(form.fields)
    ours, plain = [], []
    for _ in range(runs):
        widgets = []
        ours.append(timed(lambda: widgets.append(render_ours(form))))
        plain.append(timed(lambda: widgets.append(render_plain(count))))
        for widget in widgets:
            widget.close()
            widget.deleteLater()
        QApplication.processEvents()
    every = []
    for _ in range(runs):
        view = render_ours(form)
        every.append(timed(lambda: [view.build(step) for step in range(len(form.steps))]))
        view.close()
        view.deleteLater()
        QApplication.processEvents()
    ratio = statistics.median(o[0] for o in ours) / statistics.median(p[0] for p in plain)
    print(f"\n{title}: {count} fields, {len(form.steps)} steps")
    print(f"  render  ours  {summary(ours)}   (goal ≤ 100 ms; the first step built, the others when shown)")
    print(f"  build   every other step {summary(every)}   (what showing each step later costs in all)")
    print(f"  render  plain {summary(plain)}   ours/plain {ratio:.1f}×")
    presenter = FormPresenter(form)
    fill(presenter)
    data = presenter.data()
    plain_validator = Draft202012Validator(form.schema)
    # the person types into one field: a mobile number, or a text field where the form has none
    target = next((n for n in presenter.fields() if presenter.spec(n).kind == "mobile"), None) or next(
        n for n in presenter.fields() if presenter.spec(n).kind in ("text", "long_text"))
    typed = ["13912345678", "13912345679"] if presenter.spec(target).kind == "mobile" else ["李䶮", "吉𠮷"]
    ours_v = [timed(lambda i=i: presenter.set(target, typed[i % 2])) for i in range(validations)]
    plain_v = [timed(lambda: list(plain_validator.iter_errors(data))) for _ in range(validations)]
    ratio_v = statistics.median(o[0] for o in ours_v) / statistics.median(p[0] for p in plain_v)
    print(f"  validate ours  {summary(ours_v)}   (goal ≤ 5 ms; {len(presenter.problems)} problems left)")
    print(f"  validate plain {summary(plain_v)}   ours/plain {ratio_v:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=150)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--validations", type=int, default=200)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    measure("tuned (sample form + generate_fields, seed 1)", generate_fields(args.fields), args.runs, args.validations)
    measure("held-out (other_fields, seed 7)", other_fields(args.fields), args.runs, args.validations)
    del app


if __name__ == "__main__":
    main()
