"""``kiosk diag locker``: open one lock of a smart locker, read one door, or list the boards that answer.

    kiosk diag locker --port URL [--board N] [--open L | --status L | --scan] [--json]
                      [--locks N] [--baudrate N] [--timeout S] [--retries N]
                      [--opened-status 0x00] [--closed-status 0x11] [--raw]

``URL`` is any pyserial URL of the RS-485 adapter: ``/dev/ttyUSB2``, ``COM4``, ``socket://127.0.0.1:7005``
(the simulator, ``python -m simulators.locker``). ``--board`` is the board's address (default 1).

- ``--open L``: releases lock ``L`` of the board, then reads its door;
- ``--status L``: reads the door of lock ``L``;
- ``--scan``: asks every address (``--board`` alone, else 1 to 32) and reads the ``--locks`` doors
  (default 24) of each board that answers.

Each lock is one line, or with ``--json`` one object per line, exactly
``{"board": 1, "lock": 7, "door": "open", "opened": true}``: ``door`` as the board reports it,
``opened`` whether this command released the lock (false for ``--status`` and ``--scan``). ``--raw``
shows every frame in hex on stderr (``tx``, ``rx``, ``skip``). The status bytes depend on how the
locks' feedback is wired (docs/locker.md): ``--opened-status`` / ``--closed-status`` as in ``[locker]``.

Exit codes: 0 done (the lock opened; a door was read; some board answered the scan); 1 the board
answered that the lock did not open (jammed); 2 the adapter cannot be opened, the board did not answer,
or it answered bytes that break the protocol. Failures print one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from core.errors import DeviceError
from core.i18n import Translator
from core.services.locker_check import check_locker, raw_line

SCAN_ADDRESSES = range(1, 33)


def _byte(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a byte: {text!r}") from None
    if not 0 <= value <= 0xFF:
        raise argparse.ArgumentTypeError(f"not a byte (0x00 to 0xFF): {text!r}")
    return value


def _address(text: str) -> int:
    value = _byte(text)
    if value == 0:
        raise argparse.ArgumentTypeError("addresses and locks start at 1")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("locker", help="open a smart locker's lock, read a door, or scan its boards",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", required=True, metavar="URL", help="pyserial URL of the RS-485 adapter")
    p.add_argument("--board", type=_address, metavar="N", help="board address (default 1; --scan: all)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--open", type=_address, metavar="L", help="release lock L and read its door")
    what.add_argument("--status", type=_address, metavar="L", help="read the door of lock L")
    what.add_argument("--scan", action="store_true", help="list every board and door that answers")
    p.add_argument("--locks", type=_address, default=24, metavar="N", help="locks per board for --scan (24)")
    p.add_argument("--baudrate", type=int, default=9600, help="line speed (default 9600, 8N1)")
    p.add_argument("--timeout", type=float, default=0.5, metavar="S", help="wait for one answer (0.5)")
    p.add_argument("--retries", type=int, default=1, choices=range(0, 6), metavar="N",
                   help="ask a silent board again N times (1)")
    p.add_argument("--opened-status", type=_byte, default=0x00, metavar="B", help="status of opened/open (0x00)")
    p.add_argument("--closed-status", type=_byte, default=0x11, metavar="B", help="status of shut/closed (0x11)")
    p.add_argument("--json", action="store_true", help="one JSON object per lock")
    p.add_argument("--raw", action="store_true", help="show the frames in hex on stderr")
    p.set_defaults(func=run)


def _language() -> str:
    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh_CN" if lang.startswith("zh") else "en"


def lock_line(t: Translator, record: dict, *, opening: bool) -> str:
    """One lock in words: its door, and after ``--open`` whether the lock released."""
    door = t(f"locker.door.{record['door']}")
    if not opening:
        return t("locker.diag.door_line", board=record["board"], lock=record["lock"], door=door)
    return t("locker.diag.lock_line", board=record["board"], lock=record["lock"], door=door,
             opened=t("locker.diag.opened" if record["opened"] else "locker.diag.not_opened"))


def _fail(t: Translator, exc: DeviceError) -> int:
    print(f"kiosk diag locker: {exc.message('technician', t.language)}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from devices.locker import LockerBus, Wiring

    t = Translator(_language())
    if args.opened_status == args.closed_status:
        print(f"kiosk diag locker: {t('locker.diag.same_status')}", file=sys.stderr)
        return 2

    def show_raw(direction: str, data: bytes) -> None:
        print(raw_line(direction, data), file=sys.stderr, flush=True)

    bus = LockerBus(args.port, baudrate=args.baudrate, timeout_s=args.timeout, retries=args.retries,
                    wiring=Wiring(args.opened_status, args.closed_status), on_raw=show_raw if args.raw else None,
                    thread_name="device:locker-diag")
    action = "open" if args.open is not None else "status" if args.status is not None else "scan"
    addresses = [args.board] if args.board else list(SCAN_ADDRESSES)
    try:
        bus.start()
        report = check_locker(bus, action, board=args.board or 1, lock=args.open or args.status or 1,
                              boards={address: args.locks for address in addresses})
    except DeviceError as exc:
        print(f"kiosk diag locker: {exc.message('technician', t.language)}", file=sys.stderr)
        return 2
    finally:
        bus.stop()
    for record in report.records:
        print(json.dumps(record) if args.json else lock_line(t, record, opening=action == "open"), flush=True)
    if report.outcome == "jammed":
        print(f"kiosk diag locker: {t('locker.diag.jammed', board=args.board or 1, lock=args.open)}",
              file=sys.stderr)
        return 1
    if report.outcome == "no_board":
        span = str(addresses[0]) if len(addresses) == 1 else f"{addresses[0]}-{addresses[-1]}"
        print(f"kiosk diag locker: {t('locker.diag.no_board', port=args.port, boards=span)}", file=sys.stderr)
        return 2
    if action == "scan" and not args.json:
        print(t("locker.diag.scan_summary", boards=", ".join(map(str, report.answered))), file=sys.stderr)
    return 0
