"""The kiosk's service guide page (办事指南): a letter pad, the matters found, browsing by theme or
department, and one matter's guide to read, scrolled by touch.

A view over ``core.presenters.guide.GuidePresenter``: every touch goes to the presenter, and the page
redraws the part the presenter names (``catalogue``, ``query``, ``guide``).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QScroller,
                               QSizePolicy, QStackedWidget, QVBoxLayout, QWidget)

from core.i18n import keys_for
from core.presenters import Changed
from core.presenters.guide import LETTERS, GuidePresenter
from ui.texts import Texts
from ui.widgets import Banner, Page, button, clear_layout, label

CENTER = Qt.AlignmentFlag.AlignCenter
PAD_STYLE = "font-size: 22pt; font-weight: bold; min-height: 60px; padding: 0px;"
LARGE_PAD_STYLE = "font-size: 32px; font-weight: bold; min-height: 88px; min-width: 88px; padding: 0px;"  # elders' mode
# What a guide shows, in this order, when the catalogue gives it.
GUIDE_ROWS = ("department", "kind", "promised_days", "legal_days", "visits", "fee", "conditions", "place", "hours",
              "phone", "complaint_phone")
GUIDE_ROW_KEYS = keys_for("ui_guide.row.", GUIDE_ROWS)


# Widest text a hit (two a row) or a chip (four a row) shows on a 1280-wide kiosk; longer names are cut with
# "…" (the whole name is the button's accessible name and the guide's heading), never widening the window.
HIT_WIDTH, CHIP_WIDTH = 540, 250


def _fitted(widget: QPushButton, text: str, width: int) -> QPushButton:
    widget.setText(widget.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width))
    widget.setAccessibleName(text)
    widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return widget


class GuidePage(Page):
    name = "guide"
    home = Signal()
    apply = Signal()  # 自助申报 of the matter being read

    def __init__(self, texts: Texts, presenter: GuidePresenter, *, can_apply=None) -> None:
        """``can_apply(guide) -> bool``: the kiosk takes that matter's pre-application (None: no 自助申报)."""
        super().__init__()
        self.texts = texts
        self.presenter = presenter
        self.can_apply = can_apply
        self._shown = None  # the guide drawn last (a redraw of the same one keeps its scroll position)
        self.title = texts.bind(label("", "subtitle"), "ui_guide.title")
        self.status = Banner()
        self.views = QStackedWidget()
        self.views.addWidget(self._build_list())
        self.views.addWidget(self._build_detail())
        self.home_button = texts.bind(button("", name="guide-home"), "ui.common.back_home")
        self.home_button.clicked.connect(self.home)
        self.home_button.setMaximumWidth(260)
        # One line on top (the title, and home always in the same place); the page fits a 1280×800 kiosk.
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.home_button)
        self.box.addLayout(top)
        self.box.addWidget(self.status)
        self.box.addWidget(self.views, 1)
        self._unsubscribe = presenter.events.subscribe(self._changed)
        texts.changed.connect(lambda _language: self.redraw())
        self.redraw()

    # --- building ------------------------------------------------------------------------------------

    def _build_list(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        typed_row = QHBoxLayout()
        self.typed = label("", "subtitle")
        self.typed.setObjectName("guide-typed")
        self.backspace = self.texts.bind(button("", name="guide-backspace"), "ui_guide.backspace")
        self.backspace.clicked.connect(self.presenter.backspace)
        self.clear = self.texts.bind(button("", name="guide-clear"), "ui_guide.clear")
        self.clear.clicked.connect(self.presenter.clear)
        for widget in (self.backspace, self.clear):
            widget.setMaximumWidth(200)
        typed_row.addWidget(self.typed, 1)
        typed_row.addWidget(self.backspace)
        typed_row.addWidget(self.clear)
        box.addLayout(typed_row)
        self.results = QGridLayout()
        self.results.setSpacing(12)
        box.addLayout(self.results)
        box.addStretch(1)
        box.addLayout(self._build_pad())
        return page

    def _build_pad(self) -> QGridLayout:
        pad = self.pad = QGridLayout()
        pad.setSpacing(6)
        self.keys: dict[str, QPushButton] = {}
        for letter in LETTERS:
            key = QPushButton(letter.upper())
            key.setObjectName(f"guide-key-{letter}")
            key.setMinimumWidth(72)  # a finger's width; 13 keys a row fit 1280 px with the page margins
            key.setStyleSheet(PAD_STYLE)
            key.clicked.connect(lambda _=False, ch=letter: self.presenter.type(ch))
            self.keys[letter] = key
        self.lay_out_pad(13, large=False)
        return pad

    def lay_out_pad(self, columns: int, *, large: bool) -> None:
        """The letter keys in rows of ``columns`` (fewer on a narrow screen), larger in elders' mode."""
        for index, letter in enumerate(LETTERS):
            key = self.keys[letter]
            self.pad.removeWidget(key)
            key.setStyleSheet(LARGE_PAD_STYLE if large else PAD_STYLE)
            self.pad.addWidget(key, index // columns, index % columns)

    def _build_detail(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        self.guide_text = QLabel()
        self.guide_text.setObjectName("guide-text")
        self.guide_text.setWordWrap(True)
        self.guide_text.setTextFormat(Qt.TextFormat.RichText)
        self.guide_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.guide_text.setStyleSheet("font-size: 20pt;")
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.guide_text)
        # Touch (or a mouse held down) drags the text, as on a phone: no thin scroll bar to hit.
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
        self.back_button = self.texts.bind(button("", "primary", name="guide-back"), "ui_guide.back_to_list")
        self.back_button.clicked.connect(self.presenter.back)
        self.apply_button = self.texts.bind(button("", "primary", name="guide-apply"), "pre_apply.guide.apply")
        self.apply_button.clicked.connect(self.apply)
        self.apply_button.hide()
        self.print_button = self.texts.bind(button("", name="guide-print"), "ui_guide.print_checklist")
        self.print_button.clicked.connect(self.presenter.print_checklist)
        self.print_button.hide()
        box.addWidget(self.scroll, 1)
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addWidget(self.print_button)
        row.addWidget(self.apply_button)
        box.addLayout(row)
        return page

    # --- drawing ---------------------------------------------------------------------------------------

    def close(self) -> None:  # noqa: A003 (the page's own close: it stops listening to the presenter)
        self._unsubscribe()

    def _changed(self, event) -> None:
        if isinstance(event, Changed):
            self.redraw()

    def redraw(self) -> None:
        p, t = self.presenter, self.texts
        if p.loading:
            self.status.show_text(t("ui_guide.loading"), "notice")
        elif p.problem is not None:
            self.status.show_text(t.error(p.problem, "citizen"), "problem")
        elif p.not_found is not None:
            self.status.show_text(t("ui_guide.not_found"), "notice")
        elif p.printing:
            self.status.show_text(t("ui_guide.printing"), "notice")
        elif p.printed is True:
            self.status.show_text(t("ui_guide.printed"), "notice")
        elif p.printed is False:
            self.status.show_text(t("ui_guide.print_failed", problem=t.error(p.print_error, "citizen")), "problem")
        elif p.stale:
            self.status.show_text(t("ui_guide.stale"), "notice")
        else:
            self.status.clear_text()
        self.typed.setText(p.query.upper() if p.query else t("ui_guide.type_hint"))
        self._draw_results()
        if p.current is not None:
            self.guide_text.setText(self._guide_html())
            self.apply_button.setVisible(bool(self.can_apply and self.can_apply(p.current)))
            self.print_button.setVisible(p.has_printer)
            self.print_button.setEnabled(p.can_print)
            if self.views.currentIndex() != 1 or self._shown is not p.current:
                self.scroll.verticalScrollBar().setValue(0)  # a new guide opens at its top; printing keeps the place
            self._shown = p.current
            self.views.setCurrentIndex(1)
        else:
            self.views.setCurrentIndex(0)

    def _draw_results(self) -> None:
        p, t = self.presenter, self.texts
        clear_layout(self.results)
        self.hit_buttons: list[QPushButton] = []  # what is on screen now (tests, the demo walk)
        self.chip_buttons: list[QPushButton] = []
        if p.query or p.browse:
            shown = p.shown_hits
            if not shown:
                self.results.addWidget(label(t("ui_guide.nothing_found"), "muted", align=CENTER), 0, 0, 1, 2)
            for i, hit in enumerate(shown):
                b = _fitted(button(hit.name, name=f"guide-hit-{i}"), hit.name, HIT_WIDTH)
                b.setAccessibleDescription(hit.department)
                b.clicked.connect(lambda _=False, code=hit.code: p.choose(code))
                self.results.addWidget(b, i // 2, i % 2)
                self.hit_buttons.append(b)
            return
        # One row of themes and one of departments (four each, the audiences first): with the pad below,
        # the page still fits a 1280×800 screen at the kiosk's touch-target size.
        chips = p.themes[:4] if p.book is not None else []
        for i, theme in enumerate(chips):
            b = _fitted(button(theme, name=f"guide-theme-{i}"), theme, CHIP_WIDTH)
            b.clicked.connect(lambda _=False, value=theme: p.browse_by("theme", value))
            self.results.addWidget(b, 0, i)
            self.chip_buttons.append(b)
        for i, department in enumerate(p.departments[:4] if p.book is not None else []):
            b = _fitted(button(department, name=f"guide-department-{i}"), department, CHIP_WIDTH)
            b.clicked.connect(lambda _=False, value=department: p.browse_by("department", value))
            self.results.addWidget(b, 1, i)
            self.chip_buttons.append(b)

    def _guide_html(self) -> str:
        t, guide = self.texts, self.presenter.current
        d = guide.data
        english = t.language.startswith("en") and d.get("name_en")
        parts = [f"<h2>{escape(d['name_en'] if english else guide.name)}</h2>"]
        for key in GUIDE_ROWS:
            value = d.get(key)
            if value not in (None, ""):
                parts.append(f"<p><b>{escape(t(f'ui_guide.row.{key}'))}</b>：{escape(str(value))}</p>")
        materials = d.get("materials") or []
        if materials:
            parts.append(f"<h3>{escape(t('ui_guide.materials'))}</h3><ol>")
            for m in materials:
                need = t("ui_guide.required") if m.get("required") else (m.get("condition") or t("ui_guide.optional"))
                extra = "；".join(x for x in (m.get("form", ""), need, m.get("note", "")) if x)
                parts.append(f"<li>{escape(m.get('name', ''))}<br/>"
                             f"<span style='font-size: 16pt; color: rgb(68, 68, 68);'>{escape(extra)}</span></li>")
            parts.append("</ol>")
        steps = d.get("steps") or []
        if steps:
            parts.append(f"<h3>{escape(t('ui_guide.steps'))}</h3><ol>"
                         + "".join(f"<li>{escape(s)}</li>" for s in steps) + "</ol>")
        return "".join(parts)
