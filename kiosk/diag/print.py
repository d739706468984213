"""``kiosk diag print ticket|test-page|receipt|notice|checklist|slip --printer URL``: print a sample to any
printer and report its status.

    kiosk diag print ticket --printer file:///tmp/t.bin
    kiosk diag print test-page --printer tcp://127.0.0.1:9100 --width 58 --encoding gbk --png /tmp/t.png
    kiosk diag print ticket --printer serial:///dev/ttyUSB0?baudrate=9600 --qr image
    kiosk diag print receipt --printer tcp://127.0.0.1:9100 --pdf /tmp/notice.pdf
    kiosk diag print notice --printer dummy:// --catalogue hall.json --matter 320100-XK-0001 --png /tmp/n.png
    kiosk diag print slip --printer dummy:// --png /tmp/slip.png

Intake papers (receipt, notice, checklist, and the kiosk's 自助申报 slip) are built from a sample matter (kiosk/diag/paper_sample.py) or
from ``--matter CODE`` of the catalogue ``--catalogue FILE``; ``--pdf`` also writes the receipt's A4
受理通知书.

Asks the printer's status first (DLE EOT where the printer and link can report; docs/printing.md), then
prints, then reports. ``--png`` also saves what the paper shows (the virtual printer's renderer). A bad
URL, an unplugged printer, paper out or garbage answers exit non-zero with one clear line on stderr
(kiosk/cli.py prints the ``KioskError``).
"""

from __future__ import annotations

import argparse
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

from core.i18n import LANGUAGES, keys_for

PAPERS = ("receipt", "notice", "checklist", "slip")
PAPER_KEYS = keys_for("printer.diag.", PAPERS)


def register(subparsers) -> None:
    parser = subparsers.add_parser("print", help="print a sample ticket, test page or intake paper and report status")
    parser.add_argument("what", choices=("ticket", "test-page", *PAPERS))
    parser.add_argument("--printer", required=True, metavar="URL",
                        help="printer URL: serial://, usb://, tcp://, file://, cups://, win32://, virtual://, dummy://")
    parser.add_argument("--width", type=int, choices=(58, 80), default=80, help="paper width in mm")
    parser.add_argument("--encoding", choices=("gb18030", "gbk", "utf-8"), default="gb18030")
    parser.add_argument("--qr", choices=("native", "image"), default="native")
    parser.add_argument("--no-status", action="store_true", help="the printer cannot answer DLE EOT")
    parser.add_argument("--png", metavar="OUT.png", help="also save a picture of the printed paper")
    parser.add_argument("--language", choices=LANGUAGES, default="zh_CN")
    parser.add_argument("--timeout", type=float, default=3.0, metavar="S", help="longest wait for the printer")
    parser.add_argument("--catalogue", metavar="FILE", help="receipt, notice, checklist, slip: a matter catalogue JSON")
    parser.add_argument("--matter", metavar="CODE", help="receipt, notice, checklist, slip: the matter to print")
    parser.add_argument("--pdf", metavar="OUT.pdf", help="receipt: also write the A4 notice of acceptance")
    parser.set_defaults(func=run)


def sample_slip(language: str = "zh_CN", tracking_code: str = "DIAG-0001-7Q2K"):
    """A ticket as a hall would issue it, for a test print (no personal data is ever on a ticket)."""
    from core.domain import HallInfo, Service, Ticket, TicketState, Window
    from core.ports import TicketSlip

    service = Service("A", "综合受理", "General acceptance")
    hall = HallInfo("diag", "示例市政务服务中心", "Example City Government Service Center", "Asia/Shanghai",
                    (service,), (Window(1, ("A",)),))
    ticket = Ticket("A001", "A", service.name, service.name_en, TicketState.WAITING, datetime.now(timezone.utc),
                    tracking_code, people_ahead=3, estimated_wait_min=12)
    return TicketSlip(hall, ticket, language)


def run(args: argparse.Namespace) -> int:
    if not logging.getLogger().handlers:
        # python-escpos calls logging.basicConfig() when imported (escpos/capabilities.py), which puts a
        # stderr handler on the root logger; our warnings would then print next to the one-line report
        # that already says it all. A handler of our own first makes that call do nothing.
        logging.getLogger().addHandler(logging.NullHandler())
    from devices.printer import open_printer
    from devices.printer.render import render_png
    from devices.printer.testpage import printer_test_page
    from devices.printer.ticket import ticket_job
    from devices.printer.urls import parse_printer_url
    from core.config import PrinterConfig
    from core.errors import ConfigError
    from core.i18n import Translator

    t = Translator(args.language)
    if args.timeout <= 0:
        raise ConfigError("--timeout must be greater than 0", setting="--timeout", problem="must be greater than 0")
    cfg = PrinterConfig(name="diag", url=args.printer, width_mm=args.width, encoding=args.encoding, qr=args.qr,
                        status=not args.no_status)
    parse_printer_url(cfg.url, "--printer")
    if args.what in PAPERS:
        (paper, pdf), what = paper_job(args, cfg), t(f"printer.diag.{args.what}")
    elif args.catalogue or args.matter or args.pdf:
        raise ConfigError("--catalogue, --matter and --pdf are for receipt, notice and checklist",
                          setting="--matter", problem="not for this sample")
    printer = open_printer(cfg, timeout_s=args.timeout)
    try:
        status = printer.status()
        print(t("printer.diag.status", status=t(f"printer.status.{status.value}")), flush=True)
        if args.what == "ticket":
            job, what = ticket_job(sample_slip(args.language), cfg), t("printer.diag.ticket")
        elif args.what in PAPERS:
            job = paper
        else:
            job, what = printer_test_page(cfg, status, args.language), t("printer.diag.test_page")
        printer.print_job(job)
        print(t("printer.diag.printed", what=what, size=len(job), url=args.printer), flush=True)
    finally:
        printer.close()
    if args.png:
        Path(args.png).write_bytes(render_png(job, cfg.dots, encoding=cfg.encoding))
        print(t("printer.diag.png", path=args.png), flush=True)
    if args.what in PAPERS and pdf is not None:
        Path(args.pdf).write_bytes(pdf)
        print(t("printer.diag.pdf", path=args.pdf), flush=True)
    return 0


def paper_job(args: argparse.Namespace, cfg) -> tuple[bytes, bytes | None]:
    """The bytes of the intake paper asked for, and with ``--pdf`` the receipt's A4 notice as a PDF."""
    from devices.printer.intake import checklist_job, notice_job, receipt_job
    from kiosk.diag import paper_sample

    src = paper_sample.source(args.catalogue, args.matter)
    if args.pdf and args.what != "receipt":
        from core.errors import ConfigError

        raise ConfigError("--pdf is for the receipt", setting="--pdf", problem="only for receipt")
    if args.what == "notice":
        return notice_job(paper_sample.sample_notice(src), cfg, args.language), None
    if args.what == "checklist":
        return checklist_job(paper_sample.sample_checklist(src), cfg, args.language), None
    if args.what == "slip":
        from devices.printer.slip import slip_job

        return slip_job(paper_sample.sample_slip(src), cfg, args.language), None
    receipt = paper_sample.sample_receipt(src)
    pdf = None
    if args.pdf:
        from core.services.notice_pdf import acceptance_notice_pdf

        pdf = acceptance_notice_pdf(receipt, args.language)
    return receipt_job(receipt, cfg, args.language), pdf
