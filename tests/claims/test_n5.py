"""N5: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue.

The statistical bug runs at :data:`nets_bugs.SMALL_CNN` sizes (the control must hold there);
the bugs of the training's inside at :data:`nets_bugs.TINY_CNN` (the part they break holds in
the control and fails with the bug, and so does the verdict).
"""

from __future__ import annotations

import pytest
from claim_testing import assert_holds
from nets_bugs import (
    SEED_PARAMS,
    SMALL_CNN,
    TINY_CNN,
    MomentsAtRealWeightsSR,
    holds_then,
    part_then,
    replace_method,
    replace_rule,
)

from qnets.claims import n5

pytestmark = pytest.mark.usefixtures("mnist1d_cache")


@pytest.mark.parametrize("seed", SEED_PARAMS)
def test_n5_check_holds_at_every_seed(seed):
    assert_holds("N5", seed)


def test_n5_check_catches_bc_adam_replaced_by_sr_adam(monkeypatch):
    assert holds_then(n5.check, replace_method(monkeypatch, "bc", "sr"), SMALL_CNN) == (True, False)


def test_n5_check_catches_sr_adams_moments_taken_at_real_weights(monkeypatch):
    inject = replace_rule(monkeypatch, "sr", MomentsAtRealWeightsSR())
    assert part_then(n5.check, "deployed weights on the grid", inject, TINY_CNN) == (True, False, False)
