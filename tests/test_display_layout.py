"""Where the hall display puts everything, as plain numbers (core/presenters/display_layout.py).

The legibility rule (docs/display.md): cap heights are multiples of the 5′ letter at 10 m (14.5 mm) on the
reference 55-inch panel (685 mm short side) — the latest call 4×, the board 2.4×, labels 1.2× — so the
fractions of the short side are fixed, in landscape and in portrait alike."""

from __future__ import annotations

import itertools

import pytest

from core.presenters.display_layout import (
    BOARD_MULTIPLE,
    CALL_MULTIPLE,
    TEXT_MULTIPLE,
    THRESHOLD_MM,
    Rect,
    cap_fraction,
    plan,
)

SCREENS = [(1920, 1080), (1080, 1920), (1366, 768), (3840, 2160)]


def overlaps(a: Rect, b: Rect) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def inside(inner: Rect, outer: Rect) -> bool:
    return outer.x <= inner.x and outer.y <= inner.y and inner.right <= outer.right and inner.bottom <= outer.bottom


def test_the_rule_is_the_5_arc_minute_letter_at_10_m_on_a_55_inch_panel():
    assert THRESHOLD_MM == pytest.approx(14.54, abs=0.01)
    assert cap_fraction(CALL_MULTIPLE) * 685 == pytest.approx(58.2, abs=0.1)  # mm on the reference panel
    assert cap_fraction(BOARD_MULTIPLE) * 685 == pytest.approx(34.9, abs=0.1)
    assert cap_fraction(TEXT_MULTIPLE) * 685 == pytest.approx(17.4, abs=0.1)


@pytest.mark.parametrize("width,height", SCREENS)
def test_the_aspect_ratio_chooses_the_layout_and_the_short_side_the_sizes(width, height):
    """GIVEN a screen WHEN it is planned THEN portrait exactly when taller than wide, and each tier's font
    makes the rule's cap height on the short side (with the font's cap ratio)."""
    layout = plan(width, height, cap_ratio=0.72)
    assert layout.portrait == (height > width)
    unit = min(width, height)
    for px, multiple in ((layout.call_px, CALL_MULTIPLE), (layout.board_px, BOARD_MULTIPLE),
                         (layout.text_px, TEXT_MULTIPLE)):
        assert px * 0.72 >= cap_fraction(multiple) * unit
        assert px * 0.72 < cap_fraction(multiple) * unit + 1  # and no larger than it needs


@pytest.mark.parametrize("width,height", SCREENS)
def test_every_region_tile_and_row_is_on_screen_and_nothing_overlaps(width, height):
    layout = plan(width, height)
    screen = Rect(0, 0, width, height)
    regions = [layout.header, layout.call, layout.board, layout.recent, layout.waiting, layout.status]
    for region in regions:
        assert inside(region, screen), region
    for a, b in itertools.combinations(regions, 2):
        assert not overlaps(a, b), (a, b)
    tiles = [layout.tile(i) for i in range(layout.tiles)]
    assert layout.tiles >= 6 and all(inside(t, layout.board) for t in tiles)
    assert not any(overlaps(a, b) for a, b in itertools.combinations(tiles, 2))
    for panel, count in ((layout.recent, layout.recent_rows), (layout.waiting, layout.waiting_rows)):
        assert count >= 3
        rows = [layout.row(panel, i) for i in range(count)]
        assert all(inside(r, panel) for r in rows)
    # a tile holds a four-character number of the board's size and its label
    assert layout.tile_w >= 3.6 * layout.board_px and layout.tile_h >= 1.3 * (layout.board_px + layout.text_px)


def test_a_portrait_screen_holds_the_call_on_two_lines_and_more_tiles_deep():
    landscape, portrait = plan(1920, 1080), plan(1080, 1920)
    assert portrait.call.h > landscape.call.h  # number and window each on a line
    assert portrait.rows > landscape.rows and portrait.call_px == landscape.call_px
