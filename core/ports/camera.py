"""A document camera (高拍仪), as the services and the UI use it.

``devices.camera.CaptureService`` implements ``DocumentCamera`` over OpenCV for a UVC camera, a folder of
images, a video file and a synthetic renderer of sample documents. Images are numpy arrays, RGB, uint8,
shape ``(height, width, 3)``; a quad is four ``(x, y)`` points in that image's pixels, clockwise from the
top-left corner (``None`` when no page was found).

Threads: every ``DocumentCamera`` method may be called from any thread and returns within its timeout;
the listener callbacks run on the camera's own worker threads, never on the caller's (the Qt widget turns
them into queued signals).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from core.ports.lifecycle import Lifecycle

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


@dataclass(frozen=True)
class CameraMode:
    """One capture mode: pixel format (FOURCC such as ``MJPG``/``YUYV``), size and frame rate."""

    fourcc: str
    width: int
    height: int
    fps: float = 0.0

    def __str__(self) -> str:
        rate = f"@{self.fps:g}" if self.fps else ""
        return f"{self.fourcc} {self.width}x{self.height}{rate}"


@dataclass(frozen=True)
class CameraInfo:
    """What was opened: the source spec, the modes it offers and the mode actually negotiated (read back)."""

    source: str
    kind: str  # uvc | folder | video | synthetic
    offered: tuple[CameraMode, ...]
    negotiated: CameraMode | None
    backend: str = ""


class Cleanup(enum.StrEnum):
    """How a captured page is cleaned: kept as photographed, colour with shadows removed, or black-and-white."""

    NONE = "none"
    COLOUR = "colour"
    BW = "bw"


@dataclass(frozen=True)
class CapturedPage:
    """One flattened, cleaned page; ``image`` lives in memory only (never written unless exported)."""

    image: Any = field(repr=False)  # numpy uint8 RGB (H, W, 3), or (H, W) for black-and-white
    quad: Quad | None  # where the page was in the source frame; None: the whole frame was kept
    focus: float
    source_size: tuple[int, int]  # (width, height) of the frame it came from
    captured_at: datetime
    auto: bool = False  # taken by auto-capture rather than by a press


@dataclass(frozen=True)
class PreviewFrame:
    """A frame for the live preview: scaled down for display, with the page outline in its own pixels."""

    image: Any = field(repr=False)  # numpy uint8 RGB, C-contiguous
    quad: Quad | None
    focus: float
    sharp: bool
    still: float  # 0..1: how far the auto-capture hold has progressed
    fps: float  # preview frames per second actually produced
    seq: int  # source frame number


class DocumentCamera(Protocol):
    @property
    def lifecycle(self) -> Lifecycle:
        """The camera's owner thread and its state (core.ports.lifecycle), like every device's."""
        ...

    def start(self) -> Any:
        """Starts the camera's owner thread and returns at once: the source is opened in the background,
        and again whenever it is missing (not plugged in yet, unplugged)."""
        ...

    def wait_ready(self, *, timeout_s: float = 5.0) -> CameraInfo:
        """Waits at most ``timeout_s`` for the camera to stream. Raises ``DeviceNotFound`` (why the last
        open failed) or ``DeviceTimeout``; the camera keeps trying either way."""
        ...

    def info(self) -> CameraInfo | None: ...

    def latest_frame(self, *, timeout_s: float = 2.0) -> Any:
        """The newest full-resolution frame (RGB array). Raises ``DeviceTimeout`` when none arrives."""
        ...

    def capture(self, *, cleanup: Cleanup = Cleanup.COLOUR, timeout_s: float = 3.0) -> CapturedPage:
        """Takes the newest frame, finds the page, flattens and cleans it (manual capture)."""
        ...

    def set_preview_listener(self, listener: Callable[[PreviewFrame], None] | None, *,
                             max_size: tuple[int, int] = (960, 540)) -> None:
        """Receives preview frames (newest only: frames are dropped, never queued) on a worker thread."""
        ...

    def set_auto_capture(self, listener: Callable[[CapturedPage], None] | None, *,
                         cleanup: Cleanup = Cleanup.COLOUR) -> None:
        """Enables auto-capture (a page held still and sharp) and receives its pages; ``None`` disables it."""
        ...

    def stop(self) -> None:
        """Stops grabbing, releases the camera and joins the worker threads (bounded)."""
        ...
