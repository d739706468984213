"""Every message key the windows, their presenters and the queue services name exists in both catalogues, and the theme
keeps the elderly-friendly rules (text size, touch targets, contrast)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.domain import Outcome
from core.i18n import catalogue

ROOT = Path(__file__).resolve().parents[1]
KEY = re.compile(r"^(ui|queue|error|language|app|role|device)(\.[a-z0-9_]+)+$")
# Keys built at run time from a prefix (f-strings), with every value the code can put after it.
EXPANSIONS = {
    "ui.clerk.done.": ["call_next", "call_number", "recall", "no_show", "finish", "hold", "transfer",
                       "return_to_queue", "call_back", "pause", "resume"],
    "ui.clerk.outcome.": [o.value for o in Outcome],
    "ui.clerk.pause_reason.": ["break", "meeting", "consulting", "other"],
}


def named_keys() -> tuple[set[str], set[str]]:
    literal, prefixes = set(), set()
    files = list((ROOT / "ui").rglob("*.py")) + list((ROOT / "core" / "presenters").glob("*.py")) + [
        ROOT / "core" / "services" / "queue.py", ROOT / "core" / "services" / "announce.py",
        ROOT / "kiosk" / "app.py", ROOT / "kiosk" / "demo.py"]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value):
                literal.add(node.value)
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = node.values[0].value
                if isinstance(head, str) and head.startswith(("ui.", "queue.")):
                    prefixes.add(head)
    return literal, prefixes


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_key_the_windows_and_services_name_is_in_the_catalogue(language):
    literal, prefixes = named_keys()
    known = catalogue(language)
    assert len(literal) > 80
    assert sorted(k for k in literal if k not in known) == []
    assert sorted(prefixes - set(EXPANSIONS)) == [], "a new f-string key prefix: list its values in EXPANSIONS"
    missing = [p + v for p, values in EXPANSIONS.items() for v in values if p + v not in known]
    assert missing == []


def test_the_clerk_actions_and_choices_are_the_ones_the_expansions_cover():
    from ui.clerk import PAUSE_REASONS

    assert list(PAUSE_REASONS) == EXPANSIONS["ui.clerk.pause_reason."]


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
