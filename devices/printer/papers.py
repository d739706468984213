"""Which ESC/POS job prints which paper of intake: ``paper_job(paper, printer_cfg, language)`` (pure).

The jobs themselves are in devices/printer/intake.py (and the 自助申报 slip's in devices/printer/slip.py); a ``PaperPrinter`` (core/ports/printer.py) builds the
job here and sends it with its driver's ``print_job``.
"""

from __future__ import annotations

from core.config import PrinterConfig
from core.domain.intake import Checklist, Notice, Receipt
from core.domain.slip import PreApplicationSlip
from devices.printer.intake import checklist_job, notice_job, receipt_job
from devices.printer.slip import slip_job


def paper_job(paper: object, printer_cfg: PrinterConfig, language: str = "zh_CN") -> bytes:
    """The exact bytes of ``paper`` for this printer; ``TypeError`` for a value that is not a paper."""
    if isinstance(paper, Receipt):
        return receipt_job(paper, printer_cfg, language)
    if isinstance(paper, Notice):
        return notice_job(paper, printer_cfg, language)
    if isinstance(paper, Checklist):
        return checklist_job(paper, printer_cfg, language)
    if isinstance(paper, PreApplicationSlip):
        return slip_job(paper, printer_cfg, language)
    raise TypeError(f"not a paper of intake: {type(paper).__name__}")
