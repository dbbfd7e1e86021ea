"""Checks that look inside a training run: what its :class:`~.training.StepAudit` records show.

Each function returns ``True`` when the property holds for every seed, layer and audited step
of a :class:`~.training.TrainResult` (trained with ``TrainConfig.audit`` steps):

* :func:`forward_uses_deployed`: the forward pass used the deployed weights of the state
  before the step (``Q_d(U_r)`` for BC, the state itself otherwise);
* :func:`gradients_at_forward`: the recorded gradients are those of the minibatch loss at the
  recorded forward weights (recomputed here from the recorded minibatch and biases), so the
  gradient, and every ADAM moment formed from it, was taken at the deployed weights;
* :func:`deployed_on_grid`: every weight the forward pass used, and every weight deployed at the
  end, lies on the grid;
* :func:`updates_follow_rule`: the state after a step is the rule applied to the state before
  and the recorded step: ``U - s`` (FP), ``clip(U - s, -1, 1)`` (BC), ``Q_d(U - s)`` (R), bit
  for bit; for SR a grid point within one spacing of ``U - s`` projected onto the grid's span;
* :func:`state_in_clip_range`: BC's real weights stay in [-1, 1];
* :func:`no_hidden_copy`: the method keeps nothing but its deployed weights (SR and R): the
  state equals the deployed weights at every audited step and at the end, and the state before
  an audited step equals the state after the previous step when both are audited;
* :func:`deployed_differ`: no deployed network of one run equals one of another (BC against FP).
"""

from __future__ import annotations

import itertools

import numpy as np
from qnets.simulate.grid import Grid
from qnets.simulate.nets.data import Dataset
from qnets.simulate.nets.model import Network
from qnets.simulate.nets.training import TrainResult


def forward_uses_deployed(result: TrainResult, method: str, grid: Grid) -> bool:
    """The forward weights of every audited step are the deployed weights of the state before it:
    ``Q_d(U_r)`` for BC, the state itself otherwise (defined here, independently of the rules)."""
    return all(
        np.array_equal(forward, grid.nearest(state) if method == "bc" else state)
        for record in result.audit
        for forward, state in zip(record.forward, record.state_before, strict=True)
    )


def gradients_at_forward(result: TrainResult, model: Network, data: Dataset, rtol: float = 1e-12) -> bool:
    """The recorded gradients equal those recomputed at the recorded forward weights and biases on
    the recorded minibatch, within ``rtol`` of the largest entry of each layer."""
    for record in result.audit:
        x, y = data.x_train[record.index], data.y_train[record.index]
        _, grads, _ = model.loss_and_gradients(record.forward, record.biases_before, x, y)
        for recorded, recomputed in zip(record.gradients, grads, strict=True):
            if np.max(np.abs(recorded - recomputed)) > rtol * np.max(np.abs(recomputed)):
                return False
    return True


def deployed_on_grid(result: TrainResult, grid: Grid) -> bool:
    """Every forward weight of the audited steps and every finally deployed weight is a grid point."""
    arrays = [*(w for record in result.audit for w in record.forward), *result.final_deployed]
    return all(bool(np.all(grid.contains(w))) for w in arrays)


def updates_follow_rule(result: TrainResult, method: str, grid: Grid) -> bool:
    """The state after every audited step is the method's update of the state before (module docstring)."""
    for record in result.audit:
        for before, step, after in zip(record.state_before, record.steps, record.state_after, strict=True):
            moved = before - step
            if method == "sr":
                projected = np.clip(moved, grid.lo, grid.hi)  # a bounded grid saturates
                holds = bool(
                    np.all(grid.contains(after)) and np.all(np.abs(after - projected) <= grid.delta * (1 + 1e-9))
                )
            else:
                expected = {"fp": moved, "bc": np.clip(moved, -1.0, 1.0), "r": grid.nearest(moved)}[method]
                holds = np.array_equal(after, expected)
            if not holds:
                return False
    return True


def state_in_clip_range(result: TrainResult) -> bool:
    """BC's real weights, at every audited step and at the end, lie in [-1, 1]."""
    arrays = [*(w for record in result.audit for w in record.state_after), *result.final_state]
    return all(bool(np.all(np.abs(w) <= 1.0)) for w in arrays)


def no_hidden_copy(result: TrainResult) -> bool:
    """The state is the deployed weights throughout, and consecutive audited steps chain up."""
    records = result.audit
    pairs = [(record.state_before, record.forward) for record in records]
    pairs += [(record.state_after, record.deployed_after) for record in records]
    pairs.append((result.final_state, result.final_deployed))
    pairs += [(b.state_before, a.state_after) for a, b in itertools.pairwise(records) if b.step == a.step + 1]
    return all(np.array_equal(s, d) for first, second in pairs for s, d in zip(first, second, strict=True))


def deployed_differ(result: TrainResult, other: TrainResult) -> bool:
    """No seed's final deployed network in ``result`` equals any seed's in ``other``."""
    n_seeds, n_other = len(result.test_error), len(other.test_error)
    return not any(
        all(np.array_equal(a[i], b[j]) for a, b in zip(result.final_deployed, other.final_deployed, strict=True))
        for i in range(n_seeds)
        for j in range(n_other)
    )
