"""Drawing characters as printer dots with the CJK font (fonts-wqy-microhei), for two uses:

- the ticket layout prints a line whose characters do not round-trip through the printer's encoding
  (``䶮`` on a GBK printer) as a raster image instead of text (text.py explains why);
- the renderer (render.py) draws what a printer would print from text bytes.

Both draw every character into the printer's own cell grid (12 x 24 dots for ASCII, 24 x 24 for
Chinese, docs/printing.md) and scale it by whole dots the way a printer does for ``GS !`` sizes, so a rasterised
line looks like its neighbours. Output images are mode ``"1"``-ready ``L`` images: 0 = black dot,
255 = paper, no grey (so python-escpos does not dither them).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from devices.printer.text import FULL_CELL_DOTS, HALF_CELL_DOTS, LINE_HEIGHT_DOTS, is_wide
from core import fonts
from core.errors import DeviceNotSupported

BASELINE = 20  # dots from the top of a 24-dot cell
log = logging.getLogger(__name__)


@cache
def cjk_font_path() -> str:
    """The file of a font with Chinese glyphs: fc-match first, then the known ones (core/fonts.py).

    Raises ``DeviceNotSupported`` naming the package to install when there is none.
    """
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            found = subprocess.run([fc_match, "--format=%{file}", ":lang=zh-cn"], capture_output=True,
                                   text=True, timeout=5, check=False).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            found = ""
        if found and Path(found).is_file() and _has_chinese(found):
            return found
    known = fonts.main_font_files()
    if known:
        return known[0]
    raise DeviceNotSupported("no CJK font found (install fonts-wqy-microhei)", key="printer.error.no_cjk_font",
                             device="ticket_printer")


def _has_chinese(path: str) -> bool:
    try:
        return _covers(path, "中")
    except OSError:
        return False




@cache
def _load(path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, LINE_HEIGHT_DOTS)


def _fonts() -> list[str]:
    main = cjk_font_path()
    return [main, *fonts.fallback_font_files(main)]


@cache
def _covers(path: str, char: str) -> bool:
    """Whether the font has a glyph of its own for ``char`` (not the box it draws for missing ones)."""
    return fonts.has_glyph(_load(path), char)


@cache
def font_for(char: str) -> str:
    """The first font that can draw ``char``: the main CJK font, then the fallbacks. When none can, the
    main font (its box shows the gap on paper) and a warning in the log, never a silent ``?``."""
    fonts = _fonts()
    if ord(char) < 0x3400 or char.isspace():
        return fonts[0]
    for path in fonts:
        if _covers(path, char):
            return path
    log.warning("no installed font has U+%04X: install one that does (fonts-droid-fallback has Extension A)", ord(char))
    return fonts[0]


@cache
def glyph(char: str, width_scale: int = 1, height_scale: int = 1, bold: bool = False) -> Image.Image:
    """One character in its cell, scaled by whole dots: an ``L`` image of 0 (ink) and 255 (paper).

    Drawn centred in the printer's fixed cell; a glyph wider than its cell (a Latin "m" in a 12-dot cell)
    is narrowed to fit, as printer fonts are.
    """
    cell_w = FULL_CELL_DOTS if is_wide(char) else HALF_CELL_DOTS
    canvas = Image.new("L", (cell_w * 3, LINE_HEIGHT_DOTS), 255)
    ImageDraw.Draw(canvas).text((cell_w * 1.5, BASELINE), char, font=_load(font_for(char)), fill=0,
                                anchor="ms", stroke_width=1 if bold else 0, stroke_fill=0)
    canvas = canvas.point(lambda v: 0 if v < 128 else 255)
    cell = Image.new("L", (cell_w, LINE_HEIGHT_DOTS), 255)
    box = ImageOps.invert(canvas).getbbox()
    if box is not None and box[0] >= cell_w and box[2] <= 2 * cell_w:  # fits: keep the font's placement
        cell = canvas.crop((cell_w, 0, 2 * cell_w, LINE_HEIGHT_DOTS))
    elif box is not None:
        ink = canvas.crop((box[0], 0, box[2], LINE_HEIGHT_DOTS))
        if ink.width > cell_w:
            ink = ink.resize((cell_w, LINE_HEIGHT_DOTS), Image.Resampling.NEAREST)
        cell.paste(ink, ((cell_w - ink.width) // 2, 0))
    if width_scale != 1 or height_scale != 1:
        cell = cell.resize((cell_w * width_scale, LINE_HEIGHT_DOTS * height_scale), Image.Resampling.NEAREST)
    return cell


def line_image(text: str, width_dots: int, *, align: str = "left", width_scale: int = 1,
               height_scale: int = 1, bold: bool = False) -> Image.Image:
    """A whole line of text as the head would print it, ``width_dots`` wide, justified within it.

    The caller wraps lines to fit first (text.wrap); characters beyond the width are cut off.
    """
    height = LINE_HEIGHT_DOTS * height_scale
    pieces = [glyph(c, width_scale, height_scale, bold) for c in text]
    used = sum(p.width for p in pieces)
    x = {"left": 0, "center": max(0, (width_dots - used) // 2), "right": max(0, width_dots - used)}[align]
    image = Image.new("L", (width_dots, height), 255)
    for piece in pieces:
        image.paste(piece, (x, 0))
        x += piece.width
    return image
