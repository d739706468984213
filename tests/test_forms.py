"""A matter's form: JSON Schema 2020-12 plus a UI schema, checked on the terminal before anything is sent
(core/services/forms.py; docs/forms.md)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from core.services.forms import FIELD_KINDS, FormDefinitionError, MatterForm

LI_YAN_ID = "320102195503121230"  # a valid check character (ISO 7064 MOD 11-2)

EVERY_KIND = {
    "version": "2026.1",
    "schema": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 40},
            "id_number": {"type": "string", "format": "cn-id-number"},
            "mobile": {"type": "string", "format": "cn-mobile"},
            "birth_date": {"type": "string", "format": "date"},
            "region": {"type": "string", "format": "gb2260"},
            "address": {"type": "string"},
            "capital": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000},
            "company_type": {"enum": ["有限责任公司", "股份有限公司", "个人独资企业"]},
            "scopes": {"type": "array", "items": {"enum": ["零售", "餐饮", "咨询"]}, "uniqueItems": True,
                       "minItems": 1},
            "by_agent": {"type": "boolean"},
            "agent_name": {"type": "string"},
            "remarks": {"type": "string"},
            "shareholders": {"type": "array", "minItems": 1, "maxItems": 50, "items": {
                "type": "object", "required": ["name", "id_number", "share"],
                "properties": {"name": {"type": "string", "maxLength": 40},
                               "id_number": {"type": "string", "format": "cn-id-number"},
                               "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 100}}}},
        },
        "required": ["name", "id_number", "mobile", "region", "capital", "company_type", "scopes",
                     "shareholders", "agent_name"],
    },
    "ui": {
        "steps": [
            {"title": "申请人", "title_en": "Applicant",
             "fields": ["name", "id_number", "birth_date", "mobile", "by_agent", "agent_name"]},
            {"title": "企业信息", "title_en": "Company",
             "fields": ["company_type", "capital", "scopes", "region", "address", "shareholders", "remarks"]},
        ],
        "fields": {
            "name": {"kind": "text", "label": "姓名", "label_en": "Name", "prefill": "identity.name"},
            "id_number": {"kind": "id_number", "label": "身份证号", "prefill": "identity.id_number"},
            "birth_date": {"kind": "date", "label": "出生日期", "prefill": "identity.birth_date"},
            "mobile": {"kind": "mobile", "label": "手机号码"},
            "by_agent": {"kind": "yes_no", "label": "委托他人办理"},
            "agent_name": {"kind": "text", "label": "受托人姓名"},
            "company_type": {"kind": "choice", "label": "企业类型"},
            "capital": {"kind": "number", "label": "注册资本", "unit": "万元"},
            "scopes": {"kind": "multi_choice", "label": "经营范围"},
            "region": {"kind": "region", "label": "所在地区"},
            "address": {"kind": "address", "label": "详细地址"},
            "shareholders": {"kind": "group", "label": "股东"},
            "remarks": {"kind": "long_text", "label": "备注"},
        },
        "rules": [{"effect": "show", "field": "agent_name",
                   "when": {"properties": {"by_agent": {"const": True}}, "required": ["by_agent"]}}],
    },
}

GOOD = {"name": "李䶮", "id_number": LI_YAN_ID, "mobile": "13912345678", "birth_date": "1955-03-12",
        "region": "320102", "address": "江苏省南京市玄武区中山路18号", "capital": 50, "company_type": "有限责任公司",
        "scopes": ["零售", "咨询"], "by_agent": False,
        "shareholders": [{"name": "吉𠮷", "id_number": LI_YAN_ID, "share": 100}], "remarks": "第一行\n第二行"}


@pytest.fixture(scope="module")
def form() -> MatterForm:
    return MatterForm.from_json(EVERY_KIND)


def problems(form: MatterForm, data: dict) -> list[tuple[str, str]]:
    return [(p.path, p.key) for p in form.validate(data)]


def test_the_sample_form_uses_every_field_kind(form):
    assert {f.kind for f in form.fields.values()} == set(FIELD_KINDS)


def test_good_data_has_no_problem_and_rare_characters_survive(form):
    assert problems(form, GOOD) == []
    assert form.clean(GOOD)["shareholders"][0]["name"] == "吉𠮷"


@pytest.mark.parametrize("change, expected", [
    ({"id_number": "320102195503121234"}, [("id_number", "form.problem.id_number")]),
    ({"mobile": "1391234567"}, [("mobile", "form.problem.mobile")]),
    ({"region": "990101"}, [("region", "form.problem.region")]),
    ({"birth_date": "1955-02-30"}, [("birth_date", "form.problem.date")]),
    ({"capital": 0}, [("capital", "form.problem.too_small")]),
    ({"capital": "50"}, [("capital", "form.problem.type")]),
    ({"company_type": "合伙企业"}, [("company_type", "form.problem.choice")]),
    ({"scopes": []}, [("scopes", "form.problem.too_few")]),
    ({"scopes": ["零售", "零售"]}, [("scopes", "form.problem.duplicate")]),
    ({"name": "李" * 41}, [("name", "form.problem.too_long")]),
    ({"address": "路" * 201}, [("address", "form.problem.too_long")]),
    ({"name": "李\x1b[2J䶮"}, [("name", "form.problem.control_characters")]),
    ({"remarks": "line\x00"}, [("remarks", "form.problem.control_characters")]),
])
def test_each_bad_value_is_named_at_its_field(form, change, expected):
    assert problems(form, {**GOOD, **change}) == expected


def test_a_problem_inside_a_repeatable_group_names_the_row(form):
    rows = [{"name": "甲", "id_number": LI_YAN_ID, "share": 60}, {"name": "乙", "id_number": "123", "share": 40}]
    assert problems(form, {**GOOD, "shareholders": rows}) == [("shareholders[1].id_number", "form.problem.id_number")]
    rows = [{"name": "甲", "share": 60}]
    assert problems(form, {**GOOD, "shareholders": rows}) == [("shareholders[0].id_number", "form.problem.required")]


def test_missing_fields_are_listed_in_the_order_of_the_form(form):
    data = {k: v for k, v in GOOD.items() if k not in ("name", "capital", "mobile")}
    assert problems(form, data) == [("name", "form.problem.required"), ("mobile", "form.problem.required"),
                                    ("capital", "form.problem.required")]


def test_a_field_shown_by_a_rule_is_required_only_while_shown(form):
    """The agent's name is asked only when the applicant says someone acts for them."""
    assert form.state(GOOD)["agent_name"] == (False, True)
    with_agent = {**GOOD, "by_agent": True}
    assert form.state(with_agent)["agent_name"] == (True, True)
    assert problems(form, with_agent) == [("agent_name", "form.problem.required")]
    assert problems(form, {**with_agent, "agent_name": "王晓雯"}) == []


def test_a_hidden_field_is_not_sent(form):
    cleaned = form.clean({**GOOD, "agent_name": "left over from before"})
    assert "agent_name" not in cleaned


def test_fields_from_the_id_card_are_prefilled_and_locked(form):
    values = form.prefill({"name": "李䶮", "id_number": LI_YAN_ID, "birth_date": date(1955, 3, 12)})
    assert values == {"name": "李䶮", "id_number": LI_YAN_ID, "birth_date": "1955-03-12"}
    state = form.state({**GOOD, **values}, from_card=values)
    assert state["name"] == (True, False) and state["id_number"] == (True, False)
    assert state["mobile"] == (True, True)


@pytest.mark.parametrize("data", [None, [], "x", 5, {"name": float("nan")}, {"name": {"nested": "object"}},
                                  {"name": "x" * 300_000}])
def test_data_that_is_not_a_form_gets_problems_not_exceptions(form, data):
    assert form.validate(data)


def test_strings_are_normalised_to_nfc_and_trimmed(form):
    decomposed = "e\u0301"  # é as two code points
    assert form.clean({**GOOD, "address": f"  {decomposed}路 "})["address"] == "\u00e9路"


@pytest.mark.parametrize("change, reason", [
    ({"schema": {"type": "array"}}, "object schema"),
    ({"schema": {"type": "object", "properties": {"a": {"type": "no-such-type"}}}}, "not JSON Schema"),
    ({"version": ""}, "no version"),
    ({"ui": {"fields": {"ghost": {"kind": "text"}}}}, "without a schema property"),
    ({"ui": {"fields": {"name": {"kind": "hologram"}}}}, "unknown kind"),
    ({"ui": {"fields": {"name": {"kind": "text", "prefill": "identity.password"}}}}, "unknown prefill"),
    ({"ui": {"rules": [{"effect": "explode", "field": "name", "when": {}}]}}, "effect"),
    ({"ui": {"rules": [{"effect": "show", "field": "ghost", "when": {}}]}}, "unknown field"),
    ({"ui": {"steps": [{"title": "x", "fields": ["name"]}]}}, "exactly one step"),
])
def test_a_form_that_is_not_one_is_refused_with_the_reason(change, reason):
    broken = json.loads(json.dumps(EVERY_KIND))
    for key, value in change.items():
        broken[key] = value
    with pytest.raises(FormDefinitionError, match=reason):
        MatterForm.from_json(broken)
