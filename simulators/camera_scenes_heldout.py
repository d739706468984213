"""A second generator of document-camera frames, written apart from the one the detector was tuned on.

``simulators/camera_scenes.py`` made the frames the page finder was developed against; frames from the same
hands flatter it. This module draws its own: other documents (an A4 notice with a dark header band, an A5
slip, an ID-1 card, a long receipt; white or grey paper, sometimes upside down), other surfaces (a white
desk, a grey desk, light wood, patterned cloth, a dark mat), objects drawn as shapes on or beside the page,
a second page or a magazine at the edge of the view, hard shadows, glare, uneven light, defocus.

Every effect has two implementations (``variant`` 0 and 1: gingham or printed dots on the cloth, sine or
streaked-noise wood grain, pen and mug or cable and phone, a straight hard shadow or an arm's, a round or
a streaked glare, a second page or a magazine, Gaussian or disc defocus …). Two splits
(``heldout_scenes``):

- ``tune``: variant 0, seeds from 51 000: what tuning may look at;
- ``held``: variant 1, seeds from 97 000: never looked at while tuning, only measured.

The truth is the four corners of the document in the capture area (the one near the middle), clockwise
from the top-left on screen, in frame pixels. Every frame is a pure function of its ``Scene``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from core.services.materials import cjk_font
from devices.camera.geometry import order_corners

DOCUMENTS = {"a4": (210.0, 297.0), "a5": (148.0, 210.0), "id": (85.6, 54.0), "receipt": (80.0, 300.0)}
SURFACES = ("white", "grey", "wood", "cloth", "dark")
SPLITS = {"tune": (0, 51_000), "held": (1, 97_000)}  # split -> (effect variant, first seed)

_LINES = ("根据有关规定，申请人应当如实提交有关材料和反映真实情况，并对申请材料实质内容的真实性负责。",
          "窗口收件后当场出具受理凭证，材料不全的一次性告知需补正的全部内容。",
          "办理进度可通过政务服务网、自助终端或拨打服务热线查询。")


@dataclass(frozen=True)
class Scene:
    document: str = "a4"
    surface: str = "white"
    size: tuple[int, int] = (2592, 1944)
    variant: int = 1
    grey_paper: bool = False
    upside_down: bool = False
    objects: bool = False
    finger: bool = False
    shadow: bool = False
    glare: bool = False
    uneven: bool = False
    blur: bool = False
    distractor: bool = False
    seed: int = 0

    def conditions(self) -> list[str]:
        names = ("grey_paper", "upside_down", "objects", "finger", "shadow", "glare", "uneven", "blur",
                 "distractor")
        return [n for n in names if getattr(self, n)]


def heldout_scenes(count: int, split: str = "held", size: tuple[int, int] = (2592, 1944)) -> list[Scene]:
    """``count`` scenes of one split: documents in turn, surfaces in turn shifted by one every five frames (so
    every document meets every surface), each condition drawn independently."""
    variant, first = SPLITS[split]
    docs = ("a4", "id", "a5", "receipt", "a4")
    scenes = []
    for i in range(count):
        rng = np.random.default_rng(first + i)
        d = rng.random(9)
        scenes.append(Scene(document=docs[i % len(docs)], surface=SURFACES[(i + i // 5) % len(SURFACES)],
                            size=size, variant=variant, grey_paper=bool(d[0] < 0.25), upside_down=bool(d[1] < 0.25),
                            objects=bool(d[2] < 0.6), finger=bool(d[3] < 0.25), shadow=bool(d[4] < 0.35),
                            glare=bool(d[5] < 0.3), uneven=bool(d[6] < 0.5), blur=bool(d[7] < 0.3),
                            distractor=bool(d[8] < 0.3), seed=first + i))
    return scenes


# --- documents ------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def document(kind: str) -> np.ndarray:
    """The document as RGBA (alpha rounds the card's corners), upright: its header is at the top."""
    mm = 6.0  # pixels per millimetre
    w, h = (int(round(v * mm)) for v in DOCUMENTS[kind])
    img = Image.new("RGB", (w, h), (250, 250, 250))
    d = ImageDraw.Draw(img)
    if kind in ("a4", "a5"):
        band = int(h * 0.075)
        d.rectangle((0, 0, w, band), fill=(40, 70, 120))
        d.text((w // 2, band // 2), "办事指南" if kind == "a4" else "补正告知书", font=cjk_font(int(band * 0.55)),
               fill=(255, 255, 255), anchor="mm")
        y, size = band + int(0.06 * h), max(14, w // 34)
        while y < h * 0.78:
            text = _LINES[(y // size) % len(_LINES)]
            d.text((int(0.08 * w), y), text[: int(0.84 * w / size)], font=cjk_font(size), fill=(30, 30, 30))
            y += int(size * 1.9)
        d.rectangle((int(0.6 * w), int(0.84 * h), int(0.92 * w), int(0.86 * h)), fill=(60, 60, 60))
    elif kind == "id":
        d.rectangle((0, 0, w, h), fill=(236, 240, 232))
        d.text((24, 20), "居民身份证", font=cjk_font(44), fill=(30, 60, 120))
        for k, text in enumerate(("姓名  王芳", "性别  女", "住址  杭州市西湖区")):
            d.text((24, 100 + 62 * k), text, font=cjk_font(34), fill=(20, 20, 20))
        d.rectangle((int(0.66 * w), 90, w - 28, h - 70), fill=(190, 196, 205))
        d.text((24, h - 56), "330106 ******** 0021", font=cjk_font(32), fill=(20, 20, 20))
    else:  # receipt: header at the top, a column of short lines
        d.text((w // 2, 50), "缴费凭证", font=cjk_font(46), fill=(10, 10, 10), anchor="mm")
        for k in range(int((h - 200) / 52)):
            d.text((30, 120 + 52 * k), f"项目 {k + 1:02d}  ¥ {(k * 37) % 90 + 10}.00", font=cjk_font(28),
                   fill=(30, 30, 30))
    alpha = Image.new("L", (w, h), 255 if kind != "id" else 0)
    if kind == "id":
        ImageDraw.Draw(alpha).rounded_rectangle((0, 0, w - 1, h - 1), radius=int(3.2 * mm), fill=255)
    return np.dstack([np.asarray(img), np.asarray(alpha)])


@lru_cache(maxsize=2)
def magazine() -> np.ndarray:
    """A glossy magazine page: colour photographs and columns of text (the page a citizen left nearby)."""
    w, h = 1260, 1650
    rng = np.random.default_rng(4)
    img = Image.new("RGB", (w, h), (244, 240, 232))
    d = ImageDraw.Draw(img)
    for _ in range(5):
        x, y = int(rng.integers(0, w - 400)), int(rng.integers(0, h - 400))
        colour = tuple(int(c) for c in rng.integers(30, 230, 3))
        d.rectangle((x, y, x + int(rng.integers(250, 600)), y + int(rng.integers(200, 500))), fill=colour)
    d.text((60, 40), "城市生活", font=cjk_font(110), fill=(200, 20, 40))
    for k in range(30):
        d.line((60, 300 + 44 * k, 60 + int(rng.integers(300, 560)), 300 + 44 * k), fill=(60, 60, 60), width=9)
    return np.dstack([np.asarray(img), np.full((h, w), 255, np.uint8)])


# --- surfaces -------------------------------------------------------------------------------------------


def surface(name: str, variant: int, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A desk or cloth as float32 RGB (drawn at half scale and enlarged)."""
    w, h = size
    sw, sh = w // 2, h // 2
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    if name in ("white", "grey"):
        tone = rng.uniform(222, 240) if name == "white" else rng.uniform(150, 190)
        base = np.dstack([np.full((sh, sw), tone + rng.uniform(-4, 4), np.float32) for _ in range(3)])
        if variant == 0:
            base += (8 * (xx / sw - 0.5))[..., None]
        else:  # laminate speckle
            speck = cv2.GaussianBlur(rng.normal(0, 6, (sh, sw)).astype(np.float32), (0, 0), 1.2)
            base += speck[..., None]
    elif name == "wood":
        colour = np.array([rng.uniform(200, 225), rng.uniform(160, 185), rng.uniform(115, 140)], np.float32)
        if variant == 0:
            grain = np.sin(yy / rng.uniform(4, 8) + 3 * np.sin(xx / rng.uniform(150, 300)))
        else:  # streaked noise: random values stretched along the grain, a few knots
            streak = cv2.resize(rng.normal(0, 1, (sh // 3, 8)).astype(np.float32), (sw, sh),
                                interpolation=cv2.INTER_CUBIC)
            grain = np.clip(streak, -2, 2) / 2
            for _ in range(2):
                cx, cy = rng.uniform(0, sw), rng.uniform(0, sh)
                grain += np.sin(np.hypot((xx - cx) / 3, yy - cy) / 4) * np.exp(-np.hypot(xx - cx, yy - cy) / 60)
        base = colour * (0.9 + 0.1 * grain[..., None])
    elif name == "cloth":
        c1 = rng.uniform(60, 220, 3).astype(np.float32)
        c2 = rng.uniform(200, 250, 3).astype(np.float32)
        if variant == 0:  # gingham
            pitch = rng.uniform(14, 30)
            stripes = ((np.mod(xx, pitch) < pitch / 2).astype(np.float32) + (np.mod(yy, pitch) < pitch / 2)) / 2
            base = c2 * (1 - stripes[..., None]) + c1 * stripes[..., None]
        else:  # printed dots and petals on a coloured ground, with a fine weave
            base = np.empty((sh, sw, 3), np.float32)
            base[:] = c1
            canvas = np.zeros((sh, sw), np.uint8)
            for _ in range(int(sw * sh / 900)):
                centre = (int(rng.integers(0, sw)), int(rng.integers(0, sh)))
                axes = (int(rng.integers(3, 12)), int(rng.integers(3, 9)))
                cv2.ellipse(canvas, centre, axes, float(rng.uniform(0, 180)), 0, 360, 255, -1, cv2.LINE_AA)
            dots = canvas.astype(np.float32)[..., None] / 255.0
            base = base * (1 - dots) + c2 * dots
            base += (6 * np.sin(xx * 2.2) * np.sin(yy * 2.2))[..., None]
    elif name == "dark":
        tone = rng.uniform(25, 60)
        base = np.full((sh, sw, 3), tone, np.float32) + rng.normal(0, 3, (sh, sw, 1)).astype(np.float32)
        if variant == 1:  # slate with scratches
            for _ in range(25):
                p = rng.uniform(0, 1, 4) * [sw, sh, sw, sh]
                cv2.line(base, (int(p[0]), int(p[1])), (int(p[2]), int(p[3])), (tone + 25,) * 3, 1, cv2.LINE_AA)
    else:
        raise ValueError(f"unknown surface {name!r}; known: {', '.join(SURFACES)}")
    return cv2.resize(base.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


# --- placing sheets ---------------------------------------------------------------------------------------


def _quad(width: float, height: float, centre: np.ndarray, angle: float, rng: np.random.Generator,
          tilt: float = 0.03) -> np.ndarray:
    rect = np.array([[-width, -height], [width, -height], [width, height], [-width, height]]) / 2
    rect = rect + rng.uniform(-tilt, tilt, (4, 2)) * np.hypot(width, height)
    t = np.deg2rad(angle)
    return rect @ np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]]) + centre


def place_main(scene: Scene, rng: np.random.Generator) -> np.ndarray:
    """Corners of the document in the capture area: near the middle, inside the frame."""
    w, h = scene.size
    dw, dh = DOCUMENTS[scene.document]
    span = {"a4": (0.6, 0.88), "a5": (0.45, 0.7), "receipt": (0.7, 0.92), "id": (0.3, 0.48)}[scene.document]
    for attempt in range(80):
        height = h * rng.uniform(*span) * 0.97 ** attempt
        if scene.document == "id":
            height *= dh / dw * 1.6
        centre = np.array([w, h]) / 2 + rng.uniform(-0.1, 0.1, 2) * [w, h]
        quad = _quad(height * dw / dh, height, centre, rng.uniform(-20, 20), rng)
        if quad.min() > 0.02 * h and quad[:, 0].max() < w - 0.02 * h and quad[:, 1].max() < 0.98 * h:
            return quad
    raise RuntimeError("document does not fit the frame")


def _paste(frame: np.ndarray, sheet: np.ndarray, quad: np.ndarray, shade: float) -> np.ndarray:
    """Warps an RGBA sheet onto the frame at ``quad`` with a soft drop shadow; returns its coverage."""
    h, w = frame.shape[:2]
    sh, sw = sheet.shape[:2]
    src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(sheet, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    alpha = warped[..., 3].astype(np.float32) / 255.0
    drop = cv2.GaussianBlur(np.roll(alpha, (6, 9), axis=(0, 1)), (0, 0), 7)
    frame *= (1.0 - shade * drop)[..., None]
    frame[:] = frame * (1 - alpha[..., None]) + warped[..., :3].astype(np.float32) * alpha[..., None]
    return alpha


def distractor(frame: np.ndarray, main: np.ndarray, variant: int, rng: np.random.Generator) -> None:
    """A second sheet at the edge of the view, partly out of the picture and clear of the main page."""
    h, w = frame.shape[:2]
    sheet = document("a4") if variant == 0 else magazine()
    side = int(rng.integers(4))
    height = h * rng.uniform(0.7, 1.0)
    width = height * sheet.shape[1] / sheet.shape[0]
    lo, hi = main.min(axis=0), main.max(axis=0)
    room = [lo[0], h - hi[1], w - hi[0], lo[1]][side]  # free space left, below, right, above the page
    inset = max(0.0, min(room, width * 0.45) - 0.02 * h)
    centre = [np.array([inset - width / 2, h / 2]), np.array([w / 2, h - inset + height / 2]),
              np.array([w - inset + width / 2, h / 2]), np.array([w / 2, inset - height / 2])][side]
    centre = centre + rng.uniform(-0.1, 0.1, 2) * [w, h] * ([0, 1] if side % 2 == 0 else [1, 0])
    _paste(frame, sheet, _quad(width, height, centre, rng.uniform(-8, 8), rng, 0.01), 0.3)


# --- objects and hands -------------------------------------------------------------------------------------


def _blend(frame: np.ndarray, mask: np.ndarray, colour, shadow: float = 0.35) -> None:
    """Lays a drawn object (mask 0..255) over the frame, with its own soft shadow down and to the right."""
    m = cv2.GaussianBlur(mask, (0, 0), 1.0).astype(np.float32)[..., None] / 255.0
    cast = np.roll(cv2.GaussianBlur(mask, (0, 0), 12).astype(np.float32), (14, 10), axis=(0, 1))[..., None] / 255.0
    frame *= 1 - shadow * cast
    frame[:] = frame * (1 - m) + np.asarray(colour, np.float32) * m


def objects(frame: np.ndarray, main: np.ndarray, variant: int, rng: np.random.Generator) -> None:
    """Desk things on or beside the page. Variant 0: a pen and a mug; variant 1: a cable and a phone."""
    h, w = frame.shape[:2]
    centre, scale = main.mean(axis=0), np.sqrt(cv2.contourArea(main.astype(np.float32)))
    for k in range(2):
        mask = np.zeros((h, w), np.uint8)
        at = centre + rng.uniform(-0.7, 0.7, 2) * scale
        if variant == 0 and k == 0:  # a pen: a thin capsule with a clip
            d = rng.normal(0, 1, 2)
            d = d / np.linalg.norm(d) * 0.35 * scale
            cv2.line(mask, tuple((at - d).astype(int)), tuple((at + d).astype(int)), 255, int(0.022 * scale),
                     cv2.LINE_AA)
            _blend(frame, mask, rng.choice([[20, 30, 120], [200, 30, 30], [30, 30, 30]]))
        elif variant == 0:  # a mug from above: a ring with darker coffee inside
            r = int(0.13 * scale)
            at = centre + np.sign(rng.uniform(-1, 1, 2)) * [0.75, 0.55] * scale
            cv2.circle(mask, tuple(at.astype(int)), r, 255, -1, cv2.LINE_AA)
            _blend(frame, mask, rng.uniform(150, 250, 3), 0.5)
            inner = np.zeros_like(mask)
            cv2.circle(inner, tuple(at.astype(int)), int(0.8 * r), 255, -1, cv2.LINE_AA)
            _blend(frame, inner, [70, 45, 30], 0.0)
        elif k == 0:  # a cable: a smooth curve across the view
            t = np.linspace(0, 1, 60)[:, None]
            p0, p1, p2 = (np.array([rng.uniform(0, w), rng.uniform(0, h)]) for _ in range(3))
            curve = ((1 - t) ** 2 * p0 + 2 * t * (1 - t) * at + t ** 2 * p2).astype(np.int32)
            cv2.polylines(mask, [curve], False, 255, int(0.012 * scale) + 2, cv2.LINE_AA)
            _blend(frame, mask, [25, 25, 25] if rng.random() < 0.6 else [235, 235, 235], 0.3)
        else:  # a phone: a dark rounded slab
            box = cv2.boxPoints(((float(at[0]), float(at[1])), (0.2 * scale, 0.42 * scale), float(rng.uniform(0, 180))))
            cv2.fillConvexPoly(mask, box.astype(np.int32), 255, cv2.LINE_AA)
            _blend(frame, mask, [18, 18, 22], 0.45)


def finger(frame: np.ndarray, main: np.ndarray, variant: int, rng: np.random.Generator) -> None:
    """A fingertip (variant 0) or a thumb and the hand behind it (variant 1) holding a side down."""
    h, w = frame.shape[:2]
    side = int(rng.integers(4))
    a, b = main[side], main[(side + 1) % 4]
    at = a + (b - a) * rng.uniform(0.3, 0.7)
    outward = at - main.mean(axis=0)
    outward /= np.linalg.norm(outward)
    width = 0.045 * np.sqrt(cv2.contourArea(main.astype(np.float32))) * (1.0 if variant == 0 else 1.5)
    mask = np.zeros((h, w), np.uint8)
    tip = at - outward * width * 0.8
    cv2.line(mask, tuple(tip.astype(int)), tuple((tip + outward * 3 * max(w, h)).astype(int)), 255, int(width))
    if variant == 1:
        cv2.circle(mask, tuple((at + outward * 4 * width).astype(int)), int(2.5 * width), 255, -1)
    _blend(frame, mask, [rng.uniform(190, 225), rng.uniform(140, 165), rng.uniform(115, 135)], 0.4)


# --- light, optics, sensor --------------------------------------------------------------------------------


def light(scene: Scene, main: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(multiplicative light field, additive glare 0..1), both (H, W) float32."""
    w, h = scene.size
    sw, sh = w // 4, h // 4
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    field = np.ones((sh, sw), np.float32)
    glare = np.zeros((sh, sw), np.float32)
    v = scene.variant
    if scene.uneven:
        if v == 0:
            angle = rng.uniform(0, 2 * np.pi)
            ramp = (np.cos(angle) * xx / sw + np.sin(angle) * yy / sh)
            field *= 1.0 - rng.uniform(0.25, 0.45) * (ramp - ramp.min()) / max(1e-6, np.ptp(ramp))
        else:
            cx, cy = rng.uniform(0.2, 0.8) * sw, rng.uniform(0.2, 0.8) * sh
            field *= 1.0 - rng.uniform(0.3, 0.5) * (np.hypot(xx - cx, yy - cy) / np.hypot(sw, sh)) ** 1.5 * 2
    if scene.shadow:
        mask = np.zeros((sh, sw), np.uint8)
        c = main.mean(axis=0) / 4
        if v == 0:  # a straight hard edge: everything on one side of a line through the page
            d = rng.normal(0, 1, 2)
            d /= np.linalg.norm(d)
            field_side = ((xx - c[0]) * d[0] + (yy - c[1]) * d[1]) > rng.uniform(-0.2, 0.2) * sh
            mask[field_side] = 255
        else:  # an arm reaching in from an edge, with a hand at the end
            start = np.array([rng.choice([0, sw]), rng.uniform(0, sh)])
            end = c + rng.uniform(-0.2, 0.2, 2) * [sw, sh]
            cv2.line(mask, tuple(start.astype(int)), tuple(end.astype(int)), 255, int(0.12 * sh))
            cv2.ellipse(mask, tuple(end.astype(int)), (int(0.1 * sh), int(0.07 * sh)), float(rng.uniform(0, 180)),
                        0, 360, 255, -1)
        soft = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), rng.uniform(0.5, 1.5))
        field *= 1.0 - rng.uniform(0.3, 0.5) * soft
    if scene.glare:
        c = main.mean(axis=0) / 4 + rng.uniform(-0.2, 0.2, 2) * [sw, sh]
        if v == 0:
            r = rng.uniform(0.05, 0.12) * sh
            glare = np.exp(-((xx - c[0]) ** 2 + (yy - c[1]) ** 2) / (2 * r * r)).astype(np.float32)
        else:  # a window's reflection: a soft-edged streak
            mask = np.zeros((sh, sw), np.uint8)
            box = cv2.boxPoints(((float(c[0]), float(c[1])), (0.5 * sw, 0.06 * sh), float(rng.uniform(0, 180))))
            cv2.fillConvexPoly(mask, box.astype(np.int32), 255)
            glare = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 0.015 * sh)
        glare *= rng.uniform(0.6, 0.9)
    big = (w, h)
    return (cv2.resize(field, big, interpolation=cv2.INTER_LINEAR),
            cv2.resize(glare, big, interpolation=cv2.INTER_LINEAR))


def defocus(frame: np.ndarray, variant: int, rng: np.random.Generator) -> np.ndarray:
    scale = max(frame.shape[:2]) / 2592
    if variant == 0:
        return cv2.GaussianBlur(frame, (0, 0), rng.uniform(2.0, 5.0) * scale)
    r = max(1, int(round(rng.uniform(3, 8) * scale)))
    disc = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    cv2.circle(disc, (r, r), r, 1.0, -1, cv2.LINE_AA)
    return cv2.filter2D(frame, -1, disc / disc.sum())


def compose(scene: Scene) -> tuple[np.ndarray, np.ndarray]:
    """One frame: (RGB uint8, true corners (4, 2) of the document in the capture area)."""
    rng = np.random.default_rng(scene.seed)
    frame = surface(scene.surface, scene.variant, scene.size, rng)
    main = place_main(scene, rng)
    if scene.distractor:
        distractor(frame, main, scene.variant, rng)
    sheet = document(scene.document)
    if scene.grey_paper:
        sheet = sheet.copy()
        sheet[..., :3] = (sheet[..., :3].astype(np.float32) * rng.uniform(0.8, 0.88)).astype(np.uint8)
    corners = np.roll(main, 2, axis=0) if scene.upside_down else main  # the sheet's own top-left goes last
    _paste(frame, sheet, corners, rng.uniform(0.15, 0.35))
    if scene.objects:
        objects(frame, main, scene.variant, rng)
    if scene.finger:
        finger(frame, main, scene.variant, rng)
    field, glare = light(scene, main, rng)
    frame *= field[..., None]
    frame += (255.0 - frame) * glare[..., None]
    frame = defocus(frame, scene.variant, rng) if scene.blur else cv2.GaussianBlur(frame, (0, 0), 0.8)
    frame += rng.normal(0, 3.0, frame.shape[:2]).astype(np.float32)[..., None]
    image = np.clip(frame, 0, 255).astype(np.uint8)
    _, jpeg = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
    return np.ascontiguousarray(cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1]), order_corners(main)
