"""Synthetic document-camera frames: sample documents rendered onto desks, with the page corners known.

Used three ways: the benchmark's test set (bench/document_pages.py), the tests, and the live
``synthetic:`` source of the demo (``SyntheticSource`` in simulators/camera.py).

Documents (``DOCUMENTS``, true size in mm): an A4 application form with Chinese text, the two sides of a
resident ID card (85.6 × 54 mm, rounded corners), and a thermal receipt (80 mm wide). Desks (``DESKS``):
a dark pad (half of them with a ruler grid), wood, a light desk. Conditions (``Scene``): perspective,
rotation, the paper's own drop shadow, uneven light, a soft shadow band (the camera arm, a hand), a finger
over one edge, slight motion blur, sensor noise and MJPG compression. Two more, off unless asked for (the
benchmark's frames do not have them): a window's reflection on glossy paper (``glare``) and a thumb with
the hand behind it (``hand``). Every scene is a pure function of its seed.

The truth is the four corners of the document's rectangle (for the rounded ID card: where its straight
sides meet), clockwise from the top-left, in frame pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from devices.camera.geometry import order_corners
from core.services.materials import cjk_font

DOCUMENTS = {  # name -> (width mm, height mm)
    "a4": (210.0, 297.0),
    "id_front": (85.6, 54.0),
    "id_back": (85.6, 54.0),
    "receipt": (80.0, 190.0),
}
DESKS = ("dark", "wood", "light")

_SAMPLE_NAME = "张伟"  # a sample name (the bundled font has no glyphs for rare characters such as 䶮)
_FORM_LINES = (
    "申请人承诺所填内容及提交材料真实、准确、完整，如有虚假愿承担相应法律责任。",
    "本表一式两份，申请人与受理窗口各执一份，请用黑色签字笔填写，字迹工整清晰。",
    "受理部门应当在法定期限内作出决定，并通过短信或政务服务网告知办理结果。",
    "材料不齐全或者不符合法定形式的，窗口工作人员应当一次性告知需要补正的全部内容。",
)


@lru_cache(maxsize=8)
def render_document(kind: str) -> np.ndarray:
    """The document as an RGBA array (alpha cuts the ID card's rounded corners). Cached: pure."""
    if kind == "a4":
        return _a4_form()
    if kind in ("id_front", "id_back"):
        return _id_card(kind == "id_front")
    if kind == "receipt":
        return _receipt()
    raise ValueError(f"unknown document {kind!r}; known: {', '.join(DOCUMENTS)}")


def _a4_form() -> np.ndarray:
    w, h = 1240, 1754  # 150 dpi
    img = Image.new("RGB", (w, h), (246, 245, 240))
    d = ImageDraw.Draw(img)
    d.text((w // 2, 120), "政务服务事项申请表", font=cjk_font(64), fill=(20, 20, 20), anchor="mm")
    d.text((w // 2, 200), "（一窗受理 · 材料收件）", font=cjk_font(32), fill=(60, 60, 60), anchor="mm")
    left, right, top, row = 110, w - 110, 280, 88
    labels = ("申请人姓名", "证件号码", "联系电话", "通讯地址", "申请事项", "办理方式")
    values = (_SAMPLE_NAME, "3201**********1234", "138****5678", "江苏省南京市玄武区中山路 1 号",
              "不动产登记（首次登记）", "窗口办理 / 邮寄送达")
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        d.rectangle((left, y, right, y + row), outline=(30, 30, 30), width=3)
        d.line((left + 300, y, left + 300, y + row), fill=(30, 30, 30), width=3)
        d.text((left + 24, y + row // 2), label, font=cjk_font(34), fill=(20, 20, 20), anchor="lm")
        d.text((left + 330, y + row // 2), value, font=cjk_font(34), fill=(25, 25, 90), anchor="lm")
    y = top + len(labels) * row + 70
    d.text((left, y), "申请人声明", font=cjk_font(40), fill=(20, 20, 20))
    y += 80
    for k in range(9):
        d.text((left, y), _FORM_LINES[k % len(_FORM_LINES)], font=cjk_font(26), fill=(35, 35, 35))
        y += 56
    d.text((left, h - 300), "申请人（签字）：", font=cjk_font(34), fill=(20, 20, 20))
    d.line((left + 270, h - 262, left + 620, h - 262), fill=(20, 20, 20), width=3)
    d.text((left, h - 220), "日期：2026 年 11 月 21 日", font=cjk_font(34), fill=(20, 20, 20))
    d.ellipse((w - 420, h - 420, w - 160, h - 160), outline=(200, 30, 30), width=8)
    d.text((w - 290, h - 290), "受理专用章", font=cjk_font(36), fill=(200, 30, 30), anchor="mm")
    rgba = np.dstack([np.asarray(img), np.full((h, w), 255, np.uint8)])
    return rgba


def _id_card(front: bool) -> np.ndarray:
    w, h = 1027, 648  # 12 px/mm
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.empty((h, w, 3), np.float32)
    base[..., 0] = 228 - 18 * xx / w + 6 * np.sin(yy / 23.0 + xx / 57.0)
    base[..., 1] = 236 - 10 * yy / h + 6 * np.sin(xx / 31.0)
    base[..., 2] = 238 + 6 * np.cos((xx + yy) / 41.0)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    if front:
        rows = (("姓名", _SAMPLE_NAME), ("性别", "男    民族  汉"), ("出生", "1990 年 3 月 7 日"),
                ("住址", "江苏省南京市玄武区"), ("", "中山路 1 号"))
        for i, (label, value) in enumerate(rows):
            y = 70 + i * 82
            d.text((60, y), label, font=cjk_font(34), fill=(60, 90, 150))
            d.text((180, y), value, font=cjk_font(38), fill=(20, 20, 20))
        d.text((60, 540), "公民身份号码", font=cjk_font(34), fill=(60, 90, 150))
        d.text((300, 536), "3201 **** **** **1234", font=cjk_font(40), fill=(20, 20, 20))
        d.rectangle((700, 90, 960, 420), fill=(214, 222, 232))
        d.ellipse((770, 130, 890, 270), fill=(120, 110, 105))
        d.ellipse((720, 270, 940, 470), fill=(70, 80, 100))
    else:
        d.ellipse((70, 60, 250, 240), fill=(210, 40, 40))
        d.ellipse((110, 100, 210, 200), outline=(250, 210, 60), width=8)
        d.text((160, 150), "★", font=cjk_font(48), fill=(250, 210, 60), anchor="mm")
        d.text((320, 90), "中华人民共和国", font=cjk_font(56), fill=(20, 20, 20))
        d.text((300, 220), "居民身份证", font=cjk_font(96), fill=(20, 20, 20))
        d.text((220, 460), "签发机关  南京市公安局玄武分局", font=cjk_font(34), fill=(20, 20, 20))
        d.text((220, 530), "有效期限  2020.03.07-2040.03.07", font=cjk_font(34), fill=(20, 20, 20))
    alpha = Image.new("L", (w, h), 0)
    ImageDraw.Draw(alpha).rounded_rectangle((0, 0, w - 1, h - 1), radius=38, fill=255)  # 3.2 mm corners
    return np.dstack([np.asarray(img), np.asarray(alpha)])


def _receipt() -> np.ndarray:
    w, h = 640, 1520  # 8 px/mm
    img = Image.new("RGB", (w, h), (250, 250, 248))
    d = ImageDraw.Draw(img)
    d.text((w // 2, 70), "受理回执", font=cjk_font(48), fill=(15, 15, 15), anchor="mm")
    lines = ("业务编号：SL2026112100318", f"申请人：{_SAMPLE_NAME[0]}*", "事项：不动产登记",
             "受理窗口：3 号窗口", "受理时间：2026-11-21 10:42", "承诺时限：5 个工作日",
             "查询方式：扫描下方二维码", "--------------------------------")
    for i, text in enumerate(lines):
        d.text((40, 150 + i * 62), text, font=cjk_font(30), fill=(25, 25, 25))
    rng = np.random.default_rng(7)
    x = 80
    while x < w - 80:  # a barcode-like block
        bar = int(rng.integers(2, 9))
        d.rectangle((x, 700, x + bar, 860), fill=(10, 10, 10))
        x += bar + int(rng.integers(2, 8))
    for i in range(6):
        d.text((40, 940 + i * 62), "谢谢您的耐心等候，祝您办事顺利。"[: 10 + i], font=cjk_font(30), fill=(40, 40, 40))
    return np.dstack([np.asarray(img), np.full((h, w), 255, np.uint8)])


@dataclass(frozen=True)
class Scene:
    """One frame's recipe. ``seed`` decides placement, colours and the shape of each condition."""

    document: str = "a4"
    desk: str = "wood"
    size: tuple[int, int] = (2592, 1944)
    shadow: bool = False  # a soft shadow band across part of the scene
    uneven: bool = False  # light falling off across the frame
    finger: bool = False  # a finger holding down one edge
    motion: bool = False  # slight motion blur
    noise: bool = True  # sensor noise and MJPG compression
    glare: bool = False  # a window's reflection on glossy paper: a bright streak, clipped, across the page
    hand: bool = False  # a thumb holding down one edge and the hand behind it, off the page
    seed: int = 0


def bench_scenes(count: int, size: tuple[int, int] = (2592, 1944), seed: int = 2026) -> list[Scene]:
    """A deterministic set: documents and desks in turn (A4 twice as often: it is most of what halls
    copy), each condition drawn independently (shadow 1/2, uneven light 1/2, finger 2/5, motion 2/5), so
    conditions also come together, as they do at a real window."""
    docs = ("a4", "id_front", "a4", "receipt", "id_back")
    rng = np.random.default_rng(seed)
    scenes = []
    for i in range(count):
        draws = rng.random(4)
        scenes.append(Scene(document=docs[i % len(docs)], desk=DESKS[i % 3], size=size,
                            shadow=bool(draws[0] < 0.5), uneven=bool(draws[1] < 0.5), finger=bool(draws[2] < 0.4),
                            motion=bool(draws[3] < 0.4), seed=seed * 1000 + i))
    return scenes


def desk_image(desk: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A desk surface as float32 RGB at ``size`` (built at quarter scale, then enlarged)."""
    w, h = size
    sw, sh = max(8, w // 4), max(8, h // 4)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    if desk == "dark":
        tone = rng.uniform(28, 48)
        base = np.dstack([np.full((sh, sw), tone), np.full((sh, sw), tone + 3), np.full((sh, sw), tone + 8)])
        base += rng.normal(0, 2.0, (sh, sw, 1))
        if rng.random() < 0.5:  # many camera pads carry a ruler grid
            pitch = rng.uniform(18, 30)
            grid = (np.mod(xx, pitch) < 1.0) | (np.mod(yy, pitch) < 1.0)
            base[grid] += rng.uniform(25, 45)
    elif desk == "wood":
        angle = rng.uniform(-0.3, 0.3)
        warp = 25 * np.sin(xx / rng.uniform(60, 120)) + 10 * np.sin(xx / 17.0 + 1.3)
        coord = (yy * np.cos(angle) + xx * np.sin(angle) + warp) / rng.uniform(5, 9)
        grain = 0.5 + 0.5 * np.sin(coord) * np.sin(coord / 3.1 + 0.7)
        colour = np.array([rng.uniform(150, 185), rng.uniform(100, 125), rng.uniform(60, 80)], np.float32)
        base = colour * (0.78 + 0.3 * grain[..., None])
    elif desk == "light":
        tint = rng.uniform(-6, 6)
        tone = rng.uniform(196, 214)
        base = np.dstack([np.full((sh, sw), tone + tint), np.full((sh, sw), tone), np.full((sh, sw), tone - tint - 4)])
        base += 4 * np.sin(xx / 90.0 + yy / 140.0)[..., None]
    else:
        raise ValueError(f"unknown desk {desk!r}; known: {', '.join(DESKS)}")
    return cv2.resize(base.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def place(scene: Scene, rng: np.random.Generator) -> np.ndarray:
    """Where the document's corners land in the frame (clockwise from its own top-left)."""
    w, h = scene.size
    dw, dh = DOCUMENTS[scene.document]
    for attempt in range(60):
        if scene.document == "a4":
            height = h * rng.uniform(0.70, 0.92)
            rot = rng.uniform(-12, 12)
        elif scene.document == "receipt":
            height = h * rng.uniform(0.62, 0.85)
            rot = rng.uniform(-15, 15)
        else:
            height = w * rng.uniform(0.20, 0.34) * dh / dw
            rot = rng.uniform(-30, 30) + (90 if rng.random() < 0.2 else 0)
        height *= 0.97 ** attempt
        width = height * dw / dh
        rect = np.array([[-width / 2, -height / 2], [width / 2, -height / 2],
                         [width / 2, height / 2], [-width / 2, height / 2]])
        jitter = rng.uniform(-0.025, 0.025, (4, 2)) * np.hypot(width, height)
        t = np.deg2rad(rot)
        rotation = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        pts = (rect + jitter) @ rotation.T
        margin = 0.03 * min(w, h)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span_x = (w - 2 * margin) - (hi[0] - lo[0])
        span_y = (h - 2 * margin) - (hi[1] - lo[1])
        if span_x > 0 and span_y > 0:
            cx = margin - lo[0] + rng.uniform(0, span_x)
            cy = margin - lo[1] + rng.uniform(0, span_y)
            return pts + np.array([cx, cy])
    raise RuntimeError("document does not fit the frame")


def lighting(scene: Scene, corners: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A multiplicative light field (H, W) from uneven light and a soft shadow band."""
    w, h = scene.size
    sw, sh = max(8, w // 8), max(8, h // 8)
    field = np.ones((sh, sw), np.float32)
    if scene.uneven:
        yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
        lx, ly = rng.uniform(-0.3, 1.3) * sw, rng.uniform(-0.3, 1.3) * sh
        dist = np.hypot(xx - lx, yy - ly) / np.hypot(sw, sh)
        field *= (1.08 - rng.uniform(0.35, 0.55) * dist).astype(np.float32)
    if scene.shadow:
        band = np.zeros((sh, sw), np.uint8)
        c = corners.mean(axis=0) / 8.0
        angle = rng.uniform(0, np.pi)
        d = np.array([np.cos(angle), np.sin(angle)])
        n = np.array([-d[1], d[0]])
        offset = rng.uniform(-0.25, 0.25) * min(sw, sh)
        half = rng.uniform(0.08, 0.2) * min(sw, sh)
        far = 2 * max(sw, sh)
        poly = np.array([c + n * (offset - half) - d * far, c + n * (offset - half) + d * far,
                         c + n * (offset + half) + d * far, c + n * (offset + half) - d * far])
        cv2.fillPoly(band, [poly.astype(np.int32)], 255)
        soft = cv2.GaussianBlur(band.astype(np.float32) / 255.0, (0, 0), max(2.0, half * 0.5))
        field *= 1.0 - rng.uniform(0.3, 0.45) * soft
    return cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR)


def _finger(frame: np.ndarray, corners: np.ndarray, mm: float, rng: np.random.Generator) -> None:
    """Draws a finger pressing one edge of the page (in place): a skin capsule with a soft shade."""
    h, w = frame.shape[:2]
    side = int(rng.integers(4))
    a, b = corners[side], corners[(side + 1) % 4]
    along = a + (b - a) * rng.uniform(0.25, 0.75)
    edge = (b - a) / np.linalg.norm(b - a)
    outward = np.array([edge[1], -edge[0]])  # clockwise corners: the outward normal is on the left
    width = 19.0 * mm  # a fingertip is about 17-20 mm wide
    tip = along - outward * rng.uniform(0.25, 0.6) * width * 1.6
    tilt = rng.uniform(-0.5, 0.5)
    direction = outward * np.cos(tilt) + edge * np.sin(tilt)
    base = tip + direction * max(w, h)
    k = 4  # the finger's mask and shading are drawn at quarter scale, then enlarged (smooth anyway)
    small = np.zeros((h // k + 1, w // k + 1), np.uint8)
    cv2.line(small, tuple(np.round(tip / k).astype(int)), tuple(np.round(base / k).astype(int)), 255,
             thickness=max(2, int(width / k)), lineType=cv2.LINE_AA)
    soft_small = cv2.GaussianBlur(small, (0, 0), 0.8).astype(np.float32) / 255.0
    shade_small = cv2.GaussianBlur(small, (0, 0), max(1.0, width * 0.25 / k)).astype(np.float32) / 255.0
    soft = cv2.resize(soft_small, (w, h), interpolation=cv2.INTER_LINEAR)
    shade = cv2.resize(shade_small, (w, h), interpolation=cv2.INTER_LINEAR)
    skin = np.array([rng.uniform(205, 230), rng.uniform(150, 175), rng.uniform(120, 145)], np.float32)
    colour = skin * (0.55 + 0.45 * shade[..., None])
    cast = np.roll(soft, (int(width * 0.15), int(width * 0.1)), axis=(0, 1))  # its shadow on the page
    frame *= 1.0 - 0.35 * cast[..., None]
    frame[:] = frame * (1.0 - soft[..., None]) + colour * soft[..., None]


def _hand(frame: np.ndarray, corners: np.ndarray, mm: float, rng: np.random.Generator) -> None:
    """Draws a thumb pressing one edge of the page and the hand it belongs to, off the page (in place)."""
    h, w = frame.shape[:2]
    side = int(rng.integers(4))
    a, b = corners[side], corners[(side + 1) % 4]
    edge = (b - a) / np.linalg.norm(b - a)
    outward = np.array([edge[1], -edge[0]])
    along = a + (b - a) * rng.uniform(0.2, 0.8)
    thumb = 22.0 * mm  # a thumb is about 20-25 mm wide
    tip = along - outward * rng.uniform(0.3, 0.7) * thumb * 1.5
    direction = outward * np.cos(rng.uniform(-0.6, 0.6)) + edge * np.sin(rng.uniform(-0.6, 0.6))
    direction /= np.linalg.norm(direction)
    knuckle = tip + direction * 55.0 * mm
    palm = knuckle + direction * 45.0 * mm + edge * rng.choice([-1, 1]) * 25.0 * mm
    k = 4
    mask = np.zeros((h // k + 1, w // k + 1), np.uint8)
    cv2.line(mask, tuple(np.round(tip / k).astype(int)), tuple(np.round(knuckle / k).astype(int)), 255,
             thickness=max(2, int(thumb / k)), lineType=cv2.LINE_AA)
    axes = (max(2, int(50 * mm / k)), max(2, int(40 * mm / k)))
    angle = float(np.degrees(np.arctan2(direction[1], direction[0])))
    cv2.ellipse(mask, tuple(np.round(palm / k).astype(int)), axes, angle, 0, 360, 255, -1, cv2.LINE_AA)
    cv2.line(mask, tuple(np.round(palm / k).astype(int)), tuple(np.round((palm + direction * max(w, h)) / k)
                                                                  .astype(int)), 255, thickness=axes[1])
    soft = cv2.resize(cv2.GaussianBlur(mask, (0, 0), 0.8).astype(np.float32) / 255.0, (w, h))
    shade = cv2.resize(cv2.GaussianBlur(mask, (0, 0), max(1.0, thumb * 0.4 / k)).astype(np.float32) / 255.0,
                       (w, h))
    red = rng.uniform(185, 230)  # skin tones: green and blue in fixed proportions to red (Lab a* about 10-20)
    skin = np.array([red, red * rng.uniform(0.70, 0.78), red * rng.uniform(0.58, 0.68)], np.float32)
    colour = skin * (0.6 + 0.4 * shade[..., None])
    cast = np.roll(soft, (int(thumb * 0.3), int(thumb * 0.2)), axis=(0, 1))  # the hand's shadow
    frame *= 1.0 - 0.4 * cast[..., None]
    frame[:] = frame * (1.0 - soft[..., None]) + colour * soft[..., None]


def _glare(frame: np.ndarray, corners: np.ndarray, paper: np.ndarray, rng: np.random.Generator) -> None:
    """A window's reflection on glossy paper (in place): a straight bright streak across the page with a
    blurred edge, added to the light and clipped like a sensor clips; weaker on the desk, which is matt."""
    h, w = frame.shape[:2]
    centre = corners.mean(axis=0) + rng.uniform(-0.25, 0.25, 2) * np.ptp(corners, axis=0)
    angle = rng.uniform(0, np.pi)
    d = np.array([np.cos(angle), np.sin(angle)])
    n = np.array([-d[1], d[0]])
    half = rng.uniform(0.02, 0.1) * float(np.sqrt(cv2.contourArea(corners.astype(np.float32))))
    far = 2.0 * max(w, h)
    poly = np.array([centre + n * half - d * far, centre + n * half + d * far,
                     centre - n * half + d * far, centre - n * half - d * far])
    k = 4
    band = np.zeros((h // k + 1, w // k + 1), np.uint8)
    cv2.fillPoly(band, [np.round(poly / k).astype(np.int32)], 255)
    streak = cv2.resize(cv2.GaussianBlur(band, (0, 0), max(1.0, 0.3 * half / k)).astype(np.float32) / 255.0,
                        (w, h))
    gloss = 0.25 + 0.75 * paper
    frame += (rng.uniform(90, 220) * streak * gloss)[..., None]
    np.minimum(frame, 255.0, out=frame)


def compose(scene: Scene) -> tuple[np.ndarray, np.ndarray]:
    """Renders one frame: (RGB uint8 image, true corners (4, 2) clockwise from the top-left)."""
    rng = np.random.default_rng(scene.seed)
    w, h = scene.size
    frame = desk_image(scene.desk, scene.size, rng)
    doc = render_document(scene.document)
    dh, dw = doc.shape[:2]
    corners = place(scene, rng)
    src = np.array([[0, 0], [dw, 0], [dw, dh], [0, dh]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    warped = cv2.warpPerspective(doc, matrix, (w, h), flags=cv2.INTER_AREA, borderValue=(0, 0, 0, 0))
    alpha = warped[..., 3:].astype(np.float32) / 255.0
    # The paper's own drop shadow: a few millimetres, soft.
    mm = float(np.linalg.norm(corners[1] - corners[0])) / DOCUMENTS[scene.document][0]
    offset = (max(1, int(1.2 * mm)), max(1, int(0.8 * mm)))
    drop = cv2.GaussianBlur(np.roll(alpha[..., 0], offset, axis=(0, 1)), (0, 0), max(1.0, 1.5 * mm))
    frame *= 1.0 - rng.uniform(0.2, 0.4) * drop[..., None]
    paper = warped[..., :3].astype(np.float32) * rng.uniform(0.94, 1.0)
    frame = frame * (1.0 - alpha) + paper * alpha
    if scene.finger:
        _finger(frame, corners, mm, rng)
    extra = np.random.default_rng(scene.seed + 7_919)  # its own draws: the other conditions stay as they were
    if scene.hand:
        _hand(frame, corners, mm, extra)
    frame *= lighting(scene, corners, rng)[..., None]
    if scene.glare:
        _glare(frame, corners, alpha[..., 0], extra)
    if scene.motion:
        length = int(rng.integers(3, 8))
        kernel = np.zeros((length, length), np.float32)
        cv2.line(kernel, (0, int(rng.integers(length))), (length - 1, int(rng.integers(length))), 1.0)
        frame = cv2.filter2D(frame, -1, kernel / kernel.sum())
    else:
        frame = cv2.GaussianBlur(frame, (0, 0), 0.7)  # lens softness
    if scene.noise:
        frame += rng.normal(0.0, 2.5, (h, w, 1)).astype(np.float32)
    image = np.clip(frame, 0, 255).astype(np.uint8)
    if scene.noise:
        ok, jpeg = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 88])
        image = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(image), order_corners(corners)


def with_seed(scene: Scene, seed: int) -> Scene:
    return replace(scene, seed=seed)
