"""What happens to a page once it is found: flatten, deskew, clean up; and how sharp a frame is.

All pure functions on numpy arrays (RGB uint8 in, RGB or grey uint8 out):

- ``flatten(image, quad)``: perspective warp of the quad to an upright rectangle whose sides are the quad's
  longer opposite sides (no resolution is thrown away);
- ``text_direction(page)``: a page photographed a quarter turn round is turned back;
- ``upside_down(page)``: a page lying upside down is turned the right way up when its headline says so
  (forms, notices and receipts put their tallest line — a title, a dark header band — at the top);
- ``deskew(page)``: finds the angle of the text lines (projection profiles of the inked pixels over
  ±``max_deg``, coarse then fine) and rotates it away; a flattened page from a tilted camera or a form
  printed askew comes out level;
- ``remove_shadows(page)``: divides the page by its own illumination (a large max-filter and median blur
  of the lightness, which sees through text), so shadows, uneven light and a yellowish paper tint go white;
- ``black_and_white(page)``: the shadow-free lightness thresholded (Otsu), the classic photocopy look;
- ``focus_measure(image, quad)``: variance of the Laplacian of the page region resized to a fixed 512 px,
  so values compare across resolutions (blurred frames score low).
- ``clean_page(image, quad, cleanup)`` chains them for a capture.
"""

from __future__ import annotations

import cv2
import numpy as np

from devices.camera import geometry
from core.ports.camera import Cleanup

FOCUS_SIZE = 512
ID1_ASPECT = 85.6 / 54.0  # ISO/IEC 7810 ID-1: resident ID cards, bank cards


def flatten(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    q = geometry.order_corners(quad).astype(np.float32)
    sides = geometry.side_lengths(q)
    width = int(round(max(sides[0], sides[2])))
    height = int(round(max(sides[1], sides[3])))
    if width < 8 or height < 8:
        raise ValueError("quad too small to flatten")
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(q, target)
    return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def _ink(grey: np.ndarray) -> np.ndarray:
    """Inked pixels (text, lines) as 1.0, on a grey image already shrunk."""
    norm = _normalise(grey)
    _, ink = cv2.threshold(norm, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink.astype(np.float32)


def _profile_energy(ink: np.ndarray, angle: float) -> float:
    h, w = ink.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rotated.sum(axis=1)
    return float(np.var(rows))


def skew_angle(page: np.ndarray, *, max_deg: float = 6.0) -> float:
    """The rotation (degrees, counter-clockwise positive as in OpenCV) that levels the text lines."""
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    scale = 600.0 / max(grey.shape)
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = _ink(grey)
    if ink.mean() < 0.002 or ink.mean() > 0.5:  # blank, or not text
        return 0.0
    coarse = np.arange(-max_deg, max_deg + 0.01, 0.5)
    best = max(coarse, key=lambda a: _profile_energy(ink, a))
    fine = np.arange(best - 0.5, best + 0.51, 0.1)
    return float(max(fine, key=lambda a: _profile_energy(ink, a)))


def _line_energy(profile: np.ndarray) -> float:
    """How strongly a projection profile alternates at text-line pitch (its slow trend removed)."""
    k = max(3, len(profile) // 12)
    trend = np.convolve(profile, np.ones(k) / k, mode="same")
    return float(np.var(profile - trend))


def text_direction(page: np.ndarray) -> str:
    """``horizontal`` or ``vertical`` when the page's text lines clearly run that way, else ``unclear``.

    Ink is projected on rows and on columns; lines of text make one of the two profiles alternate between
    lines and gaps. Chinese characters sit on a square grid, so both alternate somewhat: only a clear
    (2×) difference counts."""
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    scale = 600.0 / max(grey.shape)
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = _ink(grey)
    if ink.mean() < 0.002 or ink.mean() > 0.5:
        return "unclear"
    rows = _line_energy(ink.mean(axis=1))
    cols = _line_energy(ink.mean(axis=0))
    if rows > 2.0 * cols:
        return "horizontal"
    if cols > 2.0 * rows:
        return "vertical"
    return "unclear"


def _text_lines(ink: np.ndarray) -> list[tuple[int, int]]:
    """(first row, height) of each band of inked rows: text lines, a header band, a rule."""
    rows = ink.mean(axis=1) > 0.02  # a table's vertical rules alone do not make a line
    lines, start = [], None
    for y, inked in enumerate(np.append(rows, False)):
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            lines.append((start, y - start))
            start = None
    return lines


def upside_down(page: np.ndarray, *, ratio: float = 1.4) -> bool:
    """True when the page is clearly upside down: its tallest inked band (a title, a header band) lies in
    the bottom part of the page and is at least ``ratio`` times taller than any band in the top part.

    Forms, notices, receipts and ID cards written horizontally (GB/T 9704 for official documents: title
    and issuer at the head of the page) put their tallest line near the top; body lines are of one
    height. Red ink (a seal, stamped at the foot) is left out. A page where neither end clearly dominates
    (blank, a photo, body text only) is left as it is."""
    scale = min(1.0, 600.0 / max(page.shape[:2]))
    if scale < 1.0:
        page = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    ink = _ink(grey)
    if page.ndim == 3:  # a red seal is stamped at the foot of a form: it is not a line of text
        rgb = page.astype(np.int16)
        ink[(rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2])) > 60] = 0
    if ink.mean() < 0.002 or ink.mean() > 0.5:
        return False
    lines = [(y, height) for y, height in _text_lines(ink) if height >= 3]
    if len(lines) < 3:
        return False
    first, last = lines[0][0], lines[-1][0] + lines[-1][1]
    zone = 0.3 * (last - first)
    top = max((height for y, height in lines if y < first + zone), default=0)
    bottom = max((height for y, height in lines if y + height > last - zone), default=0)
    return top > 0 and bottom >= ratio * top


def rotate(page: np.ndarray, angle: float) -> np.ndarray:
    h, w = page.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(page, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def deskew(page: np.ndarray, *, max_deg: float = 6.0, min_deg: float = 0.3) -> tuple[np.ndarray, float]:
    angle = skew_angle(page, max_deg=max_deg)
    if abs(angle) < min_deg:
        return page, 0.0
    return rotate(page, angle), angle


def _illumination(grey: np.ndarray) -> np.ndarray:
    """The page's light level at every pixel, without the ink (computed small, then enlarged)."""
    h, w = grey.shape
    scale = 400.0 / max(h, w)
    small = cv2.resize(grey, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    k = max(3, int(round(max(small.shape) / 60)) | 1)
    background = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    background = cv2.medianBlur(background, 2 * k + 1 if 2 * k + 1 <= 255 else 255)
    background = cv2.GaussianBlur(background, (0, 0), k).astype(np.float32)
    # A large dark area (an ID photo, a black block) is content, not shadow: a shadow seldom takes over
    # 40 % of the light, so the estimate is never let below 60 % of the brightest paper.
    background = np.maximum(background, 0.6 * float(np.percentile(background, 95)))
    return cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)


def _normalise(grey: np.ndarray) -> np.ndarray:
    light = np.maximum(_illumination(grey), 1.0)
    return np.clip(grey.astype(np.float32) / light * 245.0, 0, 255).astype(np.uint8)


def remove_shadows(page: np.ndarray) -> np.ndarray:
    """Evens out the light: every channel divided by the page's illumination, paper scaled to near white."""
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    light = np.maximum(_illumination(grey), 1.0)
    gain = 245.0 / light
    if page.ndim == 3:
        gain = gain[..., None]
    return np.clip(page.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def black_and_white(page: np.ndarray) -> np.ndarray:
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    norm = _normalise(grey)
    _, bw = cv2.threshold(norm, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return bw


def focus_measure(image: np.ndarray, quad: np.ndarray | None = None) -> float:
    """Variance of the Laplacian over the page (or the whole frame), at a fixed 512 px scale."""
    region = image
    if quad is not None:
        q = np.asarray(quad, dtype=np.float64).reshape(4, 2)
        x0, y0 = np.maximum(np.floor(q.min(axis=0)).astype(int), 0)
        x1, y1 = np.ceil(q.max(axis=0)).astype(int)
        # The middle of the bounding box: the page's own content, not its edge against the desk.
        dx, dy = (x1 - x0) // 6, (y1 - y0) // 6
        region = image[y0 + dy:max(y0 + dy + 2, y1 - dy), x0 + dx:max(x0 + dx + 2, x1 - dx)]
    grey = region if region.ndim == 2 else cv2.cvtColor(region, cv2.COLOR_RGB2GRAY)
    scale = FOCUS_SIZE / max(grey.shape)
    grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def clean_page(image: np.ndarray, quad: np.ndarray | None, cleanup: Cleanup | str = Cleanup.COLOUR,
               *, straighten: bool = True) -> np.ndarray:
    """Flatten (when a quad was found), deskew, then clean up as asked."""
    page = flatten(image, quad) if quad is not None else image
    if straighten:
        # A quarter turn (which way round cannot be told without reading it): text lines that clearly run
        # up and down are turned level; a card-shaped page in portrait whose text is not clearly level is
        # turned too, because ID-1 cards are landscape.
        h, w = page.shape[:2]
        direction = text_direction(page)
        card_shaped = h > w and abs(h / w - ID1_ASPECT) < 0.07
        if direction == "vertical" or (card_shaped and direction != "horizontal"):
            page = cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE)
        if upside_down(page):  # also mends a quarter turn that went the wrong way round
            page = cv2.rotate(page, cv2.ROTATE_180)
        page, _ = deskew(page)
    cleanup = Cleanup(cleanup)
    if cleanup is Cleanup.COLOUR:
        return remove_shadows(page)
    if cleanup is Cleanup.BW:
        return black_and_white(page)
    return np.ascontiguousarray(page)
