"""When the page finder may say it is sure (devices/camera/trust.py): each rule on a frame made for it, and
the finder on frames with a thumb and hand or a window's glare (simulators/camera_scenes.py, ``hand`` and
``glare``), where an outline it is sure of must be the page.
"""

from __future__ import annotations

import cv2
import numpy as np

from devices.camera import detect, geometry, trust
from simulators.camera_scenes import Scene, compose

SIZE = (1296, 972)
PAGE = np.array([[380, 200], [920, 215], [905, 800], [370, 785]], np.float64)


def _lab(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2Lab)


def _page_on(desk: tuple[int, int, int], paper: tuple[int, int, int] = (240, 240, 236)) -> np.ndarray:
    frame = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    frame[:] = desk
    cv2.fillConvexPoly(frame, PAGE.astype(np.int32), paper)
    return frame


def _blurred(frame: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(frame, (0, 0), 1.0)


def test_a_photo_on_a_pale_card_on_a_white_desk_is_not_taken_for_the_card():
    """GIVEN a pale card that barely stands out from a white desk, with a grey-blue photo on it WHEN the page
    is looked for THEN the photo (four sharp sides, a colourless inside) is not returned as a sure page:
    it is darker than what surrounds it on every side, with paper all round."""
    card = np.array([[420, 330], [880, 340], [875, 630], [415, 620]], np.int32)
    photo = np.array([[700, 380], [840, 383], [838, 560], [698, 557]], np.int32)
    frame = np.full((SIZE[1], SIZE[0], 3), 226, np.uint8)
    cv2.fillConvexPoly(frame, card, (230, 231, 228))
    cv2.fillConvexPoly(frame, photo, (150, 156, 172))
    frame = _blurred(frame)
    small = detect.shrink(frame, detect.work_factor(frame.shape))
    lab = _lab(small)
    factor = detect.work_factor(frame.shape)
    assert trust.dark_block(lab, (photo + 0.5) / factor - 0.5)
    found = detect.detect(frame)
    assert found is None or not found.sure or geometry.iou(found.quad, card) >= 0.9
    assert detect.find_page(frame) is None or geometry.iou(detect.find_page(frame), card) >= 0.9


def test_a_grey_sheet_on_a_white_desk_is_not_a_dark_block():
    """GIVEN grey paper on a white desk (darker than the desk on every side) WHEN judged THEN it is a sheet:
    larger than any block printed on a sheet, it stays sure."""
    frame = _blurred(_page_on(desk=(232, 232, 230), paper=(196, 196, 192)))
    lab = _lab(frame)
    assert not trust.dark_block(lab, PAGE)
    found = detect.detect(frame)
    assert found is not None and found.sure and geometry.iou(found.quad, PAGE) > 0.97


def test_a_side_along_a_glare_streak_is_not_trusted():
    """GIVEN a page crossed by a clipped white streak (a window's reflection) WHEN the part of the page on
    one side of the streak is judged THEN it is not sure: the streak lies outside its side, brighter than
    the paper inside; the whole page, whose sides have the desk outside, is."""
    frame = _page_on(desk=(70, 60, 55), paper=(215, 214, 208))
    cv2.fillConvexPoly(frame, np.array([[0, 470], [SIZE[0], 490], [SIZE[0], 540], [0, 520]], np.int32),
                       (255, 255, 255))
    lab = _lab(_blurred(frame))
    upper = np.array([[380, 200], [920, 215], [914, 483], [376, 475]], np.float64)  # the streak begins below
    assert trust.glare_side(lab, upper)
    assert not trust.is_sure((1.0, "test", upper), lab)
    assert not trust.glare_side(lab, PAGE)


def test_an_outline_holding_a_hand_is_not_trusted():
    """GIVEN a page with a hand lying over half of it WHEN an outline round both is judged THEN it is not
    sure: much of what it holds is skin, not paper."""
    frame = _page_on(desk=(40, 45, 50))
    cv2.ellipse(frame, (650, 560), (260, 200), 0, 0, 360, (214, 160, 132), -1)
    lab = _lab(_blurred(frame))
    assert trust.paper_share(lab, PAGE) < trust.PAPER_SHARE
    assert not trust.is_sure((1.0, "test", PAGE), lab)
    clean = _lab(_blurred(_page_on(desk=(40, 45, 50))))
    assert trust.paper_share(clean, PAGE) == 1.0 and trust.is_sure((1.0, "test", PAGE), clean)


def test_with_a_thumb_and_hand_or_glare_a_sure_outline_is_the_page():
    """GIVEN a thumb and the hand behind it, a glare streak, or both, on the documents and desks of the first
    generator WHEN the page is found THEN every outline the finder is sure of overlaps the page closely, and
    it is sure of most of them."""
    sure = 0
    for seed in range(6):
        scene = Scene(document=("a4", "id_front", "receipt")[seed % 3], desk=("dark", "wood", "light")[seed // 2],
                      size=SIZE, hand=seed % 3 != 1, glare=seed % 3 != 0, uneven=seed % 2 == 0, seed=4_200 + seed)
        image, truth = compose(scene)
        found = detect.detect(image)
        if found is not None and found.sure:
            sure += 1
            assert geometry.iou(found.quad, truth) >= 0.9, scene
    assert sure >= 4


def test_the_new_conditions_leave_the_benchmark_frames_as_they_were():
    """GIVEN a scene without a hand or glare WHEN rendered THEN it is the frame it always was (the extra
    conditions draw their own random numbers), and with them it differs."""
    scene = Scene(document="a4", desk="wood", size=(648, 486), shadow=True, finger=True, seed=11)
    plain, truth = compose(scene)
    again, _ = compose(Scene(document="a4", desk="wood", size=(648, 486), shadow=True, finger=True, seed=11))
    assert np.array_equal(plain, again)
    glared, glare_truth = compose(Scene(document="a4", desk="wood", size=(648, 486), shadow=True, finger=True,
                                        glare=True, seed=11))
    assert np.array_equal(truth, glare_truth) and not np.array_equal(plain, glared)
