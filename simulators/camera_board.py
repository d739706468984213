"""A simulated camera looking at a printed calibration chessboard through a lens that bends straight lines.

``synthetic:?board=9x6&k1=-0.28&k2=0.08&size=1280x960&hold=3`` (simulators/camera.py hands ``board=`` specs
here): a board of 9 × 6 inner corners on white paper lies on a grey desk and is shown from a new angle every
``hold`` frames (a technician tilting it under the camera), seen through a pinhole camera whose lens has the
radial distortion ``k1``, ``k2`` (OpenCV's model; barrel distortion when k1 < 0, as wide document-camera
lenses have). ``truth()`` gives the camera matrix and distortion the frames were made with, so a test can
check what ``kiosk diag camera --calibrate`` finds against them.

The frames are made as a camera makes them: the board's plane is projected through the ideal pinhole
camera (a homography), then every pixel of the picture takes its colour from where the lens would have
bent it from (``cv2.undistortPoints`` of the pixel grid, computed once).
"""

from __future__ import annotations

import math
import time

import cv2
import numpy as np

from core.errors import ConfigError
from core.ports.camera import CameraInfo, CameraMode
from devices.camera.calibration import parse_board
from devices.camera.sources import FrameSource, SourceSpec, pace

SQUARE_PX = 48  # the board's texture: pixels per square
MARGIN_SQUARES = 0.8  # white paper around the squares


def board_texture(pattern: tuple[int, int]) -> np.ndarray:
    """The printed board: (columns + 1) × (rows + 1) squares, black first, with a white margin (RGB)."""
    cols, rows = pattern[0] + 1, pattern[1] + 1
    margin = int(MARGIN_SQUARES * SQUARE_PX)
    image = np.full((rows * SQUARE_PX + 2 * margin, cols * SQUARE_PX + 2 * margin, 3), 245, np.uint8)
    for r in range(rows):
        for c in range(cols):
            if (r + c) % 2 == 0:
                y, x = margin + r * SQUARE_PX, margin + c * SQUARE_PX
                image[y:y + SQUARE_PX, x:x + SQUARE_PX] = 25
    return image


def rotation(rx: float, ry: float, rz: float) -> np.ndarray:
    return cv2.Rodrigues(np.array([rx, ry, rz], np.float64))[0]


class BoardSource(FrameSource):
    """See the module docstring. Frames are a pure function of the frame number."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.size = spec.size((1280, 960))
        self.fps = spec.number("fps", 15.0)
        self.hold = max(1, int(spec.number("hold", 3)))
        pattern = parse_board(spec.options.get("board", "9x6"))
        if pattern is None:
            raise ConfigError(f"camera source {spec.text!r}: board must be COLUMNSxROWS of inner corners, 3 to 30",
                              setting="devices.camera", problem="bad board")
        self.pattern = pattern
        self.k1, self.k2 = spec.number("k1", -0.28), spec.number("k2", 0.08)
        self.seed = int(spec.number("seed", 1))
        w, h = self.size
        f = 0.9 * w  # a document camera's lens: about 58° across
        self.matrix = np.array([[f, 0, w / 2 - 0.5], [0, f, h / 2 - 0.5], [0, 0, 1]], np.float64)
        self.distortion = np.array([self.k1, self.k2, 0.0, 0.0, 0.0], np.float64)
        self.texture = board_texture(self.pattern)
        self._map: tuple[np.ndarray, np.ndarray] | None = None
        self._poses: dict[int, np.ndarray] = {}
        self.frame_no = 0
        self._due = 0.0

    def truth(self) -> tuple[np.ndarray, np.ndarray]:
        """(camera matrix, distortion coefficients) the frames are made with."""
        return self.matrix.copy(), self.distortion.copy()

    def open(self) -> CameraInfo:
        mode = CameraMode("RGB3", self.size[0], self.size[1], self.fps)
        self._due = time.monotonic()
        return CameraInfo(self.spec.text, "synthetic", (mode,), mode, backend="synthetic")

    def _lens_map(self) -> tuple[np.ndarray, np.ndarray]:
        """For each pixel of the picture, where in the ideal (straight-line) image its light came from."""
        if self._map is None:
            w, h = self.size
            xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
            points = np.stack([xs.ravel(), ys.ravel()], axis=1).reshape(-1, 1, 2)
            ideal = cv2.undistortPoints(points, self.matrix, self.distortion, P=self.matrix).reshape(h, w, 2)
            self._map = (np.ascontiguousarray(ideal[..., 0]), np.ascontiguousarray(ideal[..., 1]))
        return self._map

    def _homography(self, pose_no: int) -> np.ndarray:
        """Board texture pixels → ideal image pixels for the pose-th angle (seeded, spread over the view:
        tilted up to 35°, turned, near the middle and towards each corner, so the lens's edges are seen)."""
        if pose_no not in self._poses:
            rng = np.random.default_rng(self.seed * 7919 + pose_no)
            tilt = math.radians(35)
            rx, ry = rng.uniform(-tilt, tilt), rng.uniform(-tilt, tilt)
            rz = rng.uniform(-math.pi / 6, math.pi / 6)
            cols = self.pattern[0] + 1
            width_units = cols + 2 * MARGIN_SQUARES
            f = self.matrix[0, 0]
            distance = f * width_units / (self.size[0] * rng.uniform(0.45, 0.7))  # the board fills half or more
            spot = [(0, 0), (-1, -1), (1, -1), (1, 1), (-1, 1), (0, -1), (1, 0), (0, 1), (-1, 0)][pose_no % 9]
            reach = 0.16 * distance * self.size[0] / f
            centre = np.array([spot[0] * reach, spot[1] * reach * 0.75, distance])
            r = rotation(rx, ry, rz)
            # board units (squares) centred on the board → camera coordinates → ideal pixels
            to_board = np.array([[1 / SQUARE_PX, 0, -(self.texture.shape[1] / SQUARE_PX) / 2],
                                 [0, 1 / SQUARE_PX, -(self.texture.shape[0] / SQUARE_PX) / 2], [0, 0, 1]])
            extrinsic = np.column_stack([r[:, 0], r[:, 1], centre])
            self._poses[pose_no] = self.matrix @ extrinsic @ to_board
        return self._poses[pose_no]

    def render(self, frame_no: int) -> np.ndarray:
        w, h = self.size
        pad = int(0.35 * max(w, h))  # barrel distortion brings in light from beyond the ideal frame
        shift = np.array([[1, 0, pad], [0, 1, pad], [0, 0, 1]], np.float64)
        ideal = cv2.warpPerspective(self.texture, shift @ self._homography(frame_no // self.hold),
                                    (w + 2 * pad, h + 2 * pad), flags=cv2.INTER_AREA,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=(120, 118, 112))
        mx, my = self._lens_map()
        frame = cv2.remap(ideal, mx + pad, my + pad, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=(120, 118, 112))
        rng = np.random.default_rng(self.seed * 104729 + frame_no)
        noise = rng.normal(0.0, 2.0, frame.shape[:2] + (1,))
        return np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)

    def read(self) -> np.ndarray | None:
        self._due = pace(self._due, 1.0 / self.fps)
        frame = self.render(self.frame_no)
        self.frame_no += 1
        return frame
