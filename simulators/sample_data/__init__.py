"""The sample hall (hall.json) and one terminal configuration per role, for the demo and the tests.

    hall()                          the whole sample hall, as a dict
    matter("320100-XK-0018")        one matter's catalogue entry (this one's form uses every field kind)
"""

from __future__ import annotations

import json
from importlib import resources


def hall() -> dict:
    return json.loads(resources.files(__package__).joinpath("hall.json").read_text(encoding="utf-8"))


def matter(code: str) -> dict:
    """The sample hall's matter ``code``; KeyError when it has none."""
    found = next((m for m in hall()["matters"] if m["code"] == code), None)
    if found is None:
        raise KeyError(code)
    return found
