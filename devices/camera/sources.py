"""Frame sources by spec string, as config files and ``kiosk diag camera --source`` name them.

    uvc:0                          first camera (index), best MJPG mode it offers
    uvc:/dev/video2?size=2592x1944 a camera by path, asking for one size
    folder:/srv/samples?hold=2     the images in a folder, each shown for ``hold`` seconds, in a loop
    video:/tmp/desk.mp4            a video file, at its own frame rate, in a loop
    synthetic:                     rendered sample documents sliding onto a desk and lying still
    synthetic:?doc=a4&desk=light&size=1920x1080&fps=20&seed=3&still=2.5&drop_after=40&drop_s=1

A source is used only from the capture service's owner thread: ``open()`` returns the ``CameraInfo``
(modes offered, mode negotiated), ``read()`` returns the next RGB frame, or ``None`` when the device
failed (unplugged); the service then closes it and opens it again. Every source paces itself to its frame
rate with a bounded sleep, as a camera does. The ``synthetic:`` kind is the demo's simulated camera
(``simulators.camera``, registered with ``register_source``); it injects an unplug with ``drop_after``
(frames) and ``drop_s`` (seconds away), so reconnection is tested through the same code path as a real
camera pulled out of its socket.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

import cv2
import numpy as np

from devices.camera import uvc, v4l2
from core.errors import ConfigError, DeviceNotFound
from core.ports.camera import CameraInfo, CameraMode

KINDS = ("uvc", "folder", "video", "synthetic")
# Source kinds that are not real cameras register here from outside the product: the demo's simulated
# camera (``simulators.camera``) registers ``synthetic``. A spec of a kind nobody registered is refused
# with a ConfigError that says so.
_REGISTERED: dict[str, type] = {}


def register_source(kind: str, factory: type) -> None:
    """Lets ``open_source`` build ``kind:`` specs with ``factory(spec)`` (the demo's simulated camera)."""
    if kind not in KINDS:
        raise ValueError(f"unknown camera source kind {kind!r}")
    _REGISTERED[kind] = factory
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class SourceSpec:
    kind: str
    target: str
    options: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def number(self, key: str, default: float) -> float:
        value = self.options.get(key)
        if value is None:
            return default
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"camera source {self.text!r}: {key} must be a number, not {value!r}",
                              setting="devices.camera", problem=f"{key} must be a number") from None

    def size(self, default: tuple[int, int] | None) -> tuple[int, int] | None:
        value = self.options.get("size")
        if not value:
            return default
        try:
            width, height = (int(v) for v in value.lower().split("x"))
        except ValueError:
            raise ConfigError(f"camera source {self.text!r}: size must look like 1920x1080, not {value!r}",
                              setting="devices.camera", problem="size must look like 1920x1080") from None
        return width, height


def parse_spec(text: str) -> SourceSpec:
    """``kind:target?key=value&…`` → SourceSpec; ``ConfigError`` naming what is wrong."""
    kind, sep, rest = text.partition(":")
    if not sep or kind not in KINDS:
        raise ConfigError(f"camera source {text!r}: use one of {', '.join(k + ':' for k in KINDS)}",
                          setting="devices.camera", problem=f"unknown camera source {text!r}")
    target, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    if kind in ("uvc", "folder", "video") and not target:
        raise ConfigError(f"camera source {text!r}: {kind}: needs a target",
                          setting="devices.camera", problem=f"{kind}: needs a target")
    return SourceSpec(kind, target, options, text)


def pace(next_due: float, period: float) -> float:
    """Sleeps until ``next_due`` (never longer than one period) and returns the next due time."""
    now = time.monotonic()
    if next_due > now:
        time.sleep(min(period, next_due - now))
        return next_due + period
    return now + period  # late: do not try to catch up with a burst


class FrameSource:
    spec: SourceSpec
    fps: float = 15.0

    def open(self) -> CameraInfo:
        raise NotImplementedError

    def read(self) -> np.ndarray | None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _CaptureSource(FrameSource):
    """A source read through an OpenCV ``VideoCapture`` (a camera or a video file): frames come as BGR and
    leave as RGB; closing releases the capture."""

    _cap = None

    def _frame(self) -> np.ndarray | None:
        ok, frame = self._cap.read()
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok and frame is not None else None

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class UvcSource(_CaptureSource):
    def __init__(self, spec: SourceSpec, *, capture_factory=uvc.open_capture) -> None:
        self.spec = spec
        self._factory = capture_factory
        self._cap = None

    def open(self) -> CameraInfo:
        self._cap = self._factory(self.spec.target)
        # The driver's own list where it can give one (Linux), else a probe through OpenCV.
        node = self.spec.target if not self.spec.target.isdigit() else f"/dev/video{self.spec.target}"
        listed = v4l2.list_modes(node, uvc.STANDARD_SIZES) if self._factory is uvc.open_capture else None
        offered = listed or uvc.probe_modes(self._cap)
        negotiated = uvc.negotiate(self._cap, offered, want=self.spec.size(None),
                                   fourcc=self.spec.options.get("fourcc", "MJPG"))
        self.fps = negotiated.fps or 15.0
        return CameraInfo(self.spec.text, "uvc", tuple(offered), negotiated, backend="opencv")

    def read(self) -> np.ndarray | None:
        return None if self._cap is None else self._frame()


class FolderSource(FrameSource):
    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.fps = spec.number("fps", 10.0)
        self.hold_s = spec.number("hold", 2.0)
        self._paths: list[Path] = []
        self._cache: tuple[Path, np.ndarray] | None = None
        self._due = 0.0
        self._started = 0.0

    def open(self) -> CameraInfo:
        folder = Path(self.spec.target)
        if not folder.is_dir():
            raise DeviceNotFound(f"folder {folder} does not exist", device="camera")
        self._paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._paths:
            raise DeviceNotFound(f"folder {folder} has no images", device="camera")
        first = self._load(self._paths[0])
        self._started = self._due = time.monotonic()
        mode = CameraMode("file", int(first.shape[1]), int(first.shape[0]), self.fps)
        return CameraInfo(self.spec.text, "folder", (mode,), mode, backend="imread")

    def _load(self, path: Path) -> np.ndarray:
        if self._cache is not None and self._cache[0] == path:
            return self._cache[1]
        data = np.fromfile(str(path), dtype=np.uint8)  # imdecode: non-ASCII paths work on Windows too
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if image is None:
            raise DeviceNotFound(f"{path.name} is not a readable image", device="camera")
        self._cache = (path, cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        return self._cache[1]

    def read(self) -> np.ndarray | None:
        self._due = pace(self._due, 1.0 / self.fps)
        index = int((time.monotonic() - self._started) / max(self.hold_s, 1e-3)) % len(self._paths)
        try:
            return self._load(self._paths[index])
        except (DeviceNotFound, OSError):
            return None


class VideoSource(_CaptureSource):
    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self._cap: cv2.VideoCapture | None = None
        self._due = 0.0

    def open(self) -> CameraInfo:
        if not Path(self.spec.target).is_file():
            raise DeviceNotFound(f"video {self.spec.target} does not exist", device="camera")
        cap = cv2.VideoCapture(self.spec.target)
        if not cap.isOpened():
            cap.release()
            raise DeviceNotFound(f"video {self.spec.target} cannot be decoded", device="camera")
        self._cap = cap
        self.fps = self.spec.number("fps", cap.get(cv2.CAP_PROP_FPS) or 15.0)
        fourcc = uvc.fourcc_name(cap.get(cv2.CAP_PROP_FOURCC)) or "?"
        mode = CameraMode(fourcc, int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                          self.fps)
        self._due = time.monotonic()
        return CameraInfo(self.spec.text, "video", (mode,), mode, backend="ffmpeg")

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        self._due = pace(self._due, 1.0 / self.fps)
        frame = self._frame()
        if frame is None:  # the end: loop
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            frame = self._frame()
        return frame


def open_source(spec: str | SourceSpec) -> FrameSource:
    """A source for a spec (not opened yet: the capture service opens it on its owner thread)."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    factories = {"uvc": UvcSource, "folder": FolderSource, "video": VideoSource, **_REGISTERED}
    if parsed.kind not in factories:
        raise ConfigError(f"camera source {parsed.text!r}: the {parsed.kind}: camera is the demo's simulated camera "
                          f"and runs only under kiosk demo", setting="devices.camera",
                          problem=f"{parsed.kind}: is only for the demo")
    return factories[parsed.kind](parsed)
