"""V4L2 mode listing (devices/camera/v4l2.py): request codes and structs byte for byte, as
linux/videodev2.h defines them. No camera is attached to the test machine: the ioctls themselves are
exercised only as far as "this node cannot be asked"."""

from __future__ import annotations

import struct

import pytest

from devices.camera import v4l2
from devices.camera.uvc import STANDARD_SIZES


@pytest.mark.parametrize("code, expected", [
    (v4l2.VIDIOC_ENUM_FMT, 0xC0405602),
    (v4l2.VIDIOC_ENUM_FRAMESIZES, 0xC02C564A),
    (v4l2.VIDIOC_ENUM_FRAMEINTERVALS, 0xC034564B),
])
def test_request_codes_match_videodev2_h(code, expected):
    assert code == expected


@pytest.mark.parametrize("layout, size", [(v4l2.FMTDESC, 64), (v4l2.FRMSIZE, 44), (v4l2.FRMIVAL, 52)])
def test_struct_sizes_match_videodev2_h(layout, size):
    assert layout.size == size


@pytest.mark.parametrize("text, code", [("MJPG", 0x47504A4D), ("YUYV", 0x56595559)])
def test_fourcc_codes(text, code):
    assert v4l2.fourcc_int(text) == code and v4l2.fourcc_text(code) == text


def test_a_format_answer_unpacks():
    answer = v4l2.FMTDESC.pack(0, 1, 1, b"Motion-JPEG", v4l2.fourcc_int("MJPG"), 0)
    assert v4l2.unpack_format(answer) == ("MJPG", "Motion-JPEG")


def test_a_discrete_size_answer_is_one_size():
    answer = v4l2.FRMSIZE.pack(0, v4l2.fourcc_int("MJPG"), 1, struct.pack("<II", 2592, 1944) + bytes(16))
    assert v4l2.unpack_sizes(answer, STANDARD_SIZES) == [(2592, 1944)]


def test_a_stepwise_size_answer_lists_the_standard_sizes_inside_it():
    union = struct.pack("<6I", 320, 1920, 16, 240, 1080, 8)
    answer = v4l2.FRMSIZE.pack(0, v4l2.fourcc_int("YUYV"), 3, union)
    assert v4l2.unpack_sizes(answer, STANDARD_SIZES) == [
        (1920, 1080), (1280, 960), (1280, 720), (1024, 768), (800, 600), (640, 480)]


@pytest.mark.parametrize("numerator, denominator, fps", [(1, 30, 30.0), (1, 15, 15.0), (2, 15, 7.5), (0, 0, 0.0)])
def test_an_interval_answer_is_a_rate(numerator, denominator, fps):
    union = struct.pack("<II", numerator, denominator) + bytes(16)
    answer = v4l2.FRMIVAL.pack(0, v4l2.fourcc_int("MJPG"), 2592, 1944, 1, union)
    assert v4l2.unpack_rate(answer) == fps


def test_a_node_that_is_not_a_camera_cannot_be_asked(tmp_path):
    plain = tmp_path / "video0"
    plain.write_bytes(b"")
    assert v4l2.list_modes(str(plain), STANDARD_SIZES) is None
    assert v4l2.list_modes(str(tmp_path / "missing"), STANDARD_SIZES) is None
