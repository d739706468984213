"""Page candidates from straight lines: for a page whose outline is broken where it meets the desk.

White paper on a white desk in full light has no visible edge on some stretch of a side, and a hard shadow
crossing it joins its outline to the shadow's: no region-based segmentation then encloses the page. Its
sides are still long straight edges where they show. ``line_quads(edges)``:

1. finds straight segments (probabilistic Hough transform on the thin edge map, at half scale) and
   merges those on one line;
2. groups the lines by direction; within a group, a page's two opposite sides are its *outermost* lines
   (text rows and table rules run parallel to them, but inside), so only the few lines at either end of
   each group are paired;
3. intersects a pair of one group with a pair of another that crosses it at a plausible angle.

Scoring (detect.py) decides between these quads and the regions' candidates, as for any candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera import geometry

GROUP_DEG = 12.0  # lines within this angle of a group's first line belong to it (perspective, a tilted page)
GROUPS = 4  # directions kept (by the total length of their lines)
ENDS = 2  # lines taken from each end of a group
MIN_CROSS_DEG = 55.0  # adjacent sides meet at no sharper angle than this


@dataclass
class _Line:
    """A line in normal form: the points (x, y) with x·cos(theta) + y·sin(theta) = rho, theta in [0, pi)."""

    theta: float
    rho: float
    length: float


def _angle_between(a: float, b: float) -> float:
    d = abs(a - b) % math.pi
    return math.degrees(min(d, math.pi - d))


def _offset(line: _Line, theta: float) -> float:
    """``rho`` of ``line`` measured against the normal at ``theta`` (flipped when theta is across 0/pi)."""
    return line.rho if abs(line.theta - theta) < math.pi / 2 else -line.rho


def _lines(edges: np.ndarray) -> list[_Line]:
    """Straight segments found at half the working scale (cheap; the sides are refined later anyway), those
    on one line merged, in full working-scale pixels."""
    half = cv2.resize(edges, (edges.shape[1] // 2, edges.shape[0] // 2), interpolation=cv2.INTER_AREA)
    half = np.where(half > 0, 255, 0).astype(np.uint8)
    short = min(half.shape)
    segments = cv2.HoughLinesP(half, 1, np.pi / 180, threshold=int(0.08 * short),
                               minLineLength=0.15 * short, maxLineGap=0.03 * short)
    if segments is None:
        return []
    tolerance = 0.006 * short + 1.0
    x1, y1, x2, y2 = (2.0 * segments.reshape(-1, 4).astype(np.float64) + 0.5).T
    length = np.hypot(x2 - x1, y2 - y1)
    theta = (np.arctan2(y2 - y1, x2 - x1) + math.pi / 2) % math.pi  # the normal's angle
    rho = x1 * np.cos(theta) + y1 * np.sin(theta)
    # Segment j joins the first line (named by the segment that began it) within 2° and 2·tolerance of it.
    apart = np.abs(theta[:, None] - theta[None, :])
    same_side = apart < math.pi / 2
    angle = np.degrees(np.minimum(apart % math.pi, math.pi - apart % math.pi))
    offset = np.where(same_side, rho[:, None], -rho[:, None])  # line i's rho against segment j's normal
    joins = (angle < 2.0) & (np.abs(offset - rho[None, :]) < 2 * tolerance)  # [line i, segment j]
    founder = np.zeros(len(theta), bool)
    line_of: dict[int, _Line] = {}
    for j in range(len(theta)):
        first = np.flatnonzero(joins[:j, j] & founder[:j])
        if len(first):
            line_of[int(first[0])].length += float(length[j])
        else:
            founder[j] = True
            line_of[j] = _Line(float(theta[j]), float(rho[j]), float(length[j]))
    merged = list(line_of.values())
    return merged


def _groups(lines: list[_Line]) -> list[list[_Line]]:
    groups: list[list[_Line]] = []
    for line in sorted(lines, key=lambda item: item.length, reverse=True):
        for group in groups:
            if _angle_between(group[0].theta, line.theta) < GROUP_DEG:
                group.append(line)
                break
        else:
            groups.append([line])
    return groups


def _pairs(group: list[_Line], min_gap: float) -> list[tuple[_Line, _Line]]:
    """The outermost lines' pairs of a group: by offset along the group's normal, the first and last
    ``ENDS`` lines, each pair far enough apart."""
    theta = group[0].theta
    ordered = sorted(group, key=lambda line: _offset(line, theta))
    low, high = ordered[:ENDS], ordered[-ENDS:]
    return [(a, b) for a in low for b in high
            if a is not b and abs(_offset(b, theta) - _offset(a, theta)) >= min_gap]


def _meet(p: _Line, q: _Line) -> tuple[float, float] | None:
    cp, sp, cq, sq = math.cos(p.theta), math.sin(p.theta), math.cos(q.theta), math.sin(q.theta)
    det = cp * sq - sp * cq
    if abs(det) < 1e-6:
        return None
    return (p.rho * sq - q.rho * sp) / det, (cp * q.rho - cq * p.rho) / det


def line_quads(edges: np.ndarray, *, min_area: float) -> list[np.ndarray]:
    """Quadrilaterals whose four sides lie on long straight edges of ``edges`` (a thin binary edge map),
    each convex, inside the picture and of at least ``min_area`` pixels, clockwise from the top-left."""
    h, w = edges.shape
    groups = sorted((g for g in _groups(_lines(edges)) if len(g) >= 2), key=lambda g: sum(l.length for l in g),
                    reverse=True)[:GROUPS]  # a check cloth has lines in many directions: the main ones
    quads = []
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            if _angle_between(groups[i][0].theta, groups[j][0].theta) < MIN_CROSS_DEG:
                continue
            for a, b in _pairs(groups[i], 0.1 * min(h, w)):
                for c, d in _pairs(groups[j], 0.1 * min(h, w)):
                    corners = [_meet(a, c), _meet(c, b), _meet(b, d), _meet(d, a)]  # in order round
                    if any(p is None or not (-2 < p[0] < w + 1 and -2 < p[1] < h + 1) for p in corners):
                        continue
                    if _convex_area(corners) >= min_area:
                        quads.append(geometry.order_corners(np.array(corners)))
    return quads


def _convex_area(corners: list[tuple[float, float]]) -> float:
    """The area of four corners taken in order round, or 0 when they do not make a convex quadrilateral."""
    crosses = []
    for k in range(4):
        (x0, y0), (x1, y1), (x2, y2) = corners[k], corners[(k + 1) % 4], corners[(k + 2) % 4]
        crosses.append((x1 - x0) * (y2 - y1) - (y1 - y0) * (x2 - x1))
    if not (all(c > 0 for c in crosses) or all(c < 0 for c in crosses)):
        return 0.0
    return abs(sum(corners[k][0] * corners[(k + 1) % 4][1] - corners[(k + 1) % 4][0] * corners[k][1]
                   for k in range(4))) / 2
