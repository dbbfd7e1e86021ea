"""Parameter sweeps (``qnets sweep``): a grid of Monte Carlo runs, one tidy row per point.

The grid is the product of the values of :data:`AXES` (method, Delta, step size ``a`` with its
schedule, d, sigma, batch size and seed) on one named problem of
:func:`qnets.simulate.scenarios.named_problem`.  Each point runs ``chains`` chains for ``steps`` steps
from the corner of the grid-aligned box of radius ``radius`` around ``w*`` and records the
estimate of ``E[quantity]`` at ``T = steps`` (``gap``: ``F(w_T) - F*``, ``avg_gap``: ``F(w_bar_T) -
F*``, ``dist2``: ``||w_T - w*||^2``) with its standard error.  Where exact values exist they sit
next to the estimate:

* ``exact``: SR on a diagonal quadratic with Gaussian noise (``quadratic``, and any other
  diagonal one): E2's exact ``E F(w_T) - F*`` or ``E F(w_bar_T) - F*`` for the same box, start,
  schedule and ``T`` (:func:`qnets.simulate.markov.quadratic.exact_sr_quadratic`), so
  ``(estimate - exact) / stderr`` is a standard normal up to the CLT;
* ``floor``: SR on ``quadratic``: E1's small-step floor ``lim_{a -> 0} lim_T E[F - F*]`` on the
  unbounded grid (:func:`qnets.simulate.markov.quadratic.sr_floor_quadratic`), the level that SR's
  error settles at for small constant steps.

Points are :mod:`qnets.pipeline.tasks` tasks: cached under ``OUT/cache`` (an interrupted sweep resumes
where it stopped) and run on any :class:`qnets.parallel.Backend`.  Outputs: ``sweep.csv``,
``sweep.json`` (strict JSON: NaN and infinities are ``null``) and ``sweep.png`` / ``sweep.pdf``
(the estimate against one axis, one line per combination of the other varying axes, with the
exact values dashed).
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from qnets import parallel
from qnets.errors import InputError
from qnets.figures.style import save
from qnets.output import atomic_path, code_hash, write_json
from qnets.pipeline.cache import Cache
from qnets.pipeline.progress import Progress
from qnets.pipeline.tasks import Failure, run_tasks
from qnets.simulate import Box, Grid, method_by_name, run, schedule_by_name
from qnets.simulate.markov.quadratic import exact_sr_quadratic, sr_floor_quadratic
from qnets.simulate.monte_carlo import QUANTITIES
from qnets.simulate.noise import GaussianNoise
from qnets.simulate.problems import Problem, Quadratic
from qnets.simulate.scenarios import PROBLEMS, named_problem

#: The axes of a sweep, in the order of the table's columns.
AXES = ("method", "delta", "schedule", "lr", "d", "sigma", "batch_size", "seed")
#: The columns after the axes.
RESULTS = ("estimate", "stderr", "exact", "floor")


@dataclass(frozen=True)
class SweepPoint:
    """One point of the grid and the fixed settings of its run (a :mod:`qnets.pipeline.tasks` task)."""

    problem: str
    method: str
    delta: float
    schedule: str
    lr: float
    d: int
    sigma: float
    batch_size: int
    seed: int
    steps: int
    chains: int
    radius: float
    quantity: str

    name = "sweep-point"

    @property
    def description(self) -> dict:
        return {"point": asdict(self), "code": code_hash()}

    def build(self) -> tuple[Problem, Grid, Box]:
        """The problem, grid and box of this point (raises InputError for bad values)."""
        problem = named_problem(self.problem, self.d, self.sigma, self.batch_size, self.seed)
        grid = Grid(self.delta)
        return problem, grid, Box.around(problem.w_star, self.radius, grid)

    def __call__(self) -> dict[str, np.ndarray]:
        problem, grid, box = self.build()
        method = method_by_name(self.method, grid)
        schedule = schedule_by_name(self.schedule, self.lr)
        result = run(problem, method, schedule, self.steps, self.chains, self.seed, box, checkpoints=[self.steps])
        estimate = result.final(f"{method.state_names[0]}.{self.quantity}")
        return {
            "estimate": np.array(estimate.mean),
            "stderr": np.array(estimate.stderr),
            "exact": np.array(self._exact(problem, grid, box, schedule)),
            "floor": np.array(self._floor(problem, grid)),
        }

    def _sr_on_gaussian_diagonal_quadratic(self, problem: Problem) -> bool:
        return (
            self.method == "sr"
            and isinstance(problem, Quadratic)
            and problem.is_diagonal
            and isinstance(problem.noise, GaussianNoise)
        )

    def _exact(self, problem: Problem, grid: Grid, box: Box, schedule) -> float:
        """E2's exact value of ``gap`` or ``avg_gap`` (NaN where there is none)."""
        if not self._sr_on_gaussian_diagonal_quadratic(problem) or self.quantity == "dist2":
            return math.nan
        exact = exact_sr_quadratic(problem, grid, box, schedule, self.steps)  # type: ignore[arg-type]
        return float((exact.last if self.quantity == "gap" else exact.averaged)[-1])

    def _floor(self, problem: Problem, grid: Grid) -> float:
        """E1's small-step floor of ``E[F - F*]`` for ``quadratic`` (NaN elsewhere)."""
        if self.problem != "quadratic" or not self._sr_on_gaussian_diagonal_quadratic(problem):
            return math.nan
        if self.quantity == "dist2" or self.sigma == 0:
            return math.nan
        return sr_floor_quadratic(1.0, self.sigma, grid.delta, 0.0, self.d).gap


@dataclass(frozen=True)
class SweepSpec:
    """The grid: a list of values per axis, and the settings shared by every point."""

    problem: str
    axes: dict[str, list]
    steps: int
    chains: int
    radius: float
    quantity: str

    def points(self) -> list[SweepPoint]:
        """Every point of the grid, the last axis varying fastest."""
        shared: dict[str, Any] = {
            "problem": self.problem,
            "steps": self.steps,
            "chains": self.chains,
            "radius": self.radius,
            "quantity": self.quantity,
        }
        values = [self.axes[axis] for axis in AXES]
        return [SweepPoint(**shared, **dict(zip(AXES, combo, strict=True))) for combo in itertools.product(*values)]

    @property
    def varying(self) -> list[str]:
        """The axes with more than one value."""
        return [axis for axis in AXES if len(self.axes[axis]) > 1]


def check_spec(spec: SweepSpec) -> None:
    """Raise InputError naming the option for values out of range (before anything runs)."""
    if spec.problem not in PROBLEMS:
        raise InputError(f"--problem must be one of {', '.join(PROBLEMS)}, got {spec.problem!r}")
    if spec.quantity not in QUANTITIES:
        raise InputError(f"--quantity must be one of {', '.join(QUANTITIES)}, got {spec.quantity!r}")
    limits = {
        "delta": (0.0, False),
        "lr": (0.0, False),
        "sigma": (0.0, True),
        "d": (1, True),
        "batch_size": (1, True),
        "seed": (0, True),
    }
    for axis, (lowest, allowed) in limits.items():
        option = "--" + axis.replace("_", "-")
        for value in spec.axes[axis]:
            if not math.isfinite(value) or value < lowest or (value == lowest and not allowed):
                raise InputError(f"{option} values must be finite and {'>=' if allowed else '>'} {lowest}, got {value}")
    for option, value, lowest in (("--steps", spec.steps, 1), ("--chains", spec.chains, 2)):
        if value < lowest:
            raise InputError(f"{option} must be >= {lowest}, got {value}")
    if not spec.radius > 0:
        raise InputError(f"--radius must be > 0, got {spec.radius}")
    for point in spec.points():
        try:
            point.build()
            method_by_name(point.method, Grid(point.delta))
            schedule_by_name(point.schedule, point.lr)
        except InputError as error:
            raise InputError(f"sweep point {_label(point, AXES)}: {error}") from None


def _label(point: SweepPoint, axes: list[str] | tuple[str, ...]) -> str:
    return " ".join(f"{axis}={getattr(point, axis)}" for axis in axes)


def _plain(value: float) -> float | None:
    """A JSON-safe number: NaN and infinities become None."""
    return value if math.isfinite(value) else None


def run_sweep(
    spec: SweepSpec, out: Path, cache: Cache, backend: parallel.Backend, progress: Progress, x_axis: str
) -> list[dict]:
    """Run every point (through the cache, on ``backend``), write the table and the plot; return the rows."""
    check_spec(spec)
    points = spec.points()
    labels = [f"point {_label(p, spec.varying) or 'single'}" for p in points]
    outcomes = run_tasks(
        points, labels, cache, backend, progress, lambda o: f"{float(o['estimate']):.4g} +- {float(o['stderr']):.2g}"
    )
    failures = [(label, o.error) for label, o in zip(labels, outcomes, strict=True) if isinstance(o, Failure)]
    if failures:
        raise RuntimeError(f"{len(failures)} sweep point(s) failed; first: {failures[0][0]}: {failures[0][1]}")
    rows = [
        {**{axis: getattr(p, axis) for axis in AXES}, **{k: _plain(float(o[k])) for k in RESULTS}}  # type: ignore[index]
        for p, o in zip(points, outcomes, strict=True)
    ]
    out.mkdir(parents=True, exist_ok=True)
    write_table(rows, spec, out)
    save(plot(rows, spec, x_axis), out / "sweep")
    return rows


def write_table(rows: list[dict], spec: SweepSpec, out: Path) -> None:
    """``sweep.csv`` (empty cell where there is no value) and ``sweep.json`` (strict JSON)."""
    with atomic_path(out / "sweep.csv") as temporary, temporary.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=[*AXES, *RESULTS])
        writer.writeheader()
        writer.writerows([{k: "" if v is None else v for k, v in row.items()} for row in rows])
    settings = {f.name: getattr(spec, f.name) for f in fields(spec) if f.name != "axes"}
    payload = {"settings": settings, "axes": spec.axes, "rows": rows}
    write_json(out / "sweep.json", payload)


def _over_seeds(group: list[dict], x_axis: str) -> list[dict]:
    """The rows of ``group`` merged over seeds, per value of ``x_axis``: the mean of the seeds'
    estimates, exact values and floors, and the standard error of that mean,
    ``sqrt(sum stderr_i^2) / n`` (the seeds' runs are independent)."""
    merged: dict[object, list[dict]] = {}
    for row in group:
        merged.setdefault(row[x_axis], []).append(row)
    out = []
    for x, same in merged.items():
        n = len(same)
        row = {x_axis: x, "estimate": sum(r["estimate"] for r in same) / n}
        row["stderr"] = math.sqrt(sum(r["stderr"] ** 2 for r in same)) / n
        for column in ("exact", "floor"):
            values = [r[column] for r in same]
            row[column] = None if any(v is None for v in values) else sum(values) / n
        out.append(row)
    return out


def plot(rows: list[dict], spec: SweepSpec, x_axis: str) -> Figure:
    """The estimate against ``x_axis`` as the mean over seeds with 2-standard-error bars; one
    line per combination of the other varying axes; exact values dashed, E1 floors dotted.  With
    positive values on both axes the plot is log-log, so a power law (the linear-in-Delta floor,
    the 1/T decay) is a straight line of its slope."""
    figure = Figure(figsize=(6.4, 4.2), layout="constrained")
    axes = figure.add_subplot()
    others = [axis for axis in spec.varying if axis not in (x_axis, "seed")]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[axis] for axis in others), []).append(row)
    numeric = x_axis not in ("method", "schedule")
    seeds = len({row["seed"] for row in rows}) if x_axis != "seed" and rows and "seed" in rows[0] else 1
    plotted: list[dict] = []
    for index, (key, members) in enumerate(groups.items()):
        group = _over_seeds(members, x_axis) if x_axis != "seed" else members
        plotted += group
        color = f"C{index % 10}"
        x = [row[x_axis] for row in group] if numeric else list(range(len(group)))
        label = ", ".join(f"{axis}={value}" for axis, value in zip(others, key, strict=True)) or spec.problem
        axes.errorbar(
            x,
            [r["estimate"] for r in group],
            yerr=[2 * r["stderr"] for r in group],
            color=color,
            marker="o",
            capsize=2,
            label=label,
        )
        for column, style in (("exact", "--"), ("floor", ":")):
            if all(r[column] is not None for r in group):
                axes.plot(x, [r[column] for r in group], style, color=color)
        if not numeric:
            axes.set_xticks(x, [str(row[x_axis]) for row in group])
    axes.set_xlabel(x_axis)
    mean = f"mean over {seeds} seeds, " if seeds > 1 else ""
    axes.set_ylabel(f"{spec.quantity} at T={spec.steps}\n({mean}2 s.e.; exact dashed, E1 floor dotted)")
    if numeric and all(row[x_axis] > 0 for row in plotted):
        axes.set_xscale("log")
        if all(r["estimate"] > 0 for r in plotted):
            axes.set_yscale("log")
    figure.legend(loc="outside right upper", fontsize="small")
    axes.set_title(f"qnets sweep: {spec.problem}, {spec.chains} chains")
    return figure
