"""Bugs for the network claims N1-N5, and the small studies their catalogues run at.

The studies here are smaller than ``--quick`` (the quick checks themselves run in each claim's
holds-at-its-seed test).  :data:`SMALL` (digits) and :data:`SMALL_CNN` are large enough for the
statements to hold; :data:`TINY` and :data:`TINY_CNN` train a few steps, enough for the
look-inside parts (:mod:`qnets.claims.inside`), which see the audited first steps.

:func:`holds_then` runs a check unmodified (the control, once per process: it must hold, so a
failure under an injected bug is the bug's doing), then with the bug, on fresh studies;
:func:`part_then` does the same for one part of the verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from claim_testing import SEEDS
from qnets.simulate.grid import Grid
from qnets.simulate.nets import conv, data, rules, studies

from qnets.claims.networks import BothSizes

SMALL_DIGITS = dataclasses.replace(
    studies.QUICK,
    n_seeds=6,
    steps=300,
    bits=(1,),
    batches=(8, 128),
    batch_steps=200,
    rates=(1.0, 0.5),
    horizon=200.0,
    rate_seeds=16,
)
TINY_DIGITS = dataclasses.replace(
    studies.QUICK,
    n_seeds=2,
    steps=4,
    bits=(1, 2),
    batches=(8, 16),
    batch_steps=4,
    rates=(1.0, 0.5),
    horizon=4.0,
    rate_seeds=2,
)
TINY_CNN = dataclasses.replace(
    studies.CNN_QUICK,
    n_seeds=2,
    steps=4,
    bits=(1, 2),
    batches=(8, 16),
    batch_steps=4,
    rates=(0.04, 0.02),
    horizon=0.16,
    rate_seeds=2,
)
#: N4 and N5 at less of the quick CNN's work: the 2-bit grid only (where BC-ADAM's lead is widest
#: at the quick sizes) and the decay study.
SMALL_CNN = dataclasses.replace(studies.CNN_QUICK, steps=600, bits=(2,))
SMALL = BothSizes(SMALL_DIGITS, TINY_CNN)
TINY = BothSizes(TINY_DIGITS, TINY_CNN)
CONTROLS: dict[tuple, bool | float] = {}


def forget(sizes) -> None:
    """Forget the memoised studies at ``sizes`` (a ``Sizes`` or ``BothSizes``); other sizes' studies
    (the quick checks') are kept."""
    studies.forget(*((sizes.digits, sizes.cnn) if isinstance(sizes, BothSizes) else (sizes,)))


def holds_then(check: Callable, inject: Callable[[], None], sizes=SMALL) -> tuple[bool, bool]:
    """The verdict of ``check`` at ``sizes`` unmodified (computed once), then after ``inject()``
    (fresh studies)."""
    key = (check.__module__, sizes)
    if key not in CONTROLS:
        forget(sizes)
        CONTROLS[key] = check(sizes).holds
    forget(sizes)
    inject()
    try:
        return CONTROLS[key], check(sizes).holds
    finally:
        forget(sizes)


def part_then(check: Callable, part: str, inject: Callable[[], None], sizes=TINY) -> tuple[bool, bool, bool]:
    """``(part unmodified, part with the bug, verdict with the bug)`` of ``check`` at ``sizes``."""
    key = (check.__module__, sizes, part)
    if key not in CONTROLS:
        forget(sizes)
        CONTROLS[key] = check(sizes).parts[part]
    forget(sizes)
    inject()
    try:
        verdict = check(sizes)
        return CONTROLS[key], verdict.parts[part], verdict.holds
    finally:
        forget(sizes)


def replace_method(monkeypatch, old: str, new: str) -> Callable[[], None]:
    """Make every ``old`` run of the studies train with the update rule of ``new``."""
    real_train = studies.train

    def train(data, config, rng):
        return real_train(data, dataclasses.replace(config, method=new) if config.method == old else config, rng)

    return lambda: monkeypatch.setattr(studies, "train", train)


def identity_quantizer(monkeypatch) -> Callable[[], None]:
    """Both rounding operators return their input: SR, R and BC all become plain SGD."""

    def identity(self, x, *args, out=None, **kwargs):
        x = np.asarray(x, dtype=float)
        if out is None:
            return x.copy()
        out[...] = x
        return out

    def inject():
        monkeypatch.setattr(Grid, "nearest", identity)
        monkeypatch.setattr(Grid, "stochastic", identity)

    return inject


def flipped_kernel(monkeypatch) -> Callable[[], None]:
    """The CNN's input gradient uses the kernel flipped (a convolution where the forward pass
    correlates)."""
    real = conv.input_gradient
    return lambda: monkeypatch.setattr(conv, "input_gradient", lambda dz, u, *args: real(dz, u[:, ::-1], *args))


def no_bias_correction(monkeypatch) -> Callable[[], None]:
    """ADAM without its bias correction (``1 - beta^t`` replaced by 1)."""
    from qnets.simulate.nets import optimizers

    return lambda: monkeypatch.setattr(optimizers, "bias_correction", lambda beta, t: 1.0)


class MomentsAtRealWeightsSR(rules.Rule):
    """SR-ADAM keeps real weights, so its forward pass, gradients and ADAM's moments see them."""


class StepOnDeployedBC(rules.BinaryConnect):
    """BC's ADAM step is applied to its deployed weights, not to its real ones."""

    def apply(self, u, step, grid, rng):
        u[...] = np.clip(grid.nearest(u) - step, -1.0, 1.0)


def replace_rule(monkeypatch, method: str, rule: rules.Rule) -> Callable[[], None]:
    """``method`` trains with ``rule``."""
    return lambda: monkeypatch.setitem(rules.RULES, method, rule)


def leaky_split(monkeypatch) -> Callable[[], None]:
    """Every data set's training set also holds its first 50 test examples (a train/test leak)."""
    real = data.load

    def load(name="digits"):
        clean = real(name)
        x = np.concatenate([clean.x_train, clean.x_test[:50]])
        y = np.concatenate([clean.y_train, clean.y_test[:50]])
        return dataclasses.replace(clean, x_train=x, y_train=y)

    def inject():
        monkeypatch.setattr(data, "load", load)
        monkeypatch.setattr(studies, "load", load)

    return inject


#: The default seed in the default run, the other seeds of :data:`claim_testing.SEEDS` marked
#: ``slow`` (each quick network check trains the CNN: 8-46 CPU-seconds).
SEED_PARAMS = [SEEDS[0], *(pytest.param(seed, marks=pytest.mark.slow) for seed in SEEDS[1:])]
