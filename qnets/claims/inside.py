"""What the network claims N1-N5 see inside the training: the look-inside parts of their verdicts.

Every run of a network study records a :class:`~qnets.simulate.nets.training.StepAudit` of the
steps ``Sizes.audit`` (:data:`~qnets.simulate.nets.studies.AUDIT`, consecutive from 0).  :func:`parts` turns
the runs of a study into boolean parts, each holding when it holds for every run, seed, layer
and audited step:

* ``forward pass at the deployed weights``: the forward weights are ``Q_d(U_r)`` for BC and the
  state itself otherwise (:func:`~qnets.simulate.nets.audit.forward_uses_deployed`);
* ``gradients are the loss's at the deployed weights``: at the last audited step, for every layer ``l`` and a random
  direction ``V`` (standard normal, ``(n_seeds, ...)``), the recorded gradient's directional
  derivative ``<g_l, V>`` equals the central difference ``(F(W + eps V) - F(W - eps V)) / (2
  eps)`` of the minibatch loss at the recorded forward weights ``W`` (forward passes only, so
  independent of the backward pass), within :data:`GRADIENT_RTOL` of the largest ``|<g_l,
  V>|`` over seeds, in all but :data:`KINK_SHARE` of the comparisons (ReLU kinks);
* ``steps are the optimiser's``: the recorded steps equal SGD's ``a_t g_t`` or ADAM's, written
  here in closed form from the recorded gradients (independently of the recursion in
  :mod:`~qnets.simulate.nets.optimizers`): ``m_t = (1 - b1) sum_{i<=t} b1^(t-i) g_i``,
  ``v_t = (1 - b2) sum_{i<=t} b2^(t-i) g_i^2``, ``s_t = a_t (m_t / (1 - b1^t)) /
  (sqrt(v_t / (1 - b2^t)) + eps)``, within ``1e-10`` relative;
* ``updates follow the rule``: :func:`~qnets.simulate.nets.audit.updates_follow_rule`;
* ``deployed weights on the grid`` (BC, SR, R): :func:`~qnets.simulate.nets.audit.deployed_on_grid`;
* ``BC's real weights in [-1, 1]``: :func:`~qnets.simulate.nets.audit.state_in_clip_range`;
* ``SR and R keep no hidden copy``: :func:`~qnets.simulate.nets.audit.no_hidden_copy`;
* ``BC's deployed networks differ from FP's`` (studies with both): no final deployed BC network
  equals any FP network of the same optimiser (:func:`~qnets.simulate.nets.audit.deployed_differ`);
* ``test set disjoint from training``: no test example equals a training example, counted here
  with ``numpy.unique`` over the rows of both sets (independently of ``Dataset.shared_examples``);
* ``every run on the same data``: every run's data fingerprint is that of the data set loaded
  here, so every method is trained and tested on the same split.

Blind spots: only the audited first steps are recomputed (a bug that starts later is seen only
through the final weights: on the grid, no hidden copy, BC's clip range); the fingerprint is
the data set's own hash, so a leak made by the standardisation (the test set's statistics used)
leaves every part holding.
"""

from __future__ import annotations

import numpy as np

from qnets.simulate.nets import audit, data, optimizers
from qnets.simulate.nets.model import Network, cross_entropy, log_softmax
from qnets.simulate.nets.training import StepAudit, TrainConfig, TrainResult, build_model, weight_grid

#: Step of the central differences (grid units; weights are O(1)).  Quantized weights make
#: pre-activations cluster, so a ReLU kink within ``EPSILON`` of one is met once in about 400
#: comparisons at 1e-6 and in none of 1,224 at 1e-8 (measured); rounding adds about 1e-5 relative.
EPSILON = 1e-8
#: Tolerance of the directional derivatives, relative to the largest one over seeds.
GRADIENT_RTOL = 1e-4
#: Share of the comparisons allowed beyond ``GRADIENT_RTOL``.  A pre-activation exactly at a ReLU
#: kink (at step 0 the biases are zero and the weights on the grid, so a patch of switched-off
#: units gives exactly 0) spoils the comparisons of every layer below it for its seed: 2 of the
#: 144 comparisons of a 6-seed decay study (measured).  A wrong gradient spoils its layers for
#: every seed: a kernel flipped in the input gradient spoils half of the CNN's comparisons.
KINK_SHARE = 0.1
#: Tolerance of the recomputed optimiser steps, relative to the largest step of a layer.
STEP_RTOL = 1e-10

Run = tuple[TrainConfig, TrainResult]


def directional_errors(
    model: Network, record: StepAudit, dataset: data.Dataset, rng: np.random.Generator
) -> np.ndarray:
    """``(layers, n_seeds)``: the difference between ``<g_l, V>`` and the central difference of the
    minibatch loss along ``V``, relative to the layer's largest ``|<g_l, V>|`` over seeds."""
    x, y = dataset.x_train[record.index], dataset.y_train[record.index]
    errors = []
    for layer, gradient in enumerate(record.gradients):
        direction = rng.standard_normal(gradient.shape)
        shifted = []
        for sign in (1.0, -1.0):
            weights = [w + sign * EPSILON * direction if i == layer else w for i, w in enumerate(record.forward)]
            shifted.append(cross_entropy(log_softmax(model.logits(weights, record.biases_before, x)), y))
        numeric = (shifted[0] - shifted[1]) / (2 * EPSILON)
        analytic = (gradient * direction).reshape(len(gradient), -1).sum(axis=1)
        errors.append(np.abs(numeric - analytic) / np.max(np.abs(analytic)))
    return np.array(errors)


def expected_steps(config: TrainConfig, gradients: list[np.ndarray]) -> list[np.ndarray]:
    """The optimiser's steps ``s_1 .. s_T`` of one layer from its gradients ``g_1 .. g_T`` (closed form)."""
    steps = []
    for t in range(1, len(gradients) + 1):
        rate = config.rate(t - 1)
        if config.optimizer == "sgd":
            steps.append(rate * gradients[t - 1])
            continue
        b1, b2 = optimizers.BETA1, optimizers.BETA2
        m = sum((1 - b1) * b1 ** (t - i) * gradients[i - 1] for i in range(1, t + 1))
        v = sum((1 - b2) * b2 ** (t - i) * gradients[i - 1] ** 2 for i in range(1, t + 1))
        steps.append(rate * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + optimizers.EPSILON))
    return steps


def steps_match(config: TrainConfig, result: TrainResult) -> bool:
    """The recorded steps of the audited steps 0, 1, ... equal :func:`expected_steps`."""
    records = result.audit
    if [r.step for r in records] != list(range(len(records))):
        raise ValueError(f"audited steps must be 0, 1, ..., got {[r.step for r in records]}")
    for layer in range(len(result.final_state)):
        expected = expected_steps(config, [r.gradients[layer] for r in records])
        for record, step in zip(records, expected, strict=True):
            if np.max(np.abs(record.steps[layer] - step)) > STEP_RTOL * np.max(np.abs(step)):
                return False
    return True


def shared_rows(dataset: data.Dataset) -> int:
    """Number of distinct feature rows that occur both in the training and in the test set."""
    rows = np.concatenate([dataset.x_train, dataset.x_test]).reshape(dataset.n_train + len(dataset.y_test), -1)
    _, inverse = np.unique(rows, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    return int(np.intersect1d(inverse[: dataset.n_train], inverse[dataset.n_train :]).size)


def parts(runs: list[Run], dataset_name: str, seed: int) -> dict[str, bool]:
    """The look-inside parts (module docstring) of ``runs``, all trained on ``dataset_name``;
    ``seed`` seeds the random directions of the gradient check."""
    if not runs or any(not result.audit for _, result in runs):
        raise ValueError("every run must have audited steps (Sizes.audit)")
    dataset = data.load(dataset_name)
    rng = np.random.default_rng([seed, 7])
    by_method: dict[str, list[Run]] = {}
    for config, result in runs:
        by_method.setdefault(config.method, []).append((config, result))
    errors = []
    for config, result in runs:
        model = build_model(config, dataset)  # one per run: its work arrays are reused
        errors.append(directional_errors(model, result.audit[-1], dataset, rng).ravel())
    gradient_errors = np.concatenate(errors)
    found = {
        "forward pass at the deployed weights": all(
            audit.forward_uses_deployed(r, c.method, weight_grid(c.bits)) for c, r in runs
        ),
        "gradients are the loss's at the deployed weights": bool(
            np.mean(gradient_errors > GRADIENT_RTOL) <= KINK_SHARE
        ),
        "steps are the optimiser's": all(steps_match(c, r) for c, r in runs),
        "updates follow the rule": all(audit.updates_follow_rule(r, c.method, weight_grid(c.bits)) for c, r in runs),
        "deployed weights on the grid": all(
            audit.deployed_on_grid(r, weight_grid(c.bits)) for c, r in runs if c.method != "fp"
        ),
        "test set disjoint from training": shared_rows(dataset) == 0,
        "every run on the same data": all(r.data_fingerprint == dataset.fingerprint for _, r in runs),
    }
    if "bc" in by_method:
        found["BC's real weights in [-1, 1]"] = all(audit.state_in_clip_range(r) for _, r in by_method["bc"])
    quantized_only = by_method.get("sr", []) + by_method.get("r", [])
    if quantized_only:
        found["SR and R keep no hidden copy"] = all(audit.no_hidden_copy(r) for _, r in quantized_only)
    if "bc" in by_method and "fp" in by_method:
        found["BC's deployed networks differ from FP's"] = all(
            audit.deployed_differ(bc, fp)
            for c_bc, bc in by_method["bc"]
            for c_fp, fp in by_method["fp"]
            if c_bc.optimizer == c_fp.optimizer
        )
    return found


def merged(*groups: dict[str, bool]) -> dict[str, bool]:
    """Parts of several studies in one: a part holds if it holds in every group that has it."""
    out: dict[str, bool] = {}
    for group in groups:
        for name, value in group.items():
            out[name] = out.get(name, True) and value
    return out


def summary(found: dict[str, bool]) -> str:
    """``"every part holds"`` or ``"FAILS "`` and the names of the failing parts."""
    failing = [name for name, value in found.items() if not value]
    return "FAILS " + ", ".join(failing) if failing else "every part holds"
