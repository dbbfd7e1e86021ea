"""N1: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue.

The catalogue runs at :data:`nets_bugs.SMALL` sizes, below ``--quick``: the unmodified check
at those sizes (the control) must hold, so that its failure under a bug is the bug's doing.
"""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds
from nets_bugs import holds_then, identity_quantizer, replace_method

from qnets.claims import n1


@pytest.mark.parametrize("seed", SEEDS)
def test_n1_check_holds_at_every_seed(seed):
    assert_holds("N1", seed)


def test_n1_check_catches_sr_replaced_by_bc(monkeypatch):
    assert holds_then(n1.check, replace_method(monkeypatch, "sr", "bc")) == (True, False)


def test_n1_check_catches_quantizer_replaced_by_identity(monkeypatch):
    assert holds_then(n1.check, identity_quantizer(monkeypatch)) == (True, False)
