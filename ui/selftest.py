"""Qt part of ``kiosk diag selftest``: Qt starts (offscreen works), and the CJK font has rare characters."""

from __future__ import annotations

import os

CJK_FAMILIES = ("WenQuanYi", "Noto Sans CJK", "Noto Sans SC", "Source Han Sans")
SAMPLE = "请 A012 号到 3 号窗口办理 李䶮"


def render_check() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QFontDatabase, QFontMetrics
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([])
    from PySide6.QtGui import QFont

    families = [f for f in QFontDatabase.families() if any(k in f for k in CJK_FAMILIES)]
    if not families:
        raise RuntimeError("no CJK font found: install fonts-wqy-microhei (or fonts-noto-cjk)")
    label = QLabel(SAMPLE)
    label.setFont(QFont(families[0], 24))
    label.adjustSize()
    pixmap = label.grab()
    metrics = QFontMetrics(label.font())
    missing = [ch for ch in SAMPLE if not ch.isspace() and not metrics.inFontUcs4(ord(ch))]
    label.deleteLater()
    if pixmap.isNull() or pixmap.width() < 50:
        raise RuntimeError("Qt rendered nothing")
    if missing:
        raise RuntimeError(f"font {label.font().family()!r} lacks {''.join(missing)}: install fonts-wqy-microhei")
    return f"{app.platformName()} platform, font {label.font().family()!r} has every character"
