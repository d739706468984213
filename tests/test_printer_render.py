"""What the paper shows: the renderer draws jobs as a printer would, and the ticket reads back."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from devices.printer import glyphs
from devices.printer.render import render_image, render_png
from devices.printer.testpage import printer_test_page
from devices.printer.ticket import ticket_job
from core.config import PrinterConfig
from core.domain import HallInfo, Service, Ticket, TicketState, Window
from core.errors import DeviceNotSupported
from core.ports.printer import TicketSlip


def slip(language="zh_CN", hall_name="示例市政务服务中心", tracking_code="T-20261121-8F3K2QX9") -> TicketSlip:
    hall = HallInfo("3201-0042", hall_name, "Example City Government Service Center", "Asia/Shanghai",
                    (Service("A", "综合受理", "General acceptance"),), (Window(3, ("A",)),))
    ticket = Ticket("A012", "A", "综合受理", "General acceptance", TicketState.WAITING,
                    datetime(2026, 11, 21, 1, 41, tzinfo=timezone.utc), tracking_code, people_ahead=3)
    return TicketSlip(hall, ticket, language)


def decode(png: bytes) -> tuple[Image.Image, list[str]]:
    image = Image.open(io.BytesIO(png))
    return image, [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("width", [58, 80])
@pytest.mark.parametrize("qr", ["native", "image"])
@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8"])
def test_rendered_ticket_is_head_wide_and_its_qr_reads_back_as_the_tracking_code(width, qr, encoding):
    cfg = PrinterConfig("ticket", "virtual://t", width_mm=width, encoding=encoding, qr=qr)
    s = slip(hall_name="示例市䶮山区政务服务中心")
    image, codes = decode(render_png(ticket_job(s, cfg), cfg.dots, encoding=encoding))
    assert image.width == cfg.dots
    assert codes == [s.ticket.tracking_code]


def test_native_and_raster_qr_draw_the_same_symbol_size():
    """GS ( k with module size 6 and the raster image at box size 6 are the same code, drawn alike."""
    sizes = []
    for qr in ("native", "image"):
        cfg = PrinterConfig("ticket", "virtual://t", qr=qr)
        image, _ = decode(render_png(ticket_job(slip(), cfg), cfg.dots))
        result = zxingcpp.read_barcodes(image)[0]
        sizes.append(result.position.bottom_right.x - result.position.top_left.x)
    assert abs(sizes[0] - sizes[1]) <= 2


def ink_of(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < 128


def test_a_rare_character_renders_as_itself_not_as_a_box_or_question_mark():
    """䶮 drawn from GB18030 text, from a GBK raster line, and a plain 中, are three different inks."""
    rare = glyphs.glyph("䶮")
    assert ink_of(rare).any()
    assert not np.array_equal(ink_of(rare), ink_of(glyphs.glyph("\U0010fffd")))  # not the missing box
    assert not np.array_equal(ink_of(rare), ink_of(glyphs.glyph("?")))
    texts = {}
    for encoding in ("gb18030", "gbk"):
        cfg = PrinterConfig("ticket", "virtual://t", encoding=encoding)
        page = render_image(ticket_job(slip(hall_name="李䶮"), cfg), cfg.dots, encoding=encoding)
        texts[encoding] = ink_of(page)[:80]  # the hall name line
    assert texts["gb18030"].any() and texts["gbk"].any()


def test_text_is_drawn_in_the_printer_cell_grid():
    """Double width doubles the dots across: 'A012' at 4x is 4 cells of 48 dots, centred on 576."""
    big = ink_of(render_image(b"\x1b@\x1ba\x01\x1d!\x33A012\n", 576))
    normal = ink_of(render_image(b"\x1b@\x1ba\x01\x1d!\x00A012\n", 576))
    columns = np.flatnonzero(big.any(axis=0))
    assert 576 // 2 - 96 <= columns[0] and columns[-1] < 576 // 2 + 96
    rows = [np.flatnonzero(ink.any(axis=1)).size for ink in (big, normal)]
    assert rows[0] == 4 * rows[1]  # four times as tall, dot for dot


def test_a_cut_is_drawn_as_a_dashed_line_across():
    ink = ink_of(render_image(b"\x1b@A\n\x1dV\x00", 384))
    rows = [row for row in ink if row.sum() > 100]
    assert rows, "no cut line"
    assert rows[-1].sum() < 384  # dashed, not solid


def test_unknown_commands_are_reported_not_ignored():
    with pytest.raises(DeviceNotSupported, match="byte 2"):
        render_png(b"\x1b@\x1b\x99", 384)
    assert render_png(b"\x1b@\x1b\x99", 384, strict=False).startswith(b"\x89PNG")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_the_test_page_renders_with_both_qr_codes(encoding):
    cfg = PrinterConfig("diag", "dummy://", width_mm=58, encoding=encoding)
    image, codes = decode(render_png(printer_test_page(cfg, qr_data="KIOSK-TEST-PAGE"), cfg.dots, encoding=encoding))
    assert image.width == 384
    assert codes == ["KIOSK-TEST-PAGE", "KIOSK-TEST-PAGE"]
