"""The document camera (高拍仪): capture over OpenCV, and the pure image processing of captured pages.

Modules:
- ``geometry``: quads (corner order, area, IoU, robust line fits);
- ``detect``: finding the page's four corners (``find_page``) and the textbook baseline (with ``candidates``,
  ``lines``; ``trust`` says whether an outline can be trusted);
- ``process``: flattening, deskew, clean-up, focus measure;
- ``calibration``: the lens's calibration from chessboard views, its file, undistorting whole frames;
- ``autocapture``: the still-and-sharp state machine behind auto-capture;
- ``sources``: frame sources by spec string (``uvc:0``, ``folder:DIR``, ``video:FILE``; the demo's
  ``synthetic:`` camera registers itself from ``simulators.camera``);
- ``uvc`` / ``v4l2``: opening a UVC camera, its modes (from the Linux driver, or probed), MJPG first;
- ``service``: ``CaptureService``, the owner thread that grabs, keeps the newest frame and reconnects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devices.camera.service import CaptureService


def open_camera(spec: str, **options) -> CaptureService:
    """A capture service for a source spec (not started: ``start()`` returns at once, ``wait_ready`` waits).
    The composition root's one call: ``open_camera(cfg.devices.camera).start()``."""
    from devices.camera.service import CaptureService

    return CaptureService(spec, **options)


def set_threads(count: int) -> int:
    """How many threads OpenCV's image work (page finding, flattening, codes in frames) may use in this
    process: 1 keeps it on the thread that asks, which costs the least CPU in all (docs/camera.md,
    "Threads"); 0 lets OpenCV choose (one per core). Returns the count OpenCV now reports."""
    import cv2

    if count < 0:
        raise ValueError("a thread count is 0 (OpenCV's choice) or more")
    cv2.setNumThreads(count if count > 0 else -1)
    return cv2.getNumThreads()
