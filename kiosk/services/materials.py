"""Citizens' materials captured with the document camera: multi-page sets, ID-card copies, watermarks, export.

(Under construction.)
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

# CJK fonts, most preferred first: Linux packages, then Windows. ``KIOSK_CJK_FONT`` overrides them.
_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
)


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    for candidate in (os.environ.get("KIOSK_CJK_FONT", ""), *_CJK_FONTS):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@lru_cache(maxsize=64)
def cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font that draws Chinese at ``size`` pixels (Pillow's bitmap default if none is installed)."""
    path = cjk_font_path()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)
