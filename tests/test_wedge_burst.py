"""Keyboard-wedge burst recognition (core/services/wedge.py): scanner bursts vs a person typing."""

from __future__ import annotations

import pytest

from core.services.wedge import Action, BurstRecogniser


def run(rec: BurstRecogniser, keys: list[tuple[float, str]]):
    """Feeds (time, key) pairs; key "\\n" is Enter, "<tab>" a non-text key. Returns what reached the
    field (in order) and the scans, calling expire() whenever a deadline passes between keys."""
    delivered: list[str] = []
    scans: list[str] = []
    for now, key in keys:
        if rec.deadline is not None and now > rec.deadline:
            delivered += rec.expire(rec.deadline + 0.001)
        if key == "\n":
            out = rec.enter(key, now)
        elif key.startswith("<"):
            out = rec.other_key(key, now)
        else:
            out = rec.text_key(key, key, now)
        delivered += out.replay
        if out.action is Action.PASS:
            delivered.append(key)
        elif out.action is Action.SCAN:
            scans.append(out.text)
    if rec.deadline is not None:
        delivered += rec.expire(rec.deadline + 0.001)
    return "".join(delivered), scans


def keys_at(text: str, start: float, gap: float) -> list[tuple[float, str]]:
    return [(start + i * gap, ch) for i, ch in enumerate(text)]


CASES = [
    # (what, keys, delivered to the field, scans)
    ("scanner burst, 5 ms a key", keys_at("YY202611210001236\n", 0.0, 0.005), "", ["YY202611210001236"]),
    ("scanner burst at 30 ms a key", keys_at("HALL:R:1\n", 0.0, 0.030), "", ["HALL:R:1"]),
    ("person typing, 150 ms a key", keys_at("hello\n", 0.0, 0.150), "hello\n", []),
    ("fast person, 60 ms a key", keys_at("abcdefgh\n", 0.0, 0.060), "abcdefgh\n", []),
    ("short fast burst is typing", keys_at("ab\n", 0.0, 0.005), "ab\n", []),
    ("burst without Enter is typing", keys_at("ABCDEFGH", 0.0, 0.005), "ABCDEFGH", []),
    ("burst, pause, Enter late is typing", keys_at("ABCDEFGH", 0.0, 0.005) + [(0.5, "\n")], "ABCDEFGH\n", []),
    ("typing then a scan", keys_at("hi", 0.0, 0.2) + keys_at("YY202611210001236\n", 1.0, 0.004),
     "hi", ["YY202611210001236"]),
    ("scan then typing", keys_at("CODE1234\n", 0.0, 0.004) + keys_at("ok", 1.0, 0.2), "ok", ["CODE1234"]),
    ("two scans back to back", keys_at("CODE1234\n", 0.0, 0.004) + keys_at("CODE5678\n", 0.2, 0.004),
     "", ["CODE1234", "CODE5678"]),
    ("non-text key breaks a burst", keys_at("ABC", 0.0, 0.004) + [(0.012, "<tab>")] + keys_at("DEF\n", 0.016, 0.004),
     "ABC<tab>DEF\n", []),
    ("Chinese characters from an input method commit", keys_at("预约码YY2026\n", 0.0, 0.005), "", ["预约码YY2026"]),
    ("Enter alone passes", [(0.0, "\n")], "\n", []),
]


@pytest.mark.parametrize(("what", "keys", "delivered", "scans"), CASES, ids=[c[0] for c in CASES])
def test_bursts_and_typing(what, keys, delivered, scans):
    rec = BurstRecogniser(max_gap_s=0.035, min_chars=6)
    assert run(rec, keys) == (delivered, scans)


def test_a_held_key_is_released_when_its_gap_expires():
    rec = BurstRecogniser(max_gap_s=0.035)
    assert rec.text_key("a", "a", 1.0).action is Action.HOLD
    assert rec.deadline == pytest.approx(1.035)
    assert rec.expire(1.02) == []  # a timer that fires early releases nothing
    assert rec.expire(1.04) == ["a"]
    assert rec.deadline is None and not rec.holding


def test_more_than_max_chars_is_typing_not_a_scan():
    rec = BurstRecogniser(max_chars=10)
    delivered, scans = run(rec, keys_at("X" * 15 + "\n", 0.0, 0.002))
    assert scans == []
    assert delivered == "X" * 15 + "\n"
