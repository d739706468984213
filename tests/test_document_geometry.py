"""Quads: corner order, overlap, robust line fits (devices/camera/geometry.py)."""

from __future__ import annotations

import numpy as np
import pytest

from devices.camera import geometry

SQUARE = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)


@pytest.mark.parametrize("points, expected", [
    ([[0, 0], [10, 0], [10, 10], [0, 10]], [[0, 0], [10, 0], [10, 10], [0, 10]]),
    ([[10, 10], [0, 10], [0, 0], [10, 0]], [[0, 0], [10, 0], [10, 10], [0, 10]]),
    ([[0, 10], [10, 0], [0, 0], [10, 10]], [[0, 0], [10, 0], [10, 10], [0, 10]]),  # scrambled
    ([[5, 0], [10, 5], [5, 10], [0, 5]], [[5, 0], [10, 5], [5, 10], [0, 5]]),  # a diamond: top first
])
def test_corners_are_ordered_clockwise_on_screen_from_the_top_left(points, expected):
    assert geometry.order_corners(np.array(points, float)).tolist() == expected


@pytest.mark.parametrize("other, expected", [
    (SQUARE, 1.0),
    (SQUARE + [5, 0], 50 / 150),  # half overlapping
    (SQUARE + [20, 0], 0.0),  # apart
    (SQUARE * 0.5, 0.25),  # inside, a quarter of the area
    (None, 0.0),
])
def test_iou_of_quads(other, expected):
    assert geometry.iou(SQUARE, other) == pytest.approx(expected, abs=1e-6)


def test_iou_does_not_depend_on_corner_order():
    assert geometry.iou(SQUARE[::-1], SQUARE + [5, 0]) == pytest.approx(50 / 150)


def test_a_robust_line_ignores_a_block_of_outliers_as_a_finger_over_an_edge_makes():
    xs = np.linspace(0, 100, 60)
    points = np.column_stack([xs, 0.1 * xs + 5])
    points[20:32, 1] += 25  # a fifth of the samples on the finger's outline
    centre, direction = geometry.robust_line(points, tolerance=1.0)
    slope = direction[1] / direction[0]
    assert slope == pytest.approx(0.1, abs=0.005)
    assert centre[1] - slope * centre[0] == pytest.approx(5.0, abs=0.3)


def test_four_lines_make_the_quad_whose_sides_they_are():
    lines = [(SQUARE[i], (SQUARE[(i + 1) % 4] - SQUARE[i]) / 10) for i in range(4)]
    assert np.allclose(geometry.quad_from_lines(lines), SQUARE)


def test_parallel_lines_do_not_meet():
    assert geometry.intersect((np.zeros(2), np.array([1.0, 0])), (np.ones(2), np.array([1.0, 0]))) is None
