"""Photo-like frames: QR codes as a phone or a document camera photographs them, built deterministically.

No set of real photographs of codes with known text can be installed on this machine (docs/codes.md,
"Sets"), so this module stands in for one. It shares no code with ``generate.py`` (which the decoder was
tuned on) and models other things, the way a camera sees them: a scene object (a phone screen in light or
dark mode, a thermal receipt, a printed form, a code printed on fabric) drawn at its own module size,
placed by a homography or bent like cloth, lit by a light field with a vignette and cast shadows, exposed
too much or too little, with shot noise that grows with the signal, a colour cast, the phone's own
sharpening halo and its JPEG.

``make_photo(i)`` gives frame i; ``is_tuning(i)`` says whether it is in the part of the set that may be
looked at while tuning (every fourth run of eight frames: all scenes, each size); the rest is held out
and only ever measured (bench/decode_frames.py prints the two apart).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from simulators.qr_symbols import ECI_GB18030, ECI_SHIFT_JIS, ECI_UTF8, qr_symbol  # noqa: E402

SCENES = ("dark_phone", "bright_phone", "receipt_shadow", "form_tilted", "fabric", "dim_hall",
          "overexposed", "far_small")
SIZES = ((1920, 1080), (2592, 1944), (1280, 960))
# (text, how it is encoded, ECI or None): what citizens show and what the hall prints
PAYLOADS = (
    ("YY202611210007781", "utf-8", None),
    ("HALL:R:32010220261121004417", "utf-8", None),
    ("https://zwfw.example.gov.cn/track/32010220261121000777", "utf-8", None),
    ("DZZZ:JHZ:12320100466012345X:JH320100202611210001", "utf-8", None),
    ("CTID:1:Q2xlcmtXaW5kb3dTY2FuVGVzdFRva2VuMDAwMQ", "utf-8", None),
    ("电子证照 不动产权证书 苏(2026)南京市不动产权第0123456号 权利人：司马䶮", "utf-8", None),
    ("预约签到 市民服务中心 社保窗口 上午九点", "gb18030", None),
    ("受理通知书 办件编号32010220261121000888", "gb18030", ECI_GB18030),
    ("予約番号 YY202611210001236 東京都千代田区", "shift_jis", None),
    ("在留カード 受付番号 0042", "shift_jis", ECI_SHIFT_JIS),
    ("营业执照｜统一社会信用代码91320100MA1XY8K12E｜名称：示例市某某餐饮管理有限公司｜"
     "经营范围：餐饮服务；食品销售（仅销售预包装食品）", "utf-8", ECI_UTF8),
    ("HALL:G:320100-QR-0107", "utf-8", None),
)


def is_tuning(index: int) -> bool:
    """Frames that may be looked at while tuning; every other frame is held out."""
    return (index // len(SCENES)) % 4 == 0


@dataclass(frozen=True)
class Photo:
    index: int
    image: np.ndarray  # BGR uint8
    text: str
    scene: str
    size: tuple[int, int]

    @property
    def name(self) -> str:
        return f"photo-{self.index:03d}-{self.size[0]}x{self.size[1]}-{self.scene}"


def _symbol(rng: np.random.Generator, text: str, codec: str, eci: int | None, module_px: int) -> np.ndarray:
    ec = str(rng.choice(["L", "M", "Q", "H"]))
    return qr_symbol(text.encode(codec), eci=eci, ec=ec, module_px=module_px, border=4)


def _phone(symbol: np.ndarray, dark: bool, rng: np.random.Generator) -> np.ndarray:
    """A phone's screen (app chrome above and below the code) inside its black bezel."""
    s = symbol.shape[0]
    screen_bg, ink = (28, 215) if dark else (248, 22)
    # dark mode draws the page dark and the modules light (ink), the quiet zone dark with the page
    code = np.where(symbol < 128, ink, screen_bg).astype(np.uint8)
    h, w = int(s * 2.1), int(s * 1.25)
    screen = np.full((h, w), screen_bg, np.uint8)
    y0, x0 = int(h * 0.55) - s // 2, (w - s) // 2
    screen[y0:y0 + s, x0:x0 + s] = code
    for k in range(int(rng.integers(2, 6))):  # app text lines and buttons above the code
        y = int(0.04 * h) + k * max(8, s // 14)
        cv2.rectangle(screen, (w // 8, y), (int(w * rng.uniform(0.4, 0.9)), y + max(3, s // 30)),
                      ink if rng.random() < 0.7 else 120, -1)
    body = np.full((h + s // 6, w + s // 10), 12, np.uint8)
    body[s // 12:s // 12 + h, s // 20:s // 20 + w] = screen
    return body


def _paper(symbol: np.ndarray, rng: np.random.Generator, thermal: bool) -> np.ndarray:
    s = symbol.shape[0]
    paper_tone = rng.uniform(225, 250)
    ink = rng.uniform(60, 110) if thermal else rng.uniform(15, 50)
    h, w = int(s * rng.uniform(1.6, 2.4)), int(s * rng.uniform(1.3, 1.8))
    sheet = np.full((h, w), paper_tone, np.float32)
    fibre = cv2.GaussianBlur(rng.normal(0, 6, (h, w)).astype(np.float32), (0, 0), 1.2)
    sheet += fibre
    y0, x0 = int(rng.uniform(0.4, 0.55) * (h - s)), int(rng.uniform(0.3, 0.7) * (w - s))
    sheet[y0:y0 + s, x0:x0 + s] = np.where(symbol < 128, ink, sheet[y0:y0 + s, x0:x0 + s])
    for k in range(int(rng.integers(3, 9))):  # printed lines above the code
        y = int((k + 1) * y0 / 10)
        cv2.line(sheet, (w // 10, y), (int(w * rng.uniform(0.3, 0.9)), y), float(ink), max(1, s // 60))
    return np.clip(sheet, 0, 255).astype(np.uint8)


def _fabric(symbol: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A code printed on cloth (a staff lanyard, a tote bag): weave texture, ink soaking in."""
    s = symbol.shape[0]
    size = int(s * 1.6)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    period = rng.uniform(2.5, 4.5)
    weave = 14 * np.sin(2 * math.pi * xx / period) * np.sin(2 * math.pi * yy / period)
    cloth = rng.uniform(150, 220) + weave + rng.normal(0, 8, (size, size))
    off = (size - s) // 2
    ink = cv2.GaussianBlur((symbol < 128).astype(np.float32), (0, 0), rng.uniform(0.6, 1.4))
    cloth[off:off + s, off:off + s] *= 1 - rng.uniform(0.55, 0.75) * ink
    return np.clip(cloth, 0, 255).astype(np.uint8)


def _bend(obj: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cloth does not lie flat: a gentle wave across it."""
    h, w = obj.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    amp, wave = rng.uniform(0.01, 0.03) * w, rng.uniform(0.6, 1.4) * 2 * math.pi / w
    map_y = yy + amp * np.sin(xx * wave + rng.uniform(0, 6.3))
    return cv2.remap(obj, xx, map_y.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _homography(rng: np.random.Generator, obj_shape: tuple[int, int], W: int, H: int, width: float,
                tilt: float, turn: float) -> np.ndarray:
    h, w = obj_shape
    cx, cy = rng.uniform(0.3, 0.7) * W, rng.uniform(0.3, 0.7) * H
    height = width * h / w
    quad = np.array([[-width / 2, -height / 2], [width / 2, -height / 2], [width / 2, height / 2],
                     [-width / 2, height / 2]])
    quad[:2, 0] *= 1 - tilt * rng.uniform(0.3, 1.0)  # the far edge looks shorter (keystone)
    quad += rng.normal(0, 0.02, (4, 2)) * width
    a = math.radians(turn)
    quad = quad @ np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]]) + [cx, cy]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    return cv2.getPerspectiveTransform(src, quad.astype(np.float32))


def _room(rng: np.random.Generator, W: int, H: int) -> np.ndarray:
    """Counter top and hall behind: large soft shapes, not the clutter ``generate.py`` draws."""
    low = rng.uniform(50, 190, (3, 4, 1)) + rng.uniform(-25, 25, (3, 4, 3))
    room = cv2.resize(low.astype(np.float32), (W, H), interpolation=cv2.INTER_CUBIC)
    grain = cv2.resize(rng.normal(0, 10, (H // 6, W // 6)).astype(np.float32), (W, H))
    return np.clip(room + grain[..., None], 0, 255)


def _light(rng: np.random.Generator, W: int, H: int, shadow: bool) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    r2 = ((xx - W / 2) / W) ** 2 + ((yy - H / 2) / H) ** 2
    field = (1 - rng.uniform(0.2, 0.5) * r2 * 2) * (1 + rng.uniform(-0.25, 0.25) * (xx / W - 0.5))
    if shadow:  # a hand or the phone between the lamp and the paper: a soft-edged dark half-plane
        a = rng.uniform(0, 2 * math.pi)
        d = (xx - W / 2) * math.cos(a) + (yy - H / 2) * math.sin(a) - rng.uniform(-0.1, 0.1) * W
        edge = 0.5 + 0.5 * np.tanh(d / (2 * rng.uniform(4, 30)))
        field *= 1 - rng.uniform(0.45, 0.7) * edge
    return field.astype(np.float32)


def _camera(img: np.ndarray, rng: np.random.Generator, exposure: float, gain: float) -> np.ndarray:
    """Exposure, shot noise growing with the signal, read noise, colour cast, sharpening, clipping."""
    signal = np.clip(img * exposure, 0, None)
    shot = rng.normal(0, 1, signal.shape[:2]).astype(np.float32)[..., None] * np.sqrt(signal * gain + 1)
    out = signal + shot + rng.normal(0, 2 * gain, signal.shape[:2]).astype(np.float32)[..., None]
    out *= np.float32(rng.uniform(0.9, 1.1, 3))
    soft = cv2.GaussianBlur(out, (0, 0), 1.1)
    out = out + rng.uniform(0.3, 1.0) * (out - soft)  # the phone's own sharpening: halos at edges
    return np.clip(out, 0, 255).astype(np.uint8)


def make_photo(index: int) -> Photo:
    rng = np.random.default_rng(7_000_003 + 31 * index)
    scene = SCENES[index % len(SCENES)]
    W, H = SIZES[(index // len(SCENES)) % len(SIZES)]
    text, codec, eci = PAYLOADS[(index * 5 + 3) % len(PAYLOADS)]
    module_px = int(rng.integers(3, 7))
    symbol = _symbol(rng, text, codec, eci, module_px)
    modules = symbol.shape[0] / module_px
    per_module = rng.uniform(3.2, 6.5) * W / 1920  # pixels a module in the frame
    if scene == "far_small":
        per_module = rng.uniform(1.7, 2.4)
    if scene in ("dark_phone", "bright_phone"):
        obj = _phone(symbol, scene == "dark_phone", rng)
    elif scene == "fabric":
        obj = _bend(_fabric(symbol, rng), rng)
    else:
        obj = _paper(symbol, rng, thermal=scene in ("receipt_shadow", "dim_hall"))
    width = per_module * modules * obj.shape[1] / symbol.shape[1]
    width = min(width, 0.9 * H * obj.shape[1] / obj.shape[0], 0.9 * W)
    tilt = rng.uniform(0.25, 0.45) if scene == "form_tilted" else rng.uniform(0.0, 0.15)
    turn = rng.uniform(0, 360) if rng.random() < 0.4 else rng.uniform(-25, 25)
    m = _homography(rng, obj.shape, W, H, width, tilt, turn)
    room = _room(rng, W, H)
    warped = cv2.warpPerspective(obj, m, (W, H), flags=cv2.INTER_AREA).astype(np.float32)
    cover = cv2.warpPerspective(np.ones(obj.shape, np.float32), m, (W, H), flags=cv2.INTER_LINEAR)
    img = room * (1 - cover[..., None]) + warped[..., None] * cover[..., None]
    if scene in ("dark_phone", "bright_phone"):
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        img *= 1 - 0.12 * (0.5 + 0.5 * np.sin(rng.uniform(0.5, 1.5) * xx + rng.uniform(0.3, 1.0) * yy))[..., None]
        streak = np.exp(-((xx * 0.7 + yy * 0.7 - rng.uniform(0.3, 1.2) * W) ** 2) / (2 * (0.05 * W) ** 2))
        img += (rng.uniform(40, 110) * streak * cover)[..., None]  # reflection of a ceiling light
    img *= _light(rng, W, H, shadow=scene == "receipt_shadow")[..., None]
    exposure, gain = {"dim_hall": (rng.uniform(0.25, 0.4), rng.uniform(2.5, 4.0)),
                      "overexposed": (rng.uniform(1.5, 2.1), 0.6),
                      "bright_phone": (rng.uniform(1.2, 1.6), 0.6)}.get(scene, (rng.uniform(0.85, 1.1), 0.8))
    out = _camera(img, rng, exposure, gain)
    if scene == "dim_hall":  # the phone brightens its dark, noisy picture afterwards
        out = cv2.convertScaleAbs(out, alpha=1 / exposure * 0.8)
    ok, jpg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(55, 92))])
    return Photo(index, cv2.imdecode(jpg, cv2.IMREAD_COLOR), text, scene, (W, H))
