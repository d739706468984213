"""Page-shaped candidates at working scale (step 1 of ``detect.detect``): several segmentations of the
frame, each region's outline fitted with four corners. See devices/camera/detect.py for the whole pipeline.
"""

from __future__ import annotations

import cv2
import numpy as np

from devices.camera import geometry

_SQUARE3, _SQUARE5, _SQUARE7 = (cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)) for k in (3, 5, 7))
LOG_GAIN = 200.0  # log-lightness scale: a 4 % step at any light level is a step of 8
LOG_CANNY = (24, 56)  # Canny thresholds on the log-lightness gradient (Sobel 3×3, L2)


# --- candidates -----------------------------------------------------------------------------------------


def masks(lab: np.ndarray, *, relative: bool = True) -> list[tuple[str, np.ndarray]]:
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
    thin = relative_edges(smooth[..., 0])
    # A pale-blue card on a grey desk differs more in colour than in lightness.
    for channel in (1, 2):
        chroma_edges = cv2.Canny(cv2.convertScaleAbs(smooth[..., channel], alpha=2.0, beta=-128.0), 18, 40)
        edges |= chroma_edges
        thin |= chroma_edges
    masks.append(("edges", _enclosed(cv2.dilate(edges, _SQUARE3), keep_chains=True)))
    # Steps relative to the light falling on them as well (white paper on a white desk in a shadow's
    # shade), the chains grown by two pixels (a gap of a pixel or two where a shadow's edge crosses a faint
    # outline would let the flood in), and the chains themselves left out: a shadow's edge touching the
    # page would otherwise hang off it as a spur and widen its hull.
    if relative:
        masks.append(("relative", _enclosed(cv2.dilate(thin | edges, _SQUARE5), keep_chains=False)))
    edges = cv2.dilate(edges, _SQUARE3)

    # A finger or hand on the page joins it in the desk and edge masks; skin (reddish-yellow, mid to bright)
    # is cut out of copies of them. Copies, because a beige or brown document would vanish with it.
    skin = (a > 3) & (a < 40) & (b > 6) & (b < 48) & (lightness > 50)
    if skin.mean() > 0.002:
        # Grown by a few pixels, so the finger's own outline (its Canny edges) and the shadow it casts go
        # with it.
        skin = cv2.dilate(skin.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (13, 13)))
        keep = np.where(skin > 0, 0, 255).astype(np.uint8)
        masks += [(f"{name}-skin", cv2.bitwise_and(m, keep)) for name, m in masks[0:3]]
    # Last, so that a region found by the masks above wins the de-duplication: the outline chains
    # themselves, for a page whose outline has a gap (the flood then fills it, but the chain still
    # runs round it).
    masks.append(("outline", edges))
    masks.append(("lines", thin))  # not a region: the straight stretches of the outlines (lines.py)
    return masks


def _enclosed(barrier: np.ndarray, *, keep_chains: bool) -> np.ndarray:
    """What a flood from the picture's corners cannot reach past ``barrier`` (edge chains): the insides of
    closed outlines, with the chains themselves (``keep_chains``) or without them, grown back by three
    pixels so that areas a chain separated (a header band and the rest of the page) join."""
    h, w = barrier.shape
    flood = barrier.copy()
    fill_mask = np.zeros((h + 2, w + 2), np.uint8)
    for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
        if flood[y, x] == 0:
            cv2.floodFill(flood, fill_mask, (x, y), 128)
    if keep_chains:
        return np.where(flood == 128, 0, 255).astype(np.uint8)
    return cv2.dilate(np.where(flood == 0, 255, 0).astype(np.uint8), _SQUARE7)


def relative_edges(lightness: np.ndarray, thresholds: tuple[int, int] = LOG_CANNY, *,
                   gain: float = LOG_GAIN) -> np.ndarray:
    """Canny on the logarithm of lightness: a step is measured relative to the light falling on it, so
    white paper on a white desk keeps its faint outline in the shade of a hard shadow as in full light."""
    log = cv2.log(lightness.astype(np.float32) + 8.0) * gain
    dx = cv2.Sobel(log, cv2.CV_32F, 1, 0, ksize=3)
    dy = cv2.Sobel(log, cv2.CV_32F, 0, 1, ksize=3)
    clip = np.float32(32000)
    return cv2.Canny(np.clip(dx, -clip, clip).astype(np.int16), np.clip(dy, -clip, clip).astype(np.int16),
                     thresholds[0], thresholds[1], L2gradient=True)


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


def _box_area(contour: np.ndarray) -> int:
    _, _, w, h = cv2.boundingRect(contour)
    return w * h


def candidates(lab: np.ndarray, *, relative: bool = True) -> tuple[list[tuple[str, np.ndarray]], np.ndarray]:
    """Four-corner candidates of the regions the masks find, named by mask, and the thin edge map (for
    ``lines.line_quads``, which the caller runs only when these are not convincing: it costs more).
    ``relative=False`` leaves out the regions of relative edges (the preview's quick search)."""
    h, w = lab.shape[:2]
    thin = np.zeros((h, w), np.uint8)
    min_area = 0.012 * h * w
    found: list[tuple[str, np.ndarray]] = []
    boxes: list[np.ndarray] = []
    for name, mask in masks(lab, relative=relative):
        if name == "lines":
            thin = mask
            continue
        if name != "outline":
            size = 9 if name.endswith("-skin") else 5  # what is left of a finger's outline is thin
            mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        # Ranked by the area of their hull: an outline chain is thin, its own area says nothing.
        # (A hull is no larger than the bounding box: most contours, specks and text, end there.)
        large = [c for c in contours if len(c) >= 8 and _box_area(c) >= min_area]
        ranked = sorted(((cv2.contourArea(cv2.convexHull(c)), c) for c in large), key=lambda pair: pair[0],
                        reverse=True)
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
    return found, thin
