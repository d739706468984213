"""Keyboard-wedge scanners: tell a scanner's burst of keys from a person typing (pure, no Qt).

A wedge (HID keyboard) scanner types its code into whatever has focus, far faster than a person types
(a key every 1-20 ms against ~100-300 ms for a person), and ends with Enter (docs/codes.md,
"Keyboard-wedge scanners"). The application's one Qt event filter (ui/wedge.py) feeds every key to a
``BurstRecogniser`` and does what it answers, so no burst reaches a text field:

- every printable key is *held* (not delivered) while it could be part of a burst;
- if keys keep coming at most ``max_gap_s`` apart and Enter follows at least ``min_chars`` of them, the
  held keys and the Enter become one ``SCAN`` and none of them reaches the focused field;
- otherwise (a gap longer than ``max_gap_s``, a non-text key, too few keys before Enter, more than
  ``max_chars`` keys) the held keys are handed back in order (``replay``) and delivered as typing. A
  person's first key is therefore late by at most ``max_gap_s`` (35 ms: not noticeable).

Tokens are opaque to the recogniser (the Qt layer passes what it needs to re-deliver the key). The caller
arms a timer for ``deadline`` and calls ``expire(now)`` when it fires.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K")

DEFAULT_MAX_GAP_S = 0.035  # scanners: ≤ 20 ms a key; the fastest people: ~60 ms between keys
DEFAULT_MIN_CHARS = 6  # shorter than every code format in docs/codes.md
DEFAULT_MAX_CHARS = 4096  # the same bound as serial scanners (framing.MAX_CODE_BYTES)


class Action(enum.Enum):
    HOLD = "hold"  # swallow this key for now: it may be part of a burst
    PASS = "pass"  # deliver this key normally (after the replayed ones, if any)
    SCAN = "scan"  # swallow this key: it ended a burst; ``text`` is the scan


@dataclass
class Outcome(Generic[K]):
    action: Action
    replay: list[K] = field(default_factory=list)  # deliver these held keys first, in order
    text: str = ""


class BurstRecogniser(Generic[K]):
    def __init__(self, *, max_gap_s: float = DEFAULT_MAX_GAP_S, min_chars: int = DEFAULT_MIN_CHARS,
                 max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.max_gap_s = max_gap_s
        self.min_chars = min_chars
        self.max_chars = max_chars
        self._held: list[tuple[str, K]] = []
        self._last_at = 0.0

    @property
    def holding(self) -> bool:
        return bool(self._held)

    @property
    def deadline(self) -> float | None:
        """When ``expire`` must be called if no key comes before (``None``: nothing held)."""
        return self._last_at + self.max_gap_s if self._held else None

    def _release(self) -> list[K]:
        tokens = [token for _, token in self._held]
        self._held.clear()
        return tokens

    def _stale(self, now: float) -> bool:
        return bool(self._held) and now - self._last_at > self.max_gap_s

    def text_key(self, text: str, token: K, now: float) -> Outcome[K]:
        """A key that types ``text`` (one or a few characters, e.g. an input method's commit)."""
        replay = self._release() if self._stale(now) else []
        if sum(len(t) for t, _ in self._held) + len(text) > self.max_chars:
            return Outcome(Action.PASS, replay + self._release())
        self._held.append((text, token))
        self._last_at = now
        return Outcome(Action.HOLD, replay)

    def enter(self, token: K, now: float) -> Outcome[K]:
        if self._held and not self._stale(now):
            text = "".join(t for t, _ in self._held)
            if len(text) >= self.min_chars:
                self._held.clear()
                return Outcome(Action.SCAN, text=text)
        return Outcome(Action.PASS, self._release())

    def other_key(self, token: K, now: float) -> Outcome[K]:
        """A key that types nothing (arrows, Tab, Backspace, shortcuts): never part of a burst."""
        return Outcome(Action.PASS, self._release())

    def expire(self, now: float) -> list[K]:
        """The gap timer fired: if the gap really passed, the held keys were typing; replay them."""
        return self._release() if self._held and now >= self._last_at + self.max_gap_s else []

    def clear(self) -> list[K]:
        return self._release()
