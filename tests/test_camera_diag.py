"""``kiosk diag document`` and ``kiosk diag camera`` (kiosk/diag/document.py, kiosk/diag/camera.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera import geometry
from simulators.camera_scenes import Scene, compose
from kiosk.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Two photographs of documents (one on wood with a finger, one of an ID card) and an empty desk."""
    folder = tmp_path_factory.mktemp("photos")
    truths = {}
    for name, scene in (("form.jpg", Scene(document="a4", desk="wood", size=(1296, 972), finger=True, seed=3)),
                        ("card.png", Scene(document="id_back", desk="dark", size=(1296, 972), seed=8))):
        image, truth = compose(scene)
        cv2.imwrite(str(folder / name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        truths[name] = truth
    cv2.imwrite(str(folder / "desk.jpg"), np.full((600, 800, 3), 50, np.uint8))
    return folder, truths


def test_document_prints_one_json_line_per_image_with_the_corners(photos, capsys):
    folder, truths = photos
    paths = [str(folder / n) for n in ("form.jpg", "card.png", "desk.jpg")]
    assert main(["diag", "document", *paths, "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["path"] for r in lines] == paths
    for record, name in zip(lines[:2], ("form.jpg", "card.png"), strict=True):
        assert len(record["quad"]) == 4 and record["ms"] > 0
        assert geometry.iou(np.array(record["quad"]), truths[name]) > 0.97
    assert lines[2]["quad"] is None


def test_document_out_writes_the_flattened_pages_only_where_asked(photos, tmp_path, capsys):
    folder, _ = photos
    out = tmp_path / "pages"
    assert main(["diag", "document", str(folder / "form.jpg"), str(folder / "desk.jpg"),
                 "--out", str(out), "--cleanup", "bw"]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["form.page.jpg"]  # no page on the empty desk: nothing written
    page = cv2.imread(str(out / "form.page.jpg"), cv2.IMREAD_GRAYSCALE)
    assert 1.3 < page.shape[0] / page.shape[1] < 1.6  # upright A4 (perspective blurs the exact ratio)
    text = capsys.readouterr().out
    assert "form.jpg: (" in text and " ms" in text


def test_document_reports_an_unreadable_image_on_one_line_and_exits_1(photos, tmp_path, capsys):
    folder, _ = photos
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    assert main(["diag", "document", str(broken), str(folder / "card.png"), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip().count("\n") == 0 and "broken.jpg" in captured.err
    assert json.loads(captured.out)["quad"] is not None  # the other image was still done


def test_camera_reports_modes_and_frame_rate_as_json(capsys):
    assert main(["diag", "camera", "--source", "synthetic:?size=640x360&fps=30", "--frames", "10", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["kind"] == "synthetic"
    assert record["negotiated"] == "RGB3 640x360@30" and record["offered"] == ["RGB3 640x360@30"]
    assert record["frames"] >= 10 and 5 < record["fps"] <= 40
    assert record["frame_size"] == [640, 360]


def test_camera_plays_a_folder(tmp_path, capsys):
    cv2.imwrite(str(tmp_path / "one.png"), np.full((240, 320, 3), 90, np.uint8))
    assert main(["diag", "camera", "--source", f"folder:{tmp_path}?fps=50", "--frames", "5"]) == 0
    out = capsys.readouterr().out
    assert "negotiated:  file 320x240" in out and "frame rate:" in out


@pytest.mark.parametrize("spec, words", [
    ("bogus:1", "unknown camera source"),
    ("uvc:/dev/video-none", "not found"),
    ("folder:/no/such/folder", "not found"),
])
def test_camera_failures_are_one_line_without_a_traceback(spec, words):
    done = subprocess.run([sys.executable, "-m", "kiosk", "diag", "camera", "--source", spec, "--timeout", "3"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in done.stderr
