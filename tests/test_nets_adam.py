"""ADAM and the weight rules, and what a training run lets a check see (issue 18 item 7).

Every look-inside check of :mod:`qnets.simulate.nets.audit` is run on correct training (it must
hold) and on a run with an injected bug (it must fail): ADAM's bias correction missing, SR's
gradients (so ADAM's moments) taken at real weights, SR keeping a hidden full-precision copy,
BC's step applied to its deployed weights, BC's forward pass at its real weights, BC replaced
by FP.
"""

import numpy as np
import pytest
from nets_helpers import private_cache
from qnets.simulate.nets import audit, load, optimizers, rules, train, weight_grid
from qnets.simulate.nets.training import TrainConfig, build_model

STEPS = 4
AUDITED = tuple(range(STEPS))


@pytest.fixture(scope="module")
def mnist1d(tmp_path_factory):
    with private_cache(tmp_path_factory):
        yield load("mnist1d")


def adam_reference(gradients: list[np.ndarray], rates: list[float]) -> list[np.ndarray]:
    """Kingma and Ba's Algorithm 1 written out step by step (t = 1, 2, ...)."""
    m = v = np.zeros_like(gradients[0])
    steps = []
    for t, (g, a) in enumerate(zip(gradients, rates, strict=True), start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        steps.append(a * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8))
    return steps


def adam_matches_reference(seed: int = 0) -> bool:
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (2, 1, 5)]
    history = [[rng.normal(scale=10.0 ** rng.integers(-4, 1), size=s) for s in shapes] for _ in range(6)]
    rates = [0.1, 0.1, 0.05, 0.05, 0.01, 0.01]
    adam = optimizers.Adam([np.zeros(s) for s in shapes])
    got = [adam.steps([g.copy() for g in grads], rate) for grads, rate in zip(history, rates, strict=True)]
    for layer in range(len(shapes)):
        expected = adam_reference([grads[layer] for grads in history], rates)
        if not all(np.allclose(g[layer], e, rtol=1e-12, atol=0) for g, e in zip(got, expected, strict=True)):
            return False
    return True


def test_adam_steps_are_kingma_and_bas_recursion():
    assert adam_matches_reference()


def test_adams_first_step_is_the_rate_times_the_gradients_sign():
    g = np.array([1e-6, -3e-3, 2.0])
    (step,) = optimizers.Adam([np.zeros(3)]).steps([g], 0.01)
    assert np.allclose(step, 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12, atol=0)


def test_missing_bias_correction_is_caught(monkeypatch):
    monkeypatch.setattr(optimizers, "bias_correction", lambda beta, t: 1.0)
    assert not adam_matches_reference()


def test_sgd_step_is_the_rate_times_the_gradient_and_the_schedule_decays():
    g = np.array([0.5, -2.0])
    assert np.array_equal(optimizers.SGD([g]).steps([g], 0.25)[0], 0.25 * g)
    config = TrainConfig("sr", lr=0.1, steps=10, decay_every=4, decay=0.5)
    assert [config.rate(t) for t in (0, 3, 4, 7, 8)] == [0.1, 0.1, 0.05, 0.05, 0.025]


CASES = [
    (model, optimizer, method, bits)
    for model in ("mlp", "cnn")
    for optimizer in ("sgd", "adam")
    for method, bits in (("fp", 1), ("bc", 1), ("sr", 1), ("r", 2), ("sr", 4))
]


def audited_run(data, model, optimizer, method, bits, seed=0, **changes):
    hidden = (6, 5, 4) if model == "cnn" else (8,)
    lr = 0.05 if optimizer == "adam" else 2.0
    config = TrainConfig(
        method, bits, lr, 8, STEPS, hidden, 2, model=model, optimizer=optimizer, audit=AUDITED, **changes
    )
    return train(data, config, np.random.default_rng(seed)), config


def dataset_for(model, request):
    return request.getfixturevalue("mnist1d") if model == "cnn" else load("digits")


@pytest.mark.parametrize("model,optimizer,method,bits", CASES)
def test_training_does_what_the_rules_say(request, model, optimizer, method, bits):
    data = dataset_for(model, request)
    result, config = audited_run(data, model, optimizer, method, bits)
    grid = weight_grid(bits)
    assert [record.step for record in result.audit] == list(AUDITED)
    assert audit.forward_uses_deployed(result, method, grid)
    assert audit.gradients_at_forward(result, build_model(config, data), data)
    assert audit.updates_follow_rule(result, method, grid)
    if method != "fp":
        assert audit.deployed_on_grid(result, grid)
    if method == "bc":
        assert audit.state_in_clip_range(result)
        assert not all(np.all(grid.contains(w)) for w in result.final_state)  # BC's real weights are real
    else:
        assert audit.no_hidden_copy(result)
    if optimizer == "adam":  # the recorded steps are ADAM's, formed from the recorded gradients
        rates = [config.rate(t) for t in AUDITED]
        for layer in range(len(result.final_state)):
            expected = adam_reference([record.gradients[layer] for record in result.audit], rates)
            got = [record.steps[layer] for record in result.audit]
            assert all(np.allclose(g, e, rtol=1e-12, atol=0) for g, e in zip(got, expected, strict=True))


def test_bc_gradient_is_not_the_one_at_its_real_weights():
    """The gradient check has power: BC's gradient at its real weights would differ."""
    data = load("digits")
    result, config = audited_run(data, "mlp", "adam", "bc", 1)
    model = build_model(config, data)
    record = result.audit[1]
    x, y = data.x_train[record.index], data.y_train[record.index]
    _, at_real, _ = model.loss_and_gradients(record.state_before, record.biases_before, x, y)
    assert not np.allclose(at_real[0], record.gradients[0])


class MomentsAtRealWeightsSR(rules.Rule):
    """Bug: SR-ADAM keeps real weights and its forward pass (so ADAM's moments) sees them."""


class HiddenCopySR(rules.BinaryConnect):
    """Bug: SR keeps a full-precision copy and deploys a stochastic rounding of it."""

    generator = np.random.default_rng(99)

    def deploy(self, u, grid):
        return grid.stochastic(u, self.generator)


class StepOnDeployedBC(rules.BinaryConnect):
    """Bug: BC's ADAM step is applied to its deployed weights, not to its real ones."""

    def apply(self, u, step, grid, rng):
        u[...] = np.clip(grid.nearest(u) - step, -1.0, 1.0)


class ForwardAtRealBC(rules.BinaryConnect):
    """Bug: BC's forward pass (and deployment) uses its real weights."""

    def deploy(self, u, grid):
        return u


@pytest.mark.parametrize(
    "method,bug,check",
    [
        ("sr", MomentsAtRealWeightsSR(), "deployed_on_grid"),
        ("sr", HiddenCopySR(), "no_hidden_copy"),
        ("bc", StepOnDeployedBC(), "updates_follow_rule"),
        ("bc", ForwardAtRealBC(), "forward_uses_deployed"),
        ("bc", ForwardAtRealBC(), "deployed_on_grid"),
    ],
)
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_look_inside_checks_catch_injected_bugs(request, monkeypatch, model, method, bug, check):
    data = dataset_for(model, request)
    grid = weight_grid(1)
    arguments = {
        "deployed_on_grid": (grid,),
        "no_hidden_copy": (),
        "updates_follow_rule": (method, grid),
        "forward_uses_deployed": (method, grid),
    }[check]
    correct, _ = audited_run(data, model, "adam", method, 1)
    assert getattr(audit, check)(correct, *arguments)
    monkeypatch.setitem(rules.RULES, method, bug)
    buggy, _ = audited_run(data, model, "adam", method, 1)
    assert not getattr(audit, check)(buggy, *arguments)


def test_bc_deploys_networks_no_fp_run_has_and_bc_replaced_by_fp_is_caught(monkeypatch):
    data = load("digits")
    fp, _ = audited_run(data, "mlp", "adam", "fp", 1, seed=5)
    bc, _ = audited_run(data, "mlp", "adam", "bc", 1, seed=5)
    assert audit.deployed_differ(bc, fp)
    monkeypatch.setitem(rules.RULES, "bc", rules.RULES["fp"])
    fp_as_bc, _ = audited_run(data, "mlp", "adam", "bc", 1, seed=5)
    assert not audit.deployed_differ(fp_as_bc, fp)


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_every_method_trains_and_tests_on_the_same_disjoint_split(request, model):
    data = dataset_for(model, request)
    assert data.shared_examples() == 0
    fingerprints = {
        audited_run(data, model, optimizer, method, 1)[0].data_fingerprint
        for optimizer in ("sgd", "adam")
        for method in ("fp", "bc", "sr", "r")
    }
    assert fingerprints == {data.fingerprint}


def test_r_adam_never_moves_when_adams_largest_step_is_below_half_a_spacing(request):
    """C8 with ADAM: |s| <= a (1 - beta1) / sqrt(1 - beta2) = 3.16 a (Kingma and Ba, section 2.1),
    and at a = 0.02 that is below half the 4-bit spacing 2/15, so R-ADAM changes no weight."""
    data = dataset_for("cnn", request)
    bound = 0.02 * (1 - optimizers.BETA1) / np.sqrt(1 - optimizers.BETA2)
    assert bound < weight_grid(4).delta / 2
    config = TrainConfig("r", 4, 0.02, 16, 30, (6, 5, 4), 2, model="cnn", optimizer="adam", audit=(29,))
    result = train(data, config, np.random.default_rng(8))
    assert np.all(result.changed == 0)
    assert all(np.max(np.abs(s)) <= bound for s in result.audit[0].steps)
