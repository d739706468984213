"""Where everything goes on the hall display, from the screen's size alone (no Qt: tested as plain numbers).

The legibility rule (docs/display.md, "Reading it from 10 m"), ours: character sizes are set by the cap
height (the height of "A" and the digits) as multiples of the letter that normal eyesight (Snellen 20/20)
just resolves, 5 minutes of arc: at the design distance of 10 m that letter is 10 m × tan(5′) = 14.5 mm.

- the latest call, number and window: 4× (58 mm): read from 10 m with normal acuity at four times the
  threshold, or with half of it (20/40, common among older visitors) at twice;
- the windows' numbers, the recent calls, the waiting counts: 2.4× (35 mm): read from 10 m with normal
  acuity at more than twice the threshold;
- labels, the second language, the hall's name: 1.2× (17 mm): read from the front half of the hall.

Sizes are fractions of the screen's short side, measured against the reference panel, a 55-inch 16:9
screen (685 mm short side): a screen turned to portrait is the same panel, so its characters keep the same
size in millimetres. The layout is chosen from the aspect ratio: landscape (width ≥ height) puts the
latest call above the windows' tiles on the left and the recent calls and waiting counts in a column on the
right; portrait stacks the call, the tiles, and the recent calls beside the waiting counts at the bottom.
What does not fit is shown a page at a time (the presenter's ``next_page``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DESIGN_DISTANCE_M = 10.0
THRESHOLD_MM = DESIGN_DISTANCE_M * 1000 * math.tan(math.radians(5 / 60))  # 14.5 mm
REFERENCE_SHORT_SIDE_MM = 685.0  # a 55-inch 16:9 panel
CALL_MULTIPLE, BOARD_MULTIPLE, TEXT_MULTIPLE = 4.0, 2.4, 1.2
LINE = 1.3  # a line's height over the font's pixel size
RECENT_ROWS = 6  # the presenter's RECENT: more rows than calls kept would stay empty
TILE_CHARS = 3.6  # a tile's width in board ems: "A012" (four characters) and its padding


def cap_fraction(multiple: float) -> float:
    """A tier's cap height as a fraction of the screen's short side."""
    return multiple * THRESHOLD_MM / REFERENCE_SHORT_SIDE_MM


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def right(self) -> int:
        return self.x + self.w


@dataclass(frozen=True)
class DisplayLayout:
    width: int
    height: int
    portrait: bool
    call_px: int  # font pixel sizes of the three tiers
    board_px: int
    text_px: int
    gap: int
    header: Rect  # the hall's name; the satisfaction slot at its right end
    call: Rect  # "正在呼叫", the number and the window (one line landscape, two portrait), the other language
    board: Rect  # the tiles' title and grid
    tile_w: int
    tile_h: int
    columns: int
    rows: int
    recent: Rect  # "最近呼叫" and ``recent_rows`` rows
    recent_rows: int
    waiting: Rect  # "等候人数" and ``waiting_rows`` rows
    waiting_rows: int
    status: Rect  # the reconnecting line and the status area, at the bottom edge

    @property
    def tiles(self) -> int:
        return self.columns * self.rows

    def line(self, px: int) -> int:
        return math.ceil(px * LINE)

    def tile(self, index: int) -> Rect:
        """The ``index``-th tile of a page (row by row) inside the board, below its title."""
        column, row = index % self.columns, index // self.columns
        top = self.board.y + self.line(self.text_px)
        return Rect(self.board.x + column * (self.tile_w + self.gap), top + row * (self.tile_h + self.gap),
                    self.tile_w, self.tile_h)

    def row(self, panel: Rect, index: int) -> Rect:
        """The ``index``-th row of the recent calls or the waiting counts, below the panel's title."""
        top = panel.y + self.line(self.text_px) + index * self.line(self.board_px)
        return Rect(panel.x, top, panel.w, self.line(self.board_px))


def plan(width: int, height: int, cap_ratio: float = 0.72) -> DisplayLayout:
    """The layout of a ``width`` × ``height`` screen; ``cap_ratio``: the font's cap height over its pixel
    size (the window measures it), so that the caps reach the rule's heights."""
    unit = min(width, height)
    call_px, board_px, text_px = (math.ceil(cap_fraction(m) * unit / cap_ratio)
                                  for m in (CALL_MULTIPLE, BOARD_MULTIPLE, TEXT_MULTIPLE))
    call_line, board_line, text_line = (math.ceil(px * LINE) for px in (call_px, board_px, text_px))
    margin, gap = round(0.025 * unit), round(0.012 * unit)
    inner = width - 2 * margin
    portrait = width < height
    header = Rect(margin, margin, inner, text_line)
    status = Rect(margin, height - margin - text_line, inner, text_line)
    bottom = status.y - gap  # the panels end here
    if portrait:
        call = Rect(margin, header.bottom + gap, inner, 2 * call_line + 2 * text_line)
        rows = min(RECENT_ROWS, max(1, (bottom - call.bottom - gap) // 3 // board_line))
        panel_h = text_line + rows * board_line
        half = (inner - 2 * margin) // 2
        recent = Rect(margin, bottom - panel_h, half, panel_h)
        waiting = Rect(margin + half + 2 * margin, recent.y, inner - half - 2 * margin, panel_h)
        board = Rect(margin, call.bottom + gap, inner, recent.y - gap - call.bottom - gap)
        recent_rows = waiting_rows = rows
    else:
        left = round((inner - gap) * 0.62)
        call = Rect(margin, header.bottom + gap, left, call_line + 2 * text_line)
        board = Rect(margin, call.bottom + gap, left, bottom - call.bottom - gap)
        right = Rect(margin + left + gap, call.y, inner - left - gap, bottom - call.y)
        recent_rows = min(RECENT_ROWS, max(1, (right.h // 2 - text_line) // board_line))
        recent = Rect(right.x, right.y, right.w, text_line + recent_rows * board_line)
        waiting_rows = max(1, (right.bottom - recent.bottom - gap - text_line) // board_line)
        waiting = Rect(right.x, recent.bottom + gap, right.w, text_line + waiting_rows * board_line)
    tile_w = max(math.ceil(TILE_CHARS * board_px), math.ceil(6.5 * text_px)) + gap
    tile_h = text_line + board_line + gap
    columns = max(1, (board.w + gap) // (tile_w + gap))
    tile_w = max(tile_w, (board.w - (columns - 1) * gap) // columns)  # the columns fill the board's width
    rows = max(1, (board.h - text_line + gap) // (tile_h + gap))
    return DisplayLayout(width, height, portrait, call_px, board_px, text_px, gap, header, call, board, tile_w,
                         tile_h, columns, rows, recent, recent_rows, waiting, waiting_rows, status)
