"""Every string a person sees, in Chinese (the default), English and Traditional Chinese.

Messages are data, not code: the files ``<area>.zh_CN.json``, ``<area>.en.json`` (and one per further
language, ``<area>.zh_TW.json``: a language is the set of files with its suffix) beside this file map
message keys to their text (``str.format`` placeholders); one pair of files per area of the product
(core, queue, printer, idcard, …), merged at load time, a key defined twice being an error. Code names keys, never literal text, so a test can check that every key used
anywhere exists in every catalogue (tests/test_i18n.py).

    tr = Translator("zh_CN")
    tr("ticket.people_ahead", n=3)      # "您前面还有 3 人"

A Translator is per window, not per process: in the demo, the citizen kiosk may be in English while the
clerk's window stays in Chinese.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any


DEFAULT_LANGUAGE = "zh_CN"
log = logging.getLogger(__name__)


def _languages() -> tuple[str, ...]:
    """The languages whose catalogues are here: Chinese first, then the others by name. A third language
    is a set of files, not a change of code (docs/accessibility.md, "A third language")."""
    found = {entry.name.split(".")[-2] for entry in resources.files(__package__).iterdir()
             if entry.name.endswith(".json") and entry.name.count(".") == 2}
    return (DEFAULT_LANGUAGE, *sorted(found - {DEFAULT_LANGUAGE}))


LANGUAGES = _languages()


@cache
def catalogue(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
    merged: dict[str, str] = {}
    suffix = f".{language}.json"
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(suffix):
            continue
        for key, text in json.loads(entry.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice ({entry.name})")
            merged[key] = text
    return merged


class MissingMessage(KeyError):
    """A message key that is not in the catalogue of the language asked for (strict mode only)."""


STRICT_ENV = "KIOSK_I18N_STRICT"
_misses: set[tuple[str, str]] = set()
_misses_lock = threading.Lock()


def strict() -> bool:
    """Strict mode (``KIOSK_I18N_STRICT=1``): a missing key raises ``MissingMessage`` instead of falling back."""
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def missed() -> set[tuple[str, str]]:
    """Every (language, key) looked up and not found since the process started (or ``forget_misses``)."""
    with _misses_lock:
        return set(_misses)


def forget_misses() -> None:
    with _misses_lock:
        _misses.clear()


def _miss(language: str, key: str) -> None:
    """Records a missing key; logs it once per language and key (the person sees Chinese or the key)."""
    with _misses_lock:
        first = (language, key) not in _misses
        _misses.add((language, key))
    if first:
        log.warning("message key %r is missing in %s", key, language)
    if strict():
        raise MissingMessage(f"message key {key!r} is missing in {language}")


class Translator:
    """Looks up message keys in one language. A missing key is recorded and logged once (``missed()``),
    then falls back to Chinese, then to the key itself; in strict mode it raises ``MissingMessage``."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def has(self, key: str) -> bool:
        return key in catalogue(self.language) or key in catalogue(DEFAULT_LANGUAGE)

    def __call__(self, key: str, /, **params: Any) -> str:
        text = catalogue(self.language).get(key)
        if text is None:
            _miss(self.language, key)
            text = catalogue(DEFAULT_LANGUAGE).get(key, key)
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                return text
        return text


_declared: dict[str, tuple[str, ...] | None] = {}


def keys_for(prefix: str, suffixes: Iterable[str]) -> tuple[str, ...]:
    """Declares the keys a key built at run time (``t(f"printer.status.{status.value}")``) can be: the
    prefix and every suffix the code can put after it. Call it where the key is built; tests/test_i18n.py
    checks every declared key is in both catalogues and every such f-string is declared."""
    keys = tuple(prefix + str(getattr(suffix, "value", suffix)) for suffix in suffixes)  # enum members too
    _declared[prefix] = tuple(sorted({*(_declared.get(prefix) or ()), *keys}))
    return keys


def optional_keys(prefix: str) -> str:
    """Declares keys built at run time that are looked up only after ``Translator.has``: the values come
    from outside (a platform's reason code, a device's role) and a missing one falls back by design."""
    _declared.setdefault(prefix, None)
    return prefix


def declared_keys() -> dict[str, tuple[str, ...] | None]:
    """Every declared prefix with its keys (None: optional, see ``optional_keys``)."""
    return dict(_declared)


def tr(key: str, /, language: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    return Translator(language)(key, **params)
