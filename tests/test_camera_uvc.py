"""UVC mode negotiation (devices/camera/uvc.py) against a simulated V4L2 document camera.

No camera is attached to the test machine, so these run against ``SimulatedUvcCamera``: the
``VideoCapture`` surface of a V4L2 driver that offers YUYV at small sizes and MJPG up to 5 MP, and snaps an
unsupported size to the nearest one of the current format (docs/camera.md, "Facts about document cameras":
MJPG modes are only offered once the FOURCC is set).
"""

from __future__ import annotations

import cv2
import numpy as np

from devices.camera import uvc
from devices.camera.sources import UvcSource, parse_spec
from devices.camera.service import CaptureService

MJPG = [(2592, 1944), (1920, 1080), (1280, 720), (640, 480)]
YUYV = [(1280, 720), (640, 480)]


def _grey(width: int, height: int) -> np.ndarray:
    return np.full((height, width, 3), 128, np.uint8)


def test_fourcc_codes_round_trip():
    assert uvc.fourcc_name(uvc.fourcc_code("MJPG")) == "MJPG"
    assert uvc.fourcc_name(0) == ""


def test_asking_for_mjpg_first_reaches_the_5mp_mode():
    """GIVEN a camera in YUYV 640x480 WHEN MJPG 2592x1944 is asked for (FOURCC first) THEN it is granted."""
    cam = uvc.SimulatedUvcCamera(MJPG, YUYV, _grey)
    mode = uvc.request_mode(cam, "MJPG", 2592, 1944)
    assert (mode.fourcc, mode.width, mode.height) == ("MJPG", 2592, 1944)


def test_size_before_fourcc_would_be_snapped_to_a_yuyv_size():
    """The order matters: width/height set while still YUYV land on YUYV's largest mode."""
    cam = uvc.SimulatedUvcCamera(MJPG, YUYV, _grey)
    cam.set(cv2.CAP_PROP_FRAME_WIDTH, 2592)
    cam.set(cv2.CAP_PROP_FRAME_HEIGHT, 1944)
    assert (cam.width, cam.height) == (1280, 720)


def test_probing_finds_every_mode_the_camera_really_offers():
    cam = uvc.SimulatedUvcCamera(MJPG, YUYV, _grey)
    offered = uvc.probe_modes(cam)
    assert [(m.fourcc, m.width, m.height) for m in offered] == (
        [("MJPG", w, h) for w, h in MJPG] + [("YUYV", w, h) for w, h in YUYV])


def test_negotiation_picks_the_largest_mjpg_mode_and_reads_it_back_from_a_frame():
    cam = uvc.SimulatedUvcCamera(MJPG, YUYV, _grey)
    mode = uvc.negotiate(cam, uvc.probe_modes(cam))
    assert (mode.fourcc, mode.width, mode.height) == ("MJPG", 2592, 1944)


def test_negotiation_honours_a_wanted_size_when_offered():
    cam = uvc.SimulatedUvcCamera(MJPG, YUYV, _grey)
    mode = uvc.negotiate(cam, uvc.probe_modes(cam), want=(1920, 1080))
    assert (mode.width, mode.height) == (1920, 1080)


def test_a_camera_without_mjpg_falls_back_to_its_largest_yuyv_mode():
    cam = uvc.SimulatedUvcCamera([], YUYV, _grey)
    cam.sizes.pop("MJPG")
    mode = uvc.negotiate(cam, uvc.probe_modes(cam))
    assert (mode.fourcc, mode.width, mode.height) == ("YUYV", 1280, 720)


def test_the_capture_service_reports_the_negotiated_mode_and_reconnects_after_an_unplug():
    """GIVEN a UVC source on the simulated camera WHEN it is started THEN the info lists the offered modes
    and the negotiated 5 MP MJPG mode; WHEN the camera is unplugged and plugged back THEN frames resume
    after a reconnect, and a new device handle was opened."""
    handles: list[uvc.SimulatedUvcCamera] = []
    plugged = {"in": True}

    def factory(target: str):
        if not plugged["in"]:
            from core.errors import DeviceNotFound
            raise DeviceNotFound("camera not there", device="camera")
        handles.append(uvc.SimulatedUvcCamera(MJPG, YUYV, _grey, fps=30))
        return handles[-1]

    service = CaptureService(UvcSource(parse_spec("uvc:0"), capture_factory=factory))
    try:
        service.start()
        info = service.wait_ready(timeout_s=5)
        assert str(info.negotiated).startswith("MJPG 2592x1944")
        assert len(info.offered) == len(MJPG) + len(YUYV)
        seq, _ = service.wait_frame(0, timeout_s=2)
        plugged["in"] = False
        handles[-1].unplugged = True
        import time
        deadline = time.monotonic() + 3
        while service.reconnects == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert service.reconnects == 1
        plugged["in"] = True
        deadline = time.monotonic() + 5
        while len(handles) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(handles) == 2 and handles[0].released
        seq_now, _ = service.wait_frame(0, timeout_s=2)
        seq_next, _ = service.wait_frame(seq_now, timeout_s=2)  # frames flow from the new handle
        assert seq_next > seq_now > seq
    finally:
        service.stop()
    assert handles[-1].released  # released on the owner thread when stopped
