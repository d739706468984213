"""The decoding cascade (devices/scanner/cascade.py) on the benchmark's hard frames.

The frames come from bench/frames/generate.py (deterministic). Each case is a frame that plain zxing-cpp
(all formats, full frame) misses; the cascade must read it, by the stage named (the figures themselves
are in bench/decode_frames.py, not here).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp

from devices.scanner import enhance
from devices.scanner.cascade import CodeDecoder
from tests.decoder_frames import generator, on_scene, qr_bytes_image

HARD = [
    # index in the bench set, its defect, the kind of stage that recovers it
    (6, "motion", "fast"),  # downscaling alone shortens the blur enough
    (11, "glare", "region:"),
    (26, "motion", "region:motion"),
    (27, "motion", "region:motion"),
    (39, "small", "region:"),
    (64, "blur", "region:"),
    (84, "blur", "region:"),
    (104, "blur", "region:"),
    (105, "blur", "region:"),
    (118, "small", "region:"),
]


@pytest.mark.parametrize(("index", "defect", "stage"), HARD)
def test_frames_plain_zxing_misses_are_decoded(index, defect, stage):
    frame = generator().make_frame(index)
    assert frame.defect == defect
    grey = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
    assert frame.text not in [r.text for r in zxingcpp.read_barcodes(grey)]  # the premise
    decoder = CodeDecoder(budget_ms=5000)  # generous: a loaded test machine must not change the answer
    assert [c.text for c in decoder.decode(frame.image)] == [frame.text]
    assert decoder.last_stage.startswith(stage)


def test_easy_frame_is_decoded_by_the_fast_pass_with_corners_in_frame_pixels():
    code = qr_bytes_image("HALL:R:32010220261121000123".encode(), module_px=6)
    decoder = CodeDecoder()
    (found,) = decoder.decode(on_scene(code, at=(700, 300)))
    assert decoder.last_stage == "fast"
    xs = [x for x, _ in found.corners]
    ys = [y for _, y in found.corners]
    # the symbol (without its 4-module quiet zone) sits at 700+24 .. 700+w-24 in the full frame
    assert abs(min(xs) - 724) <= 4 and abs(max(xs) - (700 + code.shape[1] - 24)) <= 4
    assert abs(min(ys) - 324) <= 4


def test_rgb_frames_are_read_too():
    frame = on_scene(qr_bytes_image("预约码李䶮".encode()))
    assert [c.text for c in CodeDecoder(rgb=True).decode(frame[..., ::-1].copy())] == ["预约码李䶮"]


def test_tracking_looks_where_the_last_code_was_first():
    decoder = CodeDecoder(track=True)
    frame = on_scene(qr_bytes_image(b"YY202611210001236"), size=(2592, 1944), at=(1500, 900))
    assert decoder.decode(frame)
    assert [c.text for c in decoder.decode(frame)] == ["YY202611210001236"]
    assert decoder.last_stage == "tracked"


def test_a_frame_without_a_code_is_empty_and_bounded():
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 255, (1080, 1920), dtype=np.uint8)
    decoder = CodeDecoder(budget_ms=100)
    assert decoder.decode(noise) == []
    assert decoder.last_stage == ""


@pytest.mark.parametrize("bad", [np.zeros((10, 10, 2), np.uint8), np.zeros((4,), np.uint8)])
def test_a_frame_that_is_not_an_image_is_a_value_error(bad):
    with pytest.raises(ValueError):
        CodeDecoder().decode(bad)


def test_motion_direction_and_length_are_estimated():
    code = qr_bytes_image(b"HALL:R:32010220261121000999 ABCDEFGHIJKLMNOPQRSTUVWXYZ", module_px=5)
    code = cv2.copyMakeBorder(code, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    for length, angle in ((11, 30), (15, 100), (21, 160)):
        blurred = cv2.filter2D(code.astype(np.float32), -1, enhance.motion_kernel(length, angle))
        blurred = np.clip(blurred, 0, 255).astype(np.uint8)
        est_angle, anisotropy = enhance.motion_direction(blurred)
        assert anisotropy > 0.3
        assert min(abs(est_angle - angle), 180 - abs(est_angle - angle)) < 8
        assert abs(enhance.motion_length(blurred, est_angle) - length) <= 3
    assert enhance.motion_direction(code)[1] < 0.1
