"""``kiosk diag selftest``: does this installation (source or frozen) have every part it needs?

Runs each check in turn and prints one line per check; exits 0 only when all passed. The frozen build is
checked with it (scripts/build-frozen.sh), so a module, a data file or a Qt plugin that PyInstaller left
out shows up here rather than at a hall.

Checks: the message catalogues; Qt offscreen with a CJK font that has rare name characters; a ticket
rendered by the virtual printer whose QR decodes back; a hall server on loopback issuing and calling a
ticket through the signed platform client; the code decoders and OpenCV.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path


def check_catalogues() -> str:
    from kiosk.i18n import LANGUAGES, catalogue

    sizes = {lang: len(catalogue(lang)) for lang in LANGUAGES}
    keys = [set(catalogue(lang)) for lang in LANGUAGES]
    if any(k != keys[0] for k in keys):
        raise RuntimeError("the catalogues do not hold the same keys")
    return ", ".join(f"{lang}: {n} messages" for lang, n in sizes.items())


def check_qt() -> str:
    from ui.selftest import render_check

    return render_check()


def _sample_slip(hall_info=None):
    from datetime import datetime, timezone

    from kiosk.domain import Ticket, TicketState
    from kiosk.ports import TicketSlip

    hall = hall_info
    if hall is None:
        from kiosk.domain import HallInfo, Service, Window

        hall = HallInfo("selftest", "示例市政务服务中心", "Example City Government Service Center", "Asia/Shanghai",
                        (Service("A", "综合受理", "General acceptance"),), (Window(3, ("A",)),))
    ticket = Ticket("A012", "A", "综合受理", "General acceptance", TicketState.WAITING,
                    datetime.now(timezone.utc), "SELFTEST-TRACK-䶮", people_ahead=3)
    return TicketSlip(hall, ticket)


def check_printing() -> str:
    import cv2
    import numpy as np
    import zxingcpp

    from devices.printer import open_printer
    from devices.printer.render import render_png
    from kiosk.config import PrinterConfig

    cfg = PrinterConfig(name="selftest", url="virtual://selftest", width_mm=80)
    printer = open_printer(cfg)
    try:
        slip = _sample_slip()
        printer.print_ticket(slip)
        job = printer.jobs[-1]
    finally:
        printer.close()
    png = render_png(job, cfg.dots)
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None or image.shape[1] != cfg.dots:
        raise RuntimeError("the rendered ticket is not an image of the head's width")
    texts = [r.text for r in zxingcpp.read_barcodes(image)]
    if slip.ticket.tracking_code not in texts:
        raise RuntimeError(f"the ticket's QR did not decode back (read {texts})")
    return f"{len(job)} bytes, {image.shape[1]}x{image.shape[0]} px, QR reads back"


def check_hall_server() -> str:
    import uuid

    from kiosk.hall_server import ServerThread, sample_hall
    from kiosk.platform_client import PlatformClient

    with tempfile.TemporaryDirectory(prefix="kiosk-selftest-") as tmp:
        with ServerThread(Path(tmp) / "hall.db", seed=sample_hall(), thread_name="selftest-hall-server") as server:
            kiosk_secret = server.store.add_terminal("SELFTEST-K", "citizen")
            clerk_secret = server.store.add_terminal("SELFTEST-W", "clerk")
            server.store.add_staff("SELFTEST-S", "自检", "246810", [1])
            kiosk = PlatformClient(server.url, "SELFTEST-K", kiosk_secret, timeout_s=5)
            clerk = PlatformClient(server.url, "SELFTEST-W", clerk_secret, timeout_s=5)
            try:
                ticket = kiosk.issue_ticket("A", request_id=str(uuid.uuid4()))
                session = clerk.login(1, "SELFTEST-S", "246810")
                called = clerk.call_next(session)
                clerk.logout(session)
            finally:
                kiosk.close()
                clerk.close()
    if called is None or called.number != ticket.number:
        raise RuntimeError(f"issued {ticket.number} but the window called {called and called.number}")
    return f"issued and called {ticket.number} over signed HTTP"


def check_decoders() -> str:
    import cv2
    import numpy as np
    import qrcode
    import zxingcpp
    from pyzbar import pyzbar

    image = np.array(qrcode.make("自检 selftest").convert("L"))
    zx = [r.text for r in zxingcpp.read_barcodes(image)]
    zb = pyzbar.decode(image)
    if not zx or not zb:
        raise RuntimeError(f"zxing-cpp read {zx}, zbar read {len(zb)} codes")
    from importlib.metadata import PackageNotFoundError, version

    try:
        zx_version = version("zxing-cpp")
    except PackageNotFoundError:  # a frozen build without the distribution's metadata
        zx_version = getattr(zxingcpp, "__version__", "(version unknown)")
    return f"zxing-cpp {zx_version}, zbar loaded, OpenCV {cv2.__version__}"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("catalogues", check_catalogues),
    ("qt", check_qt),
    ("printing", check_printing),
    ("hall-server", check_hall_server),
    ("decoders", check_decoders),
]


def run(args: argparse.Namespace) -> int:
    failed = 0
    for name, check in CHECKS:
        if args.only and name not in args.only:
            continue
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:  # a self-test reports every failure, whatever its type
            detail, ok = f"{type(exc).__name__}: {exc}", False
            if args.verbose:
                traceback.print_exc()
        ms = (time.perf_counter() - started) * 1000
        failed += not ok
        if args.json:
            print(json.dumps({"check": name, "ok": ok, "detail": detail, "ms": round(ms, 1)}, ensure_ascii=False))
        else:
            print(f"{'ok  ' if ok else 'FAIL'} {name:<12} {detail} ({ms:.0f} ms)")
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("selftest", help="check that this installation has every part it needs")
    parser.add_argument("--json", action="store_true", help="one JSON object per check")
    parser.add_argument("--only", nargs="*", choices=[name for name, _ in CHECKS], help="run only these checks")
    parser.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of failures")
    parser.set_defaults(func=run)
