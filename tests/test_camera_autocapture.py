"""Auto-capture (devices/camera/autocapture.py): once per page held still and sharp, never twice."""

from __future__ import annotations

import numpy as np

from devices.camera.autocapture import AutoCapture, Phase

SIZE = (960, 540)
QUAD = np.array([[100, 80], [500, 90], [490, 460], [95, 450]], float)


def run(auto: AutoCapture, frames: list[tuple[float, np.ndarray | None, float]]) -> list:
    return [auto.update(quad, focus, t, SIZE) for t, quad, focus in frames]


def still(t0: float, t1: float, quad=QUAD, focus=100.0, fps=20):
    return [(t, quad, focus) for t in np.arange(t0, t1, 1 / fps)]


def test_a_page_held_still_and_sharp_is_captured_once_after_the_hold():
    auto = AutoCapture(hold_s=1.0)
    decisions = run(auto, still(0.0, 3.0))
    captures = [i for i, d in enumerate(decisions) if d.capture]
    assert len(captures) == 1
    assert 1.0 <= captures[0] / 20 <= 1.2  # fires a moment after the hold ends
    assert decisions[-1].phase is Phase.CAPTURED


def test_a_moving_page_is_not_captured():
    auto = AutoCapture(hold_s=0.5)
    frames = [(i / 20, QUAD + [i * 8.0, 0], 100.0) for i in range(60)]  # slides 8 px a frame
    decisions = run(auto, frames)
    assert not any(d.capture for d in decisions)
    assert {d.phase for d in decisions[1:]} == {Phase.MOVING}


def test_a_slow_drift_does_not_pass_as_still():
    auto = AutoCapture(hold_s=0.5, still_tolerance=0.006)  # 6.6 px on a 960×540 preview
    frames = [(i / 20, QUAD + [i * 2.0, 0], 100.0) for i in range(60)]  # under the per-frame tolerance
    decisions = run(auto, frames)
    assert not any(d.capture for d in decisions)
    assert max(d.progress for d in decisions) < 1.0  # each hold restarts as the drift adds up


def test_a_blurred_page_waits_until_it_is_sharp():
    auto = AutoCapture(hold_s=0.5, min_focus=15.0)
    decisions = run(auto, still(0.0, 1.5, focus=5.0) + still(1.5, 2.0, focus=80.0))
    first = next(i for i, d in enumerate(decisions) if d.capture)
    assert first >= 30  # only once the focus came up


def test_the_same_page_is_not_captured_twice_but_the_next_one_is():
    auto = AutoCapture(hold_s=0.5, rearm_s=0.3)
    frames = still(0.0, 2.0) + [(t, None, 0.0) for t in np.arange(2.0, 2.5, 0.05)] + still(2.5, 4.0, QUAD + 40)
    assert sum(d.capture for d in run(auto, frames)) == 2


def test_moving_the_captured_page_away_rearms_it():
    auto = AutoCapture(hold_s=0.5)
    frames = still(0.0, 1.0) + still(1.0, 2.5, QUAD + [120, 0])  # shifted by an eighth of the frame
    assert sum(d.capture for d in run(auto, frames)) == 2


def test_progress_climbs_during_the_hold():
    auto = AutoCapture(hold_s=1.0)
    progress = [d.progress for d in run(auto, still(0.0, 0.9))]
    assert progress == sorted(progress) and 0.7 < progress[-1] < 1.0


def test_losing_the_page_while_holding_starts_again():
    auto = AutoCapture(hold_s=1.0)
    frames = still(0.0, 0.8) + [(0.85, None, 0.0)] + still(0.9, 1.6)
    decisions = run(auto, frames)
    assert not any(d.capture for d in decisions)  # 0.7 s since the page came back: not yet
