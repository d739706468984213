"""``kiosk diag camera``: open a document camera (or a test source) and report what it does.

    kiosk diag camera --source SPEC [--frames N] [--timeout S] [--json]
    kiosk diag camera --source SPEC --calibrate FILE [--board 9x6] [--views N] [--timeout S] [--json]

``SPEC`` is a camera source (devices/camera/sources.py): ``uvc:0``, ``uvc:/dev/video2``,
``uvc:0?size=2592x1944``, ``folder:DIR``, ``video:FILE``, ``synthetic:``. Reports the modes the camera
offers (the UVC source asks for each standard size in MJPG and YUYV and keeps what the driver grants), the
mode negotiated (read back after the request, MJPG first: docs/camera.md), the time
to open, and the frame rate measured over ``--frames`` frames, and whether a page is in the last frame.

``--calibrate FILE`` calibrates the lens instead (docs/camera.md, "Lens calibration"): hold a printed
chessboard (``--board``: its inner corners, columns x rows; OpenCV's sample board is 9x6) flat under the
camera and tilt and move it; every frame where the whole board is seen from a new enough angle is a view
(progress on stderr), until ``--views`` views (default 12), or ``--timeout`` seconds pass without a new
one. The fit is written to FILE (JSON, whole or not at all) for ``[devices] camera_calibration``; it prints
the frame size, the views and the corners' reprojection error.

Exit codes: 0 frames arrived (a calibration written); 1 too few board views, or a fit too poor to keep
(nothing written; a line on stderr says why); 2 the camera is missing, the spec or ``--board`` is wrong,
frames stopped, or FILE cannot be written (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
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
    p.add_argument("--calibrate", metavar="FILE", help="calibrate the lens from views of a chessboard; write FILE")
    p.add_argument("--board", default="9x6", metavar="CxR", help="the board's inner corners (default 9x6)")
    p.add_argument("--views", type=int, default=12, metavar="N", help="board views to calibrate from (default 12)")
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


def start_camera(spec: str, *, timeout_s: float = 10.0):
    """The camera of ``spec``, started and ready (``wait_ready``); stopped again when it does not get ready.
    The caller stops it."""
    from devices.camera.service import CaptureService
    from kiosk.simulated import enable_simulated_camera

    enable_simulated_camera(spec)
    service = CaptureService(spec)
    try:
        service.start()
        service.wait_ready(timeout_s=timeout_s)
    except BaseException:
        service.stop()
        raise
    return service


def open_and_measure(spec: str, *, frames: int = 30, timeout_s: float = 10.0):
    """Opens and starts the camera of ``spec`` and measures it: ``(service, record)``; the caller stops
    the service (it is stopped here when measuring fails)."""
    started = time.perf_counter()
    service = start_camera(spec, timeout_s=timeout_s)
    try:
        return service, measure(service, frames=frames, timeout_s=timeout_s, started=started)
    except BaseException:
        service.stop()
        raise


def collect_views(service, pattern: tuple[int, int], *, views: int, timeout_s: float, progress=None) -> tuple:
    """Board views from a started ``CaptureService``: ``(views, frame size)``, stopping at ``views`` or when
    ``timeout_s`` passes without a new one. ``progress(n)`` after each view kept."""
    from devices.camera import calibration

    kept: list = []
    seq, size = 0, None
    last_new = time.monotonic()
    while len(kept) < views and time.monotonic() - last_new < timeout_s:
        seq, frame = service.wait_frame(seq, timeout_s=timeout_s)
        size = (int(frame.shape[1]), int(frame.shape[0]))
        corners = calibration.find_board(frame, pattern)
        if corners is not None and calibration.distinct(corners, kept, min_shift_px=0.03 * size[0]):
            kept.append(corners)
            last_new = time.monotonic()
            if progress is not None:
                progress(len(kept))
    return kept, size


def calibrate(args: argparse.Namespace) -> int:
    from devices.camera import calibration

    pattern = calibration.parse_board(args.board)
    if pattern is None:  # a wrong argument, as a wrong spec: exit 2
        print(f"kiosk diag camera: --board {args.board!r}: give the inner corners as COLUMNSxROWS, e.g. 9x6",
              file=sys.stderr)
        return 2
    service = start_camera(args.source, timeout_s=args.timeout)
    try:
        views, size = collect_views(service, pattern, views=max(calibration.MIN_VIEWS, args.views),
                                    timeout_s=args.timeout,
                                    progress=lambda n: print(f"board view {n}", file=sys.stderr, flush=True))
    finally:
        service.stop()
    try:
        result = calibration.calibrate(views, size, pattern)
    except ValueError as exc:
        print(f"kiosk diag camera: no calibration written: {exc}", file=sys.stderr)
        return 1
    try:
        calibration.save(result, args.calibrate)
    except OSError as exc:  # a folder that is not there or not writable, a full disk: nothing left half-written
        print(f"kiosk diag camera: cannot write {args.calibrate}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    record = {"source": args.source, "calibration": str(args.calibrate), **result.to_json()}
    record.pop("format")
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        k = ", ".join(f"{v:.4f}" for v in result.distortion)
        print(f"calibration: {args.calibrate}")
        print(f"frames:      {size[0]}x{size[1]}, {result.views} board views")
        print(f"error:       {result.rms_px:.3f} px (the corners' reprojection, root mean square)")
        print(f"focal:       {result.matrix[0][0]:.1f} x {result.matrix[1][1]:.1f} px; distortion {k}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.calibrate:
        return calibrate(args)
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
