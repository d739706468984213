"""Splitting an ESC/POS byte stream into commands (pure), for the renderer and the simulator.

Covers the commands our layouts send (layout.py) plus the common ones around them; anything else comes
out as an ``unknown`` command of one byte so a caller can report where. Byte values follow docs/printing.md and
python-escpos's constants.

    commands, used = parse(buffer, final=False)   # stops before an incomplete command at the end
    for cmd in commands: cmd.name, cmd.args, cmd.data

Names: ``text`` (data: the bytes), ``lf``, ``cr``, ``init``, ``align`` (n), ``print_mode`` (ESC ! n),
``bold``, ``underline``, ``font``, ``codepage``, ``feed_lines``, ``feed_dots``, ``line_spacing``
(n or None), ``size`` (GS ! n), ``invert``, ``smooth``, ``flip``, ``density``, ``raster``
(args m, width_bytes, height; data), ``qr`` (GS ( k: args cn, fn; data: the parameters), ``gs_paren``
(other GS ( X functions), ``cut`` (args m, n), ``status`` (DLE EOT n), ``asb`` (GS a n),
``chinese_on`` / ``chinese_off`` (FS & / FS .), ``fs_mode`` (FS ! n), ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

# ESC x n: one parameter byte.
_ESC_ONE = {
    0x61: "align", 0x21: "print_mode", 0x45: "bold", 0x47: "double_strike", 0x2D: "underline",
    0x4D: "font", 0x74: "codepage", 0x64: "feed_lines", 0x4A: "feed_dots", 0x33: "line_spacing",
    0x7B: "flip", 0x72: "colour", 0x20: "char_spacing", 0x52: "charset",
}
# GS x n: one parameter byte.
_GS_ONE = {0x21: "size", 0x42: "invert", 0x62: "smooth", 0x7C: "density", 0x61: "asb", 0x48: "hri_position",
           0x66: "hri_font", 0x68: "barcode_height", 0x77: "barcode_width"}


@dataclass(frozen=True)
class Command:
    name: str
    offset: int
    raw: bytes
    args: tuple[int, ...] = ()
    data: bytes = b""


class _Incomplete(Exception):
    pass


def _need(buf: bytes, end: int) -> None:
    if end > len(buf):
        raise _Incomplete


def _one(buf: bytes, i: int) -> Command | None:
    """The command starting at ``buf[i]``; raises _Incomplete if it runs past the end."""
    b = buf[i]
    if b == 0x0A:
        return Command("lf", i, buf[i:i + 1])
    if b == 0x0D:
        return Command("cr", i, buf[i:i + 1])
    if b >= 0x20:  # text: up to the next control byte (encoded Chinese never contains one)
        j = i
        while j < len(buf) and buf[j] >= 0x20:
            j += 1
        return Command("text", i, buf[i:j], data=buf[i:j])
    if b == ESC:
        _need(buf, i + 2)
        op = buf[i + 1]
        if op == 0x40:
            return Command("init", i, buf[i:i + 2])
        if op == 0x32:
            return Command("line_spacing", i, buf[i:i + 2], (-1,))
        if op in _ESC_ONE:
            _need(buf, i + 3)
            return Command(_ESC_ONE[op], i, buf[i:i + 3], (buf[i + 2],))
    elif b == GS:
        _need(buf, i + 2)
        op = buf[i + 1]
        if op in _GS_ONE:
            _need(buf, i + 3)
            return Command(_GS_ONE[op], i, buf[i:i + 3], (buf[i + 2],))
        if op == 0x56:  # GS V m [n]: m 65/66 take a feed amount (docs/printing.md "Cutting")
            _need(buf, i + 3)
            m = buf[i + 2]
            if m in (65, 66):
                _need(buf, i + 4)
                return Command("cut", i, buf[i:i + 4], (m, buf[i + 3]))
            return Command("cut", i, buf[i:i + 3], (m, 0))
        if op == 0x76:  # GS v 0 m xL xH yL yH d1…dk, k = (xL + xH·256)·(yL + yH·256)
            _need(buf, i + 8)
            m = buf[i + 3]
            width_bytes = buf[i + 4] | buf[i + 5] << 8
            height = buf[i + 6] | buf[i + 7] << 8
            end = i + 8 + width_bytes * height
            _need(buf, end)
            return Command("raster", i, buf[i:end], (m, width_bytes, height), buf[i + 8:end])
        if op == 0x28:  # GS ( X pL pH …: pL + pH·256 bytes follow
            _need(buf, i + 5)
            fn_class = buf[i + 2]
            length = buf[i + 3] | buf[i + 4] << 8
            end = i + 5 + length
            _need(buf, end)
            body = buf[i + 5:end]
            if fn_class == 0x6B and len(body) >= 2:  # GS ( k: cn fn parameters (docs/printing.md "QR codes")
                return Command("qr", i, buf[i:end], (body[0], body[1]), body[2:])
            return Command("gs_paren", i, buf[i:end], (fn_class,), body)
    elif b == FS:
        _need(buf, i + 2)
        op = buf[i + 1]
        if op == 0x26:
            return Command("chinese_on", i, buf[i:i + 2])
        if op == 0x2E:
            return Command("chinese_off", i, buf[i:i + 2])
        if op in (0x21, 0x57, 0x2D):  # FS ! n (Chinese print mode), FS W n (quad), FS - n (underline)
            _need(buf, i + 3)
            return Command("fs_mode", i, buf[i:i + 3], (op, buf[i + 2]))
    elif b == DLE:
        _need(buf, i + 2)
        if buf[i + 1] == 0x04:  # DLE EOT n: real-time status (docs/printing.md "Status")
            _need(buf, i + 3)
            return Command("status", i, buf[i:i + 3], (buf[i + 2],))
    return Command("unknown", i, buf[i:i + 1])


def parse(buf: bytes, *, final: bool = True) -> tuple[list[Command], int]:
    """The commands in ``buf`` and how many bytes they used.

    With ``final=False`` an incomplete command at the end is left for the next call (a stream); with
    ``final=True`` it comes out as ``truncated``.
    """
    out: list[Command] = []
    i = 0
    while i < len(buf):
        try:
            cmd = _one(buf, i)
        except _Incomplete:
            if not final:
                return out, i
            out.append(Command("truncated", i, buf[i:]))
            return out, len(buf)
        out.append(cmd)
        i += len(cmd.raw)
    return out, i
