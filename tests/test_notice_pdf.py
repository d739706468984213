"""The A4 受理通知书: one A4 page, the receipt's content, readable back from the PDF itself.

Pillow writes the page as one JPEG image (``/DCTDecode``) on a page of the size the resolution gives; the
test reads that image back out of the PDF bytes, so what it checks is what a PDF viewer shows.
"""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image

from core import fonts
from core.services.intake import receipt_for
from core.services.materials import text_runs
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
