"""Multi-page material sets, ID-card copies, watermarks and export (core/services/materials.py)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone

import numpy as np
import pytest
from PIL import Image

from core import fonts
from core.services import materials
from core.services.materials import MaterialSet, apply_watermark, id_card_copy, watermark_text


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 21, 2, 30, tzinfo=timezone.utc)

    def monotonic(self) -> float:
        return 0.0


def page(level: int, shape=(300, 200, 3)) -> np.ndarray:
    return np.full(shape, level, np.uint8)


def ids(s: MaterialSet) -> list[int]:
    return [p.id for p in s.pages]


def test_pages_are_added_retaken_moved_and_deleted_in_place():
    s = MaterialSet("不动产登记", clock=FixedClock())
    a, b, c = s.add(page(10)), s.add(page(20)), s.add(page(30))
    assert ids(s) == [a.id, b.id, c.id]

    new_b = s.retake(b.id, page(99))
    assert ids(s) == [a.id, new_b.id, c.id]  # same place, a new photograph
    assert s.page(new_b.id).image[0, 0, 0] == 99

    s.move(c.id, 0)
    assert ids(s) == [c.id, a.id, new_b.id]
    s.move(c.id, 99)  # clamped to the end
    assert ids(s) == [a.id, new_b.id, c.id]

    s.delete(a.id)
    assert ids(s) == [new_b.id, c.id]
    with pytest.raises(KeyError):
        s.delete(a.id)


def test_listeners_hear_every_change_and_clear_wipes_the_set():
    s = MaterialSet()
    heard: list[int] = []
    unsubscribe = s.subscribe(lambda pages: heard.append(len(pages)))
    first = s.add(page(1))
    s.add(page(2))
    s.move(first.id, 1)
    s.clear()
    assert heard == [1, 2, 2, 0] and len(s) == 0
    unsubscribe()
    s.add(page(3))
    assert heard == [1, 2, 2, 0]


@pytest.mark.parametrize("bad", [np.zeros((10, 10, 4), np.uint8), np.zeros((10, 10), np.float32)])
def test_images_of_the_wrong_shape_or_type_are_refused_at_once(bad):
    with pytest.raises(ValueError):
        MaterialSet().add(bad)


def test_the_repr_of_a_page_never_shows_its_pixels():
    shown = repr(MaterialSet().add(page(5)))
    assert "200x300" in shown and "array" not in shown


def test_an_id_card_copy_puts_both_sides_on_a4_at_true_size():
    front = np.zeros((540, 856, 3), np.uint8)
    front[...] = (200, 30, 30)
    back = np.zeros((856, 540, 3), np.uint8)  # photographed upright: turned to landscape
    back[...] = (30, 30, 200)
    sheet = id_card_copy(front, back, dpi=200)
    h, w = sheet.shape[:2]
    assert (w, h) == (1654, 2339)  # A4 at 200 dpi
    reds = np.argwhere((sheet[..., 0] > 150) & (sheet[..., 2] < 80))
    blues = np.argwhere((sheet[..., 2] > 150) & (sheet[..., 0] < 80))
    for block in (reds, blues):
        bh = block[:, 0].max() - block[:, 0].min() + 1
        bw = block[:, 1].max() - block[:, 1].min() + 1
        assert bw == pytest.approx(85.6 / 25.4 * 200, abs=2) and bh == pytest.approx(54 / 25.4 * 200, abs=2)
    assert reds[:, 0].max() < blues[:, 0].min()  # the photo side above the emblem side


def test_the_watermark_text_names_the_matter_and_the_date():
    assert watermark_text("不动产登记", date(2026, 11, 21)) == "仅供办理 不动产登记 使用 2026-11-21"
    assert watermark_text("property registration", date(2026, 11, 21), "en") == \
        "For property registration only 2026-11-21"


def test_the_watermark_covers_the_whole_page_lightly():
    white = np.full((1200, 900, 3), 255, np.uint8)
    marked = apply_watermark(white, "仅供办理 不动产登记 使用 2026-11-21")
    touched = marked.min(axis=2) < 250
    assert 0.03 < touched.mean() < 0.4
    for quadrant in (touched[:600, :450], touched[:600, 450:], touched[600:, :450], touched[600:, 450:]):
        assert quadrant.mean() > 0.02  # no corner can be cropped off clean
    assert marked.min() > 150  # semi-transparent: never solid black


def test_a_watermarked_copy_keeps_the_page_readable():
    text_page = np.full((800, 600, 3), 255, np.uint8)
    text_page[380:420, 100:500] = 0  # a black bar stands for the text
    marked = apply_watermark(text_page, "仅供办理 测试 使用 2026-11-21")
    assert marked[380:420, 100:500].max() < 30


def test_export_pdf_has_one_a4_page_per_material_in_order():
    s = MaterialSet("不动产登记", clock=FixedClock())
    s.add(page(40, (1400, 1000, 3)))
    s.add(page(80, (600, 900, 3)))  # landscape
    s.add_id_card_copy(page(120, (540, 856, 3)), page(160, (540, 856, 3)))
    pdf = s.export_pdf()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 3
    boxes = [tuple(float(v) for v in m) for m in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)]
    assert boxes[0] == pytest.approx((595.2, 841.92), abs=1.5)  # A4 portrait in points
    assert boxes[1] == pytest.approx((841.92, 595.2), abs=1.5)  # the landscape page on a landscape sheet


def test_export_jpegs_decode_to_the_pages_with_the_watermark():
    s = MaterialSet("社保卡申领", clock=FixedClock())
    s.add(page(255, (800, 600, 3)))
    plain, = s.export_jpegs(watermark=False)
    marked, = s.export_jpegs(watermark=True)
    plain_img = np.asarray(Image.open(io.BytesIO(plain)))
    marked_img = np.asarray(Image.open(io.BytesIO(marked)))
    assert plain_img.shape == marked_img.shape == (800, 600, 3)
    assert plain_img.min() > 240 and marked_img.min() < 230


def test_an_empty_set_has_nothing_to_export():
    with pytest.raises(ValueError):
        MaterialSet().export_pdf()


def test_nothing_is_written_to_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = MaterialSet("测试")
    s.add(page(50))
    s.export_pdf()
    s.export_jpegs()
    assert list(tmp_path.iterdir()) == []


def test_a_cjk_font_is_found_or_the_default_is_used():
    font = materials.cjk_font(20)
    assert font.getbbox("仅供办理")[2] > 0


def test_rare_characters_are_drawn_from_a_fallback_font_not_as_boxes():
    """李䶮: 䶮 (CJK Extension A) is missing from the main font; a watermark naming it must still show it."""
    runs = materials.text_runs("仅供李䶮使用", 40)
    assert "".join(run for _, run in runs) == "仅供李䶮使用"
    font_of = {char: font for font, run in runs for char in run}
    if not materials._fallback_fonts(40):
        pytest.skip("no fallback CJK font installed")
    assert fonts.has_glyph(font_of["䶮"], "䶮")
    assert font_of["仅"] is materials.cjk_font(40)


def test_a_watermark_with_a_rare_character_differs_from_one_with_a_box():
    white = np.full((400, 600, 3), 255, np.uint8)
    rare = apply_watermark(white, "仅供办理 䶮 使用", opacity=1.0)
    box = apply_watermark(white, "仅供办理 \uffff 使用", opacity=1.0)
    assert not np.array_equal(rare, box)
