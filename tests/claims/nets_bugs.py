"""Bugs for the network claims N1-N3, and the small studies their catalogues run at.

The studies here are smaller than ``--quick`` (the quick checks themselves run in each claim's
holds-at-every-seed test).  Each check is first run unmodified at these sizes (the control, once
per process: it must hold, so a failure under an injected bug is the bug's doing), then with
the bug, on fresh studies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from qnets.simulate.grid import Grid
from qnets.simulate.nets import studies

SMALL = dataclasses.replace(
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
CONTROLS: dict[str, bool] = {}


def clear_studies() -> None:
    """Forget every memoised study, so the next check trains afresh."""
    for study in (studies.table_study, studies.batch_study, studies.rate_study):
        study.cache_clear()


def holds_then(check: Callable, inject: Callable[[], None]) -> tuple[bool, bool]:
    """The verdict of ``check`` at :data:`SMALL` unmodified (computed once), then after ``inject()``
    (fresh studies)."""
    if check.__module__ not in CONTROLS:
        clear_studies()
        CONTROLS[check.__module__] = check(SMALL).holds
    clear_studies()
    inject()
    try:
        return CONTROLS[check.__module__], check(SMALL).holds
    finally:
        clear_studies()


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
