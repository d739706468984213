"""Helpers for the decoder tests: code images and the benchmark's hard frames (bench/frames/generate.py)."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import qrcode

ROOT = Path(__file__).resolve().parent.parent


@cache
def generator():
    """bench/frames/generate.py, loaded by path (bench/ is scripts, not a package)."""
    path = ROOT / "bench" / "frames" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_frames_generate", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def qr_bytes_image(data: bytes, module_px: int = 6) -> np.ndarray:
    """A clean QR code of exactly these bytes (no ECI), grey, with its quiet zone."""
    code = qrcode.QRCode(box_size=module_px, border=4)
    code.add_data(data)
    code.make(fit=True)
    return np.array(code.make_image().convert("L"), dtype=np.uint8)


def on_scene(code: np.ndarray, size=(1920, 1080), at=(700, 300), bgr: bool = True) -> np.ndarray:
    """The code pasted on a plain grey 'counter' of ``size``, as a camera frame (BGR or grey)."""
    w, h = size
    frame = np.full((h, w), 150, np.uint8)
    x, y = at
    frame[y:y + code.shape[0], x:x + code.shape[1]] = code
    frame = cv2.GaussianBlur(frame, (0, 0), 0.6)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR) if bgr else frame
