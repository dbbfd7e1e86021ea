"""Unit tests of :mod:`qnets.simulate.domain` (the box ``W`` and its projection), at generic constants.

Written for the survivors of the mutation run of issue 18 (paper_notes/mutation.md): the exact
error messages, the immutability of a box, the overflow and lattice-resolution refusals both ways.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from qnets.simulate import Box, Grid
from qnets.simulate.domain import LATTICE_RESOLUTION

from qnets.errors import InputError, InputTypeError


def test_a_box_converts_its_bounds_to_read_only_float_vectors_and_is_immutable():
    box = Box([-0.7, 0.2], [1.3, 2.9])
    for bound, expected in ((box.lo, [-0.7, 0.2]), (box.hi, [1.3, 2.9])):
        assert isinstance(bound, np.ndarray) and bound.dtype == float
        assert bound.tolist() == expected
        assert not bound.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        box.lo[0] = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        box.hi = np.array([5.0, 5.0])  # type: ignore[misc]


def test_a_box_is_hashable_and_equal_only_to_itself():
    box = Box([-0.7, 0.2], [1.3, 2.9])
    twin = Box([-0.7, 0.2], [1.3, 2.9])
    assert box == box and box != twin  # eq=False: identity, not an elementwise array comparison
    assert len({box, twin}) == 2


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Box(np.zeros((1, 2)), np.ones(2)), InputError, r"^lo must have 1 dimension\(s\), got shape \(1, 2\)$"),
        (lambda: Box(np.zeros(2), np.ones((2, 1))), InputError, r"^hi must have 1 dimension\(s\), got shape \(2, 1\)$"),
        (
            lambda: Box(np.zeros(2), np.ones(3)),
            InputError,
            r"^lo and hi must be non-empty vectors of one shape, got \(2,\), \(3,\)$",
        ),
        (
            lambda: Box(np.array([0.4, 0.5]), np.array([1.1, 0.5])),
            InputError,
            r"^box is empty or inverted: every coordinate needs lo < hi$",
        ),
        (
            lambda: Box(np.array([-1e308]), np.array([1.7e308])),
            InputError,
            r"^box is too wide: hi - lo overflows float64$",
        ),
        (lambda: Box.cube(0, 0.3), InputError, r"^d must be an integer >= 1, got 0$"),
        (lambda: Box.cube(10**12, 0.3), InputError, r"^Box\.cube\(d\) would allocate 1000000000000 entries"),
        (lambda: Box.cube(2, -0.3), InputError, r"^radius must be > 0, got -0\.3$"),
        (
            lambda: Box.cube(2, 0.3, np.zeros(3)),
            InputError,
            r"^center must be a scalar or have shape \(2,\), got \(3,\)$",
        ),
        (lambda: Box.around(np.zeros((2, 2)), 0.3, Grid(0.3)), InputError, r"^w_star must have 1 dimension\(s\)"),
        (lambda: Box.around(np.zeros(2), 0.0, Grid(0.3)), InputError, r"^radius must be > 0, got 0"),
        (lambda: Box.around(np.zeros(2), 0.3, 0.3), InputTypeError, r"^grid must be a Grid, got float$"),
    ],
)
def test_bad_boxes_are_refused_with_exact_messages(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_a_wide_box_whose_bounds_sum_overflows_is_accepted():
    """``hi - lo`` is finite although ``hi + lo`` is not: the width, not the sum, is checked."""
    box = Box(np.array([1.1e308]), np.array([1.6e308]))
    assert (box.hi - box.lo).tolist() == pytest.approx([0.5e308], rel=1e-12)


def test_cube_is_centred_at_the_origin_by_default_and_accepts_one_dimension():
    box = Box.cube(3, 0.35)
    assert box.lo.tolist() == [-0.35] * 3 and box.hi.tolist() == [0.35] * 3
    line = Box.cube(1, 0.35, center=0.6)
    assert line.d == 1
    assert line.lo.tolist() == pytest.approx([0.25]) and line.hi.tolist() == pytest.approx([0.95])


def test_around_refuses_lattice_indices_beyond_2_to_the_52_and_accepts_those_below():
    """``reach = max(|w* - anchor| + radius) / delta`` must be at most ``2^52``: refused at 1.5 * 2^52."""
    assert LATTICE_RESOLUTION == 2.0**52
    delta = 0.3
    message = (
        r"^grid delta=0\.3 is below float64's resolution at the box around w_star with radius=2\.02662e\+15: "
        r"its lattice indices reach 6\.76e\+15 > 2\^52; use a larger delta or a smaller radius$"
    )
    with pytest.raises(InputError, match=message):
        Box.around(np.zeros(2), 1.5 * 2.0**52 * delta, Grid(delta))
    box = Box.around(np.zeros(2), 0.75 * 2.0**52 * delta, Grid(delta))
    assert np.all(box.hi >= 0.75 * 2.0**52 * delta)


def test_around_refuses_a_radius_lost_in_rounding_above_w_star_with_an_exact_message():
    """At ``w* = 1``, ``1 + 0.8e-16 == 1`` although ``1 - 0.8e-16 != 1``: the upper side decides."""
    w_star = np.array([0.3, 1.0])
    message = (
        r"^radius=8e-17 is below float64's resolution at w_star \(max \|w\*\| = 1\); "
        r"use a radius of at least 2\.22e-16$"
    )
    with pytest.raises(InputError, match=message):
        Box.around(w_star, 0.8e-16, Grid(0.3))


def test_around_refuses_an_overflowing_box_with_an_exact_message():
    message = (
        r"^the grid-aligned box around w_star with radius=1e\+308 and grid delta=0\.03 "
        r"overflows float64; use a smaller radius or delta$"
    )
    with pytest.raises(InputError, match=message):
        Box.around(np.zeros(1), 1e308, Grid(0.03))


def test_around_is_the_smallest_box_of_an_anchored_grid_clipped_to_its_bounds():
    """On ``0.1 + 0.3 Z`` in ``[0.1, 2.2]``: lo = 0.1 + 0.3 floor((w* - r - 0.1)/0.3), hi with ceil (by hand)."""
    grid = Grid(0.3, 0.1, 2.2)
    box = Box.around(np.array([0.95, 1.45]), 0.2, grid)
    assert box.lo.tolist() == pytest.approx([0.7, 1.0]) and box.hi.tolist() == pytest.approx([1.3, 1.9])
    box.check_aligned(grid)
    clipped = Box.around(np.array([0.2, 2.0]), 0.5, grid)
    assert clipped.lo.tolist() == pytest.approx([0.1, 1.3]) and clipped.hi.tolist() == pytest.approx([0.7, 2.2])
    assert clipped.lo[0] == 0.1 and clipped.hi[1] == 2.2


def test_around_accepts_a_box_near_the_float64_limit_whose_bounds_sum_overflows():
    box = Box.around(np.array([1.2e308]), 1.1e307, Grid(0.7e306))
    assert box.lo[0] <= 1.2e308 - 1.1e307 and box.hi[0] >= 1.2e308 + 1.1e307
    assert box.hi[0] - box.lo[0] < 1.1e307 * 2 + 2 * 0.7e306


def test_around_measures_lattice_indices_from_the_anchor_and_accepts_exactly_2_to_the_52():
    far = Box.around(np.array([1e15 + 0.9]), 0.6, Grid(0.3, lo=1e15))  # indices 0 to 5 from the anchor 1e15
    assert far.lo[0] <= 1e15 + 0.3 and far.hi[0] >= 1e15 + 1.5 and far.hi[0] - far.lo[0] < 2.0
    delta = 0.375  # radius / delta = 2^52 exactly, in binary
    edge = Box.around(np.zeros(1), 2.0**52 * delta, Grid(delta))
    assert edge.hi[0] == 2.0**52 * delta and edge.lo[0] == -(2.0**52) * delta


def test_diameter_dimension_membership_projection_and_vertex_offsets():
    box = Box(np.array([-0.7, 0.2]), np.array([1.3, 2.9]))
    assert box.d == 2
    assert box.diameter == pytest.approx(np.sqrt(2.0**2 + 2.7**2), rel=1e-15)
    points = np.array([[-0.7, 2.9], [1.31, 1.0], [0.0, 0.19], [0.4, 1.1]])
    assert box.contains(points).tolist() == [True, False, False, True]
    projected = box.project(points.copy())
    assert projected.tolist() == [[-0.7, 2.9], [1.3, 1.0], [0.0, 0.2], [0.4, 1.1]]
    aliased = points.copy()
    assert box.project(aliased, out=aliased) is aliased and aliased.tolist() == projected.tolist()
    assert box.max_abs_offset(np.array([0.1, 2.0])).tolist() == pytest.approx([1.2, 1.8])


def test_check_aligned_and_check_contains_name_the_offending_bound_or_point():
    grid = Grid(0.3, 0.1, 2.2)
    Box(np.array([0.1, 0.4]), np.array([0.7, 1.3])).check_aligned(grid)
    cases = (
        (Box(np.array([0.1, 0.45]), np.array([0.7, 1.3])), r"^box lo\[1\]=0\.45 is not a point"),
        (Box(np.array([0.1, 0.4]), np.array([0.75, 1.3])), r"^box hi\[0\]=0\.75 is not a point"),
    )
    for box, start in cases:
        with pytest.raises(
            InputError,
            match=start + r" of the grid \(delta=0\.3, anchor=0\.1\); use Box\.around\(\.\.\.\) for an aligned box$",
        ):
            box.check_aligned(grid)
    box = Box(np.array([0.1, 0.4]), np.array([0.7, 1.3]))
    box.check_contains("w0", np.array([0.7, 0.4]))
    with pytest.raises(InputError, match=r"^w0 must lie in the box \[lo, hi\]; it does not$"):
        box.check_contains("w0", np.array([0.71, 0.4]))
