"""N4: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue.

The statistical bug runs at :data:`nets_bugs.SMALL_CNN` sizes (the control must hold there);
the bugs of the training's inside at :data:`nets_bugs.TINY_CNN` (the part they break holds in
the control and fails with the bug, and so does the verdict).
"""

from __future__ import annotations

import pytest
from claim_testing import assert_holds
from nets_bugs import SEED_PARAMS, SMALL_CNN, TINY_CNN, holds_then, no_bias_correction, part_then, replace_method

from qnets.claims import n4

pytestmark = pytest.mark.usefixtures("mnist1d_cache")


@pytest.mark.parametrize("seed", SEED_PARAMS)
def test_n4_check_holds_at_every_seed(seed):
    assert_holds("N4", seed)


def test_n4_check_catches_bc_adam_replaced_by_sr_adam(monkeypatch):
    assert holds_then(n4.check, replace_method(monkeypatch, "bc", "sr"), SMALL_CNN) == (True, False)


def test_n4_check_catches_adams_bias_correction_missing(monkeypatch):
    inject = no_bias_correction(monkeypatch)
    assert part_then(n4.check, "steps are the optimiser's", inject, TINY_CNN) == (True, False, False)
