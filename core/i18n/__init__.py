"""Every string a person sees, in Chinese (the default) and English.

Messages are data, not code: the files ``<area>.zh_CN.json`` and ``<area>.en.json`` beside this file map
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
from functools import cache
from importlib import resources
from typing import Any


LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"


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


class Translator:
    """Looks up message keys in one language, falling back to Chinese, then to the key itself."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def has(self, key: str) -> bool:
        return key in catalogue(self.language) or key in catalogue(DEFAULT_LANGUAGE)

    def __call__(self, key: str, /, **params: Any) -> str:
        text = catalogue(self.language).get(key)
        if text is None:
            text = catalogue(DEFAULT_LANGUAGE).get(key, key)
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                return text
        return text


def tr(key: str, /, language: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    return Translator(language)(key, **params)
