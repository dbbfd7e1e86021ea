"""Claims N1-N3: each check holds on small studies and FAILS when a bug is injected.

The studies here are smaller than ``--quick`` (the quick checks themselves run in the registry
test).  Each check is first run unmodified at these sizes (the control, once per module: it
must hold, so a failure under an injected bug is the bug's doing), then with the bug.
"""

import dataclasses

import numpy as np
import pytest
from qnets.simulate.grid import Grid
from qnets.simulate.nets import studies

from qnets.claims import nets_checks

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


@pytest.fixture(autouse=True)
def small_studies(monkeypatch):
    """Run the checks at SMALL sizes, with no study result carried over between runs."""
    monkeypatch.setattr(studies, "QUICK", SMALL)
    clear_studies()
    yield
    clear_studies()


def clear_studies():
    for study in (studies.table_study, studies.batch_study, studies.rate_study):
        study.cache_clear()


CONTROLS: dict[str, bool] = {}


def holds_then(check, inject) -> tuple[bool, bool]:
    """The verdict of ``check`` unmodified (computed once), then after ``inject()`` (fresh studies)."""
    if check.__name__ not in CONTROLS:
        CONTROLS[check.__name__] = check(True).holds
        clear_studies()
    inject()
    return CONTROLS[check.__name__], check(True).holds


def replace_method(monkeypatch, old: str, new: str):
    """Make every ``old`` run of the studies train with the update rule of ``new``."""
    real_train = studies.train

    def train(data, config, rng):
        return real_train(data, dataclasses.replace(config, method=new) if config.method == old else config, rng)

    return lambda: monkeypatch.setattr(studies, "train", train)


def identity_quantizer(monkeypatch):
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


def test_n1_check_catches_sr_replaced_by_bc(monkeypatch):
    assert holds_then(nets_checks.check_n1, replace_method(monkeypatch, "sr", "bc")) == (True, False)


def test_n1_check_catches_quantizer_replaced_by_identity(monkeypatch):
    assert holds_then(nets_checks.check_n1, identity_quantizer(monkeypatch)) == (True, False)


def test_n2_check_catches_sr_replaced_by_bc(monkeypatch):
    assert holds_then(nets_checks.check_n2, replace_method(monkeypatch, "sr", "bc")) == (True, False)


def test_n2_check_catches_batch_size_ignored(monkeypatch):
    real_train = studies.train

    def inject():
        def train(data, config, rng):
            return real_train(data, dataclasses.replace(config, batch=SMALL.batches[0]), rng)

        monkeypatch.setattr(studies, "train", train)

    assert holds_then(nets_checks.check_n2, inject) == (True, False)


def test_n3_check_catches_sr_replaced_by_bc(monkeypatch):
    assert holds_then(nets_checks.check_n3, replace_method(monkeypatch, "sr", "bc")) == (True, False)


def test_n1_n2_n3_are_registered_as_paper_claims():
    from qnets.claims.registry import CLAIMS

    for claim_id in ("N1", "N2", "N3"):
        assert CLAIMS[claim_id].source == "paper"
