"""Text for the printer head: encoding, Chinese mode, widths and wrapping (pure, no I/O).

docs/printing.md "Chinese text": python-escpos 3.1 sends a string as GB18030 only when it holds a character in
U+4E00–U+9FA5 and never sends ``FS &``, so full-width punctuation (，。：￥) and CJK Extension A/B
characters come out as ``?``. We therefore encode every line ourselves, in the printer's configured
encoding (``gb18030`` default, ``gbk``, ``utf-8``), and wrap any non-ASCII line in ``FS &`` … ``FS .``
(1C 26 / 1C 2E) so the printer is in Chinese mode whatever its power-on default.

A line whose characters do not all round-trip through the encoding (``䶮`` in GBK, any Extension B
character in GBK) is never sent as text: ``encode_line`` returns ``None`` and the layout prints the line
as a raster image instead (devices/printer/glyphs.py), so nothing turns into ``?`` silently.
"""

from __future__ import annotations

import unicodedata

# docs/printing.md "Chinese text": FS & enters Chinese character mode, FS . leaves it.
CHINESE_ON = b"\x1c\x26"
CHINESE_OFF = b"\x1c\x2e"
LF = b"\x0a"

ENCODINGS = ("gb18030", "gbk", "utf-8")

# Font A on 203 dpi heads: ASCII cells 12 x 24 dots, Chinese 24 x 24 (docs/printing.md "Head widths and cells").
HALF_CELL_DOTS = 12
FULL_CELL_DOTS = 24
LINE_HEIGHT_DOTS = 24


def is_wide(char: str) -> bool:
    """True for characters a printer draws in a full (24-dot) cell: CJK, full-width punctuation, and the
    "ambiguous" ones (“” ‘’ · … — ① ×): in Chinese mode a GB printer draws every double-byte character of
    GB 2312/GB18030 in a full cell, and those are double-byte there."""
    return unicodedata.east_asian_width(char) in ("W", "F") or (
        unicodedata.east_asian_width(char) == "A" and ord(char) > 0x7F)


def cells(text: str) -> int:
    """Width of ``text`` in half-width cells (a Chinese character counts two)."""
    return sum(2 if is_wide(c) else 1 for c in text)


def columns(width_dots: int, scale: int = 1) -> int:
    """How many half-width cells fit on one line of a head ``width_dots`` wide at width ``scale``."""
    return width_dots // (HALF_CELL_DOTS * scale)


def wrap(text: str, max_cells: int) -> list[str]:
    """Breaks ``text`` into lines of at most ``max_cells`` half-width cells.

    Breaks at a space when one is near, otherwise between any two characters (Chinese has no spaces).
    """
    if max_cells < 2:
        raise ValueError("a line must hold at least one Chinese character")
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        rest = paragraph
        while cells(rest) > max_cells:
            used, cut = 0, 0
            for i, char in enumerate(rest):
                used += 2 if is_wide(char) else 1
                if used > max_cells:
                    break
                cut = i + 1
            space = rest.rfind(" ", 0, cut)
            if space > cut // 2:
                cut = space
            lines.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip(" ")
        lines.append(rest)
    return lines


def encode_line(text: str, encoding: str) -> bytes | None:
    """The bytes of one line of text for a printer using ``encoding``, or ``None`` if a character would
    not survive (does not round-trip), in which case the caller must print the line as an image.

    ASCII lines are sent as they are; any other line is wrapped in ``FS &`` … ``FS .``.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown printer encoding {encoding!r}")
    if text.isascii():
        return text.encode("ascii")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return None
    if data.decode(encoding) != text:
        return None
    return CHINESE_ON + data + CHINESE_OFF


def unprintable(text: str, encoding: str) -> list[str]:
    """The characters of ``text`` that do not round-trip through ``encoding`` (for diagnostics)."""
    bad = []
    for char in dict.fromkeys(text):
        try:
            if char.encode(encoding).decode(encoding) != char:
                bad.append(char)
        except UnicodeEncodeError:
            bad.append(char)
    return bad
