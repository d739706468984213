"""The self-audit's rules (``kiosk diag a11y``), without Qt: what it measures on each page of a window, the
hall's minimums, and which figures fall short (docs/accessibility.md, "The self-audit").

A page's figures (``PageFigures``) are measured by ui/a11y_audit.py on the real window, offscreen: the
smallest touch target, the smallest text, the lowest text contrast (each with the widget it was found on),
the controls without an accessible name, the controls the keypad cannot reach, and the screens the page
does not fit. ``shortfalls`` compares them with ``Minimums``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from core.errors import ConfigError

# The kiosks' screens: landscape 16:10, 5:4 and 16:9, and the portrait totem; the hall display's the large
# screens; staff windows run on desktops of 1280×1024 and up.
SCREENS: tuple[tuple[int, int], ...] = ((1280, 800), (1280, 1024), (1920, 1080), (1080, 1920))
ROLE_SCREENS = {"citizen": SCREENS, "display": ((1920, 1080), (1080, 1920)),
                "clerk": ((1366, 768), (1280, 800), (1280, 1024), (1920, 1080)),
                "technician": ((1280, 1024), (1920, 1080))}
TOUCH_ROLES = ("citizen",)  # windows operated by touch; the others by mouse and keyboard


@dataclass(frozen=True)
class Minimums:
    """The least a page may show. Defaults: the kiosk's own rules (targets 60 px, ui/theme.py), WCAG 2.2
    2.5.8 for mouse-driven staff windows (24 px), 18 pt text (24 px), WCAG 1.4.3 contrast (4.5:1), and
    in elders' mode the MIIT 适老化 figures (targets 72 px, body text 30 px)."""

    touch_target_px: int = 60
    staff_target_px: int = 24
    text_px: int = 24
    contrast: float = 4.5
    elders_target_px: int = 72
    elders_text_px: int = 30

    def target_for(self, role: str, elders: bool) -> int:
        if elders:
            return self.elders_target_px
        return self.touch_target_px if role in TOUCH_ROLES else self.staff_target_px

    def text_for(self, elders: bool) -> int:
        return self.elders_text_px if elders else self.text_px


def minimums_from(table: dict) -> Minimums:
    """The ``[accessibility]`` table of a terminal's file (every key optional, each a positive number)."""
    known = {f.name: f.type for f in fields(Minimums)}
    values = {}
    for key, value in table.items():
        setting = f"accessibility.{key}"
        if key not in known:
            raise ConfigError(f"{setting}: is not a known setting (misspelt?)", setting=setting,
                              problem="is not a known setting (misspelt?)")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"{setting}: must be a number greater than 0, not {value!r}", setting=setting,
                              problem="must be a number greater than 0")
        values[key] = float(value) if key == "contrast" else int(value)
    return Minimums(**values)


@dataclass(frozen=True)
class Smallest:
    """One figure and the widget it was found on (its object name or class)."""

    value: float
    widget: str


@dataclass
class PageFigures:
    role: str
    language: str
    elders: bool
    page: str
    target: Smallest | None = None  # None: the page has no control
    text: Smallest | None = None
    contrast: Smallest | None = None
    unnamed: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    misfits: list[tuple[str, int, int]] = field(default_factory=list)  # (screen "WxH", needed w, needed h)
    clipped: list[str] = field(default_factory=list)  # buttons narrower than their label, as walked

    def shortfalls(self, minimums: Minimums) -> list[str]:
        """The checks this page fails: ``target``, ``text``, ``contrast``, ``unnamed``, ``unreachable``, ``fit``,
        ``clipped``."""
        failed = []
        if self.target is not None and self.target.value < minimums.target_for(self.role, self.elders):
            failed.append("target")
        if self.text is not None and self.text.value < minimums.text_for(self.elders):
            failed.append("text")
        if self.contrast is not None and self.contrast.value < minimums.contrast:
            failed.append("contrast")
        if self.unnamed:
            failed.append("unnamed")
        if self.unreachable:
            failed.append("unreachable")
        if self.misfits:
            failed.append("fit")
        if self.clipped:
            failed.append("clipped")
        return failed

    def as_json(self, minimums: Minimums) -> dict:
        def figure(smallest: Smallest | None, minimum: float) -> dict | None:
            if smallest is None:
                return None
            return {"value": round(smallest.value, 2), "widget": smallest.widget, "minimum": minimum}

        return {"role": self.role, "language": self.language, "elders": self.elders, "page": self.page,
                "target_px": figure(self.target, minimums.target_for(self.role, self.elders)),
                "text_px": figure(self.text, minimums.text_for(self.elders)),
                "contrast": figure(self.contrast, minimums.contrast),
                "unnamed": self.unnamed, "unreachable": self.unreachable,
                "misfits": [{"screen": s, "width": w, "height": h} for s, w, h in self.misfits],
                "clipped": self.clipped,
                "shortfalls": self.shortfalls(minimums)}
