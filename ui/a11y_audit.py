"""Measures a window's pages for the self-audit (``kiosk diag a11y``; the rules: core/accessibility.py).

    figures = audit_window(window, role="citizen", language="zh_CN", elders=False)

Every page of the window's stack (``window.stack``; a window without one is one page) is shown in turn and
measured as drawn, offscreen:

- the smallest touch target: the shorter side of every control a person can reach;
- the smallest text: the pixel size of the font of every label and button that shows text;
- the lowest contrast: the text's colour against the colour most of the widget's own area has in a grab
  of the whole window (so a label on a coloured button is measured against the button);
- controls without an accessible name (ui/citizen_access.py ``accessible_name``);
- controls the keypad cannot reach: with the citizen's keypad (``window.access.keypad``) each control is
  visited by pressing Down as often as there are controls; on staff windows, controls Tab cannot reach;
- the screens the page does not fit: its minimum size with the window's own bars, against each screen.
"""

from __future__ import annotations

import time
from collections import Counter

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QComboBox, QLabel, QLineEdit, QPlainTextEdit,
                               QStackedWidget, QTextEdit, QWidget)

from core.accessibility import SCREENS, PageFigures, Smallest
from ui.citizen_access import accessible_name
from ui.keypad import is_control, reading_order, send_key
from ui.theme import contrast

_INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QTextEdit, QPlainTextEdit)


def audit_window(window: QWidget, *, role: str, language: str, elders: bool,
                 screens=SCREENS) -> list[PageFigures]:
    """The figures of every page of ``window`` (shown in turn; the page shown before is shown again)."""
    stack = getattr(window, "stack", None)
    if not isinstance(stack, QStackedWidget):
        return [measure(window, window, role=role, language=language, elders=elders, screens=screens)]
    before = stack.currentWidget()
    figures = []
    for index in range(stack.count()):
        page = stack.widget(index)
        stack.setCurrentWidget(page)
        _settle()
        figures.append(measure(window, page, role=role, language=language, elders=elders, screens=screens))
    stack.setCurrentWidget(before)
    return figures


def _settle() -> None:
    """Lets Qt deliver the resizes and lay-out requests just posted (offscreen, they come at once)."""
    for _ in range(5):
        QCoreApplication.processEvents()
        time.sleep(0.005)


def _name(widget: QWidget) -> str:
    return widget.objectName() or type(widget).__name__


def measure(window: QWidget, page: QWidget, *, role: str, language: str, elders: bool,
            screens=SCREENS) -> PageFigures:
    page_name = getattr(page, "name", "") or _name(page)
    figures = PageFigures(role, language, elders, page_name if isinstance(page_name, str) else _name(page))
    controls = reading_order(window)
    operable = _operable(window)
    if operable:
        smallest = min(operable, key=lambda w: min(w.width(), w.height()))
        figures.target = Smallest(min(smallest.width(), smallest.height()), _name(smallest))
    texts = [w for w in _shown(window) if _text(w)]
    if texts:
        small = min(texts, key=lambda w: w.fontInfo().pixelSize())
        figures.text = Smallest(small.fontInfo().pixelSize(), _name(small))
        image = window.grab().toImage()
        ratios = [(contrast(_foreground(w), _background(window, w, image)), w) for w in texts]
        ratio, low = min(ratios, key=lambda pair: pair[0])
        figures.contrast = Smallest(ratio, _name(low))
    figures.unnamed = [_name(w) for w in operable if not accessible_name(w)]
    figures.unreachable = [_name(w) for w in _unreachable(window, controls, operable)]
    figures.clipped = [_name(w) for w in _clipped(window)]
    figures.misfits = _misfits(window, page, screens)
    return figures


def _clipped(window: QWidget) -> list[QWidget]:
    """Buttons on screen narrower than their own label needs: a cut label reads as nonsense ("ve d")."""
    return [w for w in _shown(window) if isinstance(w, QAbstractButton) and _text(w)
            and w.width() < w.sizeHint().width()]


def _shown(window: QWidget) -> list[QWidget]:
    """Widgets on screen now (not hidden, not scrolled wholly out of view)."""
    return [w for w in window.findChildren(QWidget) if w.isVisible() and not w.visibleRegion().isEmpty()]


def _text(widget: QWidget) -> str:
    """The text Qt draws on the widget itself (a button drawn by labels inside it has none of its own)."""
    if isinstance(widget, QLabel):
        return widget.text().strip() if widget.pixmap().isNull() else ""
    if isinstance(widget, QAbstractButton):
        return QAbstractButton.text(widget).strip()
    return ""


def _foreground(widget: QWidget) -> str:
    group = QPalette.ColorGroup.Active if widget.isEnabled() else QPalette.ColorGroup.Disabled
    role = QPalette.ColorRole.ButtonText if isinstance(widget, QAbstractButton) else widget.foregroundRole()
    return widget.palette().color(group, role).name()


def _background(window: QWidget, widget: QWidget, image: QImage) -> str:
    """The colour most of ``widget``'s area has in the window's picture (sampled on a grid)."""
    ratio = image.devicePixelRatio()
    seen = widget.visibleRegion().boundingRect()
    corner = widget.mapTo(window, seen.topLeft())
    width, height = max(1, seen.width()), max(1, seen.height())
    step = max(1, min(width, height) // 12)
    colours: Counter[int] = Counter()
    for y in range(corner.y(), corner.y() + height, step):
        for x in range(corner.x(), corner.x() + width, step):
            px, py = int(x * ratio), int(y * ratio)
            if 0 <= px < image.width() and 0 <= py < image.height():
                colours[image.pixel(px, py) & 0xFFFFFF] += 1
    if not colours:
        return widget.palette().color(widget.backgroundRole()).name()
    return QColor(colours.most_common(1)[0][0]).name()


def _operable(window: QWidget) -> list[QWidget]:
    """Everything on screen a person can operate (enabled buttons, fields, lists), reachable or not."""
    return [w for w in _shown(window) if isinstance(w, _INTERACTIVE) and w.isEnabled()
            and not any(isinstance(p, QAbstractButton) for p in _parents(w, window))]


def _unreachable(window: QWidget, controls: list[QWidget], operable: list[QWidget]) -> list[QWidget]:
    """Controls on screen the keypad (or, on staff windows, Tab) cannot reach."""
    missing = [w for w in operable if not is_control(w) and w not in controls]
    access = getattr(window, "access", None)
    keypad = getattr(access, "keypad", None)
    if keypad is None or not controls:
        return missing
    visited = set()
    focus_before = keypad.current
    for _ in range(len(controls)):
        send_key(window, Qt.Key.Key_Down)
        now = keypad.focused()
        if now is not None:
            visited.add(id(now))
    keypad.current = focus_before
    return missing + [w for w in controls if id(w) not in visited]


def _parents(widget: QWidget, window: QWidget):
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        yield parent
        parent = parent.parentWidget()


def _misfits(window: QWidget, page: QWidget, screens) -> list[tuple[str, int, int]]:
    """The screens the page does not fit: the window laid out at each screen's size (pages lay themselves
    out for it), the page's minimum size plus what the window shows around its stack, against the screen."""
    size = window.size()
    misfits = []
    for w, h in screens:
        window.resize(w, h)
        _settle()
        width, height = _needed(window, page)
        if width > w or height > h:
            misfits.append((f"{w}x{h}", width, height))
    window.resize(size)
    _settle()
    return misfits


def _needed(window: QWidget, page: QWidget) -> tuple[int, int]:
    page_hint = page.minimumSizeHint().expandedTo(page.minimumSize())
    stack = page.parentWidget() if page is not window else None
    if stack is None or window.layout() is None:
        return page_hint.width(), page_hint.height()
    outer, inner = window.minimumSizeHint(), stack.minimumSizeHint()
    return (page_hint.width() + max(0, outer.width() - inner.width()),
            page_hint.height() + max(0, outer.height() - inner.height()))
