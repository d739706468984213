"""The document camera's lens calibration (devices/camera/calibration.py, docs/camera.md "Lens calibration"):
found from views of a printed chessboard, kept in a file, refused when it is not one, and used to flatten
the whole frame a capture keeps when it is not sure of the page.

The boards are seen through simulators/camera_board.py: a pinhole camera with a known barrel distortion, so
what the calibration finds is checked against what the frames were made with. The straightness check uses
views of another seed than the calibration's."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest

from core import config
from core.errors import ConfigError
from core.ports.camera import Cleanup
from core.ports.clock import SystemClock
from devices.camera import calibration, process
from devices.camera.service import CaptureService, make_page
from devices.camera.sources import parse_spec
from kiosk.adapters import build_camera
from kiosk.cli import main
from simulators.camera_board import BoardSource

SPEC = "synthetic:?board=9x6&size=1280x960&k1=-0.28&k2=0.08"


def board(seed: int = 1) -> BoardSource:
    return BoardSource(parse_spec(f"{SPEC}&seed={seed}&hold=1"))


@pytest.fixture(scope="module")
def lens() -> calibration.Calibration:
    source = board(seed=1)
    views = []
    for n in range(12):
        corners = calibration.find_board(source.render(n))
        if corners is not None and calibration.distinct(corners, views, 30):
            views.append(corners)
    return calibration.calibrate(views, source.size)


def bend_px(corners: np.ndarray, pattern=(9, 6)) -> float:
    """How far the board's rows and columns of corners stray from straight lines (the worst, in px)."""
    grid = corners.reshape(pattern[1], pattern[0], 2)
    worst = 0.0
    for line in list(grid) + list(grid.transpose(1, 0, 2)):
        vx, vy, x0, y0 = cv2.fitLine(line.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()
        worst = max(worst, float(np.abs((line[:, 0] - x0) * vy - (line[:, 1] - y0) * vx).max()))
    return worst


def test_the_lens_is_found_from_board_views_and_straight_lines_come_out_straight(lens):
    """GIVEN twelve views of a 9×6 board through a lens with k1 = -0.28 THEN the fit reprojects the corners
    within half a pixel, finds the focal length within 1 % and k1 within 0.02; and on views of another seed,
    the board's rows, bent by up to a few pixels in the frame, are straight within half a pixel once
    undistorted."""
    truth_matrix, truth_distortion = board().truth()
    assert lens.views >= calibration.MIN_VIEWS and lens.rms_px < 0.5
    assert abs(lens.matrix[0][0] / truth_matrix[0, 0] - 1) < 0.01
    assert abs(lens.distortion[0] - truth_distortion[0]) < 0.02
    undistort = calibration.Undistorter(lens)
    other = board(seed=5)
    bends = []  # (in the frame, undistorted) for each view where the whole board is seen both ways
    for n in range(9):
        frame = other.render(n)
        before, after = calibration.find_board(frame), calibration.find_board(undistort(frame))
        if before is not None and after is not None:
            bends.append((bend_px(before), bend_px(after)))
    bent = [(b, a) for b, a in bends if b > 1.0]
    assert len(bends) >= 7 and len(bent) >= 5 and max(b for b, _ in bent) > 2.0
    assert all(a < 0.5 for _, a in bends), bends


def test_the_calibration_file_round_trips_and_anything_else_is_refused(lens, tmp_path):
    """GIVEN a calibration saved THEN it loads equal; a file that is not JSON, of another format, with
    numbers that are not finite, a matrix of the wrong shape, a focal length of 0 or coefficients no lens
    has is refused with a ValueError saying what is wrong; a missing file is an OSError."""
    path = tmp_path / "camera.json"
    calibration.save(lens, path)
    assert calibration.load(path) == lens
    good = json.loads(path.read_text())
    bad = {
        "not json": "{",
        "another format": json.dumps({**good, "format": "opencv"}),
        "not finite": json.dumps({**good, "rms_px": math.nan}),
        "a 2×3 matrix": json.dumps({**good, "matrix": good["matrix"][:2]}),
        "focal 0": json.dumps({**good, "matrix": [[0, 0, 640], [0, 0, 480], [0, 0, 1]]}),
        "no lens": json.dumps({**good, "distortion": [900, 0, 0, 0, 0]}),
        "a list": "[]",
    }
    for why, text in bad.items():
        path.write_text(text)
        with pytest.raises(ValueError):
            calibration.load(path)
    with pytest.raises(OSError):
        calibration.load(tmp_path / "missing.json")


def test_too_few_views_or_views_that_do_not_agree_are_refused(lens):
    """GIVEN three views THEN calibrating says eight are needed; GIVEN twelve whose corners are off by
    several pixels (a board that moved during the frame) THEN the fit is refused, not kept."""
    source = board(seed=1)
    views = [calibration.find_board(source.render(n)) for n in range(12)]
    with pytest.raises(ValueError, match="8 or more"):
        calibration.calibrate(views[:3], source.size)
    rng = np.random.default_rng(3)
    shaken = [v + rng.normal(0, 6, v.shape).astype(np.float32) for v in views]
    with pytest.raises(ValueError, match="reproject"):
        calibration.calibrate(shaken, source.size)


def test_a_capture_not_sure_of_the_page_keeps_the_whole_frame_flattened_by_the_lens(lens, tmp_path):
    """GIVEN a frame with no page in it WHEN captured with the lens's calibration THEN the whole frame is
    kept, undistorted (nothing of it cut: the same size); without a calibration it is kept as taken; a
    frame of another shape than the calibration's is kept as taken too."""
    rng = np.random.default_rng(7)
    frame = cv2.resize(rng.integers(90, 160, (120, 160, 3), dtype=np.uint8), (1280, 960),
                       interpolation=cv2.INTER_NEAREST)
    undistort = calibration.Undistorter(lens)
    page = make_page(frame, Cleanup.COLOUR, clock=SystemClock(), undistort=undistort)
    assert page.quad is None and sorted(page.image.shape) == sorted(frame.shape)  # (turned level, maybe)
    assert np.array_equal(page.image, process.clean_page(undistort(frame), None, Cleanup.COLOUR))
    plain = make_page(frame, Cleanup.COLOUR, clock=SystemClock())
    assert np.array_equal(plain.image, process.clean_page(frame, None, Cleanup.COLOUR))
    assert not np.array_equal(page.image, plain.image)
    wide = cv2.resize(frame, (1280, 720))
    kept = make_page(wide, Cleanup.COLOUR, clock=SystemClock(), undistort=undistort)
    assert np.array_equal(kept.image, process.clean_page(wide, None, Cleanup.COLOUR))

    # The same through the capture service, over a folder source holding that frame.
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "desk.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    service = CaptureService(f"folder:{folder}?fps=5", calibration=lens).start()
    try:
        service.wait_ready(timeout_s=5.0)
        captured = service.capture(timeout_s=10.0)
    finally:
        service.stop()
    assert captured.quad is None and np.array_equal(captured.image, page.image)


def test_a_calibration_file_the_terminal_cannot_use_stops_it_naming_the_setting(tmp_path):
    """GIVEN ``[devices] camera_calibration`` naming a missing file, or a file that is not a calibration
    WHEN the terminal builds its camera THEN a ConfigError names the setting and what is wrong."""
    def cfg(path: str):
        return config.parse({"role": "clerk", "terminal_id": "W-03", "hall_id": "3201-0042",
                             "data_dir": str(tmp_path), "window": {"number": 3},
                             "platform": {"url": "http://127.0.0.1:9", "terminal_secret": "s"},
                             "devices": {"camera": "synthetic:?size=640x480", "camera_calibration": path}},
                            source="test")

    with pytest.raises(ConfigError) as caught:
        build_camera(cfg(str(tmp_path / "missing.json")))
    assert caught.value.params["setting"] == "devices.camera_calibration"
    assert "cannot read" in caught.value.params["problem"]
    (tmp_path / "bad.json").write_text('{"format": "opencv"}')
    with pytest.raises(ConfigError) as caught:
        build_camera(cfg(str(tmp_path / "bad.json")))
    assert "not a camera calibration" in caught.value.params["problem"]


def test_kiosk_diag_camera_calibrate_writes_the_file_a_terminal_loads(tmp_path, capsys):
    """GIVEN the simulated board under the camera WHEN ``kiosk diag camera --calibrate FILE --json`` runs
    THEN it exits 0 with the fit (size, views, error, matrix, distortion), writes FILE, and the terminal's
    loader takes it; GIVEN a camera that never sees a board THEN it exits 1 and writes nothing; a --board
    that is not COLUMNSxROWS, or a FILE that cannot be written, exits 2 with the reason."""
    path = tmp_path / "camera.json"
    status = main(["diag", "camera", "--source", f"{SPEC}&hold=2&fps=20", "--calibrate", str(path), "--json",
                   "--views", "10", "--timeout", "10"])
    out, err = capsys.readouterr()
    assert status == 0, err
    record = json.loads(out)
    assert record["calibration"] == str(path) and record["size"] == [1280, 960] and record["views"] == 10
    assert record["rms_px"] < 0.5 and abs(record["distortion"][0] + 0.28) < 0.03
    assert "board view 10" in err
    assert calibration.load(path).views == 10

    none = tmp_path / "none.json"
    status = main(["diag", "camera", "--source", "synthetic:?doc=a4&size=640x480&fps=20", "--calibrate", str(none),
                   "--timeout", "1.5"])
    out, err = capsys.readouterr()
    assert status == 1 and "no calibration written" in err and "8 or more" in err
    assert not none.exists()
    assert main(["diag", "camera", "--source", SPEC, "--calibrate", str(none), "--board", "nine"]) == 2
    assert "COLUMNSxROWS" in capsys.readouterr().err and not none.exists()
    nowhere = tmp_path / "no such folder" / "camera.json"
    assert main(["diag", "camera", "--source", f"{SPEC}&hold=2&fps=20", "--calibrate", str(nowhere), "--views", "8",
                 "--timeout", "10"]) == 2
    assert f"cannot write {nowhere}" in capsys.readouterr().err and not nowhere.parent.exists()
