"""The A4 受理通知书: the receipt's content on one A4 page, as a PDF, for matters whose guide asks for one
(``needs_notice_pdf``; core/services/intake.py).

    page = acceptance_notice_page(receipt, "zh_CN")   # a Pillow image, 150 dpi, A4 portrait
    pdf = acceptance_notice_pdf(receipt, "zh_CN")     # bytes; the caller prints or hands them over

Chinese text is drawn with the project's CJK fonts, rare characters (䶮, 𠮷) with the fallbacks
(core/fonts.py, through ``materials.draw_text``), and the page is written with Pillow's PDF writer as the
scanned copies are. The receipt holds the applicant masked only, so neither does the page. The QR code is the
receipt's (the kiosk's 办件查询 reads it). Texts come from the printer catalogue, as on the thermal receipt.
"""

from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageDraw

from core.domain.intake import Pickup, Receipt
from core.i18n import Translator, keys_for
from core.services.materials import A4_MM, draw_text, text_size

DPI = 150
MARGIN_MM = 25
BODY_PX = 30  # about 5 mm: 14 pt at 150 dpi
TITLE_PX = 56
LINE_GAP = 1.6  # line height as a multiple of the text size
QR_MODULE_PX = 6
TIME = "%Y-%m-%d %H:%M"
DAY = "%Y-%m-%d"
PICKUP_KEYS = keys_for("printer.pickup.", Pickup)


def _px(mm: float) -> int:
    return int(round(mm / 25.4 * DPI))


def receipt_lines(receipt: Receipt, t: Translator) -> list[tuple[str, bool]]:
    """The page's lines after the title, each with whether it is bold (emphasised)."""
    number = (t("printer.receipt.pending", ref=receipt.record_ref) if receipt.pending
              else t("printer.paper.case_number", number=receipt.case_number))
    lines = [(number, True),
             (t("printer.paper.matter", name=receipt.matter.display_name(t.language)), False),
             (t("printer.paper.matter_code", code=receipt.matter.code), False)]
    if receipt.matter.version:
        lines.append((t("printer.paper.guide_version", version=receipt.matter.version), False))
    lines += [(t("printer.receipt.applicant", name=receipt.applicant.name), False),
              (t("printer.receipt.id_number", id_number=receipt.applicant.id_number), False),
              ("", False), (t("printer.receipt.received"), True)]
    lines += [(t("printer.receipt.received_item", n=n, name=m.name, pages=m.pages) if m.pages
               else t("printer.receipt.received_checked", n=n, name=m.name), False)
              for n, m in enumerate(receipt.received, 1)]
    if receipt.follow_ups:
        lines.append((t("printer.receipt.follow"), True))
        lines += [(t("printer.receipt.follow_item", n=n, name=f.name, date=f.due.strftime(DAY)), False)
                  for n, f in enumerate(receipt.follow_ups, 1)]
    due = [(t("printer.receipt.due", date=receipt.due.strftime(DAY), days=receipt.promised_days), True)]
    if receipt.due_provisional:
        due.append((t("printer.receipt.due_provisional"), False))
    lines += [("", False), (t("printer.receipt.accepted_at", time=receipt.accepted_at.strftime(TIME)), False),
              (t("printer.paper.window", window=receipt.window), False),
              (t("printer.paper.clerk", name=receipt.clerk.name, staff=receipt.clerk.staff_number), False),
              *due, (t("printer.receipt.pickup", method=t(f"printer.pickup.{receipt.pickup.value}")), False)]
    if receipt.phone:
        lines.append((t("printer.paper.phone", phone=receipt.phone), False))
    return lines


def wrap_to(text: str, size: int, width_px: int) -> list[str]:
    """``text`` cut into lines no wider than ``width_px`` at ``size`` (character by character: Chinese
    has no spaces to break at)."""
    lines, current = [], ""
    for char in text:
        if current and text_size(current + char, size)[0] > width_px:
            lines.append(current)
            current = char
        else:
            current += char
    return [*lines, current] if current or not lines else lines


def acceptance_notice_page(receipt: Receipt, language: str = "zh_CN") -> Image.Image:
    """The 受理通知书 as one white A4 page (portrait, ``DPI`` dots an inch), black text and the QR code."""
    t = Translator(language)
    page = Image.new("L", (_px(A4_MM[0]), _px(A4_MM[1])), 255)
    draw = ImageDraw.Draw(page)
    left, width = _px(MARGIN_MM), page.width - 2 * _px(MARGIN_MM)
    title = t("printer.pdf.title")
    y = _px(MARGIN_MM)
    draw_text(draw, ((page.width - text_size(title, TITLE_PX)[0]) / 2, y), title, TITLE_PX, 0)
    y += int(TITLE_PX * 2)
    for text, bold in receipt_lines(receipt, t):
        for line in wrap_to(text, BODY_PX, width):
            draw_text(draw, (left, y), line, BODY_PX, 0)
            if bold:  # a second pass one dot to the right: bold from a regular face
                draw_text(draw, (left + 1, y), line, BODY_PX, 0)
            y += int(BODY_PX * LINE_GAP)
    if receipt.pending:  # no number yet, so no code to track: the note says how to ask instead
        note = t("printer.receipt.pending_note")
        for line in wrap_to(note, BODY_PX, width):
            draw_text(draw, (left, y), line, BODY_PX, 0)
            y += int(BODY_PX * LINE_GAP)
        return page
    code = qrcode.QRCode(box_size=QR_MODULE_PX, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(receipt.qr)
    code.make(fit=True)
    symbol = code.make_image().get_image().convert("L")
    page.paste(symbol, ((page.width - symbol.width) // 2, y))
    scan = t("printer.receipt.scan")
    draw_text(draw, ((page.width - text_size(scan, BODY_PX)[0]) / 2, y + symbol.height), scan, BODY_PX, 0)
    return page


def acceptance_notice_pdf(receipt: Receipt, language: str = "zh_CN") -> bytes:
    """The 受理通知书 as a one-page A4 PDF (Pillow's writer; the page size follows from ``DPI``)."""
    buffer = io.BytesIO()
    acceptance_notice_page(receipt, language).save(
        buffer, "PDF", resolution=float(DPI), title=Translator(language)("printer.pdf.title"), producer="hall-kiosk")
    return buffer.getvalue()
