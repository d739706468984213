"""``kiosk diag decode``: read the codes in image files, as the camera decoder would.

    kiosk diag decode IMAGE... [--backend zxing|zbar] [--formats QRCode,DataMatrix] [--json]

By default it reads what the kiosk's camera reads: the formats of ``devices.scanner.backends
.DEFAULT_FORMATS`` (QR codes), which ``kiosk.adapters.build_frame_decoder_factory`` gives the live
decoder, and the same cascade (light-on-dark codes, declared ECIs, a structured-append sequence whose
symbols are all in the picture joined into one code).

One line per image: the path, the codes found (text and format) and the decode time in ms. With
``--json`` each line is ``{"path": …, "codes": [{"text": …, "format": …}], "ms": …}``. Payload text is
shown with control characters escaped (``\\x1b``); JSON keeps it exact (JSON escapes controls itself).

Exit codes: 0 every image was read (a picture with no code in it is still 0, with ``codes: []``);
2 an image could not be read or the back end is not there (one line on stderr per image, the other
images are still decoded).
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("decode", help="decode QR / bar codes in image files",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, BMP …)")
    p.add_argument("--backend", choices=("zxing", "zbar"), default="zxing", help="decoder library (default zxing)")
    p.add_argument("--formats", default=None, metavar="LIST",
                   help="comma-separated code formats: QRCode, DataMatrix, Code128, PDF417, Aztec (default: "
                        "the formats the kiosk's camera reads, QRCode)")
    p.add_argument("--json", action="store_true", help="one JSON object per image")
    p.set_defaults(func=run)


def _read_image(path: str):
    import cv2
    import numpy as np

    from core.errors import DeviceNotFound

    try:
        data = np.fromfile(path, dtype=np.uint8)  # imdecode: non-ASCII paths work on Windows too
    except OSError as exc:
        raise DeviceNotFound(f"{path}: {exc.strerror or exc}", device="camera", key="codes.error.image_unreadable")
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise DeviceNotFound(f"{path}: not an image", device="camera", key="codes.error.image_unreadable")
    return image


def still_decoder(backend: str = "zxing", formats: tuple[str, ...] | None = None):
    """The decoder for still images (this command and the technician window's "decode an image file");
    without ``formats``, the kiosk camera's (``DEFAULT_FORMATS``)."""
    from devices.scanner.backends import DEFAULT_FORMATS
    from devices.scanner.cascade import CodeDecoder

    return CodeDecoder(backend, formats or DEFAULT_FORMATS, budget_ms=2000.0)  # stills: take the time it needs


def decode_file(path: str, decoder) -> dict:
    """``{"path", "codes": [{"text", "format"}], "ms"}`` for one image file; raises ``DeviceNotFound``
    (``codes.error.image_unreadable``) when it cannot be read."""
    image = _read_image(path)
    started = time.perf_counter()
    codes = decoder.decode(image)
    ms = round((time.perf_counter() - started) * 1000.0, 1)
    return {"path": path, "codes": [{"text": c.text, "format": c.format} for c in codes], "ms": ms}


def run(args: argparse.Namespace) -> int:
    from core.domain.codes import escape_controls
    from core.errors import KioskError

    formats = tuple(f.strip() for f in (args.formats or "").split(",") if f.strip()) or None
    decoder = still_decoder(args.backend, formats)
    status = 0
    for path in args.images:
        try:
            record = decode_file(path, decoder)
        except KioskError as exc:
            print(f"kiosk diag decode: {exc.message('technician', 'en')}", file=sys.stderr)
            status = 2
            continue
        if args.json:
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            found = "; ".join(f"{c['format']}: {escape_controls(c['text'])}" for c in record["codes"]) or "no code"
            print(f"{path}\t{record['ms']} ms\t{found}", flush=True)
    return status
