"""Print figure: bytes and encode time of one queue ticket, native QR (baseline) vs raster QR.

    .venv/bin/python bench/print_ticket.py            # full run (300 encodes per case)
    .venv/bin/python bench/print_ticket.py --runs 20  # quick look

For each head width (58 mm / 384 dots, 80 mm / 576 dots) it builds the same ticket with a native QR code
(GS ( k, the baseline) and with the QR as a raster image (GS v 0), side by side in one run, and prints
bytes, the median time of ``ticket_job`` (layout through python-escpos, our own GB18030 encoding) and
the time the bytes take on a 9600-baud serial line (10 bits a byte), then the ratios raster/native. A
last pair shows the cost of a rare character on a GBK printer (the line goes as an image).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devices.printer.ticket import ticket_job  # noqa: E402
from core.config import PrinterConfig  # noqa: E402
from core.domain import HallInfo, Service, Ticket, TicketState, Window  # noqa: E402
from core.ports.printer import TicketSlip  # noqa: E402

BAUD = 9600


def slip(hall_name: str = "示例市政务服务中心") -> TicketSlip:
    hall = HallInfo("3201-0042", hall_name, "Example City Government Service Center", "Asia/Shanghai",
                    (Service("A", "综合受理", "General acceptance"),), (Window(3, ("A",)),))
    ticket = Ticket("A012", "A", "综合受理", "General acceptance", TicketState.WAITING,
                    datetime(2026, 11, 21, 1, 41, tzinfo=timezone.utc), "T-20261121-8F3K2QX9", people_ahead=3,
                    estimated_wait_min=15)
    return TicketSlip(hall, ticket)


def measure(s: TicketSlip, cfg: PrinterConfig, runs: int) -> tuple[int, float]:
    ticket_job(s, cfg)  # warm caches (glyphs, profile) as a running kiosk would have them
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        job = ticket_job(s, cfg)
        times.append(time.perf_counter() - started)
    return len(job), statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    print(f"ticket_job: median of {args.runs} encodes; wire time at {BAUD} baud, 10 bits a byte")
    print(f"{'case':<42}{'bytes':>7}{'encode ms':>11}{'wire s':>8}")
    results = {}
    cases = [(w, enc, qr, hall) for w in (58, 80) for enc, qr, hall in
             (("gb18030", "native", "示例市政务服务中心"), ("gb18030", "image", "示例市政务服务中心"))]
    cases += [(80, "gb18030", "native", "示例市䶮山区政务服务中心"), (80, "gbk", "native", "示例市䶮山区政务服务中心")]
    for width, encoding, qr, hall in cases:
        cfg = PrinterConfig("bench", "dummy://", width_mm=width, encoding=encoding, qr=qr)
        size, ms = measure(slip(hall), cfg, args.runs)
        label = f"{width} mm {encoding} {qr} QR" + (" (䶮 in hall name)" if "䶮" in hall else "")
        results[(width, encoding, qr, hall)] = (size, ms)
        print(f"{label:<42}{size:>7}{ms:>11.2f}{size * 10 / BAUD:>8.2f}")

    print("\nraster QR / native QR (baseline: native GS ( k, same run):")
    for width in (58, 80):
        native = results[(width, "gb18030", "native", "示例市政务服务中心")]
        raster = results[(width, "gb18030", "image", "示例市政务服务中心")]
        extra_wire = (raster[0] - native[0]) * 10 / BAUD
        print(f"  {width} mm: bytes x{raster[0] / native[0]:.1f}, encode time x{raster[1] / native[1]:.1f}, "
              f"+{extra_wire:.2f} s on the wire at {BAUD} baud")
    gb = results[(80, "gb18030", "native", "示例市䶮山区政务服务中心")]
    gbk = results[(80, "gbk", "native", "示例市䶮山区政务服务中心")]
    print(f"rare character on GBK (line as image) / on GB18030 (text): bytes x{gbk[0] / gb[0]:.1f}, "
          f"encode time x{gbk[1] / gb[1]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
