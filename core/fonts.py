"""The CJK fonts the terminal draws Chinese with: on screen (ui/theme.py), on the ticket printer
(devices/printer/glyphs.py) and on scanned-copy watermarks (core/services/materials.py).

One list, so the three never disagree about which font a name is drawn in. The main fonts cover the
common characters (the CJK Unified Ideographs block); the first choice, WenQuanYi Micro Hei, has nothing
of the Extension A and B blocks, where rare name characters live: 䶮 (U+4DAE, Extension A, as in 李䶮)
and 𠮷 (U+20BB7, Extension B), both in GB 18030's repertoire. The fallback
fonts cover them: Droid Sans Fallback (Debian's fonts-droid-fallback) and HanaMinA/HanaMinB
(fonts-hanazono) on Linux, SimSun-ExtB on Windows. docs/ui.md and docs/printing.md say which packages to
install. ``KIOSK_CJK_FONT`` names a font file to use before all of these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_FONT = "KIOSK_CJK_FONT"
# One character of each block the fallbacks are there for: Extension A, Extension B.
RARE_CHARACTERS = {"Extension A": "\u4dae", "Extension B": "\U00020bb7"}
# A private-use code point no font has: what a font draws for it is its "missing glyph" box.
NOT_A_CHARACTER = "\U0010fffd"


@dataclass(frozen=True)
class CjkFont:
    family: str
    files: tuple[str, ...]


# Most preferred first: Linux packages (fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk), then Windows.
MAIN_FONTS = (
    CjkFont("WenQuanYi Micro Hei", ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)),
    CjkFont("WenQuanYi Zen Hei", ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",)),
    CjkFont("Noto Sans CJK SC", ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                                 "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")),
    CjkFont("Source Han Sans SC", ()),
    CjkFont("Microsoft YaHei", ("C:/Windows/Fonts/msyh.ttc",)),
    CjkFont("SimHei", ("C:/Windows/Fonts/simhei.ttf",)),
    CjkFont("SimSun", ("C:/Windows/Fonts/simsun.ttc",)),
)
# For the characters the main font lacks (Extension A and B).
FALLBACK_FONTS = (
    CjkFont("Droid Sans Fallback", ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",)),
    CjkFont("HanaMinA", ("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",)),
    CjkFont("HanaMinB", ("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",)),
    CjkFont("SimSun-ExtB", ("C:/Windows/Fonts/simsunb.ttf",)),
)

MAIN_FAMILIES = tuple(f.family for f in MAIN_FONTS)
MAIN_FILES = tuple(path for f in MAIN_FONTS for path in f.files)
FALLBACK_FAMILIES = tuple(f.family for f in FALLBACK_FONTS)
FALLBACK_FILES = tuple(path for f in FALLBACK_FONTS for path in f.files)
# (family, file) of each fallback, for toolkits that load a file and then ask for its family.
FALLBACK_FAMILY_FILES = tuple((f.family, path) for f in FALLBACK_FONTS for path in f.files)


def installed(paths) -> tuple[str, ...]:
    """The paths among ``paths`` that are files on this machine, in order, without repeats."""
    return tuple(dict.fromkeys(p for p in paths if p and Path(p).is_file()))


def main_font_files() -> tuple[str, ...]:
    """The installed main CJK font files, ``KIOSK_CJK_FONT`` first."""
    return installed((os.environ.get(ENV_FONT, ""), *MAIN_FILES))


def fallback_font_files(main: str | None = None) -> tuple[str, ...]:
    """The installed files to try, in order, for a character ``main`` lacks: the fallbacks first, then
    the other main fonts (Noto and Zen Hei have characters Micro Hei lacks)."""
    return tuple(p for p in installed((*FALLBACK_FILES, *MAIN_FILES)) if p != main)


def has_glyph(font, char: str) -> bool:
    """Whether a Pillow font draws ``char`` with a glyph of its own, not its box for missing ones."""
    drawn, missing = font.getmask(char), font.getmask(NOT_A_CHARACTER)
    return drawn.size != missing.size or bytes(drawn) != bytes(missing)
