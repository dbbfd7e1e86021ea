"""Seeds: ``--seed`` reaches every check, figure and cache key of ``reproduce``.

That every quick claim check holds for seeds other than the default is tested per claim, in
``tests/claims/test_<id>.py`` (``test_<id>_check_holds_at_every_seed``).
"""

import dataclasses
import json

from qnets.figures.registry import FIGURES

from qnets.claims.registry import CLAIMS
from qnets.claims.verdict import Verdict
from qnets.cli import main
from qnets.pipeline.reproduce import reproduce


def test_reproduce_seed_reaches_the_checks_the_figures_and_the_cache_keys(tmp_path):
    seen = []

    def recording_check(sizes, seed):
        seen.append(seed)
        return Verdict("M6", True, 0.5, 1.0, 0.0, "recording check", {}, seed=seed)

    claims = {"M6": dataclasses.replace(CLAIMS["M6"], check=recording_check)}
    spec = FIGURES["dimension"]
    small = {"dims": [1, 2], "mc_dims": [1], "chains": 20, "steps": 20}
    figures = {"dimension": dataclasses.replace(spec, parameters=lambda quick: {**spec.parameters(True), **small})}
    for seed in (7, 8, 7):  # the third run is served from the cache of the first
        assert reproduce(tmp_path, quiet=True, claims=claims, figures=figures, seed=seed) == 0
        assert json.loads((tmp_path / "verdicts.json").read_text())[0]["seed"] == seed
        assert json.loads((tmp_path / "dimension.json").read_text())["seed"] == seed
        assert f"qnets check M6 --seed {seed}" in (tmp_path / "report.md").read_text()
    assert seen == [7, 8]


def test_reproduce_rejects_a_negative_seed(tmp_path, capsys):
    assert main(["reproduce", "--seed", "-1", "--out", str(tmp_path), "--quiet"]) == 2
    assert "argument --seed: must be an integer in [0, " in capsys.readouterr().err
