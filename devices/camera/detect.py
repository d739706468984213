"""Finding the page: its four corners in a camera frame, and whether to trust them. Pure functions on numpy
RGB arrays.

``detect(image)`` works in four steps:

1. **Candidates at working scale** (the frame shrunk by an integer factor to about 640 px, INTER_AREA, so
   a 5 MP frame costs a few milliseconds), from several segmentations, because no single one works on
   every desk (devices/camera/candidates.py):
   - *paper*: bright and colourless (L − 2·chroma in Lab, Otsu threshold): paper on wood and dark pads, and a
     finger on the page only cuts a notch into it, which the convex hull closes;
   - *desk*: colour distance from the desk, whose colour is the median of the frame's border ring (Otsu);
   - *edges*: Canny on lightness and both chroma channels, flood-filled from the border: whatever the flood
     cannot reach is enclosed by an outline. Soft shadows and uneven light have no sharp edges, so this
     finds white paper on a light desk;
   - *relative*: the same with Canny on the logarithm of lightness as well (a step relative to the light on
     it: a faint outline in a hard shadow's shade), the chains grown to close small gaps and left out of
     the region (a shadow's edge touching the page would hang off it);
   - *-skin* copies of the desk and edge masks with skin (and a margin round it) cut out: a finger holding
     an edge down otherwise joins the page;
   - *outline*: the edge chains themselves, for an outline with a gap the flood leaked through.
   Each region's convex hull is reduced to four vertices (Douglas-Peucker with a growing tolerance) and,
   when it has a fifth, each corner in turn is put back by extending its neighbouring sides (a corner cut
   off by a finger or folded); each side is then refitted as a trimmed line through the region's outline
   points near it (a notch, a rounded corner drop out), and the lines are intersected.
2. **Scoring**: every candidate is moved onto the nearest strong colour step along each side, then scored by
   the colour contrast across its four sides (Lab samples just inside and just outside, at many points along
   each side), where the colour just inside must also be that of its neighbours along the side (paper, not
   the checks of a cloth). A real page edge has paper on one side and desk on the other nearly everywhere;
   a shadow boundary, a table line inside a form or a side running over the desk does not. The weakest
   side counts half, so three good sides cannot carry a wrong fourth. ``choose`` takes the best, ranked
   lower the further it lies from the middle of the view, when the picture cuts it off, or when its inside
   does not look like paper; a larger candidate holding it wins if it scores nearly as well (a barcode
   block, an ID photo or a dark header band has sharp sides too).
3. **Straight lines, when the regions do not convince** (no sure winner scoring ``CONVINCING``):
   quadrilaterals from the long straight edges of the frame (devices/camera/lines.py) join the
   candidates. White paper on a white desk shows its sides only in stretches; no region encloses it.
4. **Refinement at full scale**: along each side of the winner, short profiles across the edge are sampled
   from the full-resolution frame (one ``cv2.remap``), the strongest colour step on each is located to a
   fraction of a pixel, and a robust line fit (Welsch: a finger's edge gets no weight) through those points
   gives the final side. This recovers the precision the working scale lost (it matters for ID cards, a few
   hundred pixels across).

The result says whether it is **sure** (``is_sure``, devices/camera/trust.py): well supported sides, paper
inside and nearly all over, not cut off by the picture's edge, not smaller than an ID card can be, not a
small dark block with paper all round (an ID card's photo), no side along a glare streak. ``find_page`` returns only sure quads; a capture
of an unsure frame keeps the whole frame, and the preview draws no outline (devices/camera/service.py).

``track(image, previous)`` is the preview's fast path (step 4 on the last quad, kept if it still scores).
``find_page_baseline`` is the textbook approach (grey, Gaussian blur, Canny, largest contour that
approximates to four points), kept as the benchmark's baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera import geometry
from devices.camera.candidates import candidates, relative_edges
from devices.camera.lines import line_quads
from devices.camera.trust import MIN_SURE_AREA, SURE_SCORE, is_sure, paper_like, touches_border

WORK_SIZE = 640  # the working image's longer side, roughly
CONVINCING = 0.9  # a sure region candidate scoring this much is taken without looking for straight lines
FAINT_CANNY = (10, 24)  # Canny thresholds on log-lightness for the straight-line search
LINE_QUADS = 6  # straight-line candidates refined and scored (the best by a quick score)
CENTRE_WEIGHT = 0.15  # score given up per half-diagonal away from the middle of the view
SMOOTH_TOLERANCE = 10.0  # colour difference allowed between neighbouring samples just inside a side
NOT_PAPER_PENALTY = 0.3  # rank given up by a quad whose inside does not look like paper
BORDER_PENALTY = 0.3  # rank given up by a sheet the edge of the picture cuts off


@dataclass(frozen=True)
class Detection:
    quad: np.ndarray  # (4, 2) float, full-frame pixels, clockwise from the top-left
    score: float  # 0..1: contrast support along the four sides
    method: str  # which segmentation found it
    sure: bool = True  # False: an outline was found but may be wrong (``is_sure``); captures keep the frame


def work_factor(shape: tuple[int, ...], work_size: int = WORK_SIZE) -> int:
    return max(1, int(round(max(shape[0], shape[1]) / work_size)))


def shrink(image: np.ndarray, factor: int) -> np.ndarray:
    """The mean of each ``factor`` × ``factor`` block (INTER_AREA). Halving is done in steps while the
    factor is even: OpenCV's 2 × 2 area path is several times faster than the general one, and the mean of
    means of equal blocks is the mean (up to rounding)."""
    while factor % 2 == 0 and factor > 1:
        h, w = image.shape[:2]
        image = cv2.resize(image[: h - h % 2, : w - w % 2], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        factor //= 2
    if factor == 1:
        return image
    h, w = image.shape[:2]
    return cv2.resize(image, (w // factor, h // factor), interpolation=cv2.INTER_AREA)


# --- scoring ------------------------------------------------------------------------------------------


def score_quad(lab: np.ndarray, quad: np.ndarray, *, count: int = 24, gap: float = 2.0) -> float:
    """0..1: how much of each side has clearly different colour inside and outside (weakest side weighs most)."""
    return float(score_quads(lab, [quad], count=count, gap=gap)[0])


def score_quads(lab: np.ndarray, quads: list[np.ndarray], *, count: int = 24, gap: float = 2.0) -> np.ndarray:
    """``score_quad`` of many quads at once (one ``cv2.remap`` for all their samples)."""
    if not len(quads):
        return np.zeros(0)
    offsets = np.array([-gap - 1, -gap, gap, gap + 1], np.float32)
    coords = [geometry.side_samples(quad, count, offsets) for quad in quads]
    xs, ys = np.vstack([c[0] for c in coords]), np.vstack([c[1] for c in coords])
    samples = cv2.remap(lab, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    inside = samples[:, :2].mean(axis=1)
    outside = samples[:, 2:].mean(axis=1)
    diff = inside - outside
    contrast = np.sqrt(0.5 * diff[:, 0] ** 2 + diff[:, 1] ** 2 + diff[:, 2] ** 2)
    support = (contrast > 7.0) & _smooth_inside(inside.reshape(-1, count, 3)).ravel()
    support = support.reshape(len(quads), 4, count).mean(axis=2)
    return 0.5 * support.mean(axis=1) + 0.5 * support.min(axis=1)


def _smooth_inside(inside: np.ndarray, *, window: int = 2, tolerance: float = SMOOTH_TOLERANCE) -> np.ndarray:
    """Per sample (sides × count): whether the colour just inside the side is that of its neighbours along
    the side (within ``tolerance``). Inside a page's edge there is paper, whose colour changes only slowly
    (uneven light); a side laid along a check of a patterned cloth or the grain of a desk has the pattern's
    other colours coming and going on both sides."""
    count = inside.shape[1]
    padded = np.concatenate([inside[:, :1].repeat(window, axis=1), inside, inside[:, -1:].repeat(window, axis=1)],
                            axis=1)
    stack = np.stack([padded[:, k:k + count] for k in range(2 * window + 1)], axis=0)
    local = np.median(stack, axis=0)
    dev = inside - local
    return np.sqrt(0.5 * dev[..., 0] ** 2 + dev[..., 1] ** 2 + dev[..., 2] ** 2) <= tolerance


# --- refinement at full scale -------------------------------------------------------------------------


def refine(image: np.ndarray, quad: np.ndarray, *, reach: float, count: int = 48, welsch: bool = True) -> np.ndarray:
    """Moves each side onto the strongest colour step within ``reach`` pixels of it (at full resolution for
    the final answer; at working scale, with a cheaper trimmed fit, for every candidate)."""
    offsets = np.arange(-reach, reach + 1, 1.0, dtype=np.float32)
    base, normal, direction = geometry.side_points(quad, count)
    xs = (base[:, 0:1] + normal[:, 0:1] * offsets[None, :]).astype(np.float32)
    ys = (base[:, 1:2] + normal[:, 1:2] * offsets[None, :]).astype(np.float32)
    profiles = cv2.remap(image, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    profiles = cv2.GaussianBlur(profiles, (3, 1), 0)  # along the profile only
    step = np.linalg.norm(profiles[:, 2:] - profiles[:, :-2], axis=2)  # central difference, all channels
    rows = np.arange(len(step))
    best = np.argmax(step, axis=1)
    peak = step[rows, best]
    # Sub-pixel: vertex of the parabola through the peak and its neighbours.
    inner = np.clip(best, 1, step.shape[1] - 2)
    left, mid, right = step[rows, inner - 1], step[rows, inner], step[rows, inner + 1]
    denom = left - 2 * mid + right
    shift = np.where(np.abs(denom) > 1e-6, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    position = offsets[0] + 1 + inner + np.clip(shift, -0.5, 0.5)
    points = (base + normal * position[:, None]).reshape(4, count, 2)
    peaks = peak.reshape(4, count)
    strong = peaks > np.maximum(6.0, 0.35 * np.median(peaks, axis=1))[:, None]
    lines = []
    for i in range(4):
        line = (geometry.robust_line(points[i][strong[i]], tolerance=1.5, rounds=2 if welsch else 3, welsch=welsch)
                if strong[i].sum() >= count // 4 else None)
        lines.append(line if line is not None else (quad[i], direction[i]))
    refined = geometry.quad_from_lines(lines)
    if refined is None or not geometry.is_convex(refined):
        return quad
    if np.max(np.linalg.norm(refined - quad, axis=1)) > 3 * reach:
        return quad
    return geometry.order_corners(refined)


# --- the pipeline --------------------------------------------------------------------------------------


def _holds(outer: np.ndarray, inner: np.ndarray) -> bool:
    """Whether ``outer`` is larger and holds (nine tenths of) ``inner``."""
    outer_area, inner_area = geometry.area(outer), geometry.area(inner)
    return outer_area > 1.02 * inner_area and geometry.iou(outer, inner) * outer_area >= 0.9 * inner_area


def choose(scored: list[tuple[float, str, np.ndarray]], *, min_score: float, margin: float = 0.1,
           centre: np.ndarray | None = None, reach: float = 1.0,
           lab: np.ndarray | None = None) -> tuple[float, str, np.ndarray] | None:
    """The page among scored candidates.

    - The best score wins, less ``CENTRE_WEIGHT`` per half-diagonal (``reach``) its middle lies from the
      ``centre`` of the capture area: with several sheets in view (a magazine at the edge, a second page)
      the one laid in the middle is the document, not whichever has the strongest edges.
    - Unless a larger candidate that holds it scores nearly as well (within ``margin``; within 0.05 when
      it is under a tenth larger): a barcode block, an ID photo, a form's table or a dark header band has
      sharp sides too, but it lies inside the page, and the page is what was photographed."""
    good = [c for c in scored if c[0] >= min_score]
    if not good:
        return None

    def rank(c: tuple[float, str, np.ndarray]) -> float:
        if centre is None:
            return c[0]
        penalty = BORDER_PENALTY if touches_border(c[2], 2 * centre) else 0.0
        if lab is not None and not paper_like(lab, c[2]):
            penalty += NOT_PAPER_PENALTY
        return c[0] - penalty - CENTRE_WEIGHT * float(np.linalg.norm(c[2].mean(axis=0) - centre)) / reach

    best = max(good, key=rank)
    changed = True
    while changed:
        changed = False
        best_area = geometry.area(best[2])
        for candidate in good:
            slack = margin if geometry.area(candidate[2]) > 1.1 * best_area else 0.05
            if candidate[0] >= best[0] - slack and _holds(candidate[2], best[2]):
                best, changed = candidate, True
                break
    return best


def _scored(small: np.ndarray, lab: np.ndarray,
            found: list[tuple[str, np.ndarray]]) -> list[tuple[float, str, np.ndarray]]:
    """Each candidate moved onto the nearest colour steps (``refine`` at working scale), then scored."""
    refined = [refine(small, quad, reach=6.0, count=24, welsch=False) for _, quad in found]
    scores = score_quads(lab, refined)
    return [(float(score), name, quad) for score, (name, _), quad in zip(scores, found, refined)]


def detect(image: np.ndarray, *, work_size: int = WORK_SIZE, min_score: float = 0.55,
           full_refine: bool = True, thorough: bool = True) -> Detection | None:
    """The best page quad in an RGB frame, or None when nothing page-like has enough edge support.

    ``thorough=False`` skips the *relative* regions and the straight-line search (step 3): the preview,
    which runs on every frame while pages slide in and out, keeps its frame rate; a capture searches
    thoroughly."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("expected an RGB image (H, W, 3)")
    factor = work_factor(image.shape, work_size)
    small = shrink(image, factor)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab)
    found, thin = candidates(lab, relative=thorough)
    scored = _scored(small, lab, found)
    h, w = small.shape[:2]
    place = {"centre": np.array([w, h]) / 2.0, "reach": float(np.hypot(w, h)) / 2, "lab": lab}
    chosen = choose(scored, min_score=min_score, **place)
    if thorough and (chosen is None or chosen[0] < CONVINCING or not is_sure(chosen, lab)):
        # Straight-line quads (lines.py) are many and cost more: only when the regions did not convince.
        # A quick score on fewer points picks the few worth refining.
        # Fainter edges count here (a blurred page on a white desk): Hough wants only their straight runs.
        thin |= relative_edges(cv2.GaussianBlur(lab[..., 0], (5, 5), 0), FAINT_CANNY)
        lined = line_quads(thin, min_area=MIN_SURE_AREA * h * w)
        quick = score_quads(lab, lined, count=10)
        lined = [lined[i] for i in np.argsort(-quick, kind="stable")[:LINE_QUADS]]
        scored += _scored(small, lab, [("lines", quad) for quad in lined])
        chosen = choose(scored, min_score=min_score, **place)
    if chosen is None:
        return None
    sure = is_sure(chosen, lab)
    score, name, quad = chosen
    # Working-scale pixel centres sit at factor·(x + 0.5) − 0.5 in the full frame.
    full = (quad + 0.5) * factor - 0.5
    if full_refine:
        full = refine(image, full, reach=2.0 * factor + 4)
    return Detection(quad=full, score=score, method=name, sure=sure)


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
    """The page's corners, or None when there is no page or the finder is not sure of it."""
    found = detect(image, **kwargs)
    return None if found is None or not found.sure else found.quad


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
