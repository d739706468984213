"""``kiosk diag document``: find the page in photographs, as the document camera would.

    kiosk diag document IMAGE... [--out DIR] [--cleanup colour|bw|none] [--json]

Prints one line per image: the four corners (image pixels, clockwise from the top-left) and the time
page detection took (decoding the file not included). With ``--json`` each line is an object
``{"path": …, "quad": [[x, y], …] or null, "ms": …}``. ``--out DIR`` writes each found page, flattened,
deskewed and cleaned, to ``DIR/<name>.page.jpg``: the only place this command writes an image, because the
technician asked for it.

Exit codes: 0 every image was read (whether or not a page was found); 1 some image could not be read or
written; each failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from core.i18n import Translator


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("document", help="find the page in images (corners, time); write flattened pages",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="photographs of documents (JPEG, PNG …)")
    p.add_argument("--out", metavar="DIR", help="write each flattened page to DIR/<name>.page.jpg")
    p.add_argument("--cleanup", choices=("colour", "bw", "none"), default="colour",
                   help="clean-up of written pages (default colour: shadows removed)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Late imports: ``kiosk --help`` must not pay for OpenCV.
    import cv2
    import numpy as np

    from devices.camera import detect, process

    t = Translator("en")
    out = Path(args.out) if args.out else None
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"kiosk diag document: {t('camera.diag.cannot_write', path=out, detail=exc.strerror)}",
                  file=sys.stderr)
            return 1
    status = 0
    for name in args.images:
        path = Path(name)
        try:
            data = np.fromfile(str(path), dtype=np.uint8)
            image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        except OSError:
            image = None
        if image is None:
            print(f"kiosk diag document: {t('camera.diag.unreadable', path=name)}", file=sys.stderr)
            status = 1
            continue
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        started = time.perf_counter()
        quad = detect.find_page(rgb)
        ms = (time.perf_counter() - started) * 1000.0
        corners = None if quad is None else [[round(float(x), 1), round(float(y), 1)] for x, y in quad]
        if args.json:
            print(json.dumps({"path": name, "quad": corners, "ms": round(ms, 1)}, ensure_ascii=False))
        else:
            where = t("camera.diag.no_page") if corners is None else " ".join(f"({x:g}, {y:g})" for x, y in corners)
            print(f"{name}: {where}  {ms:.1f} ms")
        if out is not None and quad is not None:
            page = process.clean_page(rgb, quad, args.cleanup)
            if page.ndim == 3:
                page = cv2.cvtColor(page, cv2.COLOR_RGB2BGR)
            target = out / f"{path.stem}.page.jpg"
            ok, encoded = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 92])
            try:
                if not ok:
                    raise OSError("encoding failed")
                encoded.tofile(str(target))
            except OSError as exc:
                print(f"kiosk diag document: {t('camera.diag.cannot_write', path=target, detail=exc)}",
                      file=sys.stderr)
                status = 1
        sys.stdout.flush()
    return status
