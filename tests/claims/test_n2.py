"""N2: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue.

The catalogue runs at :data:`nets_bugs.SMALL` sizes, below ``--quick``: the unmodified check
at those sizes (the control) must hold, so that its failure under a bug is the bug's doing.
"""

from __future__ import annotations

import dataclasses

import pytest
from claim_testing import SEEDS, assert_holds
from nets_bugs import SMALL, holds_then, replace_method
from qnets.simulate.nets import studies

from qnets.claims import n2


@pytest.mark.parametrize("seed", SEEDS)
def test_n2_check_holds_at_every_seed(seed):
    assert_holds("N2", seed)


def test_n2_check_catches_sr_replaced_by_bc(monkeypatch):
    assert holds_then(n2.check, replace_method(monkeypatch, "sr", "bc")) == (True, False)


def test_n2_check_catches_batch_size_ignored(monkeypatch):
    real_train = studies.train

    def inject():
        def train(data, config, rng):
            return real_train(data, dataclasses.replace(config, batch=SMALL.batches[0]), rng)

        monkeypatch.setattr(studies, "train", train)

    assert holds_then(n2.check, inject) == (True, False)
