"""N1: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue.

The statistical bugs run at :data:`nets_bugs.SMALL` sizes, below ``--quick``: the unmodified
check at those sizes (the control) must hold, so that its failure under a bug is the bug's
doing.  The bugs of the training's inside run at :data:`nets_bugs.TINY` sizes: the part they
break holds in the control and fails with the bug, and so does the verdict.
"""

from __future__ import annotations

import pytest
from claim_testing import assert_holds
from nets_bugs import (
    SEED_PARAMS,
    flipped_kernel,
    holds_then,
    identity_quantizer,
    part_then,
    replace_method,
    replace_rule,
)
from qnets.simulate.nets import rules

from qnets.claims import n1

pytestmark = pytest.mark.usefixtures("mnist1d_cache")


@pytest.mark.parametrize("seed", SEED_PARAMS)
def test_n1_check_holds_at_every_seed(seed):
    assert_holds("N1", seed)


def test_n1_check_catches_sr_replaced_by_bc(monkeypatch):
    assert holds_then(n1.check, replace_method(monkeypatch, "sr", "bc")) == (True, False)


def test_n1_check_catches_quantizer_replaced_by_identity(monkeypatch):
    assert holds_then(n1.check, identity_quantizer(monkeypatch)) == (True, False)


def test_n1_check_catches_a_flipped_kernel_in_the_cnns_input_gradient(monkeypatch):
    part = "gradients are the loss's at the deployed weights"
    assert part_then(n1.check, part, flipped_kernel(monkeypatch)) == (True, False, False)


def test_n1_check_catches_bc_replaced_by_fp(monkeypatch):
    part = "deployed weights on the grid"
    assert part_then(n1.check, part, replace_rule(monkeypatch, "bc", rules.RULES["fp"])) == (True, False, False)
