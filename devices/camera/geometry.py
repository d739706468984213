"""Quadrilaterals: corner order, area, overlap (IoU), line fitting and intersection. Pure numpy + OpenCV.

A quad is a ``(4, 2)`` float array of ``(x, y)`` image pixels (y grows downwards), ordered clockwise as seen
on screen starting from the top-left corner. ``as_quad`` turns it into the plain tuples of
``core.ports.camera.Quad``.
"""

from __future__ import annotations

import cv2
import numpy as np


def order_corners(points: np.ndarray) -> np.ndarray:
    """Orders four points clockwise on screen, starting with the one nearest the top-left (smallest x + y)."""
    pts = np.asarray(points, dtype=np.float64).reshape(4, 2)
    centre = pts.mean(axis=0)
    # y grows downwards, so increasing atan2(dy, dx) runs clockwise on screen.
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def as_quad(points: np.ndarray | None) -> tuple | None:
    if points is None:
        return None
    return tuple((float(x), float(y)) for x, y in np.asarray(points, dtype=np.float64).reshape(4, 2))


def area(quad: np.ndarray) -> float:
    """Polygon area (shoelace), always positive."""
    q = np.asarray(quad, dtype=np.float64).reshape(-1, 2)
    x, y = q[:, 0], q[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def is_convex(quad: np.ndarray) -> bool:
    q = np.asarray(quad, dtype=np.float64).reshape(4, 2)
    cross = []
    for i in range(4):
        a, b, c = q[i], q[(i + 1) % 4], q[(i + 2) % 4]
        cross.append((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]))
    cross = np.array(cross)
    return bool(np.all(cross > 0) or np.all(cross < 0))


def iou(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Intersection over union of two convex quads (0.0 when either is missing or not convex)."""
    if a is None or b is None:
        return 0.0
    qa = order_corners(a).astype(np.float32)
    qb = order_corners(b).astype(np.float32)
    if not (is_convex(qa) and is_convex(qb)):
        return 0.0
    inter, _ = cv2.intersectConvexConvex(qa, qb)
    union = area(qa) + area(qb) - inter
    return float(inter / union) if union > 0 else 0.0


def side_lengths(quad: np.ndarray) -> np.ndarray:
    q = np.asarray(quad, dtype=np.float64).reshape(4, 2)
    return np.linalg.norm(q - np.roll(q, -1, axis=0), axis=1)


def line_through(points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Total-least-squares line through points as (point, unit direction); None if fewer than two points.

    The direction is the principal axis of the points' 2×2 covariance, in closed form (no SVD: this runs
    thousands of times per second in the preview)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 2:
        return None
    centre = pts.mean(axis=0)
    d = pts - centre
    sxx = float(np.dot(d[:, 0], d[:, 0]))
    syy = float(np.dot(d[:, 1], d[:, 1]))
    sxy = float(np.dot(d[:, 0], d[:, 1]))
    angle = 0.5 * np.arctan2(2.0 * sxy, sxx - syy)
    return centre, np.array([np.cos(angle), np.sin(angle)])


def robust_line(points: np.ndarray, *, tolerance: float, rounds: int = 2,
                welsch: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
    """A line through points that ignores outliers (a finger over the edge, a rounded corner, a text stroke).

    ``cv2.fitLine`` with the Welsch M-estimator (outliers far from the line get no weight at all; plain
    least squares with ``welsch=False``, for points already near the line), then refitted on the points
    within ``tolerance`` of that line, or the better half of them, whichever is more.
    """
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    if len(pts) < 2:
        return None
    if welsch:
        vx, vy, x0, y0 = cv2.fitLine(pts, cv2.DIST_WELSCH, 0, 0.01, 0.01).ravel()
        centre, direction = np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)
    else:
        first = line_through(pts)
        if first is None:
            return None
        centre, direction = first
    for _ in range(rounds - 1):
        dist = np.abs((pts - centre) @ np.array([-direction[1], direction[0]]))
        cut = max(tolerance, float(np.partition(dist, len(dist) // 2)[len(dist) // 2]))
        keep = pts[dist <= cut]
        if len(keep) < max(3, len(pts) // 3):
            break
        refit = line_through(keep)
        if refit is None:
            break
        centre, direction = refit
    return centre, direction


def intersect(l1: tuple[np.ndarray, np.ndarray], l2: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    """Where two (point, direction) lines cross; None when they are (nearly) parallel."""
    p1, d1 = l1
    p2, d2 = l2
    denom = d1[0] * d2[1] - d1[1] * d2[0]
    if abs(denom) < 1e-6:
        return None
    t = ((p2[0] - p1[0]) * d2[1] - (p2[1] - p1[1]) * d2[0]) / denom
    return p1 + t * d1


def quad_from_lines(lines: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray | None:
    """Corners of the quad whose sides lie on ``lines`` (side i runs from corner i to corner i+1)."""
    corners = []
    for i in range(4):
        point = intersect(lines[i - 1], lines[i])
        if point is None:
            return None
        corners.append(point)
    return np.array(corners)


def side_points(quad: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` points along each side (from 6 % to 94 % of it), side after side: (4·count, 2); the outward
    unit normal at each, (4·count, 2); and each side's unit direction, (4, 2)."""
    q = np.asarray(quad, dtype=np.float64).reshape(4, 2)
    step = np.roll(q, -1, axis=0) - q
    direction = step / np.maximum(1e-9, np.linalg.norm(step, axis=1))[:, None]
    outward = np.stack([direction[:, 1], -direction[:, 0]], axis=1)  # clockwise on screen: on the left
    t = np.linspace(0.06, 0.94, count)
    points = (q[:, None, :] + step[:, None, :] * t[None, :, None]).reshape(-1, 2)
    return points, np.repeat(outward, count, axis=0), direction


def side_samples(quad: np.ndarray, count: int, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample coordinates across each side: arrays (4·count, len(offsets)) of x and y (outward positive)."""
    points, normal, _ = side_points(quad, count)
    offsets = np.asarray(offsets, dtype=np.float64)
    xs = points[:, 0:1] + normal[:, 0:1] * offsets[None, :]
    ys = points[:, 1:2] + normal[:, 1:2] * offsets[None, :]
    return xs.astype(np.float32), ys.astype(np.float32)
