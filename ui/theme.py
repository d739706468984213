"""The look of every window: large, high-contrast, elderly-friendly (适老化).

Rules (docs/ui.md, "Look"): body text at least 18 pt, touch targets at
least 60 × 60 px, contrast at least 4.5:1 (tests/test_ui_theme.py checks every pair below), and CJK
fonts that together have the rare characters of names: WenQuanYi Micro Hei lacks CJK Extension A and B
(李䶮's 䶮 is U+4DAE), so every window's font lists fallbacks after it (``FALLBACK_FAMILIES``: Droid Sans
Fallback has 䶮, HanaMin A/B cover Extension A/B) and Qt picks the first family that has each character.

Widgets take their role from ``setObjectName``/``setProperty("role", …)``; the stylesheet does the rest,
so a page never sets colours or sizes of its own.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from core import fonts

BODY_PT = 20  # at least 18 pt (elderly version)
SMALL_PT = 18
TITLE_PT = 30
HUGE_PT = 96  # the ticket number
TOUCH_PX = 72  # at least 60 px
DESK_PX = 44  # staff windows, mouse and keyboard (WCAG 2.2 2.5.8 asks 24 px)
# Elders' mode (长辈模式, docs/accessibility.md): body text at least 30 px, headings larger, targets 72 px and up.
ELDERS_PX = {"body": 32, "small": 30, "subtitle": 38, "title": 46, "service": 38, "big": 44, "touch": 88}
# The CJK families and their files, and the fallbacks for rare name characters (CJK Extension A and B):
# core/fonts.py, the list the printer and the scanned copies use too.
FONT_FAMILIES, FONT_FILES, FALLBACK_FAMILIES = fonts.MAIN_FAMILIES, fonts.MAIN_FILES, fonts.FALLBACK_FAMILIES

# (foreground, background) pairs that carry text; each must reach 4.5:1.
COLOURS = {
    "text": "#1A1A1A",
    "page": "#FFFFFF",
    "muted": "#4A4A4A",
    "primary": "#0B4F9C",
    "on_primary": "#FFFFFF",
    "secondary_bg": "#E8EEF6",
    "secondary_text": "#0B3A75",
    "disabled_bg": "#E0E0E0",
    "disabled_text": "#4D4D4D",
    "notice_bg": "#FFF4CE",
    "notice_text": "#4D3300",
    "problem_bg": "#B3261E",
    "on_problem": "#FFFFFF",
    "good_text": "#1B5E20",
    "display_bg": "#0B1F3A",
    "display_text": "#FFFFFF",
    "display_accent": "#FFD54F",
    "focus": "#C43E00",  # the keypad's focus ring: 3:1 and more against the page and the primary blue's edge
}
TEXT_PAIRS = [
    ("text", "page"), ("muted", "page"), ("on_primary", "primary"), ("secondary_text", "secondary_bg"),
    ("disabled_text", "disabled_bg"), ("notice_text", "notice_bg"), ("on_problem", "problem_bg"),
    ("good_text", "page"), ("display_text", "display_bg"), ("display_accent", "display_bg"),
    ("primary", "page"), ("on_primary", "focus"),
]
# Colours that mark a state without carrying text (WCAG 1.4.11): each must reach 3:1 against its neighbour.
RING_PAIRS = [("focus", "page"), ("focus", "secondary_bg")]


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def cjk_family() -> str:
    """A CJK font family, loading the bundled system file if fontconfig does not know it."""
    families = set(QFontDatabase.families())
    for family in FONT_FAMILIES:
        if family in families:
            return family
    for path in FONT_FILES:
        if Path(path).exists():
            font_id = QFontDatabase.addApplicationFont(path)
            loaded = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            if loaded:
                return loaded[0]
    return QApplication.font().family()


def font_families() -> list[str]:
    """The main CJK family, then the fallbacks that are installed (loaded from their files if
    fontconfig does not know them)."""
    families = [cjk_family()]
    known = set(QFontDatabase.families())
    for family, path in fonts.FALLBACK_FAMILY_FILES:
        if family not in known and Path(path).exists():
            QFontDatabase.addApplicationFont(path)
            known = set(QFontDatabase.families())
        if family in known and family not in families:
            families.append(family)
    return families


def ui_font(point_size: int = BODY_PT) -> QFont:
    """The theme's font: the CJK family with its fallbacks for rare characters."""
    font = QFont()
    font.setFamilies(font_families())
    font.setPointSize(point_size)
    return font


def stylesheet(elders: bool = False, desk: bool = False) -> str:
    """The kiosk's look; ``elders`` gives elders' mode its larger text and targets (the same colours);
    ``desk`` the staff windows' denser controls (a clerk works with mouse and keyboard on a desktop
    screen, 1366×768 and up: the same text sizes and colours, smaller targets and paddings)."""
    return _base_sheet() + (_elders_sheet() if elders else "") + (_desk_sheet() if desk else "")


def _desk_sheet() -> str:
    return f"""
    QPushButton {{ min-height: {DESK_PX}px; min-width: {DESK_PX}px; padding: 4px 16px; }}
    QPushButton[compact="true"] {{ min-height: {DESK_PX}px; padding: 2px 8px; }}
    QLineEdit, QComboBox {{ min-height: {DESK_PX}px; }}
    QLabel[role="notice"], QFrame[role="notice"], QLabel[role="problem"], QFrame[role="problem"] {{
        padding: 8px; }}
    QLabel[role="number"] {{ font-size: 48pt; }}
    """


def _base_sheet() -> str:
    c = COLOURS
    return f"""
    QWidget {{ color: {c['text']}; background: {c['page']}; font-size: {BODY_PT}pt; }}
    QLabel[role="title"] {{ font-size: {TITLE_PT}pt; font-weight: bold; }}
    QLabel[role="subtitle"] {{ font-size: 24pt; }}
    QLabel[role="muted"] {{ color: {c['muted']}; font-size: {SMALL_PT}pt; }}
    QLabel[role="huge"] {{ font-size: {HUGE_PT}pt; font-weight: bold; color: {c['primary']}; }}
    QLabel[role="good"] {{ color: {c['good_text']}; font-weight: bold; }}
    QLabel[role="notice"], QFrame[role="notice"] {{ background: {c['notice_bg']}; color: {c['notice_text']};
        padding: 12px; border-radius: 8px; }}
    QLabel[role="problem"], QFrame[role="problem"] {{ background: {c['problem_bg']}; color: {c['on_problem']};
        padding: 12px; border-radius: 8px; font-weight: bold; }}
    QPushButton {{ min-height: {TOUCH_PX}px; min-width: {TOUCH_PX}px; padding: 8px 20px; border-radius: 10px;
        background: {c['secondary_bg']}; color: {c['secondary_text']}; border: 2px solid {c['secondary_text']};
        font-size: {BODY_PT}pt; }}
    QPushButton[role="primary"] {{ background: {c['primary']}; color: {c['on_primary']}; border: none;
        font-weight: bold; }}
    QPushButton[role="big"] {{ background: {c['primary']}; color: {c['on_primary']}; border: none;
        font-size: 28pt; font-weight: bold; min-height: 160px; }}
    QPushButton[compact="true"] {{ min-height: 60px; padding: 4px 12px; }}
    QPushButton[role="candidate"] {{ font-size: 24pt; padding: 4px 8px; }}
    QPushButton[role="candidate"]:disabled {{ background: transparent; border: none; }}
    QPushButton:disabled {{ background: {c['disabled_bg']}; color: {c['disabled_text']};
        border: 2px dashed {c['disabled_text']}; }}
    QPushButton:focus {{ border: 5px solid {c['focus']}; }}
    QPushButton[role="primary"]:focus, QPushButton[role="big"]:focus {{ background: {c['focus']};
        border: 5px solid {c['text']}; }}
    QLineEdit, QComboBox {{ min-height: 56px; padding: 4px 12px; border: 2px solid {c['muted']};
        border-radius: 6px; font-size: {BODY_PT}pt; }}
    QLineEdit:focus, QComboBox:focus, QListWidget:focus {{ border: 5px solid {c['focus']}; }}
    QListWidget {{ border: 2px solid {c['muted']}; border-radius: 6px; font-size: {SMALL_PT}pt; }}
    QLabel[role="number"] {{ font-size: 64pt; font-weight: bold; color: {c['primary']}; }}
    QLabel[role="service-name"] {{ font-size: 26pt; font-weight: bold; background: transparent;
        color: {c['on_primary']}; }}
    QLabel[role="service-detail"] {{ font-size: {SMALL_PT}pt; background: transparent; color: {c['on_primary']}; }}
    QLabel[role="service-name-off"] {{ font-size: 26pt; font-weight: bold; background: transparent;
        color: {c['disabled_text']}; }}
    QLabel[role="service-detail-off"] {{ font-size: {SMALL_PT}pt; background: transparent;
        color: {c['disabled_text']}; }}
    """


def _elders_sheet() -> str:
    e = ELDERS_PX
    return f"""
    QWidget {{ font-size: {e['body']}px; }}
    QLabel[role="title"] {{ font-size: {e['title']}px; }}
    QLabel[role="subtitle"] {{ font-size: {e['subtitle']}px; }}
    QLabel[role="muted"], QLabel[role="service-detail"], QLabel[role="service-detail-off"],
    QListWidget {{ font-size: {e['small']}px; }}
    QLabel[role="service-name"], QLabel[role="service-name-off"] {{ font-size: {e['service']}px; }}
    QPushButton {{ min-height: {e['touch']}px; min-width: {e['touch']}px; font-size: {e['body']}px; }}
    QPushButton[compact="true"] {{ min-height: {e['touch']}px; }}
    QPushButton[role="big"] {{ font-size: {e['big']}px; }}
    QPushButton[role="candidate"] {{ font-size: {e['body']}px; }}
    QLineEdit, QComboBox {{ min-height: {e['touch']}px; font-size: {e['body']}px; }}
    """


def display_stylesheet() -> str:
    """The hall display: light on dark, read from across the hall (set on the display window itself)."""
    c = COLOURS
    return f"""
    QWidget {{ background: {c['display_bg']}; color: {c['display_text']}; }}
    QLabel[role="title"] {{ font-size: {TITLE_PT}pt; font-weight: bold; }}
    QLabel[role="display-heading"] {{ font-size: 28pt; }}
    QLabel[role="display-call"] {{ font-size: 64pt; font-weight: bold; color: {c['display_accent']}; }}
    QLabel[role="display-call-other"] {{ font-size: 32pt; color: {c['display_text']}; }}
    QLabel[role="display-row"] {{ font-size: 36pt; }}
    QLabel[role="notice"] {{ background: {c['notice_bg']}; color: {c['notice_text']}; padding: 12px;
        border-radius: 8px; }}
    """


def apply(app: QApplication) -> None:
    """Font and stylesheet for the whole application (every window of every role)."""
    app.setFont(ui_font())
    app.setStyleSheet(stylesheet())


def style_window(window, sheet: str | None = None, *, elders: bool = False, desk: bool = False) -> None:
    """Gives a top-level window the theme itself, so it looks right in any QApplication (tests, embedding)."""
    window.setFont(ui_font())
    window.setStyleSheet(stylesheet(elders, desk) if sheet is None else sheet)


def restyle(widget) -> None:
    """Re-applies the stylesheet after a widget's ``role`` property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
