"""Every string a person sees is translatable: Chinese first, English too.

- Both catalogues hold the same keys, with the same placeholders.
- Every message key the code names exists in both.
- Every error type has a message for citizens, clerks and technicians in both languages.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

from core import errors
from core.i18n import LANGUAGES, Translator, catalogue

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("kiosk", "devices", "ui", "offline_cache", "core/presenters")
# Functions whose first argument is a message key (``Message.of``: core/presenters/messages.py).
KEY_FUNCTIONS = {"tr", "_tr", "t", "_t", "translate", "Translator.__call__", "of"}
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_placeholders():
    zh, en = catalogue("zh_CN"), catalogue("en")
    assert sorted(set(zh) - set(en)) == [], "keys only in Chinese"
    assert sorted(set(en) - set(zh)) == [], "keys only in English"
    differing = [k for k in zh if placeholders(zh[k]) != placeholders(en[k])]
    assert differing == []
    empty = [k for lang in LANGUAGES for k, v in catalogue(lang).items() if not v.strip()]
    assert empty == []


def keys_named_in_code() -> set[tuple[str, str]]:
    found = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and node.args:
                    func = node.func
                    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                    first = node.args[0]
                    if name in KEY_FUNCTIONS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                        if KEY_SHAPE.match(first.value):
                            found.add((first.value, str(path.relative_to(ROOT))))
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Name) and target.id == "key" and isinstance(node.value, ast.Constant):
                        if isinstance(node.value.value, str) and KEY_SHAPE.match(node.value.value):
                            found.add((node.value.value, str(path.relative_to(ROOT))))
    return found


def test_every_key_the_code_names_is_in_both_catalogues():
    used = keys_named_in_code()
    assert used, "the scan found no keys at all: the pattern is broken"
    missing = sorted(f"{key} ({where})" for key, where in used
                     if any(key not in catalogue(lang) for lang in LANGUAGES))
    assert missing == []


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
