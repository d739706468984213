"""Exact mode lists of a Linux camera, from the V4L2 driver itself (no OpenCV needed).

OpenCV cannot list a camera's modes, and probing sizes one by one restarts the stream each time. On Linux
the driver answers three ioctls (linux/videodev2.h):

- ``VIDIOC_ENUM_FMT``: the pixel formats (``struct v4l2_fmtdesc``, 64 bytes) — MJPG, YUYV …;
- ``VIDIOC_ENUM_FRAMESIZES``: the sizes of one format (``struct v4l2_frmsizeenum``, 44 bytes), discrete
  (a list) or stepwise (a range: then the standard sizes inside it are listed);
- ``VIDIOC_ENUM_FRAMEINTERVALS``: the frame intervals of one size (``struct v4l2_frmivalenum``, 52 bytes);
  the best rate is the shortest interval.

Each is called with ``index`` 0, 1, 2 … until the driver answers EINVAL. ``list_modes(path)`` returns the
modes, largest MJPG first, or None when the device cannot be asked (not Linux, not a V4L2 node, busy, no
permission): the caller then probes through OpenCV instead (devices/camera/uvc.py). The packing and
unpacking are pure functions, tested byte for byte (tests/test_camera_v4l2.py).
"""

from __future__ import annotations

import errno
import os
import struct
import sys

from core.ports.camera import CameraMode


def _iowr(kind: str, number: int, size: int) -> int:
    """The _IOWR request code of linux/ioctl.h: direction read|write, size, type, number."""
    return (3 << 30) | (size << 16) | (ord(kind) << 8) | number


FMTDESC = struct.Struct("<III32sII12x")  # index, type, flags, description, pixelformat, mbus_code, reserved
FRMSIZE = struct.Struct("<III24s8x")  # index, pixel_format, type, union (discrete or stepwise), reserved
FRMIVAL = struct.Struct("<IIIII24s8x")  # index, pixel_format, width, height, type, union, reserved
VIDIOC_ENUM_FMT = _iowr("V", 2, FMTDESC.size)
VIDIOC_ENUM_FRAMESIZES = _iowr("V", 74, FRMSIZE.size)
VIDIOC_ENUM_FRAMEINTERVALS = _iowr("V", 75, FRMIVAL.size)
BUF_TYPE_VIDEO_CAPTURE = 1
FRMSIZE_TYPE_DISCRETE = 1
FRMIVAL_TYPE_DISCRETE = 1


def fourcc_text(code: int) -> str:
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00 ")


def fourcc_int(text: str) -> int:
    padded = (text + "    ")[:4]
    return sum(ord(c) << (8 * i) for i, c in enumerate(padded))


def unpack_format(buffer: bytes) -> tuple[str, str]:
    """(FOURCC, description) from a filled ``v4l2_fmtdesc``."""
    _index, _type, _flags, description, pixelformat, _mbus = FMTDESC.unpack(buffer)
    return fourcc_text(pixelformat), description.split(b"\0", 1)[0].decode("ascii", "replace")


def unpack_sizes(buffer: bytes, standard: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The sizes one ``v4l2_frmsizeenum`` describes: its one discrete size, or the standard sizes inside
    its stepwise range."""
    _index, _fmt, kind, union = FRMSIZE.unpack(buffer)
    if kind == FRMSIZE_TYPE_DISCRETE:
        width, height = struct.unpack_from("<II", union)
        return [(width, height)]
    min_w, max_w, step_w, min_h, max_h, step_h = struct.unpack("<6I", union)
    return [(w, h) for w, h in standard
            if min_w <= w <= max_w and min_h <= h <= max_h
            and (w - min_w) % max(step_w, 1) == 0 and (h - min_h) % max(step_h, 1) == 0]


def unpack_rate(buffer: bytes) -> float:
    """Frames per second of one ``v4l2_frmivalenum`` (the fastest end of a stepwise range)."""
    *_head, kind, union = FRMIVAL.unpack(buffer)
    numerator, denominator = struct.unpack_from("<II", union)  # discrete, or the stepwise minimum
    return denominator / numerator if numerator else 0.0


def _enumerate(fd: int, request: int, make) -> list[bytes]:
    import fcntl

    answers = []
    for index in range(64):  # a bound: no driver lists more
        buffer = bytearray(make(index))
        try:
            fcntl.ioctl(fd, request, buffer, True)
        except OSError as exc:
            if exc.errno == errno.EINVAL:
                break
            raise
        answers.append(bytes(buffer))
    return answers


def list_modes(path: str, standard: tuple[tuple[int, int], ...]) -> list[CameraMode] | None:
    """Every (format, size, best rate) the driver offers, largest MJPG first; None if it cannot be asked."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        modes = []
        formats = _enumerate(fd, VIDIOC_ENUM_FMT,
                             lambda i: FMTDESC.pack(i, BUF_TYPE_VIDEO_CAPTURE, 0, b"", 0, 0))
        for fmt in formats:
            fourcc, _description = unpack_format(fmt)
            code = fourcc_int(fourcc)
            for size_answer in _enumerate(fd, VIDIOC_ENUM_FRAMESIZES, lambda i: FRMSIZE.pack(i, code, 0, b"")):
                for width, height in unpack_sizes(size_answer, standard):
                    rates = _enumerate(fd, VIDIOC_ENUM_FRAMEINTERVALS,
                                       lambda i: FRMIVAL.pack(i, code, width, height, 0, b""))
                    modes.append(CameraMode(fourcc, width, height, max((unpack_rate(r) for r in rates), default=0.0)))
    except OSError:
        return None
    finally:
        os.close(fd)
    unique = {(m.fourcc, m.width, m.height): m for m in modes}
    return sorted(unique.values(), key=lambda m: (m.fourcc != "MJPG", -m.width * m.height)) or None
