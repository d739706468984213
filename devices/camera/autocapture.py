"""Auto-capture: take the page once it has lain still and sharp for a moment. A pure state machine.

Fed one observation per preview frame (the page's quad or None, the focus measure, the time), it answers
what the preview should show and when to capture:

    EMPTY ──page seen──► MOVING ──corners still──► HOLDING ──held hold_s and sharp──► CAPTURE (once)
      ▲                    ▲  ◄──corners moved──────┘                                   │
      └───── page gone ────┴──────── page moved away or gone (re-arms) ◄── CAPTURED ◄────┘

- "Still" means no corner moved more than ``still_tolerance`` (a fraction of the frame diagonal) since the
  previous frame *and* since the hold began, so a slow drift cannot pass as still.
- "Sharp" means the focus measure is at least ``min_focus`` and at least ``sharp_ratio`` of the best seen
  during this hold: a blank page has little texture, so the bar is relative as well as absolute.
- After a capture nothing more is taken until the page is lifted (no page for ``rearm_s``) or moved by
  more than ``rearm_tolerance``: the same page is never captured twice in a row.

Times are plain floats (seconds, monotonic), so tests drive it without a clock or a camera.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np


class Phase(enum.StrEnum):
    EMPTY = "empty"
    MOVING = "moving"
    HOLDING = "holding"
    CAPTURED = "captured"


@dataclass(frozen=True)
class Decision:
    phase: Phase
    progress: float  # 0..1 of the hold
    capture: bool  # True exactly once per still page


class AutoCapture:
    def __init__(self, *, hold_s: float = 1.0, still_tolerance: float = 0.006, rearm_tolerance: float = 0.05,
                 rearm_s: float = 0.4, min_focus: float = 15.0, sharp_ratio: float = 0.7) -> None:
        self.hold_s = hold_s
        self.still_tolerance = still_tolerance
        self.rearm_tolerance = rearm_tolerance
        self.rearm_s = rearm_s
        self.min_focus = min_focus
        self.sharp_ratio = sharp_ratio
        self.reset()

    def reset(self) -> None:
        self.phase = Phase.EMPTY
        self._previous: np.ndarray | None = None
        self._hold_quad: np.ndarray | None = None
        self._hold_since = 0.0
        self._best_focus = 0.0
        self._captured_quad: np.ndarray | None = None
        self._missing_since: float | None = None

    def _moved(self, a: np.ndarray, b: np.ndarray, diagonal: float) -> float:
        return float(np.max(np.linalg.norm(a - b, axis=1))) / diagonal

    def update(self, quad, focus: float, now: float, frame_size: tuple[int, int]) -> Decision:
        """One preview frame: ``quad`` (4×2, frame pixels) or None, its focus, the time, (width, height)."""
        diagonal = float(np.hypot(*frame_size))
        if quad is None:
            return self._no_page(now)
        quad = np.asarray(quad, dtype=np.float64).reshape(4, 2)
        self._missing_since = None

        if self.phase is Phase.CAPTURED:
            if self._moved(quad, self._captured_quad, diagonal) > self.rearm_tolerance:
                self._start_moving(quad)
            else:
                self._previous = quad
            return Decision(self.phase, 1.0 if self.phase is Phase.CAPTURED else 0.0, False)

        still = self._previous is not None and self._moved(quad, self._previous, diagonal) <= self.still_tolerance
        self._previous = quad
        if self.phase is Phase.HOLDING and still and \
                self._moved(quad, self._hold_quad, diagonal) <= 2 * self.still_tolerance:
            self._best_focus = max(self._best_focus, focus)
            held = now - self._hold_since
            sharp = focus >= self.min_focus and focus >= self.sharp_ratio * self._best_focus
            if held >= self.hold_s and sharp:
                self.phase = Phase.CAPTURED
                self._captured_quad = quad
                return Decision(Phase.CAPTURED, 1.0, True)
            return Decision(Phase.HOLDING, min(1.0, held / self.hold_s), False)
        if still:
            self.phase = Phase.HOLDING
            self._hold_quad = quad
            self._hold_since = now
            self._best_focus = focus
            return Decision(Phase.HOLDING, 0.0, False)
        self._start_moving(quad)
        return Decision(Phase.MOVING, 0.0, False)

    def _start_moving(self, quad: np.ndarray) -> None:
        self.phase = Phase.MOVING
        self._previous = quad
        self._hold_quad = None
        self._captured_quad = None

    def _no_page(self, now: float) -> Decision:
        if self.phase is Phase.CAPTURED:
            if self._missing_since is None:
                self._missing_since = now
            if now - self._missing_since >= self.rearm_s:
                self.reset()
                return Decision(Phase.EMPTY, 0.0, False)
            return Decision(Phase.CAPTURED, 1.0, False)
        self.phase = Phase.EMPTY
        self._previous = None
        self._hold_quad = None
        return Decision(Phase.EMPTY, 0.0, False)
