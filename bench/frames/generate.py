"""Hard camera frames with a QR code in them, built deterministically (same index → same pixels).

Used by bench/decode_frames.py and tests/test_decoder_*.py. Nothing is stored in the repository: frames
are made in memory (``make_frame(i)``) or written to a directory the caller names (``save_frames``).

Each frame is a synthetic desk or counter scene (gradient, texture, clutter, a hand-held card or a phone)
at 1920×1080 or 2592×1944 (the document cameras' 5 MP mode, docs/camera.md), with one QR
code whose payload is one of ``PAYLOADS`` (our code formats, Chinese text, long receipts) and one main
defect, mixed with mild others:

    rotation, perspective, blur, motion blur, low contrast, glare, noise, JPEG, phone screen (moiré,
    bright bezel), small code

``SEVERITY`` scales every defect; it was tuned so that the better plain library (zxing-cpp, all formats)
decodes about 8 in 10 of the set (docs/codes.md, "Codes in camera frames").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import qrcode
import qrcode.constants

SIZES = ((1920, 1080), (2592, 1944))
DEFECTS = ("rotation", "perspective", "blur", "motion", "low_contrast", "glare", "noise", "jpeg", "phone",
           "small")
SEVERITY = 1.3

PAYLOADS = (
    "YY202611210001236",
    "HALL:R:32010220261121000123",
    "https://zwfw.example.gov.cn/track/32010220261121000123",
    "HALL:T:3201-0042:20261121:A001",
    "DZZZ:YYZZ:91320100MA1XY8K12E:320100000123456",
    "CTID:1:L4ZTGHLcjXdS1k4Fd8a7L8ul1Z6rPMB8AwmmHZdENbA",
    "预约码YY202611210004560 李䶮",
    "受理回执：示例市政务服务中心 办件编号32010220261121000123 申请人欧阳娜娜 事项：二手房转移登记",
    # long payloads: large QR versions, small modules
    "电子证照｜营业执照｜统一社会信用代码91320100MA1XY8K12E｜名称：示例市某某科技有限公司｜"
    "住所：示例市玄武区北京东路41号｜法定代表人：陈思远｜注册资本：伍佰万元整｜成立日期：2026年11月21日｜"
    "经营范围：软件开发；信息技术咨询服务；计算机系统服务（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
    "HALL:T:3201-0042:20261121:B017",
    "HALL:R:32010220261121000999 " + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 4,
)


@dataclass(frozen=True)
class Frame:
    index: int
    image: np.ndarray  # BGR, uint8
    text: str
    defect: str
    size: tuple[int, int]

    @property
    def name(self) -> str:
        return f"{self.index:03d}-{self.size[0]}x{self.size[1]}-{self.defect}"


def qr_image(text: str, module_px: int = 1, border: int = 4, ec: int = qrcode.constants.ERROR_CORRECT_M
             ) -> np.ndarray:
    """The QR code as a grey image, ``module_px`` pixels a module, with a quiet zone."""
    code = qrcode.QRCode(error_correction=ec, box_size=module_px, border=border)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    return np.array(code.make_image().convert("L"), dtype=np.uint8)


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A desk / counter: smooth illumination gradient, fine texture, and some clutter."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(90, 190)
    gx, gy = rng.uniform(-60, 60, 2)
    img = base + gx * xx / w + gy * yy / h
    small = rng.normal(0, 18, (h // 16 + 1, w // 16 + 1)).astype(np.float32)
    img += cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    img = np.clip(img, 0, 255).astype(np.uint8)
    bgr = cv2.merge([np.clip(img.astype(np.int16) + int(rng.integers(-20, 20)), 0, 255).astype(np.uint8)
                     for _ in range(3)])
    for _ in range(int(rng.integers(3, 9))):  # papers, pens, keyboards: straight-edged clutter
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(40, w // 3)), y0 + int(rng.integers(10, h // 3))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(bgr, (x0, y0), (x1, y1), colour, -1 if rng.random() < 0.6 else int(rng.integers(2, 8)))
    for _ in range(int(rng.integers(5, 20))):  # printed text lines
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.line(bgr, (x0, y0), (x0 + int(rng.integers(50, 400)), y0), (40, 40, 40), int(rng.integers(2, 6)))
    return bgr


def _place(bgr: np.ndarray, patch: np.ndarray, corners: np.ndarray) -> None:
    """Warps ``patch`` (grey) onto ``bgr`` at ``corners`` (4×2, clockwise from top-left), in place."""
    h, w = patch.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    H, W = bgr.shape[:2]
    warped = cv2.warpPerspective(patch, m, (W, H), flags=cv2.INTER_AREA if w > 600 else cv2.INTER_LINEAR,
                                 borderValue=0)
    mask = cv2.warpPerspective(np.full_like(patch, 255), m, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    bgr[:] = (bgr * (1 - alpha) + warped[..., None].astype(np.float32) * alpha).astype(np.uint8)


def _corners(rng: np.random.Generator, W: int, H: int, side: float, angle_deg: float, persp: float
             ) -> np.ndarray:
    side = min(side, min(W, H) / 2 - 2)
    cx = rng.uniform(side, W - side)
    cy = rng.uniform(side, H - side)
    half = side / 2
    pts = np.array([[-half, -half], [half, -half], [half, half], [-half, half]], dtype=np.float64)
    pts += rng.uniform(-persp, persp, (4, 2)) * side  # perspective: move each corner a little
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return pts @ rot.T + [cx, cy]


def _motion_kernel(length: int, angle_deg: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    m = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle_deg, 1.0)
    k = cv2.warpAffine(k, m, (length, length))
    return k / max(k.sum(), 1e-6)


def make_frame(index: int, severity: float = SEVERITY) -> Frame:
    rng = np.random.default_rng(20261121 + index)
    W, H = SIZES[index % 2]
    defect = DEFECTS[(index // 2) % len(DEFECTS)]
    text = PAYLOADS[(index * 7 + index // len(DEFECTS)) % len(PAYLOADS)]
    s = severity
    scale = W / 1920  # 5 MP frames see the same scene at more pixels

    bgr = _background(rng, W, H)
    qr = qr_image(text, module_px=4)
    modules = qr.shape[0] / 4
    side = rng.uniform(4.0, 7.0) * modules * scale  # 4-7 px a module on a 1080p frame
    if defect == "small":
        side = rng.uniform(2.0 - 0.35 * s, 2.6 - 0.35 * s) * modules * scale
    angle = rng.uniform(-20, 20) if defect != "rotation" else rng.uniform(25, 335)
    persp = 0.03 if defect != "perspective" else 0.10 + 0.07 * s
    side = min(side, H * 0.8)

    corners = _corners(rng, W, H, side * (1.9 if defect == "phone" else 1.0), angle, persp)
    if defect == "phone":
        # A phone held up: dark body, bright screen, the code drawn by the screen's pixel grid.
        screen = np.full((int(qr.shape[0] * 1.9), int(qr.shape[1] * 1.15)), 250, np.uint8)
        y0 = (screen.shape[0] - qr.shape[0]) // 2
        x0 = (screen.shape[1] - qr.shape[1]) // 2
        screen[y0:y0 + qr.shape[0], x0:x0 + qr.shape[1]] = qr
        body = np.full((screen.shape[0] + 40, screen.shape[1] + 24), 20, np.uint8)
        body[20:-20, 12:-12] = screen
        _place(bgr, body, corners)
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        f = rng.uniform(0.8, 1.4)  # moiré between the screen's pixel grid and the sensor's
        grey *= 1.0 - 0.18 * s * (0.5 + 0.5 * np.sin(f * xx + 0.7 * yy))
        grey = grey * 0.85 + 45  # an emissive screen: bright blacks
        bgr = cv2.cvtColor(np.clip(grey, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    else:
        _place(bgr, qr, corners)

    img = bgr.astype(np.float32)
    if defect == "blur":
        sigma = rng.uniform(1.4, 2.5) * s * scale
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    elif defect == "motion":
        length = int(rng.uniform(7, 15) * s * scale) | 1
        img = cv2.filter2D(img, -1, _motion_kernel(length, rng.uniform(0, 180)))
    elif defect == "low_contrast":
        c = rng.uniform(0.06, 0.14) / s
        img = (img - 128) * c + rng.uniform(70, 180)
    elif defect == "glare":
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        # veiling glare off a glossy card or screen, centred somewhere on the code: washes it out
        cx, cy = corners.mean(axis=0) + rng.uniform(-0.35, 0.35, 2) * side
        r = np.float32(rng.uniform(0.25, 0.45) * side)
        blob = np.exp(-((xx - np.float32(cx)) ** 2 + (yy - np.float32(cy)) ** 2) / (2 * r * r))
        veil = (min(0.97, rng.uniform(0.80, 0.92) * s) * blob)[..., None]
        img = img * (1 - veil) + 255 * veil
    elif defect == "noise":
        img = img + rng.normal(0, 38 * s, img.shape[:2]).astype(np.float32)[..., None]
    # mild defects everywhere: a little blur, noise and JPEG, as any real camera gives
    img = cv2.GaussianBlur(img, (0, 0), 0.7 * scale)
    img = img + rng.normal(0, 4, img.shape[:2]).astype(np.float32)[..., None]
    out = np.clip(img, 0, 255).astype(np.uint8)
    quality = int(rng.uniform(4, 9) / s) if defect == "jpeg" else 80
    ok, jpg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, max(2, quality)])
    out = cv2.imdecode(jpg, cv2.IMREAD_COLOR)
    return Frame(index, out, text, defect, (W, H))


def save_frames(directory: str | Path, count: int, severity: float = SEVERITY) -> list[Path]:
    """Writes ``count`` frames as PNG to ``directory`` (for ``kiosk diag decode``); returns the paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        frame = make_frame(i, severity)
        path = out / f"{frame.name}.png"
        cv2.imwrite(str(path), frame.image)
        paths.append(path)
    return paths
