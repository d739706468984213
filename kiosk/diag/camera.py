"""``kiosk diag camera``: open a document camera (or a test source) and report what it does.

    kiosk diag camera --source SPEC [--frames N] [--timeout S] [--json]

``SPEC`` is a camera source (devices/camera/sources.py): ``uvc:0``, ``uvc:/dev/video2``,
``uvc:0?size=2592x1944``, ``folder:DIR``, ``video:FILE``, ``synthetic:``. Reports the modes the camera
offers (the UVC source asks for each standard size in MJPG and YUYV and keeps what the driver grants), the
mode negotiated (read back after the request, MJPG first: docs/camera.md), the time
to open, and the frame rate measured over ``--frames`` frames, and whether a page is in the last frame.

Exit codes: 0 frames arrived; 2 the camera is missing, the spec is wrong, or frames stopped (one line on
stderr, from the ``kiosk`` command's error handler).
"""

from __future__ import annotations

import argparse
import json
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("camera", help="open a document camera: modes offered and negotiated, frame rate",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", required=True, metavar="SPEC",
                   help="uvc:0, uvc:/dev/video2, folder:DIR, video:FILE or synthetic:")
    p.add_argument("--frames", type=int, default=30, metavar="N", help="frames to time (default 30)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="longest wait to open, and for each frame (default 10)")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=run)


def measure(service, *, frames: int = 30, timeout_s: float = 10.0, started: float | None = None) -> dict:
    """Times ``frames`` frames of a started ``CaptureService`` and reports its modes (the record printed
    below; also the technician window's camera tab, ui/technician_camera.py). ``started``: the
    ``perf_counter`` before ``start`` (for ``open_ms``)."""
    from devices.camera import detect

    info = service.info()
    open_ms = (time.perf_counter() - started) * 1000.0 if started is not None else 0.0
    seq, frame = service.wait_frame(0, timeout_s=timeout_s)
    first, t0 = seq, time.perf_counter()
    for _ in range(max(1, frames)):
        seq, frame = service.wait_frame(seq, timeout_s=timeout_s)
    fps = (seq - first) / max(1e-6, time.perf_counter() - t0)
    quad = detect.find_page(frame)
    return {
        "source": info.source,
        "kind": info.kind,
        "backend": info.backend,
        "offered": [str(m) for m in info.offered],
        "negotiated": str(info.negotiated) if info.negotiated else None,
        "frame_size": [int(frame.shape[1]), int(frame.shape[0])],
        "open_ms": round(open_ms, 1),
        "frames": seq - first,
        "fps": round(fps, 2),
        "reconnects": service.reconnects,
        "page": None if quad is None else [[round(float(x), 1), round(float(y), 1)] for x, y in quad],
    }


def open_and_measure(spec: str, *, frames: int = 30, timeout_s: float = 10.0):
    """Opens and starts the camera of ``spec`` and measures it: ``(service, record)``; the caller stops
    the service (it is stopped here when measuring fails)."""
    from devices.camera.service import CaptureService
    from kiosk.simulated import enable_simulated_camera

    enable_simulated_camera(spec)
    service = CaptureService(spec)
    started = time.perf_counter()
    try:
        service.start()
        service.wait_ready(timeout_s=timeout_s)
        return service, measure(service, frames=frames, timeout_s=timeout_s, started=started)
    except BaseException:
        service.stop()
        raise


def run(args: argparse.Namespace) -> int:
    service, record = open_and_measure(args.source, frames=args.frames, timeout_s=args.timeout)
    service.stop()
    frame_w, frame_h = record["frame_size"]
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        print(f"source:      {record['source']} ({record['kind']}, {record['backend']})")
        print(f"offered:     {', '.join(record['offered']) or '-'}")
        print(f"negotiated:  {record['negotiated']}  (frames {frame_w}x{frame_h})")
        print(f"opened in:   {record['open_ms']} ms")
        print(f"frame rate:  {record['fps']} fps over {record['frames']} frames")
        print(f"page:        {'found' if record['page'] is not None else 'none'}")
    return 0
