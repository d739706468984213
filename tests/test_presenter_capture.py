"""The capture panel's rules without Qt (``CaptureSteps``): what each picture becomes in a real
``MaterialSet``, the two-step ID-card copy, retakes, and the page list's texts."""

from __future__ import annotations

import numpy as np

from core.ports.camera import Cleanup
from core.presenters.capture import CaptureSteps
from core.services.materials import MaterialSet

FRONT = np.full((540, 856, 3), 200, np.uint8)  # an ID card's side, about 85.6 × 54 mm
BACK = np.full((540, 856, 3), 120, np.uint8)
PAGE = np.full((420, 300, 3), 235, np.uint8)


def test_a_picture_becomes_a_page_and_a_retake_replaces_the_page():
    steps = CaptureSteps(MaterialSet("", language="en"), language="en")
    assert steps.title() == steps.tr("camera.pages.empty") and steps.prompt() == ""
    assert steps.picture_taken(PAGE) and steps.picture_taken(PAGE)
    first, second = (p.id for p in steps.materials.pages)
    steps.retake(first)
    assert steps.picture_taken(PAGE * 0)
    retaken, kept = steps.materials.pages  # the new picture in the first page's place
    assert kept.id == second and not retaken.image.any() and len(steps.materials) == 2
    steps.retake(retaken.id)
    steps.materials.delete(retaken.id)  # deleted while the retake was under way: the picture is a new page
    assert steps.picture_taken(PAGE)
    assert len(steps.materials) == 2 and steps.retake_id is None
    assert steps.captured_text() == steps.tr("camera.preview.captured", n=2)
    assert steps.title() == steps.tr("camera.pages.title", n=2)


def test_an_id_card_copy_takes_two_sides_in_colour_with_auto_capture_paused_and_adds_one_page():
    """GIVEN auto-capture wanted WHEN an ID-card copy starts THEN auto-capture pauses, pictures are taken
    in colour and the photo side is asked for; WHEN it is taken THEN nothing is added yet and the emblem
    side is asked for; WHEN that is taken THEN one id_copy page is added and auto-capture resumes."""
    steps = CaptureSteps(MaterialSet(""), language="zh_CN")
    steps.start_id_copy()
    assert not steps.auto_capture(True) and steps.cleanup(Cleanup.BW) is Cleanup.COLOUR
    assert steps.prompt() == steps.tr("camera.id_copy.front_first")
    assert not steps.picture_taken(FRONT) and len(steps.materials) == 0
    assert steps.prompt() == steps.tr("camera.id_copy.back_next")
    assert steps.picture_taken(BACK)
    [copy] = steps.materials.pages
    assert copy.kind == "id_copy" and steps.prompt() == ""
    assert steps.auto_capture(True) and steps.cleanup(Cleanup.BW) is Cleanup.BW
    assert steps.page_rows() == [type(steps.page_rows()[0])(copy.id, steps.tr("camera.pages.id_copy", n=1))]


def test_a_page_moves_one_place_and_the_rows_are_numbered_in_order():
    steps = CaptureSteps(MaterialSet(""), language="en")
    for _ in range(3):
        steps.picture_taken(PAGE)
    a, b, c = (p.id for p in steps.materials.pages)
    steps.move(c, -1)
    assert [row.page_id for row in steps.page_rows()] == [a, c, b]
    assert [row.text for row in steps.page_rows()] == [steps.tr("camera.pages.page", n=n) for n in (1, 2, 3)]
