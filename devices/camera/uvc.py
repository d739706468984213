"""UVC document cameras over ``cv2.VideoCapture``: open by index or path, find the modes, negotiate MJPG.

Facts (docs/camera.md, "Facts about document cameras"):
- document cameras are UVC; they offer YUYV and MJPG, and at 5 MP (2592 × 1944) YUYV is ~10 MB a frame,
  so only MJPG gives usable frame rates over USB 2.0;
- set ``CAP_PROP_FOURCC`` to MJPG *first*, then width and height, then read all three back: on Linux
  (V4L2) the MJPG modes are not offered otherwise; never assume a mode, find out at run time;
- Windows' Media Foundation backend can take 4–20 s to open a camera, DirectShow opens faster;
- frames lag by about one buffered frame: the capture service keeps a background grab and the newest frame.

On Linux the V4L2 driver lists its modes exactly (devices/camera/v4l2.py); elsewhere, or when it cannot
be asked, OpenCV cannot list a camera's modes, so ``probe_modes`` asks for each of ``STANDARD_SIZES`` in MJPG and
keeps what the driver reads back (a driver answers an unsupported size with the nearest one it has). The
functions take any object with the ``VideoCapture`` methods ``set``/``get``/``read``, so they run the same
against a real camera and against ``SimulatedUvcCamera`` (tests/test_camera_uvc.py), which behaves as a V4L2
driver does: MJPG sizes only after the FOURCC is set, unsupported sizes snapped to the nearest offered.
Every call here runs on the capture service's owner thread.
"""

from __future__ import annotations

import sys

import cv2
import numpy as np

from core.errors import DeviceNotFound
from core.ports.camera import CameraMode

# Sizes document cameras commonly offer, largest first (5 MP and 8 MP heads, 1080p/720p video modes).
STANDARD_SIZES = ((3264, 2448), (2592, 1944), (2048, 1536), (1920, 1080), (1600, 1200), (1280, 960),
                  (1280, 720), (1024, 768), (800, 600), (640, 480))


def fourcc_code(name: str) -> int:
    return cv2.VideoWriter_fourcc(*name)


def fourcc_name(code: float) -> str:
    value = int(code)
    if value <= 0:
        return ""
    return "".join(chr((value >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00")


def backend_for_platform() -> int:
    """V4L2 on Linux; DirectShow on Windows (opens in about a second where Media Foundation can take 20)."""
    if sys.platform.startswith("linux"):
        return cv2.CAP_V4L2
    if sys.platform == "win32":
        return cv2.CAP_DSHOW
    return cv2.CAP_ANY


def open_capture(target: str) -> cv2.VideoCapture:
    """Opens ``0``/``2`` (an index) or ``/dev/video2`` (a path); ``DeviceNotFound`` when it is not there."""
    backend = backend_for_platform()
    # OpenCV logs its own warnings about a missing device to stderr; we report the failure ourselves.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    try:
        cap = cv2.VideoCapture(int(target), backend) if target.isdigit() else cv2.VideoCapture(target, backend)
    except cv2.error as exc:  # translated at the edge: callers see our errors only
        raise DeviceNotFound(f"camera {target}: {exc}", device="camera") from None
    if not cap.isOpened():
        cap.release()
        raise DeviceNotFound(f"camera {target} cannot be opened", device="camera")
    cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the smallest driver queue the backend allows: less lag
    return cap


def request_mode(cap, fourcc: str, width: int, height: int) -> CameraMode:
    """FOURCC first, then width and height, then read all three back: the mode actually granted."""
    cap.set(cv2.CAP_PROP_FOURCC, fourcc_code(fourcc))
    cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
    cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
    return CameraMode(
        fourcc=fourcc_name(cap.get(cv2.CAP_PROP_FOURCC)) or "?",
        width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
        height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        fps=float(cap.get(cv2.CAP_PROP_FPS) or 0.0),
    )


def probe_modes(cap, sizes=STANDARD_SIZES, fourccs=("MJPG", "YUYV")) -> list[CameraMode]:
    """The distinct modes the driver grants when asked for each standard size, largest first."""
    found: dict[tuple[str, int, int], CameraMode] = {}
    for fourcc in fourccs:
        for width, height in sizes:
            mode = request_mode(cap, fourcc, width, height)
            if mode.width > 0 and mode.height > 0 and mode.fourcc == fourcc:
                found.setdefault((mode.fourcc, mode.width, mode.height), mode)
    return sorted(found.values(), key=lambda m: (m.fourcc != "MJPG", -m.width * m.height))


def negotiate(cap, offered: list[CameraMode], *, want: tuple[int, int] | None = None,
              fourcc: str = "MJPG") -> CameraMode:
    """Sets the best offered mode (``want`` if given and offered, else the largest in ``fourcc``, else the
    largest of any format) and returns what the camera reads back after a test frame."""
    candidates = [m for m in offered if m.fourcc == fourcc] or list(offered)
    if want is not None:
        exact = [m for m in candidates if (m.width, m.height) == tuple(want)]
        candidates = exact or candidates
    if not candidates:
        raise DeviceNotFound("camera offers no usable mode", device="camera")
    best = candidates[0]
    granted = request_mode(cap, best.fourcc, best.width, best.height)
    ok, frame = cap.read()
    if ok and frame is not None:  # the frame's own size is the final word
        granted = CameraMode(granted.fourcc, int(frame.shape[1]), int(frame.shape[0]), granted.fps)
    return granted


class SimulatedUvcCamera:
    """The ``VideoCapture`` surface of a V4L2 document camera, for tests (no camera on the CI machine).

    Offers YUYV at ``yuyv_sizes`` and MJPG at ``mjpg_sizes``; as V4L2 does, a size request is snapped to
    the nearest size the current format has, and MJPG sizes are reachable only once the FOURCC is MJPG.
    ``read`` renders a frame of the granted size from ``render(width, height)``; ``unplugged = True``
    makes it fail like a camera pulled out of its socket.
    """

    def __init__(self, mjpg_sizes, yuyv_sizes, render, *, fps: float = 15.0) -> None:
        self.sizes = {"MJPG": [tuple(s) for s in mjpg_sizes], "YUYV": [tuple(s) for s in yuyv_sizes]}
        self.render = render
        self.fps = fps
        self.fourcc = "YUYV"
        self.width, self.height = self.sizes["YUYV"][-1]
        self.unplugged = False
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 - the VideoCapture name
        return not self.released and not self.unplugged

    def set(self, prop: int, value: float) -> bool:
        if prop == cv2.CAP_PROP_FOURCC:
            name = fourcc_name(value)
            if name not in self.sizes:
                return False
            self.fourcc = name
            self._snap(self.width, self.height)
        elif prop == cv2.CAP_PROP_FRAME_WIDTH:
            self._snap(int(value), self.height)
        elif prop == cv2.CAP_PROP_FRAME_HEIGHT:
            self._snap(self.width, int(value))
        return True

    def _snap(self, width: int, height: int) -> None:
        self.width, self.height = min(self.sizes[self.fourcc],
                                      key=lambda s: (abs(s[0] - width) + abs(s[1] - height), -s[0]))

    def get(self, prop: int) -> float:
        if prop == cv2.CAP_PROP_FOURCC:
            return float(fourcc_code(self.fourcc))
        if prop == cv2.CAP_PROP_FRAME_WIDTH:
            return float(self.width)
        if prop == cv2.CAP_PROP_FRAME_HEIGHT:
            return float(self.height)
        if prop == cv2.CAP_PROP_FPS:
            return self.fps
        return 0.0

    def read(self):
        if self.released or self.unplugged:
            return False, None
        rgb = self.render(self.width, self.height)
        return True, np.ascontiguousarray(rgb[..., ::-1])

    def release(self) -> None:
        self.released = True
