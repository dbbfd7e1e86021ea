"""C1: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds, bias_stochastic_rounding

from qnets.claims import c1


@pytest.mark.parametrize("seed", SEEDS)
def test_c1_check_holds_at_every_seed(seed):
    assert_holds("C1", seed)


def test_c1_check_catches_biased_stochastic_rounding(monkeypatch):
    bias_stochastic_rounding(monkeypatch)
    assert not c1.check().holds
