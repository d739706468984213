"""``kiosk diag scanner``: listen to a serial QR scanner and show what it sends and what it is.

    kiosk diag scanner --port URL [--count N] [--timeout S] [--json]

``URL`` is any pyserial URL: ``/dev/ttyACM0``, ``COM5``, ``socket://127.0.0.1:7001`` (the simulator in
simulators/scanner.py). Prints each payload (control characters escaped, so a hostile code cannot
drive the terminal) with its class (ticket, appointment, receipt, e_licence, e_id, unknown; docs/codes.md),
and each rejected code (overlong, undecodable). Stops after ``--count`` codes (default 1) or when
``--timeout`` seconds pass with no code (default 30).

Exit codes: 0 the codes came; 1 the time ran out first; 2 the port cannot be opened (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("scanner", help="show what a serial QR scanner sends, and its class",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", required=True, metavar="URL", help="pyserial URL of the scanner")
    p.add_argument("--baudrate", type=int, default=9600)
    p.add_argument("--count", type=int, default=1, metavar="N", help="codes to wait for (default 1)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="give up after this long without a code (default 30)")
    p.add_argument("--json", action="store_true", help="one JSON object per code")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from devices.scanner.serial_scanner import SerialScanner
    from core.domain.codes import classify, escape_controls
    from core.errors import DeviceNotFound, DeviceProtocolError
    from core.ports.scanner import ScannerState

    events: queue.Queue = queue.Queue()
    scanner = SerialScanner(args.port, baudrate=args.baudrate, reconnect_s=0.5,
                            on_scan=lambda text: events.put(("scan", text)),
                            on_error=lambda error: events.put(("error", error)),
                            on_state=lambda state: events.put(("state", state)))
    scanner.start()
    seen = 0
    deadline = time.monotonic() + args.timeout
    try:
        while seen < args.count:
            left = deadline - time.monotonic()
            if left <= 0:
                print(f"kiosk diag scanner: no code within {args.timeout:g} s ({seen} of {args.count})",
                      file=sys.stderr)
                return 1
            try:
                kind, value = events.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if kind == "state" and value is ScannerState.READY and not args.json:
                print(f"listening on {args.port}", flush=True)
            elif kind == "error" and isinstance(value, DeviceNotFound) and scanner.state is not ScannerState.READY \
                    and seen == 0:
                print(f"kiosk diag scanner: {value.message('technician', 'en')}", file=sys.stderr)
                return 2
            elif kind == "error" and isinstance(value, DeviceProtocolError):
                reason = value.key.rsplit(".", 1)[-1]
                if args.json:
                    print(json.dumps({"rejected": reason, "detail": value.detail}), flush=True)
                else:
                    print(f"rejected ({reason}): {value.detail}", flush=True)
            elif kind == "scan":
                seen += 1
                deadline = time.monotonic() + args.timeout
                code = classify(value)
                if args.json:
                    print(json.dumps({"payload": value, "class": code.kind.value, "fields": code.fields},
                                     ensure_ascii=False), flush=True)
                else:
                    print(f"{code.kind.value:<12}{escape_controls(value)}", flush=True)
    finally:
        scanner.stop()
    return 0
