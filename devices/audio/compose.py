"""What an utterance is made of: segments (core/ports/voice.py) turned into the voice pack's recordings,
in order, and the free text left for the speech engine (docs/voice.md, "Composition").

    plan([Key("queue.call.announce", {"number": Code("A012"), "window": Count(3)})], "zh_CN")
    → keys/queue.call.announce.0 ("请"), letter-A, digit-0, digit-1, digit-2,
      keys/queue.call.announce.1 ("号到"), digit-3, keys/queue.call.announce.2 ("号窗口办理")

A prompt without placeholders is one recording, ``keys/<key>``; a prompt with placeholders has one
recording per piece of text between them, ``keys/<key>.<i>`` (``i`` counts every piece, the empty ones
too; a piece with nothing to say, such as "。", has none). ``Code`` is spelled (``letter-A``, ``digit-0``);
``Count`` is said as a number (zh_CN "一百零五": ``digit-1 number-100 digit-0 digit-5``; en "twenty
three": ``number-20 digit-3``); ``Text`` is the engine's. Numbers too large to say (from 10000 in
Chinese, from 1000 in English) are spelled digit by digit.

``parse_text`` reads a sentence that was rendered from one of the given prompts back into that prompt and
its values, so the hall display's "请 A012 号到 3 号窗口办理" is said from the recordings too.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache

from core.i18n import catalogue
from core.ports.voice import Code, Count, Key, Segment, Text, as_segment


@dataclass(frozen=True)
class Recording:
    """A file of the pack (``<language>/<name>.wav``); ``words``: what it says (the engine's fallback and
    the text the pack is generated from)."""

    name: str
    words: str


@dataclass(frozen=True)
class Speech:
    """Free text for the speech engine."""

    text: str


Part = Recording | Speech

DIGITS = {"zh_CN": "零一二三四五六七八九", "en": ("zero one two three four five six seven eight nine").split()}
ZH_UNITS = {10: "十", 100: "百", 1000: "千"}
EN_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty",
           90: "ninety", 100: "hundred"}


def _said(piece: str) -> bool:
    return any(ch.isalnum() for ch in piece)


@cache
def pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    """The template as (literal text, placeholder name or None) pairs, in order."""
    return tuple((literal, field) for literal, field, _spec, _conv in string.Formatter().parse(template))


def digit(d: int, language: str) -> Recording:
    return Recording(f"segments/digit-{d}", DIGITS[_lang(language)][d])


def _lang(language: str) -> str:
    return "en" if language.startswith("en") else "zh_CN"


def _number(value: int, language: str) -> Recording:
    words = ZH_UNITS[value] if _lang(language) == "zh_CN" else (EN_TEENS[value - 10] if value < 20 else EN_TENS[value])
    return Recording(f"segments/number-{value}", words)


def spell(text: str, language: str) -> list[Part]:
    out: list[Part] = []
    for ch in text.upper():
        if ch.isdigit() and ch.isascii():
            out.append(digit(int(ch), language))
        elif "A" <= ch <= "Z":
            out.append(Recording(f"segments/letter-{ch}", ch))
    return out


def count(n: int, language: str) -> list[Part]:
    if n < 0 or n >= (10000 if _lang(language) == "zh_CN" else 1000):
        return spell(str(n), language)
    return _count_zh(n, language) if _lang(language) == "zh_CN" else _count_en(n, language)


def _count_zh(n: int, language: str) -> list[Part]:
    out: list[Part] = []
    zero = False
    for value in (1000, 100, 10):
        d = n // value % 10
        if d:
            if zero:
                out.append(digit(0, language))
                zero = False
            if not (value == 10 and d == 1 and not out):  # "十二", but "一百一十"
                out.append(digit(d, language))
            out.append(_number(value, language))
        elif out:
            zero = True
    if n % 10:
        if zero:
            out.append(digit(0, language))
        out.append(digit(n % 10, language))
    return out or [digit(0, language)]


def _count_en(n: int, language: str) -> list[Part]:
    out: list[Part] = []
    if n >= 100:
        out += [digit(n // 100, language), _number(100, language)]
        n %= 100
        if not n:
            return out
    if n < 10:
        return out + [digit(n, language)]
    if n < 20:
        return out + [_number(n, language)]
    out.append(_number(n // 10 * 10, language))
    return out + ([digit(n % 10, language)] if n % 10 else [])


def key_parts(key: str, language: str) -> list[tuple[Recording | None, str | None]]:
    """The recordings of a prompt's pieces, each followed by its placeholder's name (None for none)."""
    template = catalogue(_lang(language)).get(key, "")
    split = pieces(template)
    whole = all(field is None for _literal, field in split)
    out: list[tuple[Recording | None, str | None]] = []
    for i, (literal, field) in enumerate(split):
        recording = None
        if _said(literal):
            recording = Recording(f"keys/{key}" if whole else f"keys/{key}.{i}", literal.strip())
        out.append((recording, field))
    return out


def plan(segments: list[Segment] | tuple[Segment, ...], language: str) -> list[Part]:
    """The parts of an utterance, in order."""
    out: list[Part] = []
    for segment in segments:
        if isinstance(segment, Key):
            for recording, field in key_parts(segment.key, language):
                if recording is not None:
                    out.append(recording)
                if field is not None:
                    out += plan([as_segment(segment.params.get(field, ""))], language)
        elif isinstance(segment, Code):
            out += spell(segment.text, language)
        elif isinstance(segment, Count):
            out += count(segment.n, language)
        elif isinstance(segment, Text) and _said(segment.text):
            out.append(Speech(segment.text))
    return out


def _value(text: str) -> Segment:
    """A value read out of a sentence: a plain number is a count, a code of letters and digits is spelled."""
    text = text.strip()
    if re.fullmatch(r"[1-9]\d{0,3}|0", text):
        return Count(int(text))
    if re.fullmatch(r"[A-Za-z0-9]{1,12}", text):
        return Code(text)
    return Text(text)


@cache
def _pattern(template: str) -> re.Pattern | None:
    regex, names = "", set()
    for literal, field in pieces(template):
        regex += r"\s*".join(re.escape(part) for part in literal.split()) if literal.strip() else r"\s*"
        if field is not None:
            if not field.isidentifier() or field in names:
                return None
            names.add(field)
            regex += rf"\s*(?P<{field}>.+?)\s*"
    return re.compile(regex)


def parse_text(text: str, keys: tuple[str, ...], language: str) -> Key | None:
    """The prompt among ``keys`` that renders to ``text`` (with its values), or None."""
    messages = catalogue(_lang(language))
    for key in keys:
        pattern = _pattern(messages.get(key, "\0"))
        match = pattern.fullmatch(text.strip()) if pattern is not None else None
        if match:
            return Key(key, {name: _value(value) for name, value in match.groupdict().items()})
    return None


def recordings(keys: tuple[str, ...], language: str) -> list[Recording]:
    """Every recording the pack holds for ``language``: the prompts' pieces, digits, letters, numbers."""
    out = [r for key in keys for r, _field in key_parts(key, language) if r is not None]
    out += [digit(d, language) for d in range(10)]
    out += [Recording(f"segments/letter-{ch}", ch) for ch in string.ascii_uppercase]
    values = (10, 100, 1000) if _lang(language) == "zh_CN" else (*range(10, 20), *range(20, 101, 10))
    return out + [_number(v, language) for v in values]
