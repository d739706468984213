"""The A4 受理通知书: one A4 page, the receipt's content, readable back from the PDF itself.

Pillow writes the page as one JPEG image (``/DCTDecode``) on a page of the size the resolution gives; the
test reads that image back out of the PDF bytes, so what it checks is what a PDF viewer shows.
"""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image, ImageChops, ImageDraw

from core import fonts
from core.services.intake import receipt_for
from core.services import notice_pdf
from core.services.materials import draw_text, text_runs
from core.services.notice_pdf import acceptance_notice_page, acceptance_notice_pdf, receipt_lines, wrap_to
from core.i18n import Translator
from tests.intake_support import ACCEPTED, APPLICANT, CALENDAR_2026, CASE, CLERK, guide

A4_POINTS = (595.28, 841.89)  # 210 x 297 mm at 72 points an inch


def receipt(**changes):
    args = dict(case_number=CASE, applicant=APPLICANT, accepted_at=ACCEPTED, window=3, clerk=CLERK,
                calendar=CALENDAR_2026, pages={"m1": 2, "m2": 1, "m3": 4}, follow=("m4",))
    args.update(changes)
    return receipt_for(guide(), **args)


def page_of(pdf: bytes) -> Image.Image:
    """The one page image the PDF holds, decoded from its JPEG stream."""
    match = re.search(rb"/Filter /DCTDecode.*?/Length (\d+)\s*>>stream\n", pdf, re.S)
    assert match, "the PDF holds no JPEG page image"
    start = match.end()
    return Image.open(io.BytesIO(pdf[start:start + int(match[1])]))


def test_the_pdf_is_one_a4_page():
    pdf = acceptance_notice_pdf(receipt())
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/Type /Pages\s*/Count 1\b", pdf)
    box = re.search(rb"/MediaBox \[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
    assert box and abs(float(box[1]) - A4_POINTS[0]) < 1 and abs(float(box[2]) - A4_POINTS[1]) < 1


def test_the_page_in_the_pdf_holds_the_case_number_in_its_qr_code():
    """GIVEN a receipt for case 32010220260930000123 WHEN the notice is written as a PDF THEN the page read
    back from it is A4 at 150 dpi and its QR code reads the receipt code of that case."""
    page = page_of(acceptance_notice_pdf(receipt()))
    assert page.size == (1240, 1754)
    assert [r.text for r in zxingcpp.read_barcodes(page)] == [f"HALL:R:{CASE}"]


def test_the_page_carries_the_receipt_lines_masked():
    lines = [text for text, _ in receipt_lines(receipt(), Translator("zh_CN"))]
    assert lines[:6] == ["办件编号：32010220260930000123", "事项：二手房转移登记", "事项编码：320100-QR-0002",
                         "办事指南版本：2026.1", "申请人：李*", "证件号码：3201**********1234"]
    assert "承诺办结：2026-10-10（3 个工作日）" in lines and "1. 完税凭证，2026-10-09 前补交" in lines
    assert not any("䶮" in line or "320102195503121234" in line for line in lines)


def test_text_is_drawn_on_the_page_and_rare_characters_are_not_boxes():
    """The drawn page has ink from the top margin down; the clerk 王𠮷 is drawn in a font that has 𠮷."""
    page = acceptance_notice_page(receipt())
    ink = page.point(lambda v: 255 if v < 128 else 0)
    assert ink.getbbox() is not None and ink.getbbox()[1] < 300  # title near the top margin
    font = next(font for font, run in text_runs(CLERK.name, 30) if "𠮷" in run)
    assert fonts.has_glyph(font, "𠮷")


def test_a_long_line_wraps_inside_the_margins():
    lines = wrap_to("企业开办（设立登记、印章刻制、发票申领、社保登记、公积金开户）一件事" * 2, 30, 600)
    assert len(lines) > 1 and "".join(lines).count("一件事") == 2


def test_the_case_number_line_on_the_pdf_page_is_this_case():
    """GIVEN the page read back from the PDF WHEN its first line after the title is compared with that line
    drawn for this case and for a case one digit off THEN it matches this case's (the drawing, not the QR
    alone, carries the number)."""
    page = page_of(acceptance_notice_pdf(receipt())).convert("L")
    left, top = notice_pdf._px(notice_pdf.MARGIN_MM), notice_pdf._px(notice_pdf.MARGIN_MM) + notice_pdf.TITLE_PX * 2
    box = (left, top, page.width - left, top + int(notice_pdf.BODY_PX * notice_pdf.LINE_GAP))

    def drawn(number: str) -> Image.Image:
        strip = Image.new("L", page.size, 255)
        draw = ImageDraw.Draw(strip)
        text = Translator("zh_CN")("printer.paper.case_number", number=number)
        for dx in (0, 1):  # bold, as the page draws it
            draw_text(draw, (left + dx, top), text, notice_pdf.BODY_PX, 0)
        return strip.crop(box)

    def distance(a: Image.Image, b: Image.Image) -> int:
        """Pixels that are ink in one and paper in the other (JPEG's ringing stays under the threshold)."""
        return ImageChops.difference(a, b).point(lambda v: 255 if v > 128 else 0).histogram()[255]

    on_page = page.crop(box)
    right, wrong = distance(on_page, drawn(CASE)), distance(on_page, drawn(CASE[:-1] + "4"))
    assert right < 20 and wrong > 5 * right + 50, (right, wrong)
