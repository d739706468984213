"""The on-screen keyboard (ui/pinyin_keyboard.py, docs/keyboard.md), driven by real mouse clicks on its keys:
the text reaches the field that has the focus, whole, and the keys never take that focus away."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QComboBox, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QTextEdit,
                               QVBoxLayout, QWidget)

from core.services.pinyin_ime import PinyinEngine
from ui import theme
from ui.pinyin_keyboard import OnScreenKeyboard


@pytest.fixture(scope="module")
def engine() -> PinyinEngine:
    return PinyinEngine.shared()


@pytest.fixture
def form(qtbot, engine):
    """A window with a text field above the keyboard, the field focused."""
    window = QWidget()
    box = QVBoxLayout(window)
    field = QLineEdit()
    keyboard = OnScreenKeyboard(engine=engine)
    box.addWidget(field)
    box.addWidget(keyboard)
    theme.style_window(window)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    return window, field, keyboard


def key(keyboard: OnScreenKeyboard, name: str) -> QPushButton:
    return keyboard.findChild(QPushButton, name)


def click(keyboard: OnScreenKeyboard, name: str) -> None:
    QTest.mouseClick(key(keyboard, name), Qt.MouseButton.LeftButton)


def type_letters(keyboard: OnScreenKeyboard, letters: str) -> None:
    for char in letters:
        click(keyboard, f"kb-key-{ord(char):x}")


def choose(keyboard: OnScreenKeyboard, text: str, pages: int = 80) -> None:
    """Clicks the candidate ``text``, opening the grid (更多) and paging with ▶ until it shows."""
    if text not in [b.text() for b in keyboard.bar_buttons]:
        click(keyboard, "kb-more")
    for _ in range(pages):
        shown = [b.text() for b in (keyboard.bar_buttons + keyboard.grid_buttons)]
        if text in shown:
            widget = (keyboard.bar_buttons + keyboard.grid_buttons)[shown.index(text)]
            QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
            return
        click(keyboard, "kb-next")
    raise AssertionError(f"{text} not offered")


def test_pinyin_typed_and_chosen_goes_into_the_field(form):
    """GIVEN a focused field WHEN b-e-i-j-i-n-g is clicked THEN the bar shows the pinyin and 北京 first;
    WHEN 北京 is clicked THEN the field holds 北京 and still has the focus."""
    _, field, keyboard = form
    type_letters(keyboard, "beijing")
    assert keyboard.preedit.text() == "bei'jing"
    assert keyboard.bar_buttons[0].text() == "北京"
    assert field.text() == ""  # nothing reaches the field while composing
    click(keyboard, "kb-candidate-0")
    assert field.text() == "北京" and field.hasFocus()
    assert keyboard.preedit.text() == ""


def test_a_character_outside_the_bmp_arrives_whole(form):
    """GIVEN ji typed WHEN 𠮷 is found by paging the candidate grid and clicked THEN the field holds 𠮷 as one
    character (two UTF-16 units), and one backspace removes it whole."""
    _, field, keyboard = form
    type_letters(keyboard, "wang")
    choose(keyboard, "王")
    type_letters(keyboard, "ji")
    choose(keyboard, "𠮷")
    assert field.text() == "王𠮷" and len(field.text()) == 2
    click(keyboard, "kb-backspace")
    assert field.text() == "王"


def test_a_partial_pick_holds_until_the_rest_is_chosen(form):
    """GIVEN zhangsan WHEN 张 is chosen THEN the bar shows 张san and the field is still empty; WHEN 三 is
    chosen THEN the field holds 张三."""
    _, field, keyboard = form
    type_letters(keyboard, "zhangsan")
    choose(keyboard, "张")
    assert keyboard.preedit.text() == "张san" and field.text() == ""
    choose(keyboard, "三")
    assert field.text() == "张三"


def test_backspace_edits_the_pinyin_then_the_field(form):
    """GIVEN 北京 in the field and xia being composed WHEN backspace is clicked four times THEN the pinyin
    shrinks to nothing, then the field loses its last character; space with nothing composed types a space."""
    _, field, keyboard = form
    type_letters(keyboard, "beijing")
    click(keyboard, "kb-space")  # space takes the first candidate
    type_letters(keyboard, "xia")
    click(keyboard, "kb-backspace")
    assert keyboard.preedit.text() == "xi" and field.text() == "北京"
    click(keyboard, "kb-backspace")
    click(keyboard, "kb-backspace")
    assert keyboard.preedit.text() == "" and field.text() == "北京"
    click(keyboard, "kb-backspace")
    assert field.text() == "北"
    click(keyboard, "kb-space")
    assert field.text() == "北 "


def test_english_digits_and_symbols(form):
    """GIVEN 英 mode with caps WHEN A, b are clicked THEN they go in as typed; GIVEN the 123 page WHEN digits and
    Chinese punctuation are clicked THEN they go in; 清空 drops a composition without typing it."""
    _, field, keyboard = form
    click(keyboard, "kb-mode")
    assert key(keyboard, "kb-mode").text() == "英"
    click(keyboard, "kb-shift")
    type_letters(keyboard, "a")
    click(keyboard, "kb-shift")
    type_letters(keyboard, "b")
    click(keyboard, "kb-symbols")
    type_letters(keyboard, "12，")
    click(keyboard, "kb-symbols")
    click(keyboard, "kb-mode")
    type_letters(keyboard, "hao")
    click(keyboard, "kb-clear")
    assert field.text() == "Ab12，" and keyboard.preedit.text() == ""


def test_every_kind_of_text_field_takes_the_text(qtbot, engine):
    """GIVEN a QPlainTextEdit, a QTextEdit, an editable QComboBox and a QSpinBox THEN clicked pinyin (and
    digits, for the spin box) arrive in each of them."""
    window = QWidget()
    box = QVBoxLayout(window)
    plain, rich, combo, spin = QPlainTextEdit(), QTextEdit(), QComboBox(), QSpinBox()
    combo.setEditable(True)
    spin.setRange(0, 999)
    keyboard = OnScreenKeyboard(engine=engine)
    for widget in (plain, rich, combo, spin, keyboard):
        box.addWidget(widget)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    for field in (plain, rich, combo):
        field.setFocus()
        qtbot.waitUntil(field.hasFocus)
        type_letters(keyboard, "shenfenzheng")
        click(keyboard, "kb-candidate-0")
    assert plain.toPlainText() == rich.toPlainText() == combo.currentText() == "身份证"
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.selectAll()
    click(keyboard, "kb-symbols")
    type_letters(keyboard, "42")
    assert spin.value() == 42


def test_keys_are_big_and_never_take_the_focus(form):
    """Every key is at least 60 × 60 px and has no focus policy, so the field keeps the focus."""
    _, field, keyboard = form
    keys = keyboard.findChildren(QPushButton)
    assert len(keys) > 40
    assert all(k.focusPolicy() == Qt.FocusPolicy.NoFocus for k in keys)
    shown = [k for k in keys if k.isVisible()]
    assert shown and all(k.width() >= 60 and k.height() >= 60 for k in shown)


def test_done_hides_the_keyboard_and_types_the_composition(form, qtbot):
    """GIVEN beijing composed WHEN 完成 is clicked THEN 北京 goes in, the keyboard hides and says done."""
    _, field, keyboard = form
    type_letters(keyboard, "beijing")
    with qtbot.waitSignal(keyboard.done, timeout=1000):
        click(keyboard, "kb-done")
    assert field.text() == "北京" and not keyboard.isVisible()


def test_the_keyboard_follows_the_language(form):
    """WHEN the language switches to English THEN the keys' words follow (space, done, the mode key)."""
    _, _, keyboard = form
    assert key(keyboard, "kb-done").text() == "完成"
    keyboard.set_language("en")
    assert key(keyboard, "kb-done").text() == "Done" and key(keyboard, "kb-space").text() == "Space"
    assert key(keyboard, "kb-mode").text() == "Pinyin"


def test_the_index_loads_off_the_gui_thread(qtbot, monkeypatch):
    """GIVEN no index loaded yet WHEN a keyboard is made THEN it is drawn at once, letters typed wait in the
    bar, and the candidates come when its loading thread is done."""
    monkeypatch.setattr(PinyinEngine, "_shared", None)
    window = QWidget()
    field = QLineEdit(window)
    keyboard = OnScreenKeyboard(parent=window)
    QVBoxLayout(window).addWidget(keyboard)
    qtbot.addWidget(window)
    window.show()
    field.setFocus()
    type_letters(keyboard, "ni")
    assert not keyboard.ready and keyboard.preedit.text() == "ni（输入法准备中…）"
    assert keyboard.wait_loaded(10.0)
    qtbot.waitUntil(lambda: keyboard.ready and keyboard.bar_buttons[0].text() == "你", timeout=5000)



def test_the_keyboard_follows_the_fields_of_a_form(qtbot, engine):
    """GIVEN a keyboard following a form WHEN a text field takes the focus THEN it shows, with the letters;
    WHEN a spin box, or a line that asks for digits (its input method hints), does THEN it shows the digits;
    WHEN a button outside the form does THEN it hides."""
    window = QWidget()
    box = QVBoxLayout(window)
    form_part = QWidget()
    inner = QVBoxLayout(form_part)
    name, age, phone = QLineEdit(), QSpinBox(), QLineEdit()
    phone.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
    for widget in (name, age, phone):
        inner.addWidget(widget)
    other = QPushButton("x")
    keyboard = OnScreenKeyboard(engine=engine)
    for widget in (form_part, other, keyboard):
        box.addWidget(widget)
    keyboard.follow(form_part)
    keyboard.hide()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    name.setFocus()
    qtbot.waitUntil(keyboard.isVisible)
    assert keyboard.stack.currentWidget() is keyboard.letters_page
    age.setFocus()
    qtbot.waitUntil(lambda: keyboard.stack.currentWidget() is keyboard.symbols_page)
    name.setFocus()
    qtbot.waitUntil(lambda: keyboard.stack.currentWidget() is keyboard.letters_page)
    phone.setFocus()
    qtbot.waitUntil(lambda: keyboard.stack.currentWidget() is keyboard.symbols_page)
    other.setFocus()
    qtbot.waitUntil(lambda: not keyboard.isVisible())


def test_switching_pages_or_modes_types_what_is_composed(form):
    """GIVEN beijing composed WHEN 123 符号 is clicked THEN 北京 goes in first and the digits page shows;
    GIVEN zhongguo composed WHEN 中 is clicked THEN 中国 goes in and the letters are typed as they are."""
    _, field, keyboard = form
    type_letters(keyboard, "beijing")
    click(keyboard, "kb-symbols")
    assert field.text() == "北京" and keyboard.stack.currentWidget() is keyboard.symbols_page
    type_letters(keyboard, "1")
    click(keyboard, "kb-symbols")
    type_letters(keyboard, "zhongguo")
    click(keyboard, "kb-mode")
    type_letters(keyboard, "ok")
    assert field.text() == "北京1中国ok"


def test_typing_into_a_matters_form_reaches_its_presenter(qtbot, engine):
    """GIVEN a matter's form (the kiosk's large FormView) followed by the keyboard WHEN the name field is
    touched and 王𠮷 clicked, then the mobile field, 123 符号 and its digits THEN the keyboard showed itself and
    the form's presenter holds both values."""
    from core.presenters.form import FormPresenter
    from core.services.forms import MatterForm
    from tests.test_forms import EVERY_KIND
    from ui.form_view import FormView

    window = QWidget()
    box = QVBoxLayout(window)
    view = FormView(FormPresenter(MatterForm.from_json(EVERY_KIND), "zh_CN"), large=True)
    keyboard = OnScreenKeyboard(engine=engine)
    box.addWidget(view)
    box.addWidget(keyboard)
    keyboard.follow(view)
    keyboard.hide()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    name = view.findChild(QLineEdit, "form-name")
    QTest.mouseClick(name, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(keyboard.isVisible)
    type_letters(keyboard, "wang")
    choose(keyboard, "王")
    type_letters(keyboard, "ji")
    choose(keyboard, "𠮷")
    mobile = view.findChild(QLineEdit, "form-mobile")
    QTest.mouseClick(mobile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(mobile.hasFocus)
    click(keyboard, "kb-symbols")
    type_letters(keyboard, "13912345678")
    assert view.presenter.value("name") == "王𠮷" and view.presenter.value("mobile") == "13912345678"


def test_without_its_index_the_keyboard_still_types_letters(qtbot, monkeypatch, caplog):
    """GIVEN an installation whose pinyin index cannot be read WHEN letters are typed in 中 mode THEN the
    failure is logged, the bar stops saying it is preparing, and the letters can be committed as they are."""
    def broken() -> PinyinEngine:
        raise FileNotFoundError("pinyin_index.tsv.gz")

    monkeypatch.setattr(PinyinEngine, "_shared", None)
    monkeypatch.setattr(PinyinEngine, "load", classmethod(lambda cls: broken()))
    window = QWidget()
    field = QLineEdit(window)
    keyboard = OnScreenKeyboard(parent=window)
    QVBoxLayout(window).addWidget(keyboard)
    qtbot.addWidget(window)
    window.show()
    field.setFocus()
    assert keyboard.wait_loaded(10.0)
    qtbot.waitUntil(lambda: keyboard._load_failed)
    type_letters(keyboard, "ok")
    assert keyboard.preedit.text() == "ok" and keyboard.bar_buttons[0].text() == "ok"
    click(keyboard, "kb-candidate-0")
    assert field.text() == "ok"
    assert "could not be loaded" in caplog.text
