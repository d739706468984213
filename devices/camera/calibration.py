"""A document camera's lens calibration: found from views of a printed chessboard, kept in a JSON file, used
to take the lens's distortion out of the whole frame when the page finder is not sure of an outline.

    views = [corners for frame in frames if (corners := find_board(frame)) is not None]
    cal = calibrate(views, (width, height))          # ValueError: too few views, or they do not agree
    save(cal, "/etc/kiosk/camera-calibration.json")
    flat = Undistorter(load(path))(frame)            # any frame size of the same camera

The model is OpenCV's pinhole camera with radial and tangential distortion (k1, k2, p1, p2, k3), fitted by
``cv2.calibrateCamera`` to the inner corners of a chessboard seen from several angles: Zhang's method
("A flexible new technique for camera calibration", IEEE TPAMI 22(11), 2000; OpenCV's "Camera Calibration"
tutorial). The technician makes the file once per camera with ``kiosk diag camera --calibrate FILE``
(docs/camera.md, "Lens calibration"); ``[devices] camera_calibration`` names it.

Undistorting keeps every pixel the camera saw (``getOptimalNewCameraMatrix`` with alpha 1): the whole
frame is what a capture keeps when it is not sure of the page, and a corner of the document must not be
cut off to square the picture.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

PATTERN = (9, 6)  # inner corners of the board (columns, rows): OpenCV's sample board
MIN_VIEWS = 8  # fewer views do not pin down five distortion coefficients
MAX_RMS_PX = 2.0  # a fit whose corners reproject worse than this is refused (a moved board, a bent print)
FORMAT = "hall-kiosk camera calibration 1"


@dataclass(frozen=True)
class Calibration:
    """The camera's intrinsics at ``size`` (width, height): ``matrix`` (fx 0 cx / 0 fy cy / 0 0 1),
    ``distortion`` (k1, k2, p1, p2, k3), the fit's reprojection error ``rms_px`` over ``views`` views."""

    size: tuple[int, int]
    matrix: tuple[tuple[float, float, float], ...]
    distortion: tuple[float, ...]
    rms_px: float
    views: int

    def to_json(self) -> dict:
        return {"format": FORMAT, "size": list(self.size), "matrix": [list(r) for r in self.matrix],
                "distortion": list(self.distortion), "rms_px": self.rms_px, "views": self.views}

    @classmethod
    def from_json(cls, data) -> Calibration:
        """The calibration a file holds; ValueError saying what is wrong with anything else."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a camera calibration (its \"format\" must be {FORMAT!r})")
        try:
            size = tuple(int(v) for v in data["size"])
            matrix = np.array(data["matrix"], dtype=np.float64)
            distortion = np.array(data["distortion"], dtype=np.float64).ravel()
            rms, views = float(data["rms_px"]), int(data["views"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"a camera calibration needs size, matrix, distortion, rms_px and views ({exc})") from None
        if len(size) != 2 or min(size) < 16:
            raise ValueError("size must be [width, height] in pixels")
        if matrix.shape != (3, 3) or distortion.size not in (4, 5, 8, 12, 14):
            raise ValueError("matrix must be 3×3 and distortion 4, 5, 8, 12 or 14 coefficients")
        if not (np.isfinite(matrix).all() and np.isfinite(distortion).all() and math.isfinite(rms)):
            raise ValueError("a calibration's numbers must be finite")
        fx, fy, cx, cy = matrix[0, 0], matrix[1, 1], matrix[0, 2], matrix[1, 2]
        if fx <= 0 or fy <= 0 or not (0 <= cx <= size[0] and 0 <= cy <= size[1]):
            raise ValueError("the focal lengths must be positive and the centre inside the picture")
        if np.abs(distortion).max() > 50:
            raise ValueError("distortion coefficients that large are not a lens")
        return cls(size, tuple(tuple(float(v) for v in row) for row in matrix),
                   tuple(float(v) for v in distortion), rms, views)

    def matrix_for(self, size: tuple[int, int]) -> np.ndarray:
        """The camera matrix for frames of ``size`` (the same camera in another mode of the same shape);
        ValueError for a frame of another shape (a mode that crops the sensor: calibrate in that mode)."""
        sx, sy = size[0] / self.size[0], size[1] / self.size[1]
        if abs(sx / sy - 1.0) > 0.02:
            raise ValueError(f"the calibration was made at {self.size[0]}x{self.size[1]}; frames of "
                             f"{size[0]}x{size[1]} are another shape")
        m = np.array(self.matrix, dtype=np.float64)
        m[0, 0] *= sx
        m[0, 2] *= sx
        m[1, 1] *= sy
        m[1, 2] *= sy
        return m


def save(calibration: Calibration, path: str | Path) -> None:
    """Writes the file whole or not at all (a temporary file beside it, then renamed)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(calibration.to_json(), handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | Path) -> Calibration:
    """The calibration in ``path``; OSError when it cannot be read, ValueError when it is not one."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg}, line {exc.lineno})") from None
    return Calibration.from_json(data)


def parse_board(text: str) -> tuple[int, int] | None:
    """A board's inner corners as written (``9x6``, columns x rows, 3 to 30 each) → (9, 6); None otherwise."""
    try:
        cols, rows = (int(v) for v in text.lower().split("x"))
    except ValueError:
        return None
    return (cols, rows) if 3 <= cols <= 30 and 3 <= rows <= 30 else None


def find_board(image: np.ndarray, pattern: tuple[int, int] = PATTERN) -> np.ndarray | None:
    """The board's inner corners in an RGB or grey frame ((N, 2) float32, row by row), or None when the
    whole board is not in view."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    found, corners = cv2.findChessboardCornersSB(grey, pattern, flags=cv2.CALIB_CB_NORMALIZE_IMAGE)
    if not found or corners is None:
        return None
    return corners.reshape(-1, 2).astype(np.float32)


def distinct(view: np.ndarray, kept: list[np.ndarray], min_shift_px: float) -> bool:
    """Whether a board view differs from every kept one by at least ``min_shift_px`` on average (a camera
    calibrated on one pose many times learns nothing about its distortion)."""
    return all(float(np.linalg.norm(view - other, axis=1).mean()) >= min_shift_px for other in kept)


def calibrate(views: list[np.ndarray], size: tuple[int, int], pattern: tuple[int, int] = PATTERN) -> Calibration:
    """Fits the camera to board views (``find_board``'s corners) taken at ``size``. ValueError when there are
    fewer than ``MIN_VIEWS`` or the fit reprojects worse than ``MAX_RMS_PX`` (the board moved during a
    frame, was bent, or the views are of different cameras)."""
    if len(views) < MIN_VIEWS:
        raise ValueError(f"{len(views)} views of the board; a calibration needs {MIN_VIEWS} or more, from different angles")
    grid = np.zeros((pattern[0] * pattern[1], 3), np.float32)
    grid[:, :2] = np.mgrid[0:pattern[0], 0:pattern[1]].T.reshape(-1, 2)  # one square = one unit: only the lens matters
    rms, matrix, distortion, _, _ = cv2.calibrateCamera([grid] * len(views), [v.reshape(-1, 1, 2) for v in views],
                                                        size, None, None)
    if not math.isfinite(rms) or rms > MAX_RMS_PX:
        raise ValueError(f"the board's corners reproject {rms:.2f} px off (at most {MAX_RMS_PX} px): "
                         "hold the board flat and still, and show it from more angles")
    return Calibration.from_json({"format": FORMAT, "size": list(size), "matrix": matrix.tolist(),
                                  "distortion": distortion.ravel().tolist(), "rms_px": round(float(rms), 4),
                                  "views": len(views)})


class Undistorter:
    """Takes the lens's distortion out of whole frames of any size of that camera; the maps for a size are
    made once (thread-safe)."""

    def __init__(self, calibration: Calibration) -> None:
        self.calibration = calibration
        self._maps: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def maps(self, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if size not in self._maps:
                if len(self._maps) > 4:
                    self._maps.clear()
                matrix = self.calibration.matrix_for(size)
                distortion = np.array(self.calibration.distortion)
                new, _ = cv2.getOptimalNewCameraMatrix(matrix, distortion, size, 1.0, size)
                self._maps[size] = cv2.initUndistortRectifyMap(matrix, distortion, None, new, size, cv2.CV_16SC2)
            return self._maps[size]

    def __call__(self, image: np.ndarray) -> np.ndarray:
        size = (int(image.shape[1]), int(image.shape[0]))
        first, second = self.maps(size)
        return cv2.remap(image, first, second, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=(255, 255, 255))
