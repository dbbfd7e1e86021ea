"""The step-size schedules a_t (zero-based t): values at generic constants, names, validation.

Written from the mutation run of simulate/schedules.py (paper_notes/mutation.md): no killer
looked at a schedule's name, its float conversion or its messages.
"""

import dataclasses
import math

import numpy as np
import pytest
from qnets.simulate import constant, inverse_sqrt, inverse_time, schedule_by_name
from qnets.simulate.schedules import annealed

T = np.array([0, 1, 2, 7, 40])


@pytest.mark.parametrize(
    ("schedule", "name", "expected"),
    [
        (constant(0.37), "constant", 0.37 + 0 * T),
        (inverse_time(1.7), "inverse_time", 1 / (1.7 * (T + 1))),
        (inverse_sqrt(0.43), "inverse_sqrt", 0.43 / np.sqrt(T + 1)),
        (annealed(0.9, 0.05, 8), "annealed", np.maximum(0.05, 0.9 * (0.05 / 0.9) ** (T / 8))),
    ],
)
def test_schedule_values_names_and_immutability(schedule, name, expected):
    np.testing.assert_allclose([schedule(int(t)) for t in T], expected, rtol=1e-14)
    assert schedule.name == name
    assert hash(schedule) == hash(dataclasses.replace(schedule))
    field = dataclasses.fields(schedule)[0].name
    assert type(getattr(schedule, field)) is float
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(schedule, field, 0.5)
    if name != "annealed":
        assert schedule_by_name(name.replace("_", "-"), getattr(schedule, field)) == schedule


def test_integer_parameters_are_stored_as_floats():
    for schedule in (constant(3), inverse_time(2), inverse_sqrt(5), annealed(4, 1, 3)):
        values = [getattr(schedule, field.name) for field in dataclasses.fields(schedule)]
        assert [type(value) for value in values[:2]] == [float] * min(2, len(values))


def test_annealed_reaches_end_at_steps_and_stays():
    schedule = annealed(0.9, 0.05, 8)
    assert math.isclose(schedule(8), 0.05, rel_tol=1e-14) and schedule(9) == schedule(8) == schedule(100)
    assert type(schedule.steps) is int
    assert type(annealed(0.9, 0.05, np.int64(8)).steps) is int  # a numpy integer is stored as int


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: constant(0), r"^a must be > 0, got 0\.0$"),
        (lambda: inverse_time(-1.5), r"^mu must be > 0, got -1\.5$"),
        (lambda: inverse_sqrt(math.inf), r"^c must be finite, got inf$"),
        (lambda: annealed(0, 0.1, 3), r"^start must be > 0, got 0\.0$"),
        (lambda: annealed(0.5, 0, 3), r"^end must be > 0, got 0\.0$"),
        (lambda: annealed(0.5, 0.9, 3), r"^end must be <= start=0\.5, got 0\.9$"),
        (lambda: annealed(0.5, 0.1, 0), r"^steps must be an integer >= 1, got 0$"),
    ],
)
def test_schedules_reject_bad_input_naming_the_parameter(make, message):
    with pytest.raises(ValueError, match=message):
        make()
