"""Writes the Traditional Chinese catalogues (``core/i18n/*.zh_TW.json``) from the Simplified ones.

    python scripts/zh_tw_catalogues.py           # after a change to any *.zh_CN.json

The conversion is OpenCC's ``s2tw`` (Simplified to the Traditional characters of the Taiwan standard,
character by character, words kept), run with ``opencc-python-reimplemented`` (a dev dependency only: the
generated files are committed and the terminal needs no converter). Placeholders ``{name}`` are ASCII and
pass untouched. ``language.switch`` names the next language of the one-touch switch, so it is set here,
not converted (docs/accessibility.md, "A third language").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CATALOGUES = Path(__file__).resolve().parents[1] / "core" / "i18n"
OWN = {"language.switch": "简体中文"}  # zh_TW's switch leads back to Simplified Chinese


def convert_all(directory: Path = CATALOGUES) -> list[Path]:
    from opencc import OpenCC

    converter = OpenCC("s2tw")
    written = []
    for source in sorted(directory.glob("*.zh_CN.json")):
        messages = json.loads(source.read_text(encoding="utf-8"))
        converted = {key: OWN.get(key, converter.convert(text)) for key, text in messages.items()}
        target = source.with_name(source.name.replace(".zh_CN.json", ".zh_TW.json"))
        target.write_text(json.dumps(converted, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    for path in convert_all():
        print(path.name)
    sys.exit(0)
