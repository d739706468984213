"""Flatten, deskew, clean up, focus (devices/camera/process.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from devices.camera import process
from simulators.camera_scenes import Scene, compose, render_document
from core.ports.camera import Cleanup


def _form() -> np.ndarray:
    return np.ascontiguousarray(render_document("a4")[..., :3])


def test_flattening_a_warped_page_gives_back_the_page():
    page = _form()
    h, w = page.shape[:2]
    t = np.deg2rad(8.0)
    rotation = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], float) * 0.6 @ rotation.T + [400, 80]
    quad = corners + np.array([[0, 0], [6, 3], [-4, 5], [2, -3]])  # a little perspective
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    frame = cv2.warpPerspective(page, cv2.getPerspectiveTransform(src, quad.astype(np.float32)), (1400, 1300),
                                borderValue=(40, 40, 40))
    flat = process.flatten(frame, quad)
    assert abs(flat.shape[1] / flat.shape[0] - w / h) < 0.03  # the page's proportions come back
    back = cv2.resize(flat, (w // 4, h // 4), interpolation=cv2.INTER_AREA).astype(np.float32)
    original = cv2.resize(page, (w // 4, h // 4), interpolation=cv2.INTER_AREA).astype(np.float32)
    assert np.mean(np.abs(back - original)) < 12  # the same content, not the desk


@pytest.mark.parametrize("angle", [-4.0, -1.5, 2.0, 3.5])
def test_deskew_finds_the_tilt_of_the_text_lines(angle):
    tilted = process.rotate(_form(), angle)
    assert process.skew_angle(tilted) == pytest.approx(-angle, abs=0.3)
    level, applied = process.deskew(tilted)
    assert applied == pytest.approx(-angle, abs=0.3)
    assert abs(process.skew_angle(level)) <= 0.3


def test_a_level_page_is_left_alone():
    page = _form()
    level, applied = process.deskew(page)
    assert applied == 0.0 and level is page


def test_shadow_removal_evens_out_the_paper():
    page = _form().astype(np.float32)
    h, w = page.shape[:2]
    light = np.linspace(0.62, 1.0, w, dtype=np.float32)[None, :, None]  # dark on the left
    shaded = np.clip(page * light, 0, 255).astype(np.uint8)
    clean = process.remove_shadows(shaded)
    grey = cv2.cvtColor(clean, cv2.COLOR_RGB2GRAY)
    left, right = grey[h // 2:, 40:120], grey[h // 2:, w - 120:w - 40]  # blank margins
    assert abs(float(np.median(left)) - float(np.median(right))) < 10
    assert np.median(left) > 225  # paper comes out white


def test_black_and_white_is_two_levels_with_the_text_kept():
    bw = process.black_and_white(_form())
    assert set(np.unique(bw)) <= {0, 255}
    assert 0.02 < float((bw == 0).mean()) < 0.3


def test_a_blurred_frame_measures_less_focus_than_a_sharp_one():
    image, truth = compose(Scene(document="a4", desk="wood", size=(1296, 972), noise=False, seed=2))
    blurred = cv2.GaussianBlur(image, (0, 0), 3.0)
    assert process.focus_measure(blurred, truth) < 0.3 * process.focus_measure(image, truth)


def test_a_photographed_card_comes_out_landscape_and_cleaned():
    image, truth = compose(Scene(document="id_front", desk="dark", size=(1296, 972), seed=9))
    page = process.clean_page(image, truth, Cleanup.COLOUR)
    h, w = page.shape[:2]
    assert w > h and abs(w / h - 85.6 / 54.0) < 0.08
    bw = process.clean_page(image, truth, Cleanup.BW)
    assert bw.ndim == 2


def test_without_a_quad_the_whole_frame_is_kept():
    image, _ = compose(Scene(document="a4", desk="dark", size=(640, 480), seed=4))
    assert process.clean_page(image, None, Cleanup.NONE, straighten=False).shape == image.shape


def test_shadow_removal_keeps_a_large_dark_area_dark():
    """An ID photo or a black block is content: it must not be brightened as if it were a shadow."""
    page = np.full((600, 900, 3), 235, np.uint8)
    page[150:450, 550:800] = (60, 70, 90)  # a photo, a third of the card wide
    clean = process.remove_shadows(page)
    assert clean[250:350, 620:730].mean() < 130
    assert clean[50:100, 50:300].mean() > 235
