"""The printer test page (``kiosk diag print test-page``): what a technician checks on paper.

Settings and status, a ruler across the head, the character set (ASCII, Chinese, full-width punctuation),
rare characters (CJK Extension A/B: printed as text where the encoding has them, as an image where it does
not), every size the ticket uses, a native and a raster QR code, and a cut.
"""

from __future__ import annotations

from devices.printer.layout import JobBuilder
from devices.printer.text import columns, unprintable
from core.config import PrinterConfig
from core.i18n import Translator, keys_for
from core.ports.printer import PrinterStatus

ASCII_SAMPLE = "".join(chr(c) for c in range(0x20, 0x7F))
CHINESE_SAMPLE = "政务服务中心 取号 排队 窗口 办理 综合受理"
PUNCTUATION_SAMPLE = "，。：；！？（）【】《》“”￥、"
RARE_SAMPLE = ("李䶮", "王𠮷", "龘靐齉")  # Extension A, Extension B, rare but in GBK
STATUS_KEYS = keys_for("printer.status.", PrinterStatus)


def printer_test_page(cfg: PrinterConfig, status: PrinterStatus = PrinterStatus.UNKNOWN, language: str = "zh_CN",
                 qr_data: str = "KIOSK-TEST-PAGE") -> bytes:
    t = Translator(language)
    job = JobBuilder(cfg)
    job.text(t("printer.test.title"), align="center", bold=True, height=2)
    job.text(t("printer.test.settings", width=cfg.width_mm, dots=cfg.dots, encoding=cfg.encoding, qr=cfg.qr))
    job.text(t("printer.test.status", status=t(f"printer.status.{status.value}")))
    job.text("".join(str(i % 10) for i in range(1, columns(cfg.dots) + 1)))
    job.rule()

    job.text(t("printer.test.charset"), bold=True)
    job.text(ASCII_SAMPLE)
    job.text(CHINESE_SAMPLE)
    job.text(PUNCTUATION_SAMPLE)
    job.rule()

    job.text(t("printer.test.rare"), bold=True)
    for sample in RARE_SAMPLE:
        missing = unprintable(sample, cfg.encoding)
        note = f"  [{cfg.encoding}: " + " ".join(f"U+{ord(c):04X}" for c in missing) + "]" if missing else ""
        job.text(sample + note)
    job.rule()

    job.text(t("printer.test.sizes"), bold=True)
    for width, height in ((1, 1), (1, 2), (2, 1), (2, 2), (3, 3)):
        job.text(f"{width}x{height} A012 中", width=width, height=height)
    job.text("bold 粗体 A012", bold=True)
    job.rule()

    job.text(t("printer.test.qr"), bold=True)
    job.text("native GS ( k", align="center")
    job.qr(qr_data, image=False)
    job.text("raster GS v 0", align="center")
    job.qr(qr_data, image=True)
    job.text(t("printer.test.end"), align="center")
    job.cut()
    return job.bytes()
