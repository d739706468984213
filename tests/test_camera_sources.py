"""Frame sources by spec string (devices/camera/sources.py): parsing, folders, video files, synthetic."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from devices.camera import geometry
from devices.camera.detect import find_page
from devices.camera.sources import (
    FolderSource,
    UvcSource,
    VideoSource,
    open_source,
    parse_spec,
)
from core.errors import ConfigError, DeviceNotFound
from simulators.camera import SyntheticSource


@pytest.mark.parametrize("text, kind, target, options", [
    ("uvc:0", "uvc", "0", {}),
    ("uvc:/dev/video2", "uvc", "/dev/video2", {}),
    ("uvc:0?size=2592x1944&fourcc=MJPG", "uvc", "0", {"size": "2592x1944", "fourcc": "MJPG"}),
    ("folder:/srv/samples?hold=1.5", "folder", "/srv/samples", {"hold": "1.5"}),
    ("video:C:/样本/desk.mp4", "video", "C:/样本/desk.mp4", {}),
    ("synthetic:", "synthetic", "", {}),
    ("synthetic:?doc=a4&desk=light&fps=25", "synthetic", "", {"doc": "a4", "desk": "light", "fps": "25"}),
])
def test_specs_parse(text, kind, target, options):
    spec = parse_spec(text)
    assert (spec.kind, spec.target, spec.options) == (kind, target, options)


@pytest.mark.parametrize("text, problem", [
    ("webcam:0", "unknown camera source"),
    ("0", "unknown camera source"),
    ("uvc:", "needs a target"),
    ("folder:", "needs a target"),
])
def test_bad_specs_name_the_problem(text, problem):
    with pytest.raises(ConfigError) as caught:
        parse_spec(text)
    assert problem in caught.value.params["problem"]


@pytest.mark.parametrize("text", ["synthetic:?fps=fast", "synthetic:?size=big", "synthetic:?desk=glass",
                                  "synthetic:?doc=passport"])
def test_bad_synthetic_options_are_config_errors(text):
    with pytest.raises(ConfigError):
        open_source(text)


def test_each_kind_gets_its_source():
    assert isinstance(open_source("uvc:0"), UvcSource)
    assert isinstance(open_source("folder:/x"), FolderSource)
    assert isinstance(open_source("video:/x.mp4"), VideoSource)
    assert isinstance(open_source("synthetic:"), SyntheticSource)


def test_a_folder_plays_its_images_in_name_order(tmp_path):
    """GIVEN a folder with two images and a text file WHEN it is opened and read THEN frames are the images,
    RGB, first one first, and the mode is the first image's size."""
    red = np.zeros((120, 160, 3), np.uint8)
    red[..., 2] = 255  # BGR on disk
    blue = np.zeros((120, 160, 3), np.uint8)
    blue[..., 0] = 255
    cv2.imwrite(str(tmp_path / "b.png"), blue)
    cv2.imwrite(str(tmp_path / "a.png"), red)
    (tmp_path / "notes.txt").write_text("not an image")
    source = open_source(f"folder:{tmp_path}?fps=200&hold=10")
    info = source.open()
    assert (info.negotiated.width, info.negotiated.height) == (160, 120)
    frame = source.read()
    assert frame.shape == (120, 160, 3) and tuple(frame[0, 0]) == (255, 0, 0)


def test_a_missing_or_empty_folder_is_not_found(tmp_path):
    with pytest.raises(DeviceNotFound):
        open_source(f"folder:{tmp_path / 'nope'}").open()
    with pytest.raises(DeviceNotFound):
        open_source(f"folder:{tmp_path}").open()


def test_a_video_file_plays_at_its_rate_and_loops(tmp_path):
    """GIVEN an MJPG video of 6 frames written with cv2.VideoWriter WHEN it is read 9 times THEN the frames
    come back in order and start again after the last."""
    path = tmp_path / "desk.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (320, 240))
    for i in range(6):
        writer.write(np.full((240, 320, 3), 30 + 35 * i, np.uint8))
    writer.release()
    source = open_source(f"video:{path}?fps=300")
    info = source.open()
    assert info.negotiated.fourcc == "MJPG"
    assert (info.negotiated.width, info.negotiated.height) == (320, 240)
    levels = [int(source.read().mean()) for _ in range(9)]
    source.close()
    assert levels[:6] == sorted(levels[:6]) and levels[6] < levels[5]
    assert abs(levels[6] - levels[0]) <= 3


def test_a_missing_video_is_not_found(tmp_path):
    with pytest.raises(DeviceNotFound):
        open_source(f"video:{tmp_path / 'none.mp4'}").open()


def test_the_synthetic_source_shows_each_document_still_where_its_corners_say():
    source = open_source("synthetic:?size=960x540&fps=20&still=1")
    source.open()
    index, corners = source.corners_at(25)  # 1.25 s in: the first document lies still
    assert index == 0 and corners is not None
    frame = source.render(25)
    assert frame.shape == (540, 960, 3)
    assert geometry.iou(find_page(frame), corners) > 0.97
    assert source.corners_at(int(20 * (source.period_s - 0.1)))[1] is None  # between two documents


def test_the_synthetic_source_is_deterministic():
    a = open_source("synthetic:?size=640x360&seed=4")
    b = open_source("synthetic:?size=640x360&seed=4")
    assert np.array_equal(a.render(30), b.render(30))
