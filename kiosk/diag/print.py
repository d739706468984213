"""``kiosk diag print ticket|test-page --printer URL``: print a sample to any printer and report its status.

    kiosk diag print ticket --printer file:///tmp/t.bin
    kiosk diag print test-page --printer tcp://127.0.0.1:9100 --width 58 --encoding gbk --png /tmp/t.png
    kiosk diag print ticket --printer serial:///dev/ttyUSB0?baudrate=9600 --qr image

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


def register(subparsers) -> None:
    parser = subparsers.add_parser("print", help="print a sample ticket or a test page and report status")
    parser.add_argument("what", choices=("ticket", "test-page"))
    parser.add_argument("--printer", required=True, metavar="URL",
                        help="printer URL: serial://, usb://, tcp://, file://, cups://, win32://, virtual://, dummy://")
    parser.add_argument("--width", type=int, choices=(58, 80), default=80, help="paper width in mm")
    parser.add_argument("--encoding", choices=("gb18030", "gbk", "utf-8"), default="gb18030")
    parser.add_argument("--qr", choices=("native", "image"), default="native")
    parser.add_argument("--no-status", action="store_true", help="the printer cannot answer DLE EOT")
    parser.add_argument("--png", metavar="OUT.png", help="also save a picture of the printed paper")
    parser.add_argument("--language", choices=("zh_CN", "en"), default="zh_CN")
    parser.add_argument("--timeout", type=float, default=3.0, metavar="S", help="longest wait for the printer")
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
    printer = open_printer(cfg, timeout_s=args.timeout)
    try:
        status = printer.status()
        print(t("printer.diag.status", status=t(f"printer.status.{status.value}")), flush=True)
        if args.what == "ticket":
            job, what = ticket_job(sample_slip(args.language), cfg), t("printer.diag.ticket")
        else:
            job, what = printer_test_page(cfg, status, args.language), t("printer.diag.test_page")
        printer.print_job(job)
        print(t("printer.diag.printed", what=what, size=len(job), url=args.printer), flush=True)
    finally:
        printer.close()
    if args.png:
        Path(args.png).write_bytes(render_png(job, cfg.dots, encoding=cfg.encoding))
        print(t("printer.diag.png", path=args.png), flush=True)
    return 0
