"""Observation models and sparse penalties in problems/ (issue 13): data, objective, references.

Pure NumPy: nothing here imports NeMoS (``test_models_solvers.py`` checks against it).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nemos_bench.problems import (
    REFERENCE_GTOL,
    ProblemSpec,
    ReferenceSolutionError,
    feature_groups,
    get_suite,
    gradient,
    make_problem,
    objective,
    prox_residual,
    reference_solution,
)
from nemos_bench.problems._families import OBSERVATIONS, get_family

SPARSE = ("Lasso", "GroupLasso", "ElasticNet")
N, P, GROUP = 500, 12, 3


def sparse_spec(observation: str, regularizer: str, fraction: float = 0.5) -> ProblemSpec:
    """A small problem whose penalty is ``fraction`` of the strength that zeroes every coef.

    That strength is read from the gradient at the intercept-only optimum (zero coefficients):
    the largest |gradient| for Lasso, the largest ``||gradient_g|| / sqrt(|g|)`` for GroupLasso,
    twice the largest |gradient| for ElasticNet (ratio 0.5). So some coefficients (groups) are
    zero at the optimum and some are not, whatever the observation model's scale.
    """
    k = 1 if regularizer == "Lasso" else 2
    base = ProblemSpec(N, P, k, observation=observation)
    problem = make_problem(base)
    family = get_family(observation)
    y = problem.y.reshape(N, k)
    intercept = np.array([family.intercept_only(y[:, j], "y") for j in range(k)])
    gcoef, _ = gradient(problem, (np.zeros((P, k)), intercept))
    gcoef = np.abs(gcoef.reshape(P, k))
    if regularizer == "GroupLasso":
        blocks = gcoef.reshape(P // GROUP, GROUP, k)
        top = float(np.max(np.linalg.norm(blocks, axis=1))) / np.sqrt(GROUP)
        extra = {"group_size": GROUP}
    else:
        top = float(np.max(gcoef)) * (2.0 if regularizer == "ElasticNet" else 1.0)
        extra = {}
    strength = float(f"{fraction * top:.3g}")  # short, exact in the id
    return ProblemSpec(
        N,
        P,
        k,
        observation=observation,
        regularizer=regularizer,
        regularizer_strength=strength,
        **extra,
    )


SPARSE_SPECS = [sparse_spec(obs, reg) for obs in OBSERVATIONS for reg in SPARSE]
RIDGE_SPECS = [ProblemSpec(N, P, observation=obs, regularizer="Ridge") for obs in OBSERVATIONS]


def _ids(specs):
    return [spec.problem_id.split("[")[0] + "-" + spec.regularizer for spec in specs]


# ------------------------------------------------------------------------------- specs, data


def test_poisson_is_the_default_and_other_models_name_the_id_prefix():
    default = ProblemSpec(100, 3)
    assert default.observation == "Poisson"
    assert dataclasses.replace(default, observation="Poisson").problem_id == default.problem_id
    assert default.content_hash == ProblemSpec(100, 3, observation="Poisson").content_hash
    for obs in OBSERVATIONS:
        spec = ProblemSpec(100, 3, 2, observation=obs, regularizer="ElasticNet", l1_ratio=0.3)
        assert spec.problem_id.startswith(obs.lower() + "[")
        assert ProblemSpec.from_id(spec.problem_id) == spec
    hashes = {ProblemSpec(100, 3, observation=obs).content_hash for obs in OBSERVATIONS}
    assert len(hashes) == len(OBSERVATIONS)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"observation": "Gausian"}, "`observation` must be one of"),
        ({"observation": "Gamma", "rate": 0.1}, "`rate` applies to count observations"),
        (
            {"observation": "Bernoulli", "design": "spike_history", "n_outputs": 2},
            "design='spike_history' models spike counts",
        ),
        ({"regularizer": "Ridge", "l1_ratio": 0.5}, "`l1_ratio` applies to regularizer="),
        ({"regularizer": "ElasticNet", "l1_ratio": 0.0}, "`l1_ratio` must be a number in"),
        ({"regularizer": "ElasticNet", "l1_ratio": 1.5}, "`l1_ratio` must be a number in"),
        ({"regularizer": "Lasso", "group_size": 2}, "`group_size` applies to regularizer="),
        ({"regularizer": "GroupLasso", "group_size": 9}, "`group_size` must be at most"),
        ({"regularizer": "Lasso", "regularizer_strength": 0.0}, "must be positive for 'Lasso'"),
    ],
)
def test_bad_model_axes_are_refused_naming_value_and_accepted(kwargs, fragment):
    kwargs = {"n_samples": 200, "n_features": 4, **kwargs}
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        ProblemSpec(**kwargs)


def test_defaults_of_the_penalty_axes():
    net = ProblemSpec(100, 7, regularizer="ElasticNet")
    assert net.l1_ratio == 0.5 and net.regularizer_strength == 0.01
    group = ProblemSpec(100, 7, regularizer="GroupLasso")
    assert group.group_size == 5
    assert [g.tolist() for g in feature_groups(group)] == [[0, 1, 2, 3, 4], [5, 6]]
    history = ProblemSpec(3_000, 8, 2, design="spike_history", regularizer="GroupLasso")
    assert history.group_size == history.n_basis  # one group per neuron's filter
    assert feature_groups(ProblemSpec(100, 7)) == ()


@pytest.mark.parametrize("obs", OBSERVATIONS)
def test_data_of_each_model_has_its_support_and_is_deterministic(obs):
    spec = ProblemSpec(4_000, 5, 2, observation=obs)
    a, b = make_problem(spec), make_problem(spec)
    assert a.y.tobytes() == b.y.tobytes() and a.X.tobytes() == b.X.tobytes()
    assert a.X.tobytes() == make_problem(ProblemSpec(4_000, 5, 2)).X.tobytes()  # same design
    y = a.y
    if obs == "Bernoulli":
        assert set(np.unique(y)) == {0.0, 1.0} and 0.2 < y.mean() < 0.45
    elif obs == "Gamma":
        assert np.all(y > 0) and 0.7 < y.mean() < 1.4
    elif obs == "Gaussian":
        assert np.all(y != np.round(y)) and abs(y.mean()) < 0.2
    else:
        assert np.all(y >= 0) and np.all(y == np.round(y))
    if obs == "NegativeBinomial":  # overdispersed: variance mu + mu**2 > mean
        assert y.var() > 1.5 * y.mean()
    assert make_problem(dataclasses.replace(spec, seed=1)).y.tobytes() != y.tobytes()


# -------------------------------------------------------------------------- objective, gradient


@pytest.mark.parametrize("obs", OBSERVATIONS)
def test_smooth_gradient_matches_finite_differences(obs):
    spec = ProblemSpec(300, 4, observation=obs, regularizer="ElasticNet", regularizer_strength=0.2)
    problem = make_problem(spec)
    rng = np.random.default_rng(0)
    coef = rng.normal(scale=0.05, size=4)
    intercept = np.array([1.0 if obs == "Gamma" else -0.5])
    smooth = dataclasses.replace(spec, regularizer="Ridge", regularizer_strength=0.1, l1_ratio=None)
    smooth_problem = dataclasses.replace(problem, spec=smooth)  # ElasticNet's L2 part alone

    def f(theta):
        return objective(smooth_problem, (theta[:4], theta[4:]))

    theta = np.append(coef, intercept)
    h = 1e-6
    fd = [(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(5)]
    gcoef, gintercept = gradient(problem, (coef, intercept))
    np.testing.assert_allclose(np.append(gcoef, gintercept), fd, rtol=1e-6, atol=1e-8)


def test_prox_residual_is_the_gradient_for_smooth_penalties_and_soft_thresholds_lasso():
    ridge = make_problem(ProblemSpec(300, 4, regularizer="Ridge"))
    params = (np.full(4, 0.1), np.array([0.2]))
    np.testing.assert_array_equal(prox_residual(ridge, params)[0], gradient(ridge, params)[0])
    lasso = make_problem(ProblemSpec(300, 4, regularizer="Lasso", regularizer_strength=0.01))
    coef = np.array([0.0, 0.05, -0.05, 0.0])
    g, _ = gradient(lasso, (coef, np.array([0.2])))
    r, _ = prox_residual(lasso, (coef, np.array([0.2])))
    v = coef - g
    expected = coef - np.sign(v) * np.maximum(np.abs(v) - 0.01, 0.0)
    np.testing.assert_allclose(r, expected, rtol=1e-15)
    # where a step keeps a coefficient's sign, the mapping is gradient + lam * sign
    keep = (np.sign(v) == np.sign(coef)) & (np.abs(v) > 0.01)
    assert keep.any()
    np.testing.assert_allclose(r[keep], g[keep] + 0.01 * np.sign(coef[keep]), rtol=1e-12)


# --------------------------------------------------------------------------------- references


@pytest.mark.parametrize("spec", RIDGE_SPECS + SPARSE_SPECS, ids=_ids(RIDGE_SPECS + SPARSE_SPECS))
def test_reference_is_certified_by_the_proximal_gradient_mapping(spec):
    problem = make_problem(spec)
    ref = reference_solution(problem)
    params = (ref.coef, ref.intercept)
    assert ref.scaled_grad <= REFERENCE_GTOL
    rcoef, rintercept = prox_residual(problem, params)
    k = spec.n_outputs
    rcoef = rcoef.reshape(spec.n_features, k)
    coef = ref.coef.reshape(spec.n_features, k)
    for j in range(k):  # per output, relative to that output's objective (about 1 or more)
        mapping = np.max(np.abs(np.append(rcoef[:, j], rintercept[j])))
        assert mapping <= REFERENCE_GTOL * max(1.0, abs(ref.objective))
    assert ref.objective == objective(problem, params)
    if spec.regularizer == "Ridge":
        assert "newton-cholesky" in ref.method and np.all(coef != 0)
    else:
        assert "proximal-newton" in ref.method
    if spec.regularizer in ("Lasso", "ElasticNet"):  # some exact zeros, some not
        assert 0 < np.sum(coef == 0) < coef.size
    if spec.regularizer == "GroupLasso":  # whole groups are zero or not
        norms = np.linalg.norm(coef.reshape(-1, GROUP, k), axis=1)
        assert 0 < np.sum(norms == 0) < norms.size
        assert np.all((norms == 0) | np.all(coef.reshape(-1, GROUP, k) != 0, axis=1))
    # f* is below the objective at perturbed points (a necessary check of the optimum)
    rng = np.random.default_rng(1)
    for _ in range(5):
        bumped = (ref.coef + 1e-4 * rng.normal(size=ref.coef.shape), ref.intercept)
        assert objective(problem, bumped) > ref.objective


def test_reference_refuses_data_without_finite_optimum():
    spec = ProblemSpec(300, 3, observation="Bernoulli", regularizer="Lasso")
    problem = make_problem(spec)
    constant = dataclasses.replace(problem, y=np.ones_like(problem.y))
    with pytest.raises(ReferenceSolutionError, match="is 1 in every sample"):
        reference_solution(constant)
    separable = ProblemSpec(300, 3, observation="Bernoulli")
    problem = make_problem(separable)
    labels = (problem.X[:, 0] > 0).astype(float)  # perfectly separable: optimum at infinity
    with pytest.raises(ReferenceSolutionError, match="could not certify|nearly singular"):
        reference_solution(dataclasses.replace(problem, y=labels))


def test_models_suite_covers_every_model_and_penalty_and_certifies_quickly():
    suite = get_suite("models")
    combos = {(s.observation, s.regularizer) for s in suite}
    assert combos == {
        (obs, reg) for obs in OBSERVATIONS for reg in ("Ridge", "Lasso", "GroupLasso", "ElasticNet")
    }
    assert len(suite) == len(combos) and all(s.n_samples * s.n_features <= 100_000 for s in suite)
