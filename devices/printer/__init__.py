"""Ticket and receipt printers (ESC/POS) behind ``core.ports.TicketPrinter``.

    printer = open_printer(config.printer("ticket"), timeout_s=config.timeouts.device_s)
    printer.status()              # PrinterStatus (DLE EOT where the printer and link can report)
    printer.print_ticket(slip)    # raises PaperOut, DeviceNotFound, DeviceTimeout … (core.errors)
    printer.close()

Modules: urls (printer URLs), text and glyphs (encoding, Chinese mode, rare characters as images),
layout, ticket and intake (the job bytes of tickets, receipts, notices and checklists, through
python-escpos), status (DLE EOT bits), links (python-escpos transports with bounded waits and error
translation), escpos_printer (the adapter on its owner thread),
virtual (in-memory printer), render (bytes → PNG), commands (byte stream → commands), testpage. The
printer simulator (TCP, for tests and the demo) is ``simulators.printer``. docs/printing.md tells the whole story.
"""

from __future__ import annotations

from core.config import PrinterConfig
from core.ports.printer import TicketPrinter


def open_printer(cfg: PrinterConfig, *, timeout_s: float = 3.0, device: str = "ticket_printer") -> TicketPrinter:
    """The printer the configuration names, for every scheme in ``core.config.PRINTER_SCHEMES``.

    No I/O happens here: the connection opens on the printer's owner thread at the first call, and again
    after a failure. A bad URL raises ``ConfigError``; a transport whose library is missing (pyusb,
    pycups, pywin32) raises ``DeviceNotSupported``.
    """
    from devices.printer.escpos_printer import EscposPrinter
    from devices.printer.urls import parse_printer_url
    from devices.printer.virtual import VirtualPrinter

    target = parse_printer_url(cfg.url, f"printers.{cfg.name}.url")
    if target.scheme == "virtual":
        return VirtualPrinter(cfg, name=target.address or cfg.name, timeout_s=timeout_s, device=device)
    return EscposPrinter(cfg, target, timeout_s=timeout_s, device=device)


__all__ = ["open_printer"]
