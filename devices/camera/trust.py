"""Whether a found outline can be trusted (``is_sure``): the rules that turn a doubtful frame into "not sure"
rather than a wrong outline presented as right. See devices/camera/detect.py for the whole pipeline.

A wrong outline the finder is sure of is the worst outcome (the capture crops part of the document away);
"not sure" keeps the whole frame and loses nothing. So the outline must pass every test, each a different
cue from the contrast along its sides that won it the choice:

- its sides are well supported (``SURE_SCORE``) and the picture's edge does not cut it off;
- it is not smaller than the smallest document a document camera frames (``MIN_SURE_AREA``);
- **what it holds is paper** (``paper_like``: the median of a grid of samples over its middle), and paper
  **nearly all over** (``paper_share``): an outline that took in a hand, a phone, a magazine's photograph
  or the desk beside the page has four sharp sides too, but much of what it holds is not paper;
- it is **not a dark block inside a lighter sheet** (``dark_block``): an ID card's photo, a shaded table or
  a stamp box is darker than what surrounds it on every side, and surrounded by paper. A small dark
  quad with paper all round is part of a sheet, not the sheet;
- **no side runs along glare** (``glare_side``): a window's reflection on glossy paper is a streak of
  clipped white with sharp sides; a side laid along it has the streak outside, brighter than the paper
  inside, and the page goes on beyond it.
"""

from __future__ import annotations

import cv2
import numpy as np

from devices.camera import geometry

SURE_SCORE = 0.7  # below this the page is reported, but as unsure
MIN_SURE_AREA = 0.025  # of the frame: an ID-1 card (85.6 × 54 mm) in an A3 field of view is 3.7 %
GREY_CHROMA = 16  # |a| + |b| at or below which the middle of a quad is white or grey paper …
GREY_LIGHTNESS = 70  # … if its Lab L (0..255) is at least this (grey paper under a hard shadow)
PAPER_LIGHTNESS = 110  # Lab L (0..255) at or above which a tinted middle can be paper (a pale card, a form)
PAPER_CHROMA = 40  # |a| + |b| at or below which it can be
PAPER_SHARE = 0.75  # of the samples over a sure quad's middle that must look like paper (not skin)
DARK_STEP = 12.0  # Lab L by which a dark block is darker than its surroundings on every side …
GLARE_LIGHTNESS = 245  # Lab L (0..255) at or above which a colourless sample is clipped glare …
GLARE_STEP = 12.0  # … when it is this much brighter than just inside the side …
GLARE_SHARE = 1 / 3  # … along this share of a side
DARK_BLOCK_AREA = 0.08  # … and the frame's share it stays under, for it to be taken as part of a sheet


def middle_samples(lab: np.ndarray, quad: np.ndarray, *, grid: int = 16) -> np.ndarray:
    """Lab samples (grid², 3) over the middle 80 % of ``quad`` (bilinear between its sides)."""
    u = np.linspace(0.1, 0.9, grid, dtype=np.float32)
    uu, vv = np.meshgrid(u, u)
    q = np.asarray(quad, np.float32)
    top = q[0] + (q[1] - q[0]) * uu[..., None]
    bottom = q[3] + (q[2] - q[3]) * uu[..., None]
    points = top + (bottom - top) * vv[..., None]
    return cv2.remap(lab, points[..., 0], points[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE).reshape(-1, 3).astype(np.float32)


def _paper(lightness: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """Colourless and not dark (white or grey paper, even in a shadow), or light and of little colour."""
    return ((chroma <= GREY_CHROMA) & (lightness >= GREY_LIGHTNESS)) | \
        ((lightness >= PAPER_LIGHTNESS) & (chroma <= PAPER_CHROMA))


def paper_like(lab: np.ndarray, quad: np.ndarray) -> bool:
    """Whether the inside of ``quad`` looks like paper (the median of the samples over its middle). A dark
    header band, a phone, a coffee mug or a magazine's photograph has four sharp sides as well, but is not
    the document."""
    samples = middle_samples(lab, quad)
    lightness = np.array([np.median(samples[:, 0])])
    chroma = np.array([np.median(np.abs(samples[:, 1] - 128) + np.abs(samples[:, 2] - 128))])
    return bool(_paper(lightness, chroma)[0])


def paper_share(lab: np.ndarray, quad: np.ndarray) -> float:
    """The share of the samples over the middle of ``quad`` that look like paper and not like skin (the
    skin rule of devices/camera/candidates.py): a hand is light and of little colour too."""
    samples = middle_samples(lab, quad)
    lightness, a, b = samples[:, 0], samples[:, 1] - 128, samples[:, 2] - 128
    chroma = np.abs(a) + np.abs(b)
    skin = (a > 3) & (a < 40) & (b > 6) & (b < 48) & (lightness > 50) & (chroma > GREY_CHROMA)
    return float((_paper(lightness, chroma) & ~skin).mean())


def side_bands(lab: np.ndarray, quad: np.ndarray, *, near: float = 4, far: float = 9,
               count: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Per side (4, count, 3): the median Lab colour of a band from ``near`` to ``far`` pixels inside the
    side and of one as far outside it."""
    offsets = np.concatenate([-np.arange(near, far + 1), np.arange(near, far + 1)]).astype(np.float32)
    xs, ys = geometry.side_samples(quad, count, offsets)  # as the scoring samples
    samples = cv2.remap(lab, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    k = len(offsets) // 2
    inside = np.median(samples[:, :k], axis=1).reshape(4, count, 3)
    outside = np.median(samples[:, k:], axis=1).reshape(4, count, 3)
    return inside, outside


def dark_block(lab: np.ndarray, quad: np.ndarray) -> bool:
    """Whether ``quad`` is a small block darker than what surrounds it on every side, with paper all round
    it: an ID card's photo, a shaded table, a stamp box — part of a sheet, not the sheet. (A grey sheet on
    a white desk is darker than the desk too, but a sheet is larger than ``DARK_BLOCK_AREA``.)"""
    h, w = lab.shape[:2]
    if geometry.area(quad) >= DARK_BLOCK_AREA * h * w:
        return False
    inside, outside = side_bands(lab, quad)
    step = (inside[..., 0] - outside[..., 0]).mean(axis=1)
    if not np.all(step <= -DARK_STEP):
        return False
    around = outside.reshape(-1, 3)
    chroma = np.abs(around[:, 1] - 128) + np.abs(around[:, 2] - 128)
    return bool(_paper(around[:, 0], chroma).mean() >= 0.5)


def glare_side(lab: np.ndarray, quad: np.ndarray) -> bool:
    """Whether a side of ``quad`` has clipped, colourless glare just outside it, brighter than the inside,
    along ``GLARE_SHARE`` of its length: the side lies along a reflection's streak, not the page's edge."""
    inside, outside = side_bands(lab, quad)
    chroma = np.abs(outside[..., 1] - 128) + np.abs(outside[..., 2] - 128)
    glare = (outside[..., 0] >= GLARE_LIGHTNESS) & (chroma <= GREY_CHROMA) & \
        (outside[..., 0] - inside[..., 0] >= GLARE_STEP)
    return bool(np.any(glare.mean(axis=1) >= GLARE_SHARE))


def touches_border(quad: np.ndarray, size: np.ndarray, *, within: float = 0.01) -> bool:
    """Whether a corner lies on (or beyond) the edge of the picture: a sheet the view cuts off."""
    near = within * float(max(size))
    return bool(np.any(quad < near) or np.any(quad > np.asarray(size, np.float64) - 1 - near))


def is_sure(chosen: tuple[float, str, np.ndarray], lab: np.ndarray) -> bool:
    """Whether the chosen quad (score, method, working-scale corners) can be trusted: every test of the
    module's docstring passes."""
    score, _, quad = chosen
    h, w = lab.shape[:2]
    size = np.array([w, h], np.float64)
    if score < SURE_SCORE or geometry.area(quad) < MIN_SURE_AREA * w * h or touches_border(quad, size):
        return False
    if not paper_like(lab, quad) or paper_share(lab, quad) < PAPER_SHARE:
        return False
    return not dark_block(lab, quad) and not glare_side(lab, quad)
