"""N3: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue.

The statistical bugs run at :data:`nets_bugs.SMALL` sizes, below ``--quick``: the unmodified
check at those sizes (the control) must hold, so that its failure under a bug is the bug's
doing.  The bugs of the training's inside run at :data:`nets_bugs.TINY` sizes: the part they
break holds in the control and fails with the bug, and so does the verdict.
"""

from __future__ import annotations

import pytest
from claim_testing import assert_holds
from nets_bugs import SEED_PARAMS, holds_then, leaky_split, part_then, replace_method

from qnets.claims import n3

pytestmark = pytest.mark.usefixtures("mnist1d_cache")


@pytest.mark.parametrize("seed", SEED_PARAMS)
def test_n3_check_holds_at_every_seed(seed):
    assert_holds("N3", seed)


def test_n3_check_catches_sr_replaced_by_bc(monkeypatch):
    assert holds_then(n3.check, replace_method(monkeypatch, "sr", "bc")) == (True, False)


def test_n3_check_catches_a_train_test_leak(monkeypatch):
    assert part_then(n3.check, "test set disjoint from training", leaky_split(monkeypatch)) == (True, False, False)
