"""Every camera message key the code names is in both catalogues (core/i18n/camera.*.json)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from core.i18n import catalogue

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "ui" / "camera_preview.py", ROOT / "ui" / "capture_panel.py",
         ROOT / "core" / "presenters" / "capture.py", ROOT / "core" / "services" / "materials.py", ROOT / "kiosk" / "diag" / "document.py",
         ROOT / "kiosk" / "diag" / "camera.py"]
KEY = re.compile(r"^camera(\.[a-z0-9_]+)+$")


def named_keys() -> set[str]:
    keys = set()
    for path in FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value):
                keys.add(node.value)
    return keys


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_camera_key_is_in_the_catalogue(language):
    keys = named_keys()
    assert len(keys) > 20
    assert sorted(k for k in keys if k not in catalogue(language)) == []


def test_both_camera_catalogues_have_the_same_keys_and_placeholders():
    zh = json.loads((ROOT / "core" / "i18n" / "camera.zh_CN.json").read_text(encoding="utf-8"))
    en = json.loads((ROOT / "core" / "i18n" / "camera.en.json").read_text(encoding="utf-8"))
    assert set(zh) == set(en)
    assert all(k.startswith("camera.") for k in zh)
    for key in zh:
        assert set(re.findall(r"\{(\w+)", zh[key])) == set(re.findall(r"\{(\w+)", en[key])), key
