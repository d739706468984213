"""The queue ticket: ``ticket_job(slip, printer_cfg) -> bytes``, the exact ESC/POS bytes (pure).

What halls print on a ticket (docs/printing.md "What a ticket carries"), top to bottom:

    hall name (bold, double height)
    service
    ──────────
    A012                      the number, bold, 4 x 4 on 80 mm heads, 3 x 3 on 58 mm
    您前面还有 3 人           people ahead (and the estimated wait when the platform gives one)
    请在等候区等候，过号作废   what to do
    2026-11-21 09:41          issue time in the hall's time zone
    [QR]                      the tracking code (native GS ( k, or a raster image per printer setting)
    扫码查看排队进度
    cut

Texts come from the printer catalogue (core/i18n/printer.*.json) in the slip's language. The slip never
carries personal data: no name, no ID number.
"""

from __future__ import annotations

from devices.printer.layout import JobBuilder
from core.clock import in_hall_time
from core.config import PrinterConfig
from core.i18n import Translator
from core.ports.printer import TicketSlip

# Size of the number: the largest that still fits "A012" with room to spare (12-dot cells x scale x 4).
NUMBER_SCALE = {58: 3, 80: 4}


def ticket_job(slip: TicketSlip, printer_cfg: PrinterConfig) -> bytes:
    """The bytes of one queue ticket for this printer (width, encoding, QR mode), ending with a cut."""
    t = Translator(slip.language)
    language = t.language
    ticket = slip.ticket
    job = JobBuilder(printer_cfg)

    job.text(slip.hall.display_name(language), align="center", bold=True, height=2)
    job.text(ticket.service_display_name(language), align="center")
    job.rule()
    if ticket.reprint:
        job.text(t("printer.slip.reprint"), align="center")
    job.text(t("printer.slip.number_label"), align="center")
    scale = NUMBER_SCALE.get(printer_cfg.width_mm, 3)
    job.text(ticket.number, align="center", bold=True, width=scale, height=scale)
    if ticket.priority:
        job.text(t("printer.slip.priority"), align="center", bold=True)
    job.text(t("printer.slip.people_ahead", n=ticket.people_ahead), align="center", height=2)
    if ticket.estimated_wait_min > 0:
        job.text(t("printer.slip.estimated_wait", minutes=ticket.estimated_wait_min), align="center")
    job.text(t("printer.slip.instructions"), align="center")
    job.text(t("printer.slip.issued_at", time=issue_time(slip)), align="center")
    job.qr(ticket.tracking_code)
    job.text(t("printer.slip.scan"), align="center")
    job.cut()
    return job.bytes()


def issue_time(slip: TicketSlip) -> str:
    """When the ticket was issued, in the hall's time zone (numbers reset daily in it)."""
    return in_hall_time(slip.ticket.issued_at, slip.hall).strftime("%Y-%m-%d %H:%M")
