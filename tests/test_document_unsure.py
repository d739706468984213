"""The page finder on frames from the second generator (simulators/camera_scenes_heldout.py), and what the
camera does when the finder is not sure (devices/camera/detect.py, service.py).

Only the generator's tuning split (effect variant 0) is used here: its held-out split is for measuring
(bench/document_pages.py), never for checking behaviour against.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from core.ports.camera import Cleanup, PreviewFrame
from devices.camera import detect, geometry
from devices.camera.service import CaptureService, make_page
from core.ports.clock import SystemClock
from simulators import camera_scenes_heldout as heldout

SIZE = (1296, 972)


def _not_paper_on_a_light_desk() -> np.ndarray:
    """A light desk with a dark-blue slab on it: four sharp sides, but nothing like paper inside."""
    frame = np.full((SIZE[1], SIZE[0], 3), 214, np.uint8)
    cv2.fillConvexPoly(frame, np.array([[420, 300], [880, 320], [870, 640], [410, 620]], np.int32), (40, 70, 120))
    return cv2.GaussianBlur(frame, (0, 0), 1.0)


def test_the_generator_is_deterministic_and_its_splits_share_neither_seeds_nor_effects():
    tune, held = heldout.heldout_scenes(12, "tune", SIZE), heldout.heldout_scenes(12, "held", SIZE)
    assert {s.variant for s in tune} == {0} and {s.variant for s in held} == {1}
    assert not {s.seed for s in tune} & {s.seed for s in held}
    first, truth = heldout.compose(tune[3])
    again, truth_again = heldout.compose(tune[3])
    assert np.array_equal(first, again) and np.array_equal(truth, truth_again)
    assert first.shape == (SIZE[1], SIZE[0], 3)
    assert truth.min() > 0 and truth[:, 0].max() < SIZE[0] and truth[:, 1].max() < SIZE[1]


def test_the_page_in_the_middle_is_taken_rather_than_a_sheet_at_the_edge():
    """GIVEN a second page lying at the edge of the view, partly out of the picture WHEN the page is found
    THEN it is the one in the middle (the capture area), and the finder is sure of it."""
    scene = heldout.Scene(document="a4", surface="dark", size=SIZE, variant=0, distractor=True, seed=51004)
    image, truth = heldout.compose(scene)
    found = detect.detect(image)
    assert found is not None and found.sure
    assert geometry.iou(found.quad, truth) > 0.97


def test_a_page_with_a_dark_header_band_is_found_whole():
    """GIVEN a notice whose top is a dark header band WHEN the page is found THEN the band is part of it
    (the white part alone has four sharp sides too, and nearly the same area)."""
    scene = heldout.Scene(document="a4", surface="dark", size=SIZE, variant=0, seed=51019)
    image, truth = heldout.compose(scene)
    assert geometry.iou(detect.find_page(image), truth) > 0.97


def test_on_the_tuning_split_every_outline_below_half_overlap_is_reported_unsure():
    """GIVEN frames of every surface and condition WHEN the finder is sure THEN its outline overlaps the
    document by at least half: a wrong outline is never returned as a sure one."""
    for scene in heldout.heldout_scenes(15, "tune", SIZE):
        image, truth = heldout.compose(scene)
        found = detect.detect(image)
        if found is not None and found.sure:
            assert geometry.iou(found.quad, truth) >= 0.5, scene


def test_something_with_sharp_sides_that_is_not_paper_is_reported_unsure():
    found = detect.detect(_not_paper_on_a_light_desk())
    assert found is not None and found.score >= detect.SURE_SCORE
    assert not found.sure
    assert detect.find_page(_not_paper_on_a_light_desk()) is None


def test_an_unsure_capture_keeps_the_whole_frame():
    """GIVEN a frame the finder is not sure of WHEN it is captured THEN nothing is cropped away."""
    frame = _not_paper_on_a_light_desk()
    page = make_page(frame, Cleanup.NONE, clock=SystemClock())
    assert page.quad is None
    assert page.image.shape == frame.shape


def test_the_preview_draws_no_outline_for_an_unsure_page(tmp_path):
    cv2.imwrite(str(tmp_path / "slab.png"), _not_paper_on_a_light_desk()[..., ::-1])
    service = CaptureService(f"folder:{tmp_path}?hold=5&fps=20")
    previews: list[PreviewFrame] = []
    try:
        service.start()
        service.wait_ready(timeout_s=5)
        service.set_preview_listener(previews.append, max_size=(640, 480))
        deadline = time.monotonic() + 5
        while len(previews) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        service.stop()
    assert len(previews) >= 5
    assert all(p.quad is None for p in previews)


@pytest.mark.parametrize("kind", sorted(heldout.DOCUMENTS))
def test_an_upside_down_page_comes_out_the_right_way_up(kind):
    """GIVEN a page photographed upside down WHEN it is cleaned up THEN it reads as the upright page does
    (the ID card's title is not clearly taller than its number line: it is left as it lies)."""
    page = np.ascontiguousarray(heldout.document(kind)[..., :3])
    upright = _thumb(page)
    turned = process_page(cv2.rotate(page, cv2.ROTATE_180))
    if kind == "id":
        assert np.mean(np.abs(_thumb(turned) - _thumb(cv2.rotate(page, cv2.ROTATE_180)))) < 12
    else:
        assert np.mean(np.abs(_thumb(turned) - upright)) < 12
    assert np.mean(np.abs(_thumb(process_page(page)) - upright)) < 12  # an upright page is never turned


def process_page(page: np.ndarray) -> np.ndarray:
    from devices.camera import process

    return process.clean_page(page, None, Cleanup.NONE)


def _thumb(page: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (60, 80), interpolation=cv2.INTER_AREA).astype(np.float32)


def test_the_bench_reads_photographs_with_corners_in_smartdoc_format(tmp_path):
    """GIVEN a folder of photographs and a metadata.csv.gz in SmartDoc 2015 challenge 1's columns (corners
    tl, bl, br, tr as that set lists them) WHEN the bench's ``--real`` reader goes through it THEN each
    photograph comes with its corners, clockwise from the top-left, and an unreadable one is skipped."""
    import csv
    import gzip
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "document_pages", Path(__file__).resolve().parents[1] / "bench" / "document_pages.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    scene = heldout.Scene(document="a4", surface="dark", size=SIZE, variant=0, seed=51004)
    image, truth = heldout.compose(scene)
    cv2.imwrite(str(tmp_path / "frame0.jpg"), image[..., ::-1])
    (tmp_path / "broken.jpg").write_bytes(b"not a picture")
    columns = ["bg_name", "image_path", "tl_x", "tl_y", "bl_x", "bl_y", "br_x", "br_y", "tr_x", "tr_y"]
    tl, tr, br, bl = truth
    with gzip.open(tmp_path / "metadata.csv.gz", "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for name in ("frame0.jpg", "broken.jpg"):
            writer.writerow(["background01", name, *tl, *bl, *br, *tr])
    frames = list(bench.real_frames(tmp_path))
    assert len(frames) == 1
    photo, corners, tags = frames[0]
    assert photo.shape == image.shape and tags == ["background01"]
    assert np.allclose(corners, truth)
