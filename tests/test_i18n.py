"""Every string a person sees is translatable: Chinese first, English too.

- Both catalogues hold the same keys, with the same placeholders.
- Every message key the code names exists in both: string literals of a key's shape in any product
  package, the keys given to every helper that takes one (``t``, ``tr``, ``tr_``, ``texts``, ``bind`` …),
  and keys built at run time, which must be declared where they are built (``core.i18n.keys_for``).
- A missing key is observable: recorded and logged once, and an error in strict mode.
- Every error type has a message for citizens, clerks and technicians in both languages.
"""

from __future__ import annotations

import ast
import importlib
import logging
import pkgutil
import re
import string
from pathlib import Path

import pytest

from core import errors
from core.i18n import (LANGUAGES, STRICT_ENV, MissingMessage, Translator, catalogue, declared_keys, forget_misses,
                       missed)

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "devices", "offline_cache", "platform_client", "ui", "kiosk", "hall_server", "simulators")
# Helpers whose argument at this position is a message key: the Translator and tr, ui/texts.py's Texts and
# its bind(widget, key), the windows' tr_ and t, the technician panels' button makers.
KEY_HELPERS = {"t": 0, "_t": 0, "tr": 0, "_tr": 0, "tr_": 0, "translate": 0, "texts": 0, "bind": 1, "has": 0,
               "add_button": 0, "_button": 0, "of": 0}
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
PREFIX_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.$")
# Literals of a key's shape that name a configuration setting, not a message (ConfigError(setting=…)).
SETTING_CALLS, SETTING_KEYWORDS = {"_problem"}, {"setting"}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def namespaces() -> set[str]:
    return {key.split(".")[0] for key in catalogue("zh_CN")}


def product_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _setting_names(tree: ast.AST) -> set[int]:
    """ids of the nodes that name a configuration setting."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if _name(node.func) in SETTING_CALLS and node.args:
                ids.add(id(node.args[0]))
            ids.update(id(k.value) for k in node.keywords if k.arg in SETTING_KEYWORDS)
    return ids


def _prefix_of(node: ast.AST) -> str | None:
    """The literal start of a key built at run time: f"printer.status.{s}" or "printer.status." + s."""
    head = None
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        head = node.values[0].value
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant):
        head = node.left.value
    return head if isinstance(head, str) and PREFIX_SHAPE.match(head) else None


def scan_source(text: str, where: str, found: dict[str, set[tuple[str, str]]] | None = None
                ) -> dict[str, set[tuple[str, str]]]:
    """What one module names: ``keys`` (literals of a key's shape), ``built`` (prefixes of keys built at run
    time) and ``odd`` (a helper given a literal that is not a message key)."""
    found = found if found is not None else {"keys": set(), "built": set(), "odd": set()}
    spaces = namespaces()
    tree = ast.parse(text, filename=where)
    settings = _setting_names(tree)
    for node in ast.walk(tree):
        if id(node) in settings:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY_SHAPE.match(node.value):
            if node.value.split(".")[0] in spaces:
                found["keys"].add((node.value, f"{where}:{node.lineno}"))
        prefix = _prefix_of(node)
        if prefix and prefix.split(".")[0] in spaces:
            found["built"].add((prefix, f"{where}:{node.lineno}"))
        if isinstance(node, ast.Call) and _name(node.func) in KEY_HELPERS:
            position = KEY_HELPERS[_name(node.func)]
            arg = node.args[position] if len(node.args) > position else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and not (
                    KEY_SHAPE.match(arg.value) and arg.value.split(".")[0] in spaces):
                found["odd"].add((arg.value, f"{where}:{node.lineno}"))
    return found


def scan() -> dict[str, set[tuple[str, str]]]:
    """``scan_source`` over every module of the product."""
    found: dict[str, set[tuple[str, str]]] = {"keys": set(), "built": set(), "odd": set()}
    for path in product_files():
        scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), found)
    return found


def test_the_scan_sees_keys_through_every_helper():
    """GIVEN keys given to bind, tr_, texts, a key built with an f-string or "+", text given to t, and a
    configuration setting's name
    THEN the keys and prefixes are found, the text is flagged, and the setting is not taken for a key."""
    sample = (
        'texts.bind(label, "ui.clerk.logout")\n'
        'self.tr_(f"sync.state.{state}")\n'
        'self.texts("printer.slip.scan")\n'
        't("Please wait")\n'
        'label = t("codes.kind." + kind)\n'
        'raise _problem("sync.cipher", "unknown")\n')
    found = scan_source(sample, "sample.py")
    assert found["keys"] == {("ui.clerk.logout", "sample.py:1"), ("printer.slip.scan", "sample.py:3")}
    assert found["built"] == {("sync.state.", "sample.py:2"), ("codes.kind.", "sample.py:5")}
    assert found["odd"] == {("Please wait", "sample.py:4")}


def import_product() -> None:
    """Imports every product module, so the keys declared where they are built are known."""
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)


def test_both_languages_have_the_same_keys_and_placeholders():
    zh, en = catalogue("zh_CN"), catalogue("en")
    assert sorted(set(zh) - set(en)) == [], "keys only in Chinese"
    assert sorted(set(en) - set(zh)) == [], "keys only in English"
    differing = [k for k in zh if placeholders(zh[k]) != placeholders(en[k])]
    assert differing == []
    empty = [k for lang in LANGUAGES for k, v in catalogue(lang).items() if not v.strip()]
    assert empty == []


def test_every_key_the_code_names_is_in_both_catalogues():
    """GIVEN every string literal of a key's shape in a known namespace, in every product package
    THEN it is in the Chinese AND the English catalogue."""
    used = scan()["keys"]
    assert len(used) > 300, "the scan found too few keys: the pattern is broken"
    missing = sorted(f"{key} ({where}, {lang})" for key, where in used for lang in LANGUAGES
                     if key not in catalogue(lang))
    assert missing == []


def test_every_helper_that_takes_a_key_is_given_a_key():
    """GIVEN a call of t/tr/tr_/texts/bind … with a literal where the key goes
    THEN the literal is a message key (not text, not a key of an unknown area)."""
    odd = sorted(f"{text!r} ({where})" for text, where in scan()["odd"])
    assert odd == []


def test_every_key_built_at_run_time_is_declared_where_it_is_built():
    """GIVEN a key built at run time (f"printer.status.{status.value}")
    THEN its prefix is declared with ``keys_for`` (or ``optional_keys``), and every declared key is in
    both catalogues."""
    import_product()
    declared = declared_keys()
    built = scan()["built"]
    assert len(built) > 20, "the scan found too few built keys: the pattern is broken"
    undeclared = sorted(f"{prefix} ({where})" for prefix, where in built if prefix not in declared)
    assert undeclared == [], "declare the possible keys with core.i18n.keys_for next to the f-string"
    missing = sorted(f"{key} ({lang})" for keys in declared.values() for key in keys or ()
                     for lang in LANGUAGES if key not in catalogue(lang))
    assert missing == []
    assert all(keys is None or keys for keys in declared.values()), "a declaration with no keys"


def test_a_missing_key_is_recorded_logged_once_and_falls_back_to_chinese(caplog, monkeypatch):
    """GIVEN a key only the Chinese catalogue has, and one no catalogue has
    WHEN an English window asks for them twice
    THEN it shows the Chinese text (then the key itself), and each miss is recorded and logged once."""
    monkeypatch.delenv(STRICT_ENV, raising=False)
    monkeypatch.setitem(catalogue("zh_CN"), "test.only_chinese", "只有中文")
    forget_misses()
    english = Translator("en")
    with caplog.at_level(logging.WARNING, logger="core.i18n"):
        for _ in range(2):
            assert english("test.only_chinese") == "只有中文"
            assert english("test.nowhere") == "test.nowhere"
    assert missed() == {("en", "test.only_chinese"), ("en", "test.nowhere")}
    assert [r.getMessage().count("test.") for r in caplog.records] == [1, 1]
    forget_misses()


def test_in_strict_mode_a_missing_key_is_an_error(monkeypatch):
    monkeypatch.setenv(STRICT_ENV, "1")
    with pytest.raises(MissingMessage):
        Translator("en")("test.nowhere")
    assert Translator("en")("error.unexpected")
    forget_misses()


def all_error_types():
    # Error types live beside the code that raises them (devices/idcard, offline_cache …): import every
    # module of the core, the drivers and the store first, so the list does not depend on test order.
    for package in ("kiosk", "devices", "offline_cache"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
    seen, todo = [], [errors.KioskError]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(seen), key=lambda c: c.__name__)


@pytest.mark.parametrize("error_type", all_error_types(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_error_speaks_to_every_audience_in_every_language(error_type, language):
    # The parameters the catalogues' texts name (a reader's status code, a config setting …).
    params = {"setting": "x", "problem": "y", "status": "80"}
    try:
        error = error_type("raw detail for the technician", device="ticket_printer", **params)
    except TypeError:  # the type names its device itself
        error = error_type("raw detail for the technician", **params)
    for audience in ("citizen", "clerk", "technician"):
        text = error.message(audience, language)
        assert text and "{" not in text, (audience, text)
        assert text != Translator(language)("error.unexpected") or error_type is errors.KioskError
    assert "raw detail" in error.message("technician", language)
    assert "raw detail" not in error.message("citizen", language)


def test_rare_characters_survive_formatting():
    assert "李䶮" in Translator("zh_CN")("error.config", setting="李䶮", problem="x")


def test_a_third_language_is_a_set_of_files_traditional_chinese_beside_the_others():
    """GIVEN the catalogues beside core/i18n THEN the languages are the suffixes of their files, Chinese first:
    zh_TW came with its files (scripts/zh_tw_catalogues.py), no code named it. Its texts are Traditional,
    its placeholders are the Simplified ones', and rare name characters pass through it untouched."""
    assert LANGUAGES == ("zh_CN", "en", "zh_TW")
    zh, tw = catalogue("zh_CN"), catalogue("zh_TW")
    assert set(tw) == set(zh)
    assert [k for k in zh if placeholders(zh[k]) != placeholders(tw[k])] == []
    assert Translator("zh_TW")("ui.home.take_number") == "取號"
    assert Translator("zh_TW")("ui.services.title") != Translator("zh_CN")("ui.services.title")
    assert "李䶮𠮷" in Translator("zh_TW")("error.config", setting="李䶮𠮷", problem="x")


def test_the_language_switch_cycles_through_every_language_and_names_the_next():
    """GIVEN the one-touch switch THEN zh_CN → en → zh_TW → zh_CN, and each catalogue's button names the next."""
    from core.presenters.display import other_language

    names = {lang: Translator(lang)("language.switch") for lang in LANGUAGES}
    assert names == {"zh_CN": "English", "en": "繁體中文", "zh_TW": "简体中文"}
    assert other_language("zh_TW") == "en" and other_language("en") == "zh_CN"  # the board stays bilingual
