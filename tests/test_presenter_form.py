"""Filling in a matter's form without Qt: core/presenters/form.py over the every-kind form of
tests/test_forms.py (docs/forms.md)."""

from __future__ import annotations

from datetime import date

import pytest

from core.i18n import Translator
from core.presenters import Changed
from core.presenters.form import FormPresenter, split_path
from core.services.forms import MatterForm
from tests.test_forms import EVERY_KIND, GOOD, LI_YAN_ID


@pytest.fixture
def form() -> FormPresenter:
    return FormPresenter(MatterForm.from_json(EVERY_KIND), "zh_CN")


zh = Translator("zh_CN")


def fill(presenter: FormPresenter, data: dict) -> None:
    for name, value in data.items():
        if name == "shareholders":
            for row in value:
                i = presenter.add_row(name)
                for sub, sub_value in row.items():
                    presenter.set(f"{name}[{i}].{sub}", sub_value)
        else:
            presenter.set(name, value)


def test_a_path_names_a_field_or_a_field_in_a_row():
    assert split_path("shareholders[1].name") == ["shareholders", 1, "name"]
    assert split_path("capital") == ["capital"]


def test_a_filled_form_is_valid_and_its_data_keeps_rare_characters(form):
    """GIVEN the every-kind form WHEN it is filled with good data THEN it is valid and 䶮/𠮷 survive."""
    fill(form, GOOD)
    assert form.valid and form.problems == []
    data = form.data()
    assert data["name"] == "李䶮" and data["shareholders"][0]["name"] == "吉𠮷"
    assert data["capital"] == 50 and data["scopes"] == ["零售", "咨询"]


def test_emoji_are_text_but_control_characters_are_a_problem(form):
    fill(form, GOOD)
    form.set("address", "中山路18号 🏢")
    assert form.valid and form.data()["address"] == "中山路18号 🏢"
    form.set("name", "李\x1b[2J䶮")
    assert form.field("name").problem == zh("form.problem.control_characters")
    assert not form.valid


def test_over_long_text_is_flagged_as_it_is_typed(form):
    form.set("name", "李" * 41)
    assert form.field("name").problem == zh("form.problem.too_long", limit=40)
    form.set("address", "路" * 201)
    assert "200" in form.field("address").problem


def test_a_required_field_is_not_flagged_before_it_is_touched(form):
    """GIVEN an empty form THEN no field shows "please fill this in" yet, though the form is not valid."""
    assert not form.valid
    assert all(form.field(name).problem == "" for name in form.fields())
    form.set("mobile", "139")
    form.set("mobile", "")
    assert form.field("mobile").problem == zh("form.problem.required")
    assert form.field("name").problem == ""


def test_a_wrong_value_is_flagged_at_once(form):
    form.set("mobile", "1391234567")
    assert form.field("mobile").problem == zh("form.problem.mobile")
    form.set("mobile", "13912345678")
    assert form.field("mobile").problem == ""


def test_a_number_typed_as_text_becomes_a_number_or_a_problem(form):
    form.set("capital", "50")
    assert form.value("capital") == 50
    form.set("capital", "12.5")
    assert form.value("capital") == 12.5
    form.set("capital", "fifty")
    assert form.field("capital").problem == zh("form.problem.type")


def test_next_moves_only_from_a_complete_step_and_then_shows_its_required_fields(form):
    """GIVEN an empty first step WHEN next is pressed THEN the step stays and its missing fields show."""
    events = []
    form.events.subscribe(events.append)
    assert form.next() is False and form.step == 0
    assert form.field("name").problem == zh("form.problem.required")
    assert form.field("capital").problem == ""  # a later step is not flagged yet
    fill(form, {k: GOOD[k] for k in ("name", "id_number", "mobile")})
    assert form.step_complete(0)
    assert form.next() is True and form.step == 1
    assert Changed("step") in events and Changed("problems") in events
    assert form.back() is True and form.step == 0 and form.back() is False


def test_accept_shows_every_problem(form):
    assert form.accept() is False
    shown = dict(form.shown_problems())
    assert {"name", "mobile", "capital", "scopes", "shareholders"} <= set(shown)


def test_a_rule_shows_and_hides_a_field_and_its_problems(form):
    """The agent's name is asked (and required) only when someone acts for the applicant."""
    fill(form, GOOD)
    assert form.field("agent_name").shown is False
    form.set("by_agent", True)
    assert form.field("agent_name").shown is True and not form.valid
    assert not form.step_complete(0)
    form.set("agent_name", "王晓雯")
    assert form.valid
    form.set("by_agent", False)
    assert "agent_name" not in form.data() and form.valid


def test_rows_of_a_group_are_added_filled_and_removed(form):
    fill(form, GOOD)
    row = form.add_row("shareholders")
    assert row == 1 and form.rows("shareholders") == 2
    form.set("shareholders[1].id_number", "123")
    assert form.field("shareholders[1].id_number").problem == zh("form.problem.id_number")
    assert form.field("shareholders[1].name").problem == ""  # untouched in a new row
    form.accept()
    assert form.field("shareholders[1].name").problem == zh("form.problem.required")
    form.remove_row("shareholders", 1)
    assert form.rows("shareholders") == 1 and form.valid
    assert [s.name for s in form.sub_fields("shareholders")] == ["name", "id_number", "share"]
    assert form.field("shareholders[0].share").kind == "number"
    assert form.field("shareholders[0].id_number").label == "身份证号"


def test_removing_the_last_row_flags_the_group(form):
    fill(form, GOOD)
    form.remove_row("shareholders", 0)
    assert form.field("shareholders").problem == zh("form.problem.too_few", limit=1)


def test_fields_from_the_id_card_are_locked_with_their_source(form):
    """GIVEN a card read WHEN the form is prefilled THEN those fields show "来自身份证" and cannot be changed."""
    form.prefill({"name": "李䶮", "id_number": LI_YAN_ID, "birth_date": date(1955, 3, 12)})
    name = form.field("name")
    assert (name.locked, name.enabled, name.source) == (True, False, "来自身份证")
    assert form.value("birth_date") == "1955-03-12"
    form.set("name", "someone else")
    assert form.value("name") == "李䶮"
    assert form.field("mobile").locked is False and form.field("mobile").enabled is True


def test_texts_follow_the_window_language():
    form = FormPresenter(MatterForm.from_json(EVERY_KIND), "en")
    form.set("mobile", "1")
    assert form.field("name").label == "Name"
    assert form.field("mobile").problem == "This mobile number is not valid: it has 11 digits"
    form.prefill({"name": "Li Yan"})
    assert form.field("name").source == "From the ID card"
    assert form.step_title(1) == "Company"


def test_choices_come_from_the_schema(form):
    assert form.options("company_type") == ["有限责任公司", "股份有限公司", "个人独资企业"]
    assert form.options("scopes") == ["零售", "餐饮", "咨询"]
    form.set("scopes", ["零售"])
    form.set("scopes", [])
    assert form.value("scopes") is None and form.field("scopes").problem == zh("form.problem.required")


def test_an_id_card_field_typed_by_hand_stays_editable(form):
    """Without a card, the clerk types the name; it is not locked, and can be corrected."""
    form.set("name", "李艳")
    form.set("name", "李䶮")
    assert form.value("name") == "李䶮" and form.field("name").enabled and not form.field("name").locked
