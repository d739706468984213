"""A matter's form on screen: ui/form_view.py over core/presenters/form.py, driven by keyboard and mouse
(qtbot) on the every-kind form of tests/test_forms.py and the sample hall's company registration form."""

from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QRadioButton

from core.i18n import Translator
from core.presenters.form import FormPresenter
from core.services.forms import FIELD_KINDS, MatterForm
from tests.test_forms import EVERY_KIND, LI_YAN_ID
from simulators import sample_data
from ui.form_view import FormView

zh = Translator("zh_CN")


def sample_form() -> dict:
    """The form of the sample hall's matter 320100-XK-0018 (company registration: every kind)."""
    return sample_data.matter("320100-XK-0018")["form"]


@pytest.fixture
def view(qtbot):
    presenter = FormPresenter(MatterForm.from_json(EVERY_KIND), "zh_CN")
    widget = FormView(presenter)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def find(view: FormView, kind, path: str):
    widget = view.findChild(kind, f"form-{path}")
    assert widget is not None, path
    return widget


def type_chinese(widget, text: str) -> None:
    """What an input method does when the person picks the characters: it commits them to the widget."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def problem_text(view: FormView, path: str) -> str:
    label = view.findChild(QLabel, f"form-{path}-problem")
    return label.text() if label.isVisible() else ""


def test_typing_reaches_the_presenter_and_the_problem_shows_under_the_field(qtbot, view):
    """WHEN a clerk types a 10-digit mobile number THEN the problem shows under it; an 11th digit clears it."""
    mobile = find(view, QLineEdit, "mobile")
    qtbot.keyClicks(mobile, "1391234567")
    assert view.presenter.value("mobile") == "1391234567"
    assert problem_text(view, "mobile") == zh("form.problem.mobile")
    qtbot.keyClicks(mobile, "8")
    assert view.presenter.value("mobile") == "13912345678" and problem_text(view, "mobile") == ""


def test_rare_characters_typed_reach_the_data(qtbot, view):
    type_chinese(find(view, QLineEdit, "name"), "李䶮")
    assert view.presenter.data()["name"] == "李䶮"


def test_the_formats_limit_what_can_be_typed(qtbot, view):
    id_number = find(view, QLineEdit, "id_number")
    qtbot.keyClicks(id_number, "32010219550312123x9")
    assert id_number.text() == "32010219550312123X"  # 18 characters, the check character upper case
    mobile = find(view, QLineEdit, "mobile")
    qtbot.keyClicks(mobile, "13a9")
    assert mobile.text() == "139"


def test_every_kind_renders_with_its_label_as_accessible_name(view):
    presenter = view.presenter
    assert {presenter.spec(n).kind for n in presenter.fields()} == set(FIELD_KINDS)
    assert view.box("capital") is None  # a later step is built when it is first shown
    for step in range(presenter.steps):
        view.build(step)
    for name in presenter.fields():
        widget = view.findChild(object, f"form-{name}")
        assert widget is not None and widget.accessibleName() == presenter.label(name), name
    assert isinstance(find(view, QPlainTextEdit, "remarks"), QPlainTextEdit)
    assert isinstance(find(view, QRadioButton, "company_type-0"), QRadioButton)  # three options: radio buttons
    assert find(view, QComboBox, "region-province").count() == 35  # "please choose" and every province


def test_a_choice_a_checkbox_and_yes_no_reach_the_presenter(qtbot, view):
    find(view, QRadioButton, "by_agent-yes").click()
    assert view.presenter.value("by_agent") is True
    assert view.box("agent_name").isVisibleTo(view)  # the rule shows the agent's name
    find(view, QRadioButton, "by_agent-no").click()
    assert not view.box("agent_name").isVisibleTo(view)
    view.presenter.go_to(1)
    find(view, QRadioButton, "company_type-1").click()
    find(view, object, "scopes-2").click()
    assert view.presenter.value("company_type") == "股份有限公司"
    assert view.presenter.value("scopes") == ["咨询"]


def test_the_region_chooser_goes_province_city_district_or_takes_a_code(qtbot, view):
    view.presenter.go_to(1)
    province = find(view, QComboBox, "region-province")
    province.setCurrentIndex(province.findData("32"))
    province.activated.emit(province.currentIndex())
    city = find(view, QComboBox, "region-city")
    city.setCurrentIndex(city.findData("3201"))
    city.activated.emit(city.currentIndex())
    district = find(view, QComboBox, "region-district")
    district.setCurrentIndex(district.findText("玄武区"))
    district.activated.emit(district.currentIndex())
    assert view.presenter.value("region") == "320102"
    code = find(view, QLineEdit, "region-code")
    code.clear()
    qtbot.keyClicks(code, "440305")  # not in the table: typed as a code
    assert view.presenter.value("region") == "440305" and problem_text(view, "region") == ""
    assert province.currentData() == "44"


def test_a_number_shows_its_unit_and_a_wrong_entry_is_flagged(qtbot, view):
    view.presenter.go_to(1)
    capital = find(view, QLineEdit, "capital")
    qtbot.keyClicks(capital, "0")
    assert problem_text(view, "capital") == zh("form.problem.too_small", limit=0)
    assert any(label.text() == "万元" for label in view.box("capital").findChildren(QLabel))


def test_rows_are_added_and_removed_by_buttons(qtbot, view):
    view.presenter.go_to(1)
    add = find(view, QPushButton, "shareholders-add")
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    type_chinese(find(view, QLineEdit, "shareholders[1].name"), "吉𠮷")
    assert view.presenter.value("shareholders[1].name") == "吉𠮷"
    qtbot.mouseClick(find(view, QPushButton, "shareholders[0]-remove"), Qt.MouseButton.LeftButton)
    assert view.presenter.rows("shareholders") == 1
    assert find(view, QLineEdit, "shareholders[0].name").text() == "吉𠮷"


def test_a_locked_field_cannot_be_edited_and_shows_its_source(qtbot, view):
    """GIVEN a card read THEN the name shows 来自身份证 and typing into it changes nothing."""
    view.presenter.prefill({"name": "李䶮", "id_number": LI_YAN_ID})
    name = find(view, QLineEdit, "name")
    assert name.text() == "李䶮" and not name.isEnabled()
    assert zh("ui_form.from_id_card") in view.findChild(QLabel, "form-name-lock").text()
    qtbot.keyClicks(name, "X")
    assert view.presenter.value("name") == "李䶮" and name.text() == "李䶮"


def test_next_shows_what_is_missing_and_moves_when_the_step_is_complete(qtbot, view):
    next_button = find(view, QPushButton, "next")
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert view.presenter.step == 0 and problem_text(view, "name") == zh("form.problem.required")
    view.presenter.prefill({"name": "李䶮", "id_number": LI_YAN_ID})
    qtbot.keyClicks(find(view, QLineEdit, "mobile"), "13912345678")
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert view.presenter.step == 1 and view.pages.currentIndex() == 1


def test_the_sample_hall_form_renders_large_in_english(qtbot):
    presenter = FormPresenter(MatterForm.from_json(sample_form()), "en")
    widget = FormView(presenter, large=True)
    qtbot.addWidget(widget)
    widget.show()
    assert find(widget, QPushButton, "next").text() == "Next"
    assert find(widget, QLineEdit, "company_name").minimumHeight() >= 60
    assert find(widget, QLineEdit, "company_name").accessibleName() == "Company name"


def test_switching_the_window_language_redraws_the_form_and_keeps_the_values(qtbot, view):
    qtbot.keyClicks(find(view, QLineEdit, "mobile"), "139")
    view.texts.set_language("en")
    assert view.findChild(QLabel, "form-mobile-problem").text() == Translator("en")("form.problem.mobile")
    assert find(view, QLineEdit, "mobile").text() == "139"
    assert find(view, QLineEdit, "mobile").accessibleName() == "手机号码"  # no English label in this form
    assert find(view, QPushButton, "next").text() == "Next"
