"""The demo's simulated document camera: the ``synthetic:`` source of ``devices.camera.sources``.

Sample documents (``simulators.camera_scenes``) slide onto a desk, lie still and slide away, as a citizen's
papers do under a real document camera. Importing this module registers the ``synthetic:`` kind, so a
camera spec such as ``synthetic:?doc=a4&desk=light&size=1920x1080&fps=20&seed=3&still=2.5&drop_after=40``
opens it through the same capture service as a real camera; ``drop_after`` and ``drop_s`` unplug it for a
while, to test reconnection. ``synthetic:?board=9x6&k1=-0.28`` is a calibration chessboard seen through a
distorting lens instead (simulators/camera_board.py).
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from core.errors import ConfigError, DeviceNotFound
from core.ports.camera import CameraInfo, CameraMode
from devices.camera.sources import FrameSource, SourceSpec, pace, register_source
from simulators import camera_scenes


class SyntheticSource(FrameSource):
    """Sample documents slide onto a desk, lie still for ``still`` seconds, slide away; then the next.

    Frames are a pure function of the frame number (deterministic for tests). The desk, its light and the
    still frame are rendered once per document, so a 1080p stream costs a warp only while a page moves.
    """

    CYCLE = ("a4", "id_front", "id_back", "receipt")
    ENTER_S, LEAVE_S, GAP_S = 0.6, 0.6, 0.4

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.size = spec.size((1920, 1080))
        self.fps = spec.number("fps", 20.0)
        self.still_s = spec.number("still", 2.5)
        doc = spec.options.get("doc", spec.target or "cycle")
        if doc != "cycle" and doc not in camera_scenes.DOCUMENTS:
            raise ConfigError(f"camera source {spec.text!r}: doc must be cycle or one of "
                              f"{', '.join(camera_scenes.DOCUMENTS)}", setting="devices.camera", problem="unknown doc")
        self.documents = self.CYCLE if doc == "cycle" else (doc,)
        self.desk = spec.options.get("desk", "wood")
        if self.desk not in camera_scenes.DESKS:
            raise ConfigError(f"camera source {spec.text!r}: desk must be one of {', '.join(camera_scenes.DESKS)}",
                              setting="devices.camera", problem="unknown desk")
        self.seed = int(spec.number("seed", 1))
        self.drop_after = int(spec.number("drop_after", 0))
        self.drop_s = spec.number("drop_s", 1.0)
        self.frame_no = 0
        self._unplugged_until = 0.0
        self._dropped = False
        self._scenes: dict[int, tuple[np.ndarray, ...]] = {}
        self._still: dict[int, np.ndarray] = {}
        self._due = 0.0

    def open(self) -> CameraInfo:
        if time.monotonic() < self._unplugged_until:
            raise DeviceNotFound("synthetic camera unplugged", device="camera")
        mode = CameraMode("RGB3", self.size[0], self.size[1], self.fps)
        self._due = time.monotonic()
        return CameraInfo(self.spec.text, "synthetic", (mode,), mode, backend="synthetic")

    @property
    def period_s(self) -> float:
        return self.ENTER_S + self.still_s + self.LEAVE_S + self.GAP_S

    def _scene(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(desk with its light, uint8; document RGBA; resting corners; light field) for the index-th document."""
        if index not in self._scenes:
            if len(self._scenes) > 4:
                self._scenes.clear()
                self._still.clear()
            scene = camera_scenes.Scene(document=self.documents[index % len(self.documents)], desk=self.desk,
                                    size=self.size, uneven=True, seed=self.seed * 1000 + index)
            rng = np.random.default_rng(scene.seed)
            desk = camera_scenes.desk_image(scene.desk, scene.size, rng)
            corners = camera_scenes.place(scene, rng)
            light = camera_scenes.lighting(scene, corners, rng)[..., None]
            desk *= light
            desk += rng.normal(0.0, 2.0, desk.shape[:2] + (1,)).astype(np.float32)
            self._scenes[index] = (np.clip(desk, 0, 255).astype(np.uint8), camera_scenes.render_document(scene.document),
                                   corners, light)
        return self._scenes[index]

    def corners_at(self, frame_no: int) -> tuple[int, np.ndarray | None]:
        """Which document and where its corners are at a frame (None: between documents)."""
        t = frame_no / self.fps
        index = int(t // self.period_s)
        phase = t - index * self.period_s
        rest = self._scene(index)[2]
        offstage = np.array([self.size[0] * 1.1, -0.2 * self.size[1]])
        if phase < self.ENTER_S:
            k = 1.0 - phase / self.ENTER_S
        elif phase < self.ENTER_S + self.still_s:
            k = 0.0
        elif phase < self.ENTER_S + self.still_s + self.LEAVE_S:
            k = (phase - self.ENTER_S - self.still_s) / self.LEAVE_S
        else:
            return index, None
        return index, rest + offstage * (k * k)

    def render(self, frame_no: int) -> np.ndarray:
        index, corners = self.corners_at(frame_no)
        desk, doc, rest, light = self._scene(index)
        if corners is None:
            return desk
        still = np.array_equal(corners, rest)
        if still and index in self._still:
            return self._still[index]
        frame = desk.copy()
        dh, dw = doc.shape[:2]
        w, h = self.size
        src = np.array([[0, 0], [dw, 0], [dw, dh], [0, dh]], np.float32)
        x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int), 0, [w, h])
        x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + 1, 0, [w, h])
        if x1 > x0 and y1 > y0:  # warp and blend only the page's bounding box
            shifted = (corners - [x0, y0]).astype(np.float32)
            matrix = cv2.getPerspectiveTransform(src, shifted)
            warped = cv2.warpPerspective(doc, matrix, (int(x1 - x0), int(y1 - y0)), flags=cv2.INTER_LINEAR)
            alpha = warped[..., 3:].astype(np.float32) * (0.93 / 255.0)  # paper a touch darker than white
            box = frame[y0:y1, x0:x1].astype(np.float32)
            paper = warped[..., :3].astype(np.float32) * light[y0:y1, x0:x1]
            frame[y0:y1, x0:x1] = np.clip(box * (1 - alpha / 0.93) + paper * alpha, 0, 255).astype(np.uint8)
        if still:
            self._still[index] = frame
        return frame

    def read(self) -> np.ndarray | None:
        self._due = pace(self._due, 1.0 / self.fps)
        now = time.monotonic()
        if now < self._unplugged_until:
            return None
        if self.drop_after and not self._dropped and self.frame_no >= self.drop_after:
            self._dropped = True
            self._unplugged_until = now + self.drop_s
            return None
        frame = self.render(self.frame_no)
        self.frame_no += 1
        return frame


def synthetic_source(spec: SourceSpec) -> FrameSource:
    """``synthetic:?board=…`` is the calibration board (simulators/camera_board.py); any other, the documents."""
    if "board" in spec.options:
        from simulators.camera_board import BoardSource

        return BoardSource(spec)
    return SyntheticSource(spec)


register_source("synthetic", synthetic_source)
