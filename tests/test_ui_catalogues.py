"""The theme keeps the elderly-friendly rules (text size, touch targets, contrast) and draws rare name
characters. Every key the windows name is checked with the rest of the product's by tests/test_i18n.py."""

from __future__ import annotations

import re

import pytest


def test_text_colour_pairs_reach_4_5_to_1():
    from ui import theme

    ratios = {(f, b): theme.contrast(theme.COLOURS[f], theme.COLOURS[b]) for f, b in theme.TEXT_PAIRS}
    assert all(r >= 4.5 for r in ratios.values()), ratios
    assert theme.contrast("#000000", "#FFFFFF") == pytest.approx(21.0)


def test_sizes_meet_the_elderly_friendly_rules():
    from ui import theme

    assert theme.BODY_PT >= 18 and theme.SMALL_PT >= 18 and theme.TOUCH_PX >= 60
    sheet = theme.stylesheet()
    sizes = [int(n) for n in re.findall(r"font-size: (\d+)pt", sheet)]
    heights = [int(n) for n in re.findall(r"min-height: (\d+)px", sheet)]
    assert min(sizes) >= 18 and min(heights) >= 56  # 56 px: text fields; buttons 60 px or more
    assert min(int(n) for n in re.findall(r"QPushButton[^{]*\{\{?[^}]*min-height: (\d+)px", sheet)) >= 60


def test_the_cjk_font_has_rare_name_characters(qtbot):
    from PySide6.QtGui import QFont, QFontMetrics

    from ui import theme

    family = theme.cjk_family()
    assert family in theme.FONT_FAMILIES or "Hei" in family or "CJK" in family
    metrics = QFontMetrics(QFont(family, 20))
    assert metrics.inFontUcs4(ord("䶮")) and metrics.inFontUcs4(ord("号"))
