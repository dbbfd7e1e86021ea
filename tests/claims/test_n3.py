"""N3: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue.

The catalogue runs at :data:`nets_bugs.SMALL` sizes, below ``--quick``: the unmodified check
at those sizes (the control) must hold, so that its failure under a bug is the bug's doing.
"""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds
from nets_bugs import holds_then, replace_method

from qnets.claims import n3


@pytest.mark.parametrize("seed", SEEDS)
def test_n3_check_holds_at_every_seed(seed):
    assert_holds("N3", seed)


def test_n3_check_catches_sr_replaced_by_bc(monkeypatch):
    assert holds_then(n3.check, replace_method(monkeypatch, "sr", "bc")) == (True, False)
