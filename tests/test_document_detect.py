"""Finding the page under real conditions (devices/camera/detect.py), on synthetic frames with known corners.

The full 5 MP set and the timing are in bench/document_pages.py; here each condition is checked once, at
a smaller frame size so the suite stays quick.
"""

from __future__ import annotations

import numpy as np
import pytest

from devices.camera import detect, geometry
from simulators.camera_scenes import Scene, compose

SIZE = (1296, 972)

CONDITIONS = [
    # document, desk, shadow, uneven, finger, motion
    ("a4", "dark", False, False, False, False),
    ("a4", "wood", True, True, False, False),
    ("a4", "light", False, True, False, True),
    ("a4", "light", True, False, True, False),
    ("a4", "wood", False, False, True, True),
    ("id_front", "dark", True, True, False, False),
    ("id_front", "wood", False, False, True, False),
    ("id_back", "light", True, True, True, True),
    ("receipt", "light", False, True, False, False),
    ("receipt", "wood", True, False, True, False),
]


@pytest.mark.parametrize("document, desk, shadow, uneven, finger, motion", CONDITIONS)
def test_the_page_is_found_within_a_pixel_or_two_of_its_true_corners(document, desk, shadow, uneven, finger,
                                                                     motion):
    scene = Scene(document=document, desk=desk, size=SIZE, shadow=shadow, uneven=uneven, finger=finger,
                  motion=motion, seed=7 + len(document) + len(desk))
    image, truth = compose(scene)
    found = detect.detect(image)
    assert found is not None
    assert geometry.iou(found.quad, truth) >= 0.97
    assert np.max(np.linalg.norm(found.quad - truth, axis=1)) < 0.02 * max(SIZE)


def test_an_empty_desk_has_no_page():
    rng = np.random.default_rng(3)
    from simulators.camera_scenes import desk_image

    for desk in ("dark", "wood", "light"):
        image = np.clip(desk_image(desk, SIZE, rng), 0, 255).astype(np.uint8)
        assert detect.find_page(image) is None, desk


def test_the_textbook_baseline_finds_paper_on_a_plain_dark_pad():
    dark, truth = compose(Scene(document="a4", desk="dark", size=SIZE, seed=11))
    assert geometry.iou(detect.find_page_baseline(dark), truth) > 0.95


def test_tracking_follows_a_page_that_moved_a_little_and_lets_go_of_one_that_left():
    image, truth = compose(Scene(document="a4", desk="wood", size=SIZE, seed=5))
    nudged = truth + np.array([4.0, -3.0])
    tracked = detect.track(image, nudged)
    assert tracked is not None and geometry.iou(tracked.quad, truth) > 0.98
    empty = np.full_like(image, 60)
    assert detect.track(empty, truth) is None


def test_only_rgb_images_are_accepted():
    with pytest.raises(ValueError):
        detect.detect(np.zeros((100, 100), np.uint8))
