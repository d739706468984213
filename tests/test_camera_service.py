"""The capture service (devices/camera/service.py) on the synthetic source: newest frame, captures,
auto-capture, reconnect, bounded waits, clean shutdown."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from devices.camera import geometry
from devices.camera.service import CaptureService
from core.errors import DeviceNotFound, DeviceTimeout
from core.ports.camera import CapturedPage, Cleanup, PreviewFrame
from core.ports.lifecycle import LifecycleState

SMALL = "synthetic:?size=960x540&fps=25&still=1.2"


def wait_until(predicate, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_start_reports_the_mode_and_frames_keep_coming():
    """GIVEN the synthetic camera WHEN started THEN its mode is reported, newer frames keep arriving, and
    stop() ends all of its threads."""
    service = CaptureService(SMALL)
    try:
        service.start()
        info = service.wait_ready(timeout_s=5)
        assert (info.negotiated.width, info.negotiated.height) == (960, 540)
        seq, frame = service.wait_frame(0, timeout_s=2)
        later, _ = service.wait_frame(seq, timeout_s=2)
        assert later > seq and frame.shape == (540, 960, 3)
        assert service.state is LifecycleState.READY
    finally:
        service.stop()
    assert service.state is LifecycleState.STOPPED
    assert not [t for t in threading.enumerate() if t.name.startswith(("device:camera", "camera:"))]


def test_waiting_for_a_missing_source_raises_device_not_found(tmp_path):
    """GIVEN a camera that is not there WHEN it is started and waited for THEN the wait ends (bounded) with
    the DeviceNotFound of its last open, while it goes on trying."""
    service = CaptureService(f"folder:{tmp_path / 'absent'}")
    try:
        service.start()
        with pytest.raises(DeviceNotFound):
            service.wait_ready(timeout_s=0.5)
        assert service.state is LifecycleState.CONNECTING
    finally:
        service.stop()


def test_waiting_for_a_frame_is_bounded():
    service = CaptureService(SMALL)
    with pytest.raises(DeviceTimeout):
        service.wait_frame(0, timeout_s=0.1)  # never started: no frame comes


def test_manual_capture_flattens_the_page():
    service = CaptureService(SMALL)
    try:
        service.start()
        service.wait_ready(timeout_s=5)
        source = service._source
        assert wait_until(lambda: source.corners_at(source.frame_no)[1] is not None
                          and source.frame_no / source.fps > source.ENTER_S + 0.1)
        page = service.capture(cleanup=Cleanup.COLOUR, timeout_s=5)
    finally:
        service.stop()
    assert isinstance(page, CapturedPage) and not page.auto
    assert page.quad is not None and page.source_size == (960, 540)
    h, w = page.image.shape[:2]
    assert abs(h / w - 297 / 210) < 0.06  # the A4 form, flattened


def test_auto_capture_takes_each_still_page_once_and_the_preview_sees_it():
    """GIVEN the synthetic camera showing documents one after another WHEN auto-capture is on THEN each
    document lying still is captured once, and preview frames carry its outline."""
    service = CaptureService(SMALL)
    pages: list[CapturedPage] = []
    previews: list[PreviewFrame] = []
    try:
        service.start()
        service.wait_ready(timeout_s=5)
        service.set_preview_listener(previews.append, max_size=(640, 360))
        service.set_auto_capture(pages.append)
        period = service._source.period_s
        assert wait_until(lambda: len(pages) >= 2, timeout_s=2 * period + 4)
    finally:
        service.stop()
    assert all(p.auto for p in pages)
    first_two = [p.image.shape[1] / p.image.shape[0] for p in pages[:2]]
    assert first_two[0] < 1 < first_two[1]  # the A4 form (portrait), then the ID card (landscape)
    framed = [p for p in previews if p.quad is not None]
    assert framed and framed[-1].image.shape[1] <= 640
    assert max(p.still for p in previews) == 1.0


def test_the_camera_comes_back_after_an_unplug():
    """GIVEN a source that is unplugged after 10 frames for half a second WHEN the service runs THEN it
    reconnects by itself and frames flow again."""
    service = CaptureService("synthetic:?size=320x180&fps=30&drop_after=10&drop_s=0.5")
    try:
        service.start()
        service.wait_ready(timeout_s=5)
        assert wait_until(lambda: service.reconnects == 1, timeout_s=3)
        assert wait_until(lambda: service.state is LifecycleState.READY, timeout_s=5)
        seq, _ = service.wait_frame(0, timeout_s=2)
        assert service.wait_frame(seq, timeout_s=2)[0] > seq
    finally:
        service.stop()


def test_a_failing_preview_listener_does_not_stop_the_preview():
    service = CaptureService(SMALL)
    seen: list[int] = []

    def listener(frame: PreviewFrame) -> None:
        seen.append(frame.seq)
        raise RuntimeError("a bug in the widget")

    try:
        service.start()
        service.wait_ready(timeout_s=5)
        service.set_preview_listener(listener)
        assert wait_until(lambda: len(seen) >= 3, timeout_s=5)
    finally:
        service.stop()


def test_the_preview_outline_matches_the_page():
    service = CaptureService(SMALL)
    got: list[PreviewFrame] = []
    try:
        service.start()
        service.wait_ready(timeout_s=5)
        source = service._source

        def at_rest(frame: PreviewFrame) -> bool:
            # Preview frame n is source frame n - 1 (the service numbers frames from 1).
            index, corners = source.corners_at(frame.seq - 1)
            return corners is not None and np.array_equal(corners, source._scene(index)[2])

        service.set_preview_listener(got.append, max_size=(480, 270))
        assert wait_until(lambda: any(p.quad is not None and at_rest(p) for p in got))
    finally:
        service.stop()
    frame = next(p for p in got if p.quad is not None and at_rest(p))
    corners = source.corners_at(frame.seq - 1)[1]
    assert geometry.iou([[x * 2, y * 2] for x, y in frame.quad], corners) > 0.95


def test_the_hall_sets_how_many_threads_opencv_uses_for_the_camera(tmp_path):
    """GIVEN ``[devices] camera_threads = 1`` WHEN the terminal builds its camera THEN OpenCV's image work
    runs on the thread that asks (the least CPU in all: docs/camera.md, "Threads"); 0 gives OpenCV back its
    own choice, and a negative count is refused."""
    import cv2

    from core import config
    from devices.camera import set_threads
    from kiosk.adapters import build_camera

    before = cv2.getNumThreads()
    cfg = config.parse({"role": "clerk", "terminal_id": "W-03", "hall_id": "3201-0042", "data_dir": str(tmp_path),
                        "window": {"number": 3},
                        "platform": {"url": "http://127.0.0.1:9", "terminal_secret": "s"},
                        "devices": {"camera": "synthetic:?size=640x480&fps=10", "camera_threads": 1}},
                       source="test")
    camera = build_camera(cfg)
    try:
        assert cv2.getNumThreads() == 1
        assert set_threads(0) == before  # OpenCV's own choice again
        with pytest.raises(ValueError):
            set_threads(-1)
    finally:
        camera.stop()
        set_threads(0)
