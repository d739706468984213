"""Citizens' materials captured with the document camera: multi-page sets, ID-card copies, watermarks, export.

Plain Python over numpy arrays and Pillow (no OpenCV: the core must not import device libraries).

    materials = MaterialSet(matter="不动产登记")
    materials.add(page.image)                      # a CapturedPage from the camera
    materials.retake(page_id, new_image)           # same place in the set, new image
    materials.move(page_id, 0); materials.delete(other_id)
    materials.add_id_card_copy(front, back)        # both sides on one A4 page, true size
    pdf = materials.export_pdf(watermark=True)     # bytes; the caller writes them where the person asked
    jpegs = materials.export_jpegs(watermark=True)

Privacy (docs/privacy.md, "Where personal data may be"): images live in this object's
memory only; nothing here writes a file. ``clear()`` wipes the set when the session ends. Exports are
bytes handed to whoever the person asked to receive them (the encrypted store arrives with the sync issue).

Copies carry a watermark, as halls do to stop a copy being reused: "仅供办理 XX 使用" and the date, repeated
diagonally across the page, semi-transparent, in a CJK font (``watermark_text``/``apply_watermark``).
"""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from core import fonts
from core.i18n import Translator
from core.ports.clock import Clock, SystemClock

A4_MM = (210.0, 297.0)
ID_CARD_MM = (85.6, 54.0)  # ISO/IEC 7810 ID-1, the resident ID card's size
COPY_DPI = 200


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The main CJK font file (core/fonts.py: the list shared with the screen and the printer)."""
    return next(iter(fonts.main_font_files()), None)


@lru_cache(maxsize=64)
def cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font that draws Chinese at ``size`` pixels (Pillow's bitmap default if none is installed)."""
    path = cjk_font_path()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=16)
def _fallback_fonts(size: int) -> tuple[ImageFont.FreeTypeFont, ...]:
    return tuple(ImageFont.truetype(path, size) for path in fonts.fallback_font_files(cjk_font_path()))


def text_runs(text: str, size: int) -> list[tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, str]]:
    """``text`` split into runs, each with a font that has its characters: the main CJK font where it can,
    a fallback font for the rest (so 李䶮 is never drawn as 李□)."""
    main = cjk_font(size)
    others = _fallback_fonts(size)
    runs: list[tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, str]] = []
    for char in text:
        font = main
        if not char.isspace() and not fonts.has_glyph(main, char):
            font = next((f for f in others if fonts.has_glyph(f, char)), main)
        if runs and runs[-1][0] is font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill) -> None:
    """Draws ``text`` at ``xy`` (top-left of the line) run by run, each run in a font that has it."""
    x, y = xy
    for font, run in text_runs(text, size):
        draw.text((x, y), run, font=font, fill=fill)
        x += font.getlength(run)


def text_size(text: str, size: int) -> tuple[int, int]:
    width = sum(font.getlength(run) for font, run in text_runs(text, size))
    return int(round(width)), int(round(size * 1.25))


def _mm_to_px(mm: float, dpi: int) -> int:
    return int(round(mm / 25.4 * dpi))


def _as_pil(image: np.ndarray | Image.Image) -> Image.Image:
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise ValueError("images must be uint8")
    if array.ndim == 2:
        return Image.fromarray(array, "L").convert("RGB")
    if array.ndim == 3 and array.shape[2] == 3:
        return Image.fromarray(np.ascontiguousarray(array), "RGB")
    raise ValueError(f"expected an RGB (H, W, 3) or grey (H, W) image, not shape {array.shape}")


# --- pure functions ------------------------------------------------------------------------------------


def id_card_copy(front: np.ndarray, back: np.ndarray, *, dpi: int = COPY_DPI) -> np.ndarray:
    """Both sides of an ID card on one white A4 page, each at its true size (85.6 × 54 mm), one above the
    other in the upper half with a thin outline, as a photocopy of a card is laid out."""
    page_w, page_h = _mm_to_px(A4_MM[0], dpi), _mm_to_px(A4_MM[1], dpi)
    card_w, card_h = _mm_to_px(ID_CARD_MM[0], dpi), _mm_to_px(ID_CARD_MM[1], dpi)
    page = Image.new("RGB", (page_w, page_h), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    gap = _mm_to_px(15, dpi)
    top = _mm_to_px(40, dpi)
    left = (page_w - card_w) // 2
    for i, side in enumerate((front, back)):
        card = _as_pil(side)
        if card.height > card.width:  # photographed upright: the card itself is landscape
            card = card.rotate(90, expand=True)
        card = card.resize((card_w, card_h), Image.Resampling.LANCZOS)
        y = top + i * (card_h + gap)
        page.paste(card, (left, y))
        draw.rectangle((left - 1, y - 1, left + card_w, y + card_h), outline=(160, 160, 160), width=1)
    return np.asarray(page)


def watermark_text(matter: str, on: date, language: str = "zh_CN") -> str:
    """"仅供办理 不动产登记 使用 2026-11-21" (the catalogue's ``camera.watermark``)."""
    return Translator(language)("camera.watermark", matter=matter, date=on.isoformat())


def apply_watermark(image: np.ndarray, text: str, *, opacity: float = 0.22, angle: float = 30.0,
                    colour: tuple[int, int, int] = (90, 90, 90)) -> np.ndarray:
    """``text`` repeated in diagonal rows across the whole page, semi-transparent, so no crop removes it.

    The text is drawn and rotated once as a small tile, pasted along a rotated grid into a coverage mask,
    and blended with numpy: rotating a page-sized layer instead takes seconds at 200 dpi."""
    base = np.asarray(_as_pil(image), dtype=np.float32)
    height, width = base.shape[:2]
    size = max(14, int(min(width, height) / 22))
    text_w, text_h = text_size(text, size)
    tile = Image.new("L", (text_w + 4, text_h + 4), 0)
    draw_text(ImageDraw.Draw(tile), (2, 2), text, size, 255)
    tile = tile.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    mask = Image.new("L", (width, height), 0)
    theta = np.deg2rad(angle)
    along = np.array([np.cos(theta), -np.sin(theta)])  # the text's baseline direction on screen
    across = np.array([np.sin(theta), np.cos(theta)])
    step_along, step_across = text_w + 4 * size, text_h * 5.0
    reach = int(np.hypot(width, height) / min(step_along, step_across)) + 2
    centre = np.array([width / 2, height / 2])
    for row in range(-reach, reach + 1):
        shift = (row % 2) * 0.5
        for col in range(-reach, reach + 1):
            x, y = centre + along * (col + shift) * step_along + across * row * step_across
            x, y = int(x - tile.width / 2), int(y - tile.height / 2)
            if -tile.width < x < width and -tile.height < y < height:
                mask.paste(tile, (x, y), tile)
    alpha = np.asarray(mask, dtype=np.float32)[..., None] * (max(0.0, min(1.0, opacity)) / 255.0)
    blended = base * (1.0 - alpha) + np.asarray(colour, np.float32) * alpha
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def to_jpeg(image: np.ndarray, *, quality: int = 90, dpi: int = COPY_DPI) -> bytes:
    buffer = io.BytesIO()
    _as_pil(image).save(buffer, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=True)
    return buffer.getvalue()


def _on_a4(image: np.ndarray, dpi: int) -> Image.Image:
    """A page scaled to fit an A4 sheet (5 mm margin; a landscape image on a landscape sheet)."""
    picture = _as_pil(image)
    landscape = picture.width > picture.height
    mm = (A4_MM[1], A4_MM[0]) if landscape else A4_MM
    sheet_w, sheet_h = _mm_to_px(mm[0], dpi), _mm_to_px(mm[1], dpi)
    margin = _mm_to_px(5, dpi)
    scale = min((sheet_w - 2 * margin) / picture.width, (sheet_h - 2 * margin) / picture.height)
    if abs(scale - 1.0) > 0.01:
        picture = picture.resize((max(1, int(picture.width * scale)), max(1, int(picture.height * scale))),
                                 Image.Resampling.LANCZOS)
    sheet = Image.new("RGB", (sheet_w, sheet_h), (255, 255, 255))
    sheet.paste(picture, ((sheet_w - picture.width) // 2, (sheet_h - picture.height) // 2))
    return sheet


def to_pdf(images: list[np.ndarray], *, dpi: int = 150, title: str = "") -> bytes:
    """One A4 page per image, in order (Pillow's multi-page PDF writer, JPEG-compressed pages)."""
    if not images:
        raise ValueError("nothing to export")
    sheets = [_on_a4(image, dpi) for image in images]
    buffer = io.BytesIO()
    sheets[0].save(buffer, "PDF", save_all=True, append_images=sheets[1:], resolution=float(dpi),
                   title=title, producer="hall-kiosk")
    return buffer.getvalue()


# --- the set -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    """One page of a set. ``kind`` is ``page`` or ``id_copy``."""

    id: int
    image: np.ndarray
    captured_at: datetime
    kind: str = "page"
    label: str = ""

    def __repr__(self) -> str:  # never the pixels
        h, w = self.image.shape[:2]
        return f"Material(id={self.id}, kind={self.kind!r}, {w}x{h})"


class MaterialSet:
    """The pages one person hands in for one matter, in order. Thread-safe; in memory only.

    Listeners added with ``subscribe`` are called (with the new page list) after every change, on the
    thread that made it; the Qt side turns that into a queued signal.
    """

    def __init__(self, matter: str = "", *, clock: Clock | None = None, language: str = "zh_CN") -> None:
        self.matter = matter
        self.language = language
        self.clock = clock or SystemClock()
        self._pages: list[Material] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[list[Material]], None]] = []

    # --- reading -----------------------------------------------------------------------------------

    @property
    def pages(self) -> list[Material]:
        with self._lock:
            return list(self._pages)

    def __len__(self) -> int:
        with self._lock:
            return len(self._pages)

    def page(self, page_id: int) -> Material:
        with self._lock:
            return self._pages[self._index(page_id)]

    def _index(self, page_id: int) -> int:
        for i, page in enumerate(self._pages):
            if page.id == page_id:
                return i
        raise KeyError(f"no page {page_id} in this set")

    # --- changes -----------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[list[Material]], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self) -> None:
        pages = self.pages
        for listener in list(self._listeners):
            listener(pages)

    def add(self, image: np.ndarray, *, kind: str = "page", label: str = "") -> Material:
        _as_pil(image)  # checks the shape and type now, not at export
        with self._lock:
            page = Material(next(self._ids), np.asarray(image), self.clock.now(), kind, label)
            self._pages.append(page)
        self._changed()
        return page

    def retake(self, page_id: int, image: np.ndarray) -> Material:
        """Replaces a page's image, keeping its place in the set (a new id: it is a new photograph)."""
        _as_pil(image)
        with self._lock:
            i = self._index(page_id)
            page = replace(self._pages[i], id=next(self._ids), image=np.asarray(image),
                           captured_at=self.clock.now())
            self._pages[i] = page
        self._changed()
        return page

    def delete(self, page_id: int) -> None:
        with self._lock:
            del self._pages[self._index(page_id)]
        self._changed()

    def move(self, page_id: int, to_index: int) -> None:
        """Moves a page so it ends up at ``to_index`` (clamped to the set)."""
        with self._lock:
            page = self._pages.pop(self._index(page_id))
            self._pages.insert(max(0, min(to_index, len(self._pages))), page)
        self._changed()

    def add_id_card_copy(self, front: np.ndarray, back: np.ndarray) -> Material:
        return self.add(id_card_copy(front, back), kind="id_copy")

    def clear(self) -> None:
        """Wipes every page (the session ended or the person walked away)."""
        with self._lock:
            self._pages.clear()
        self._changed()

    # --- export ------------------------------------------------------------------------------------

    def watermark_text(self) -> str:
        return watermark_text(self.matter, self.clock.now().astimezone().date(), self.language)

    def _rendered(self, watermark: bool) -> list[np.ndarray]:
        pages = self.pages
        if not pages:
            raise ValueError("the set has no pages")
        if not watermark:
            return [p.image for p in pages]
        text = self.watermark_text()
        return [apply_watermark(p.image, text) for p in pages]

    def export_pdf(self, *, watermark: bool = True) -> bytes:
        return to_pdf(self._rendered(watermark), title=self.matter)

    def export_jpegs(self, *, watermark: bool = True, quality: int = 90) -> list[bytes]:
        return [to_jpeg(image, quality=quality) for image in self._rendered(watermark)]
