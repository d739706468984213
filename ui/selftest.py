"""Qt part of ``kiosk diag selftest``: Qt starts (offscreen works), and the CJK font has rare characters."""

from __future__ import annotations

import os

CJK_FAMILIES = ("WenQuanYi", "Noto Sans CJK", "Noto Sans SC", "Source Han Sans")
SAMPLE = "请 A012 号到 3 号窗口办理 李䶮"


def render_check() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QFont, QFontDatabase, QRawFont
    from PySide6.QtWidgets import QApplication, QLabel

    from ui import theme

    app = QApplication.instance() or QApplication([])
    if not [f for f in QFontDatabase.families() if any(k in f for k in CJK_FAMILIES)]:
        raise RuntimeError("no CJK font found: install fonts-wqy-microhei (or fonts-noto-cjk)")
    font = theme.ui_font(24)
    label = QLabel(SAMPLE)
    label.setFont(font)
    label.adjustSize()
    pixmap = label.grab()
    label.deleteLater()
    # Each character must be in one of the theme's families, checked in the font files themselves
    # (QFontMetrics.inFontUcs4 counts Qt's own fallbacks and would pass for any font).
    raw = [QRawFont.fromFont(QFont(family)) for family in font.families()]
    missing = [ch for ch in SAMPLE if not ch.isspace() and not any(r.supportsCharacter(ord(ch)) for r in raw)]
    if pixmap.isNull() or pixmap.width() < 50:
        raise RuntimeError("Qt rendered nothing")
    if missing:
        raise RuntimeError(f"fonts {font.families()!r} lack {''.join(missing)}: install fonts-droid-fallback "
                           "(or fonts-hanazono) next to fonts-wqy-microhei")
    return f"{app.platformName()} platform, fonts {' + '.join(font.families())} have every character"
