"""The document camera (高拍仪): capture over OpenCV, and the pure image processing of captured pages.

Modules:
- ``geometry``: quads (corner order, area, IoU, robust line fits);
- ``detect``: finding the page's four corners (``find_page``) and the textbook baseline (with ``candidates``,
  ``lines``; ``trust`` says whether an outline can be trusted);
- ``process``: flattening, deskew, clean-up, focus measure;
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
