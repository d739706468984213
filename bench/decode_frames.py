"""Codes decoded from hard camera frames: our cascade against plain pyzbar and plain zxing-cpp.

    .venv/bin/python bench/decode_frames.py [--count 120] [--severity 1.3] [--save DIR]

Builds ``--count`` frames with bench/frames/generate.py (deterministic; nothing stored in the repository;
``--save DIR`` also writes them as PNG for ``kiosk diag decode``), then, on the same grey frame, side by
side in this one run:

- plain pyzbar: ``pyzbar.decode(frame)``, every symbology, the text as zbar gives it (UTF-8);
- plain zxing-cpp: ``zxingcpp.read_barcodes(frame)``, all formats, default options;
- ours: ``devices.scanner.cascade.CodeDecoder()`` (zxing-cpp back end, QR only, the cascade).

A frame counts as decoded when a code's text equals the payload exactly (Chinese included). Times are
per frame, decode only (the grey conversion is done once, outside the timing), on one core.
Goal: more codes than the better plain library (≥ 9 in 10 where it gets about 8 in 10), and a
median at most 1/10 of plain pyzbar's.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import zxingcpp  # noqa: E402
from frames.generate import DEFECTS, SEVERITY, make_frame  # noqa: E402
from pyzbar import pyzbar  # noqa: E402

from devices.scanner.cascade import CodeDecoder  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--severity", type=float, default=SEVERITY)
    parser.add_argument("--save", metavar="DIR", help="also write the frames as PNG files to DIR")
    args = parser.parse_args()
    cv2.setNumThreads(1)  # the libraries are single-threaded: compare like with like

    ours = CodeDecoder()
    decoders = {
        "plain pyzbar": lambda g: [r.data.decode("utf-8", "replace") for r in pyzbar.decode(g)],
        "plain zxing-cpp": lambda g: [r.text for r in zxingcpp.read_barcodes(g)],
        "ours (cascade)": lambda g: [c.text for c in ours.decode(g)],
    }
    hits = {name: 0 for name in decoders}
    times: dict[str, list[float]] = {name: [] for name in decoders}
    by_defect: dict[str, collections.Counter] = {name: collections.Counter() for name in decoders}
    stages: collections.Counter = collections.Counter()
    sizes: collections.Counter = collections.Counter()
    if args.save:
        os.makedirs(args.save, exist_ok=True)

    for i in range(args.count):
        frame = make_frame(i, args.severity)
        sizes[f"{frame.size[0]}x{frame.size[1]}"] += 1
        if args.save:
            cv2.imwrite(os.path.join(args.save, f"{frame.name}.png"), frame.image)
        grey = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        for name, decode in decoders.items():
            start = time.perf_counter()
            texts = decode(grey)
            times[name].append((time.perf_counter() - start) * 1000)
            if frame.text in texts:
                hits[name] += 1
                by_defect[name][frame.defect] += 1
        stages[ours.last_stage or "(none)"] += 1

    n = args.count
    print(f"{n} frames ({', '.join(f'{v} at {k}' for k, v in sorted(sizes.items()))}), severity {args.severity}")
    print(f"{'decoder':<18}{'decoded':>12}{'median ms':>12}{'p90 ms':>10}{'max ms':>10}")
    for name in decoders:
        ts = sorted(times[name])
        p90 = ts[min(len(ts) - 1, int(0.9 * len(ts)))]
        print(f"{name:<18}{hits[name]:>5}/{n:<4} {hits[name] / n:>4.0%}{statistics.median(ts):>10.1f}"
              f"{p90:>10.1f}{ts[-1]:>10.1f}")
    print("decoded by defect:  " + "  ".join(f"{d}" for d in DEFECTS))
    per = n // len(DEFECTS) if n >= len(DEFECTS) else 1
    for name in decoders:
        print(f"  {name:<16}  " + "  ".join(f"{by_defect[name][d]:>{len(d)}}" for d in DEFECTS)
              + f"   (of ~{per} each)")
    better = max(("plain pyzbar", "plain zxing-cpp"), key=lambda k: hits[k])
    ours_median = statistics.median(times["ours (cascade)"])
    zbar_median = statistics.median(times["plain pyzbar"])
    print(f"ratio decoded, ours / better plain ({better}): {hits['ours (cascade)']}/{hits[better]} = "
          f"{hits['ours (cascade)'] / max(1, hits[better]):.2f}")
    print(f"ratio median time, ours / plain pyzbar: {ours_median:.1f}/{zbar_median:.1f} ms = "
          f"{ours_median / zbar_median:.3f} (goal ≤ 0.100)")
    print(f"ratio median time, ours / plain zxing-cpp: {ours_median / statistics.median(times['plain zxing-cpp']):.3f}")
    print("our stages that decoded: " + ", ".join(f"{k} {v}" for k, v in stages.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
