"""``kiosk diag bundle OUT.zip --config FILE``: the support bundle of a terminal (kiosk/support_bundle.py
says what it holds and what it never holds; docs/fleet.md).

    kiosk diag bundle support.zip --config /etc/kiosk/kiosk.toml [--log-lines 500] [--no-device-tests]

It opens the terminal's store beside the running terminal (SQLite WAL lets both in), builds the
technician's diagnostics over the configured devices, writes the zip and prints its entries. Exit 0; 2 on a
configuration or store error.
"""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    from core import config
    from core.errors import KioskError
    from kiosk.adapters import build_platform, build_printers
    from kiosk.app import build_diagnostics, build_sync
    from kiosk.support_bundle import write_bundle

    try:
        cfg = config.load(args.config)
        parts = build_sync(cfg, engine=False, tickets=False)
    except KioskError as exc:
        print(f"kiosk diag bundle: {exc.message('technician', 'en')}", file=sys.stderr)
        return 2
    printers = build_printers(cfg, ("ticket_printer", "ticket_printer_fallback", "receipt_printer"))
    platform = build_platform(cfg) if cfg.platform.terminal_secret else None
    diagnostics = build_diagnostics(cfg, printers, parts.store, platform)
    try:
        written = write_bundle(args.out, cfg, diagnostics, log_lines=args.log_lines, devices=not args.no_device_tests)
    finally:
        for printer in printers.values():
            printer.close()
        if platform is not None:
            platform.close()
        parts.close()
    print(f"wrote {args.out}: " + ", ".join(f"{name} ({size} bytes)" for name, size in written.items()))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bundle", help="a support bundle: versions, configuration without secrets, "
                                                  "device self-tests, masked logs, store statistics")
    parser.add_argument("out", metavar="OUT.zip")
    parser.add_argument("--config", required=True, help="the terminal's TOML file")
    parser.add_argument("--log-lines", type=int, default=500, help="how many of the last log lines (default 500)")
    parser.add_argument("--no-device-tests", action="store_true",
                        help="leave the device self-tests out (the running terminal holds its ports)")
    parser.set_defaults(func=run)
