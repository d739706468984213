"""Finding the page: its four corners in a camera frame. Pure functions on numpy RGB arrays.

``find_page(image)`` works in three steps:

1. **Candidates at working scale** (the frame shrunk by an integer factor to about 640 px, INTER_AREA, so
   a 5 MP frame costs a few milliseconds). Several segmentations each give page-shaped regions, because no
   single one works on every desk:
   - *paper*: bright and colourless (L − 2·chroma in Lab, Otsu threshold): paper on wood and dark pads, and a
     finger on the page only cuts a notch into it, which the convex hull closes;
   - *desk*: colour distance from the desk, whose colour is the median of the frame's border ring (Otsu);
   - *edges*: Canny on lightness and both chroma channels, flood-filled from the border: whatever the flood
     cannot reach is enclosed by an outline. Soft shadows and uneven light have no sharp edges, so this is
     the one that finds white paper on a light desk;
   - *-skin* copies of the desk and edge masks with skin (and a margin round it) cut out: a finger holding
     an edge down otherwise joins the page;
   - *outline*: the edge chains themselves, for an outline with a gap the flood leaked through.
   Each region's convex hull is reduced to four vertices (Douglas-Peucker with a growing tolerance) and,
   when it has a fifth, each corner in turn is put back by extending its neighbouring sides (a corner cut
   off by a finger or folded); each side is then refitted as a trimmed line through the region's outline
   points near it (a notch, a rounded corner drop out), and the lines are intersected.
2. **Scoring**: every candidate is moved onto the nearest strong colour step along each side, then scored by
   the colour contrast across its four sides (Lab samples just inside and just outside, at many points along
   each side). A real page edge has paper on one side and desk on the other nearly everywhere; a shadow
   boundary, a table line inside a form or a side running over the desk does not. The weakest side counts
   half, so three good sides cannot carry a wrong fourth. The best wins, unless a larger candidate holding
   it scores nearly as well (``choose``): a barcode block or an ID photo has sharp sides too.
3. **Refinement at full scale**: along each side of the winner, short profiles across the edge are sampled
   from the full-resolution frame (one ``cv2.remap``), the strongest colour step on each is located to a
   fraction of a pixel, and a robust line fit (Welsch: a finger's edge gets no weight) through those points
   gives the final side. This recovers the precision the working scale lost (it matters for ID cards, a few
   hundred pixels across).

``track(image, previous)`` is the preview's fast path (step 3 on the last quad, kept if it still scores).
``find_page_baseline`` is the textbook approach (grey, Gaussian blur, Canny, largest contour that
approximates to four points), kept as the benchmark's baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera import geometry

WORK_SIZE = 640  # the working image's longer side, roughly


@dataclass(frozen=True)
class Detection:
    quad: np.ndarray  # (4, 2) float, full-frame pixels, clockwise from the top-left
    score: float  # 0..1: contrast support along the four sides
    method: str  # which segmentation found it


def work_factor(shape: tuple[int, ...], work_size: int = WORK_SIZE) -> int:
    return max(1, int(round(max(shape[0], shape[1]) / work_size)))


def shrink(image: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return image
    h, w = image.shape[:2]
    return cv2.resize(image, (w // factor, h // factor), interpolation=cv2.INTER_AREA)


# --- candidates -----------------------------------------------------------------------------------------


def _masks(lab: np.ndarray) -> list[tuple[str, np.ndarray]]:
    h, w = lab.shape[:2]
    lightness = lab[..., 0].astype(np.int16)
    a = lab[..., 1].astype(np.int16) - 128
    b = lab[..., 2].astype(np.int16) - 128
    chroma = np.abs(a) + np.abs(b)
    masks = []

    paper = np.clip(lightness - 2 * chroma, 0, 255).astype(np.uint8)
    _, m = cv2.threshold(paper, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(("paper", m))

    ring = max(2, int(0.03 * min(h, w)))
    border = np.concatenate([lab[:ring:2, ::2].reshape(-1, 3), lab[-ring::2, ::2].reshape(-1, 3),
                             lab[::2, :ring:2].reshape(-1, 3), lab[::2, -ring::2].reshape(-1, 3)])
    desk = np.median(border, axis=0).astype(np.float32)
    diff = lab.astype(np.float32) - desk
    distance = np.sqrt(0.5 * diff[..., 0] ** 2 + diff[..., 1] ** 2 + diff[..., 2] ** 2)
    distance = np.clip(distance * (255.0 / max(1.0, float(distance.max()))), 0, 255).astype(np.uint8)
    _, m = cv2.threshold(distance, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(("desk", m))

    smooth = cv2.GaussianBlur(lab, (5, 5), 0)
    edges = cv2.Canny(smooth[..., 0], 18, 40)
    # A pale-blue card on a grey desk differs more in colour than in lightness.
    for channel in (1, 2):
        edges |= cv2.Canny(cv2.convertScaleAbs(smooth[..., channel], alpha=2.0, beta=-128.0), 18, 40)
    edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    flood = edges.copy()
    fill_mask = np.zeros((h + 2, w + 2), np.uint8)
    for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
        if flood[y, x] == 0:
            cv2.floodFill(flood, fill_mask, (x, y), 128)
    enclosed = np.where(flood == 128, 0, 255).astype(np.uint8)
    masks.append(("edges", enclosed))

    # A finger or hand on the page joins it in the desk and edge masks; skin (reddish-yellow, mid to bright)
    # is cut out of copies of them. Copies, because a beige or brown document would vanish with it.
    skin = (a > 3) & (a < 40) & (b > 6) & (b < 48) & (lightness > 50)
    if skin.mean() > 0.002:
        # Grown by a few pixels, so the finger's own outline (its Canny edges) and the shadow it casts go
        # with it.
        skin = cv2.dilate(skin.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (13, 13)))
        keep = np.where(skin > 0, 0, 255).astype(np.uint8)
        masks += [(f"{name}-skin", cv2.bitwise_and(m, keep)) for name, m in masks[1:]]
    # Last, so that a region found by the masks above wins the de-duplication: the outline chains
    # themselves, for a page whose outline has a gap (the flood then fills it, but the chain still
    # runs round it).
    masks.append(("outline", edges))
    return masks


def _collapse_to_four(poly: np.ndarray) -> np.ndarray | None:
    """A polygon with a corner cut off (a finger over it, a dog-ear) back to four corners: the shortest
    edge is dropped and its neighbours extended until they meet, until four vertices are left."""
    pts = [p for p in np.asarray(poly, dtype=np.float64).reshape(-1, 2)]
    while len(pts) > 4:
        n = len(pts)
        lengths = [np.linalg.norm(pts[(i + 1) % n] - pts[i]) for i in range(n)]
        i = int(np.argmin(lengths))
        before = (pts[i - 1], pts[i] - pts[i - 1])
        after = (pts[(i + 1) % n], pts[(i + 2) % n] - pts[(i + 1) % n])
        meet = geometry.intersect(before, after)
        if meet is None or np.linalg.norm(meet - (pts[i] + pts[(i + 1) % n]) / 2) > 2.0 * max(lengths):
            return None
        pts[i] = meet
        del pts[(i + 1) % n]
    return np.array(pts)


def _refit_sides(quad: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """Each side of ``quad`` refitted as a trimmed least-squares line through the outline points near it."""
    lines = []
    for i in range(4):
        a, c = quad[i], quad[(i + 1) % 4]
        length = np.linalg.norm(c - a)
        if length < 4:
            return None
        direction = (c - a) / length
        normal = np.array([-direction[1], direction[0]])
        rel = points - a
        along = rel @ direction
        across = np.abs(rel @ normal)
        near = points[(across < max(2.0, 0.03 * length)) & (along > 0.1 * length) & (along < 0.9 * length)]
        line = geometry.robust_line(near, tolerance=1.5, rounds=3, welsch=False) if len(near) >= 6 else None
        lines.append(line if line is not None else (a, direction))
    refined = geometry.quad_from_lines(lines)
    if refined is None or not geometry.is_convex(refined):
        return quad
    if np.max(np.linalg.norm(refined - quad, axis=1)) > 0.2 * np.sqrt(geometry.area(quad)):
        return quad
    return geometry.order_corners(refined)


def _fit_quads(contour: np.ndarray) -> list[np.ndarray]:
    """Four-corner fits for a page-shaped outline, sides refitted on the outline:

    - the hull simplified (Douglas-Peucker, growing tolerance) until four vertices are left;
    - the hull at a fine tolerance with a corner put back: for a pentagon each edge in turn is dropped and
      its neighbours extended until they meet (a corner cut off by a finger, a dog-ear); for more
      vertices the shortest edges go first;
    - the minimum-area rectangle when neither works.
    Scoring decides between them."""
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    shapes = []
    for eps in (0.01, 0.02, 0.03, 0.045, 0.06, 0.08, 0.1):
        poly = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(poly) == 4:
            shapes.append(poly.reshape(4, 2).astype(np.float64))
            break
        if len(poly) < 4:
            break
    fine = cv2.approxPolyDP(hull, 0.015 * perimeter, True).reshape(-1, 2).astype(np.float64)
    if len(fine) == 5:  # one corner cut off: which one is for the scoring to say, so try each
        for i in range(5):
            before = (fine[i - 1], fine[i] - fine[i - 1])
            after = (fine[(i + 1) % 5], fine[(i + 2) % 5] - fine[(i + 1) % 5])
            meet = geometry.intersect(before, after)
            if meet is None:
                continue
            shape = np.array([meet if k == i else fine[k] for k in range(5) if k != (i + 1) % 5])
            if geometry.is_convex(shape) and geometry.area(shape) < 1.5 * geometry.area(fine):
                shapes.append(shape)
    elif 5 < len(fine) <= 8:
        collapsed = _collapse_to_four(fine)
        if collapsed is not None and geometry.is_convex(collapsed):
            shapes.append(collapsed)
    if not shapes:
        shapes.append(cv2.boxPoints(cv2.minAreaRect(contour)).astype(np.float64))
    points = contour.reshape(-1, 2).astype(np.float64)
    quads = []
    for shape in shapes:
        quad = _refit_sides(geometry.order_corners(shape), points)
        if quad is not None:
            quads.append(quad)
    return quads


def _candidates(lab: np.ndarray) -> list[tuple[str, np.ndarray]]:
    h, w = lab.shape[:2]
    min_area = 0.012 * h * w
    found: list[tuple[str, np.ndarray]] = []
    boxes: list[np.ndarray] = []
    for name, mask in _masks(lab):
        if name != "outline":
            size = 9 if name.endswith("-skin") else 5  # what is left of a finger's outline is thin
            mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        # Ranked by the area of their hull: an outline chain is thin, its own area says nothing.
        ranked = sorted(((cv2.contourArea(cv2.convexHull(c)), c) for c in contours if len(c) >= 8),
                        key=lambda pair: pair[0], reverse=True)
        keep = 4 if name == "outline" else 2
        for hull_area, contour in ranked[:keep]:
            if hull_area < min_area:
                break
            box = np.array(cv2.boundingRect(contour), np.float64)
            # Several masks often find the same outline: fit and score it once.
            if any(np.max(np.abs(box - other)) <= 1.0 for other in boxes):
                continue
            boxes.append(box)
            for quad in _fit_quads(contour):
                if geometry.area(quad) > 0.97 * h * w:
                    continue
                if any(np.max(np.abs(quad - other)) < 3.0 for _, other in found):
                    continue
                found.append((name, quad))
    return found


# --- scoring ------------------------------------------------------------------------------------------


def _side_samples(quad: np.ndarray, count: int, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample coordinates across each side: arrays (4·count, len(offsets)) of x and y (outward positive)."""
    xs, ys = [], []
    t = np.linspace(0.06, 0.94, count)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        direction = (b - a) / max(1e-9, np.linalg.norm(b - a))
        outward = np.array([direction[1], -direction[0]])  # clockwise on screen: outward is on the left
        points = a + (b - a) * t[:, None]
        xs.append(points[:, 0:1] + outward[0] * offsets[None, :])
        ys.append(points[:, 1:2] + outward[1] * offsets[None, :])
    return np.vstack(xs).astype(np.float32), np.vstack(ys).astype(np.float32)


def score_quad(lab: np.ndarray, quad: np.ndarray, *, count: int = 24, gap: float = 2.0) -> float:
    """0..1: how much of each side has clearly different colour inside and outside (weakest side weighs most)."""
    offsets = np.array([-gap - 1, -gap, gap, gap + 1], np.float32)
    xs, ys = _side_samples(quad, count, offsets)
    samples = cv2.remap(lab, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    inside = samples[:, :2].mean(axis=1)
    outside = samples[:, 2:].mean(axis=1)
    diff = inside - outside
    contrast = np.sqrt(0.5 * diff[:, 0] ** 2 + diff[:, 1] ** 2 + diff[:, 2] ** 2)
    support = (contrast > 7.0).reshape(4, count).mean(axis=1)
    return float(0.5 * support.mean() + 0.5 * support.min())


# --- refinement at full scale -------------------------------------------------------------------------


def refine(image: np.ndarray, quad: np.ndarray, *, reach: float, count: int = 48, welsch: bool = True) -> np.ndarray:
    """Moves each side onto the strongest colour step within ``reach`` pixels of it (at full resolution for
    the final answer; at working scale, with a cheaper trimmed fit, for every candidate)."""
    offsets = np.arange(-reach, reach + 1, 1.0, dtype=np.float32)
    xs, ys = _side_samples(quad, count, offsets)
    profiles = cv2.remap(image, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    profiles = cv2.GaussianBlur(profiles, (3, 1), 0)  # along the profile only
    step = np.linalg.norm(profiles[:, 2:] - profiles[:, :-2], axis=2)  # central difference, all channels
    best = np.argmax(step, axis=1)
    peak = step[np.arange(len(best)), best]
    # Sub-pixel: vertex of the parabola through the peak and its neighbours.
    inner = np.clip(best, 1, step.shape[1] - 2)
    left = step[np.arange(len(best)), inner - 1]
    mid = step[np.arange(len(best)), inner]
    right = step[np.arange(len(best)), inner + 1]
    denom = left - 2 * mid + right
    shift = np.where(np.abs(denom) > 1e-6, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    position = offsets[0] + 1 + inner + np.clip(shift, -0.5, 0.5)
    lines = []
    for i in range(4):
        rows = slice(i * count, (i + 1) * count)
        a, b = quad[i], quad[(i + 1) % 4]
        direction = (b - a) / max(1e-9, np.linalg.norm(b - a))
        outward = np.array([direction[1], -direction[0]])
        t = np.linspace(0.06, 0.94, count)
        base = a + (b - a) * t[:, None]
        points = base + outward * position[rows, None]
        strong = peak[rows] > max(6.0, 0.35 * float(np.median(peak[rows])))
        line = (geometry.robust_line(points[strong], tolerance=1.5, rounds=2 if welsch else 3, welsch=welsch)
                if strong.sum() >= count // 4 else None)
        lines.append(line if line is not None else (a, direction))
    refined = geometry.quad_from_lines(lines)
    if refined is None or not geometry.is_convex(refined):
        return quad
    if np.max(np.linalg.norm(refined - quad, axis=1)) > 3 * reach:
        return quad
    return geometry.order_corners(refined)


# --- the pipeline --------------------------------------------------------------------------------------


def choose(scored: list[tuple[float, str, np.ndarray]], *, min_score: float,
           margin: float = 0.1) -> tuple[float, str, np.ndarray] | None:
    """The page among scored candidates: the best score, unless a larger candidate that holds it scores
    nearly as well. A barcode block, an ID photo or a form's table has sharp sides too, but it lies inside
    the page, and the page is what was photographed."""
    good = [c for c in scored if c[0] >= min_score]
    if not good:
        return None
    best = max(good, key=lambda c: c[0])
    changed = True
    while changed:
        changed = False
        best_area = geometry.area(best[2])
        for candidate in good:
            area = geometry.area(candidate[2])
            if area <= 1.1 * best_area or candidate[0] < best[0] - margin:
                continue
            inside = geometry.iou(candidate[2], best[2]) * area  # IoU × the larger area = the smaller's share
            if inside >= 0.9 * best_area:
                best, changed = candidate, True
                break
    return best



def detect(image: np.ndarray, *, work_size: int = WORK_SIZE, min_score: float = 0.55,
           full_refine: bool = True) -> Detection | None:
    """The best page quad in an RGB frame, or None when nothing page-like has enough edge support."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("expected an RGB image (H, W, 3)")
    factor = work_factor(image.shape, work_size)
    small = shrink(image, factor)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab)
    scored = []
    for name, quad in _candidates(lab):
        quad = refine(small, quad, reach=6.0, count=24, welsch=False)
        scored.append((score_quad(lab, quad), name, quad))
    chosen = choose(scored, min_score=min_score)
    if chosen is None:
        return None
    score, name, quad = chosen
    # Working-scale pixel centres sit at factor·(x + 0.5) − 0.5 in the full frame.
    full = (quad + 0.5) * factor - 0.5
    if full_refine:
        full = refine(image, full, reach=2.0 * factor + 4)
    return Detection(quad=full, score=score, method=name)


def track(image: np.ndarray, previous: np.ndarray, *, work_size: int = WORK_SIZE,
          min_score: float = 0.8) -> Detection | None:
    """The page near where it was in the previous frame (the preview's fast path): the old quad is
    refined onto this frame's edges and kept if its sides still have contrast; None sends the caller back
    to a full ``detect``."""
    factor = work_factor(image.shape, work_size)
    small = shrink(image, factor)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab)
    quad = (np.asarray(previous, dtype=np.float64).reshape(4, 2) + 0.5) / factor - 0.5
    quad = refine(small, quad, reach=6.0, count=32)
    score = score_quad(lab, quad)
    if score < min_score:
        return None
    full = refine(image, (quad + 0.5) * factor - 0.5, reach=2.0 * factor + 4)
    return Detection(quad=full, score=score, method="track")


def find_page(image: np.ndarray, **kwargs) -> np.ndarray | None:
    found = detect(image, **kwargs)
    return None if found is None else found.quad


def find_page_baseline(image: np.ndarray, *, height: int = 500) -> np.ndarray | None:
    """The textbook scanner: resize to 500 px high, grey, 5×5 Gaussian blur, Canny(75, 200), contours by
    area, the first that approximates (2 % of its perimeter) to four points."""
    ratio = image.shape[0] / float(height)
    small = cv2.resize(image, (int(round(image.shape[1] / ratio)), height))
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    grey = cv2.GaussianBlur(grey, (5, 5), 0)
    edged = cv2.Canny(grey, 75, 200)
    contours, _ = cv2.findContours(edged, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        approx = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(approx) == 4:
            return geometry.order_corners(approx.reshape(4, 2) * ratio)
    return None
