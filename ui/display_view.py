"""The hall display's face: labels placed where ``core.presenters.display_layout.plan`` puts them, filled from
the presenter's ``DisplayScreen``.

No Qt layouts: every label gets its rectangle from the plan, so what a test measures (geometry inside the
window, no overlap, text that fits by ``QFontMetrics``) is what the plan promised. A redraw sets only the
texts and flash states that changed; a flash toggles a dynamic property and restyles that one frame.
Colours: light on dark (``theme.COLOURS`` display_*), the flash inverts a tile (dark on the accent).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QFrame, QLabel, QWidget

from core.presenters.display import DisplayScreen, Tile
from core.presenters.display_layout import DisplayLayout, Rect, plan
from ui.theme import COLOURS, restyle, ui_font

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignCenter
MUTED = "#B0BEC5"  # paused windows, empty tiles: 9.0:1 on display_bg


def board_stylesheet(layout: DisplayLayout | None = None) -> str:
    """The display's colours, and the tiers' pixel sizes of ``layout`` (a stylesheet's font size wins over
    ``setFont``, and the application's sheet sets one for every widget)."""
    c = COLOURS
    sizes = ""
    if layout is not None:
        sizes = "".join(f'QLabel[tier="{tier}"] {{{{ font-size: {px}px; }}}}\n' for tier, px in (
            ("call", layout.call_px), ("board", layout.board_px), ("text", layout.text_px)))
        sizes = sizes.replace("{{", "{").replace("}}", "}")
    return sizes + f"""
    QWidget {{ background: {c['display_bg']}; color: {c['display_text']}; }}
    QWidget#display-window {{ background: {c['display_bg']}; }}
    QLabel[tier] {{ color: {c['display_text']}; background: transparent; }}
    QLabel[bold="true"] {{ font-weight: bold; }}
    QLabel[accent="true"] {{ color: {c['display_accent']}; }}
    QLabel[muted="true"] {{ color: {MUTED}; }}
    QLabel[inverse="true"] {{ color: {c['display_bg']}; background: {c['display_accent']}; }}
    QFrame[role="display-tile"] {{ background: {c['display_bg']}; border: 2px solid #2E4A6B; border-radius: 8px; }}
    QFrame[flash="on"] {{ background: {c['display_accent']}; border-color: {c['display_accent']}; }}
    QFrame[flash="on"] QLabel[tier] {{ color: {c['display_bg']}; }}
    QLabel[role="notice"] {{ background: {c['notice_bg']}; color: {c['notice_text']}; padding: 4px; }}
    """


def cap_ratio(font: QFont) -> float:
    """The font's cap height over its pixel size (measured at 200 px)."""
    probe = QFont(font)
    probe.setPixelSize(200)
    return max(0.5, QFontMetrics(probe).capHeight() / 200)


def place(widget: QWidget, rect: Rect) -> None:
    widget.setGeometry(rect.x, rect.y, rect.w, rect.h)


class TextLabel(QLabel):
    """A one-line label of a tier; ``fit`` elides text wider than the label (names, not numbers)."""

    def __init__(self, parent: QWidget, tier: str, align=LEFT, *, bold: bool = False, fit: bool = False) -> None:
        super().__init__(parent)
        self.setProperty("tier", tier)
        self.setAlignment(align)
        self.setWordWrap(False)
        self.bold = bold
        if bold:
            self.setProperty("bold", "true")
        self.fit = fit
        self.full = ""

    def set_px(self, px: int, base: QFont) -> None:
        font = QFont(base)
        font.setPixelSize(px)
        font.setBold(self.bold)
        self.setFont(font)
        self.show_text(self.full)

    def show_text(self, text: str) -> None:
        self.full = text
        shown = text
        if self.fit and self.width() > 0:
            shown = QFontMetrics(self.font()).elidedText(text, Qt.TextElideMode.ElideRight, self.width())
        if shown != self.text():
            self.setText(shown)

    def set_flag(self, name: str, on: bool) -> None:
        if (self.property(name) == "true") != on:
            self.setProperty(name, "true" if on else "false")  # never None: PySide6 mishandles its count
            restyle(self)


class TileFace(QFrame):
    """One face of a tile: the plain one, or the flashing one (dark on the accent), styled once."""

    def __init__(self, parent: QWidget, flash: bool) -> None:
        super().__init__(parent)
        self.setProperty("role", "display-tile")
        if flash:
            self.setProperty("flash", "on")
        self.label = TextLabel(self, "text", CENTRE, fit=True)
        self.number = TextLabel(self, "board", CENTRE)

    def apply(self, layout: DisplayLayout, width: int, base: QFont) -> None:
        text_line, board_line = layout.line(layout.text_px), layout.line(layout.board_px)
        pad = max(2, layout.gap // 2)
        self.label.setGeometry(pad, pad, width - 2 * pad, text_line)
        self.number.setGeometry(pad, pad + text_line, width - 2 * pad, board_line)
        self.label.set_px(layout.text_px, base)
        self.number.set_px(layout.board_px, base)

    def show_tile(self, label: str, number: str, paused: bool, muted: bool) -> None:
        self.label.show_text(label)
        tier = "text" if paused else "board"  # "暂停服务" is four characters: the smaller size
        if self.number.property("tier") != tier:
            self.number.setProperty("tier", tier)
            restyle(self.number)
        self.number.show_text(number)
        self.number.set_flag("muted", muted)


class TileView(QWidget):
    """A window's tile. A flash shows the other face: no restyling while it blinks."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.plain = TileFace(self, flash=False)
        self.flashed = TileFace(self, flash=True)
        self.flashed.hide()
        self.flash = False

    @property
    def label(self) -> TextLabel:
        return self.plain.label

    @property
    def number(self) -> TextLabel:
        return self.plain.number

    def faces(self) -> tuple[TileFace, TileFace]:
        return self.plain, self.flashed

    def apply(self, layout: DisplayLayout, base: QFont) -> None:
        for face in self.faces():
            face.setGeometry(0, 0, self.width(), self.height())
            face.apply(layout, self.width(), base)

    def show_tile(self, tile: Tile, paused_text: str, phase: bool) -> None:
        number = paused_text if tile.paused else (tile.number or "—")
        for face in self.faces():
            face.show_tile(tile.label, number, tile.paused, tile.paused or not tile.number)
        self.set_flash(tile.flashing and phase)

    def set_flash(self, on: bool) -> None:
        if on != self.flash:
            self.flash = on
            self.flashed.setVisible(on)
            self.plain.setVisible(not on)


class RowView:
    """A row of a side panel: the left part and the right part (recent: number | window; waiting: name |
    count)."""

    def __init__(self, parent: QWidget, left_tier: str, right_tier: str) -> None:
        self.left = TextLabel(parent, left_tier, LEFT, fit=left_tier == "text")
        self.right = TextLabel(parent, right_tier, RIGHT if right_tier == "board" else LEFT)
        self.left_tier, self.right_tier = left_tier, right_tier
        self.rect = Rect(0, 0, 0, 0)

    def apply(self, layout: DisplayLayout, rect: Rect, base: QFont) -> None:
        self.rect = rect
        px = {"board": layout.board_px, "text": layout.text_px}
        self.left.set_px(px[self.left_tier], base)
        self.right.set_px(px[self.right_tier], base)
        self._split(rect.w * 55 // 100 if self.left_tier == "board" else rect.w - self._count_width())

    def _count_width(self) -> int:
        """A waiting count takes what its text needs (at least "999 人"); the service's name the rest."""
        metrics = QFontMetrics(self.right.font())
        widest = max(metrics.horizontalAdvance(self.right.full), metrics.horizontalAdvance("999 人"))
        return min(self.rect.w // 2, widest + metrics.averageCharWidth())

    def _split(self, split: int) -> None:
        rect = self.rect
        self.left.setGeometry(rect.x, rect.y, split, rect.h)
        self.right.setGeometry(rect.x + split, rect.y, rect.w - split, rect.h)

    def show(self, left: str, right: str) -> None:
        if self.left_tier == "text" and self.rect.w and right != self.right.full:
            self.right.full = right
            self._split(self.rect.w - self._count_width())
        self.left.show_text(left)
        self.right.show_text(right)

    def set_visible(self, visible: bool) -> None:
        self.left.setVisible(visible)
        self.right.setVisible(visible)


class DisplayBoard:
    """Every label of the display, children of ``window``; ``apply(size)`` places them, ``show`` fills them."""

    def __init__(self, window: QWidget) -> None:
        self.window = window
        self.base = ui_font()
        self.ratio = cap_ratio(self.base)
        self.hall_name = TextLabel(window, "text", LEFT, bold=True, fit=True)
        self.satisfaction = TextLabel(window, "text", RIGHT)
        self.satisfaction.setObjectName("display-satisfaction")
        self.satisfaction.set_flag("accent", True)
        self.heading = TextLabel(window, "text", LEFT, fit=True)
        self.call_number = TextLabel(window, "call", LEFT, bold=True)
        self.call_number.setObjectName("latest-call")
        self.call_number.set_flag("accent", True)
        self.call_window = TextLabel(window, "call", LEFT, bold=True)
        self.latest_other = TextLabel(window, "text", LEFT, fit=True)
        self.board_title = TextLabel(window, "text", LEFT, fit=True)
        self.page = TextLabel(window, "text", RIGHT)
        self.recent_title = TextLabel(window, "text", LEFT, fit=True)
        self.waiting_title = TextLabel(window, "text", LEFT, fit=True)
        self.tiles: list[TileView] = []
        self.recent: list[RowView] = []
        self.waiting: list[RowView] = []
        self.layout: DisplayLayout | None = None
        self.call_flash = False

    def labels(self) -> list[TextLabel]:
        """Every text label shown now (tests measure them)."""
        fixed = [self.hall_name, self.satisfaction, self.heading, self.call_number, self.call_window,
                 self.latest_other, self.board_title, self.page, self.recent_title, self.waiting_title]
        rows = [label for row in self.recent + self.waiting for label in (row.left, row.right)]
        tiles = [label for tile in self.tiles for face in tile.faces() for label in (face.label, face.number)]
        return [label for label in fixed + rows + tiles if label.isVisibleTo(self.window)]

    def apply(self, width: int, height: int) -> DisplayLayout:
        layout = plan(width, height, self.ratio)
        self.layout = layout
        self.window.setStyleSheet(board_stylesheet(layout))
        text_line, call_line = layout.line(layout.text_px), layout.line(layout.call_px)
        header = layout.header
        sat_w = header.w * 2 // 5
        place(self.hall_name, Rect(header.x, header.y, header.w - sat_w, header.h))
        place(self.satisfaction, Rect(header.right - sat_w, header.y, sat_w, header.h))
        call = layout.call
        place(self.heading, Rect(call.x, call.y, call.w, text_line))
        if layout.portrait:
            place(self.call_number, Rect(call.x, call.y + text_line, call.w, call_line))
            place(self.call_window, Rect(call.x, call.y + text_line + call_line, call.w, call_line))
            other_y = call.y + text_line + 2 * call_line
        else:
            place(self.call_number, Rect(call.x, call.y + text_line, call.w, call_line))
            place(self.call_window, Rect(call.x, call.y + text_line, call.w, call_line))  # moved by ``show``
            other_y = call.y + text_line + call_line
        place(self.latest_other, Rect(call.x, other_y, call.w, text_line))
        board = layout.board
        place(self.board_title, Rect(board.x, board.y, board.w * 2 // 3, text_line))
        place(self.page, Rect(board.x + board.w * 2 // 3, board.y, board.w - board.w * 2 // 3, text_line))
        place(self.recent_title, Rect(layout.recent.x, layout.recent.y, layout.recent.w, text_line))
        place(self.waiting_title, Rect(layout.waiting.x, layout.waiting.y, layout.waiting.w, text_line))
        for label, px in ((self.hall_name, layout.text_px), (self.satisfaction, layout.text_px),
                          (self.heading, layout.text_px), (self.call_number, layout.call_px),
                          (self.call_window, layout.call_px), (self.latest_other, layout.text_px),
                          (self.board_title, layout.text_px), (self.page, layout.text_px),
                          (self.recent_title, layout.text_px), (self.waiting_title, layout.text_px)):
            label.set_px(px, self.base)
        self._grow(layout)
        return layout

    def _grow(self, layout: DisplayLayout) -> None:
        """As many tiles and rows as the layout holds; the ones beyond it hidden."""
        while len(self.tiles) < layout.tiles:
            self.tiles.append(TileView(self.window))
        while len(self.recent) < layout.recent_rows:
            self.recent.append(RowView(self.window, "board", "text"))
        while len(self.waiting) < layout.waiting_rows:
            self.waiting.append(RowView(self.window, "text", "board"))
        for index, tile in enumerate(self.tiles):
            if index < layout.tiles:
                place(tile, layout.tile(index))
                tile.apply(layout, self.base)
            else:
                tile.hide()
        for rows, panel, count in ((self.recent, layout.recent, layout.recent_rows),
                                   (self.waiting, layout.waiting, layout.waiting_rows)):
            for index, row in enumerate(rows):
                if index < count:
                    row.apply(layout, layout.row(panel, index), self.base)
                else:
                    row.set_visible(False)

    def show(self, screen: DisplayScreen, headings: dict[str, str], phase: bool) -> None:
        """Fills the labels from ``screen``; ``headings``: the fixed titles in both languages; ``phase``:
        the flash's on half."""
        layout = self.layout
        if layout is None:
            return
        self.hall_name.show_text(screen.hall_name)
        self.satisfaction.show_text(screen.satisfaction)
        self.satisfaction.setVisible(bool(screen.satisfaction))
        self.heading.show_text(headings["now_calling"])
        self.call_number.show_text(screen.call_number or screen.latest)
        self.call_window.show_text(screen.call_window)
        if not layout.portrait:  # the window right after the number, half an em apart
            call, number = layout.call, self.call_number
            width = min(QFontMetrics(number.font()).horizontalAdvance(number.text()) + layout.call_px // 2,
                        call.w - 1)
            number.setGeometry(call.x, number.y(), width, number.height())
            self.call_window.setGeometry(call.x + width, number.y(), call.w - width, number.height())
        self.latest_other.show_text(screen.latest_other)
        self.set_call_flash(screen.call_flashing and phase)
        self.board_title.show_text(headings["windows"])
        self.page.show_text(headings["page"] if screen.tile_pages > 1 else "")
        self.recent_title.show_text(headings["recent"])
        self.waiting_title.show_text(headings["waiting"])
        for index, tile in enumerate(self.tiles[:layout.tiles]):
            if index < len(screen.tiles):
                tile.show_tile(screen.tiles[index], headings["paused"], phase)
                tile.show()
            else:
                tile.hide()
        self._rows(self.recent[:layout.recent_rows], list(screen.recent_calls))
        self._rows(self.waiting[:layout.waiting_rows], [(c.name, c.count) for c in screen.waiting])

    @staticmethod
    def _rows(rows: list[RowView], values: list[tuple[str, str]]) -> None:
        for index, row in enumerate(rows):
            if index < len(values):
                row.show(*values[index])
                row.set_visible(True)
            else:
                row.set_visible(False)

    def set_call_flash(self, on: bool) -> None:
        if on != self.call_flash:
            self.call_flash = on
            for label in (self.call_number, self.call_window):
                label.set_flag("inverse", on)
