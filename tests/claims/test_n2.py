"""N2: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue.

The statistical bugs run at :data:`nets_bugs.SMALL` sizes, below ``--quick``: the unmodified
check at those sizes (the control) must hold, so that its failure under a bug is the bug's
doing.  The bugs of the training's inside run at :data:`nets_bugs.TINY` sizes: the part they
break holds in the control and fails with the bug, and so does the verdict.
"""

from __future__ import annotations

import dataclasses

import pytest
from claim_testing import assert_holds
from nets_bugs import SEED_PARAMS, SMALL, StepOnDeployedBC, holds_then, part_then, replace_method, replace_rule
from qnets.simulate.nets import studies

from qnets.claims import n2

pytestmark = pytest.mark.usefixtures("mnist1d_cache")


@pytest.mark.parametrize("seed", SEED_PARAMS)
def test_n2_check_holds_at_every_seed(seed):
    assert_holds("N2", seed)


def test_n2_check_catches_sr_replaced_by_bc(monkeypatch):
    assert holds_then(n2.check, replace_method(monkeypatch, "sr", "bc")) == (True, False)


def test_n2_check_catches_batch_size_ignored(monkeypatch):
    real_train = studies.train

    def inject():
        def train(data, config, rng):
            return real_train(data, dataclasses.replace(config, batch=SMALL.digits.batches[0]), rng)

        monkeypatch.setattr(studies, "train", train)

    assert holds_then(n2.check, inject) == (True, False)


def test_n2_check_catches_bcs_adam_step_applied_to_its_deployed_weights(monkeypatch):
    inject = replace_rule(monkeypatch, "bc", StepOnDeployedBC())
    assert part_then(n2.check, "updates follow the rule", inject) == (True, False, False)
