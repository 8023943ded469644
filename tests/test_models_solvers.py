"""Observation models and sparse penalties against NeMoS, the scipy adapter and the baselines.

Issue 13: the harness's objective is NeMoS's for every model and penalty; f* agrees with
NeMoS at tight tolerance and with scikit-learn and glum wherever they solve the problem; the
baselines run as cells of the sweep; the report shows the model x regularizer x solver matrix.
"""

from __future__ import annotations

import math
import warnings

import jax.numpy as jnp
import nemos as nmo
import numpy as np
import pandas as pd
import pytest
from nemos.glm.params import GLMParams
from test_models_problems import RIDGE_SPECS, SPARSE_SPECS, _ids
from test_problems import _initialize

from nemos_bench.measure import CellSettings, make_model, run_one
from nemos_bench.measure._nemos_model import glm_task, group_mask, model_kwargs
from nemos_bench.problems import (
    ProblemSpec,
    get_suite,
    load_problem,
    load_reference,
    make_problem,
    objective,
)
from nemos_bench.problems._families import OBSERVATIONS
from nemos_bench.report._matrix import model_matrix
from nemos_bench.solvers import (
    available_solvers,
    baseline_names,
    get_baseline,
    register_scipy_solvers,
)
from nemos_bench.solvers._baselines import BASELINES
from nemos_bench.sweep import build_config, plan_cells

# Independent checks must agree with f* to this relative precision (issue 13).
AGREE = 1e-8
glum = pytest.importorskip("glum")
SCIPY_NAMES = register_scipy_solvers()


def _rel(f, f_star):
    return abs(f - f_star) / max(1.0, abs(f_star))


def _fit_objective(problem, solver, tol=1e-10, maxiter=20_000):
    model = make_model(problem.spec, solver, tol, maxiter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(problem.X, problem.y)
    return objective(problem, (np.asarray(model.coef_), np.asarray(model.intercept_)))


def _baseline_objective(problem, name, tol=1e-12):
    fit = get_baseline(name).prepare(problem.X, problem.y, glm_task(problem.spec), tol, 1000)()
    return objective(problem, (fit.coef, fit.intercept))


ALL_PENALTIES = [
    ProblemSpec(300, 7, k, observation=obs, regularizer=reg)
    for obs in OBSERVATIONS
    for reg, k in [
        ("UnRegularized", 1),
        ("Ridge", 2),
        ("Lasso", 1),
        ("GroupLasso", 1),
        ("GroupLasso", 2),
        ("ElasticNet", 2),
    ]
]


@pytest.mark.parametrize("spec", ALL_PENALTIES, ids=[s.problem_id for s in ALL_PENALTIES])
def test_objective_equals_nemos_penalized_loss(spec):
    problem = make_problem(spec)
    rng = np.random.default_rng(1)
    shape = (7,) if spec.n_outputs == 1 else (7, spec.n_outputs)
    coef = rng.normal(scale=0.05, size=shape)
    intercept = np.full(spec.n_outputs, 1.0 if spec.observation == "Gamma" else 0.1)
    model = make_model(spec, "ProximalGradient", 1e-8, 10)
    _initialize(model, (coef, intercept), problem.X, problem.y)
    params = GLMParams(jnp.asarray(coef), jnp.asarray(intercept))
    penalized = model.regularizer.penalized_loss(
        model._compute_loss, params, model.regularizer_strength
    )
    theirs = float(penalized(params, jnp.asarray(problem.X), jnp.asarray(problem.y)))
    assert theirs == pytest.approx(objective(problem, (coef, intercept)), rel=1e-12, abs=0)


def test_model_kwargs_spell_nemos_arguments():
    spec = ProblemSpec(100, 4, 2, observation="NegativeBinomial", regularizer="GroupLasso")
    kwargs = model_kwargs(spec)
    assert isinstance(kwargs["regularizer"], nmo.regularizer.GroupLasso)
    np.testing.assert_array_equal(np.asarray(kwargs["regularizer"].mask), group_mask(spec))
    assert kwargs["observation_model"].scale == 1.0
    assert "observation_model" not in model_kwargs(ProblemSpec(100, 4))  # NeMoS's default
    net = model_kwargs(ProblemSpec(100, 4, regularizer="ElasticNet", l1_ratio=0.25))
    assert net["regularizer_strength"] == (0.01, 0.25)
    model = make_model(ProblemSpec(100, 4, observation="Bernoulli"), "LBFGS", 1e-6, 10)
    assert type(model.observation_model).__name__ == "BernoulliObservations"


# ------------------------------------------------------------------------ f* against others


@pytest.mark.parametrize("spec", RIDGE_SPECS, ids=_ids(RIDGE_SPECS))
def test_ridge_optimum_agrees_with_nemos_and_every_baseline_that_solves_it(spec):
    problem = make_problem(spec)
    f_star = load_reference(spec).objective
    assert _rel(_fit_objective(problem, "LBFGS"), f_star) <= AGREE
    solved = [name for name, b in BASELINES.items() if b.skip_reason(glm_task(spec)) is None]
    expected = {"IRLS[glum]"}
    if spec.observation in ("Poisson", "Bernoulli", "Gaussian"):
        expected |= {"NewtonCholesky[sklearn]", "LBFGS[sklearn]"}
    assert set(solved) == expected
    for name in solved:
        f = _baseline_objective(problem, name)
        assert _rel(f, f_star) <= AGREE, name
        assert f >= f_star - 1e-13 * abs(f_star), name  # f* is the minimum


@pytest.mark.parametrize("spec", SPARSE_SPECS, ids=_ids(SPARSE_SPECS))
def test_sparse_optimum_agrees_with_proximal_gradient_and_glum(spec):
    problem = make_problem(spec)
    ref = load_reference(spec)
    assert _rel(_fit_objective(problem, "ProximalGradient"), ref.objective) <= AGREE
    if spec.regularizer == "GroupLasso":
        assert get_baseline("IRLS[glum]").skip_reason(glm_task(spec)) is not None
        return
    fit = get_baseline("IRLS[glum]").prepare(problem.X, problem.y, glm_task(spec), 1e-12, 1000)()
    assert _rel(objective(problem, (fit.coef, fit.intercept)), ref.objective) <= AGREE
    # the same coefficients are exactly zero
    np.testing.assert_array_equal(fit.coef == 0, ref.coef == 0)


def test_a_wrong_penalty_scale_would_be_caught():
    """The agreement checks above can fail: glum with NeMoS's strength doubled misses f*."""
    spec = SPARSE_SPECS[2]  # Poisson ElasticNet
    problem = make_problem(spec)
    task = glm_task(spec)
    doubled = type(task)(**{**task.__dict__, "strength": 2 * task.strength})
    fit = get_baseline("IRLS[glum]").prepare(problem.X, problem.y, doubled, 1e-12, 1000)()
    assert (
        _rel(objective(problem, (fit.coef, fit.intercept)), load_reference(spec).objective) > 1e-4
    )


# On Gamma problems scipy's L-BFGS-B alone stops after one iteration claiming success: its
# first trial step crosses eta <= 0, where NeMoS's inverse link clips the mean (f ~ y / eps).
# The adapter restarts it from there (tests/test_scipy_restarts.py), so it reaches f* too.


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    ("obs", "solver"),
    [(obs, solver) for obs in OBSERVATIONS for solver in ("NewtonCG[scipy]", "LBFGS[scipy]")],
)
def test_scipy_adapter_reaches_f_star_on_every_smooth_observation_model(obs, solver):
    assert solver in SCIPY_NAMES
    for spec in (
        ProblemSpec(500, 6, 2, observation=obs, regularizer="Ridge"),
        ProblemSpec(500, 6, observation=obs),
    ):
        problem = make_problem(spec)
        assert _rel(_fit_objective(problem, solver), load_reference(spec).objective) <= AGREE


# ----------------------------------------------------------------------- measure, report


def test_baseline_cell_is_timed_and_measured_by_the_harness():
    spec = ProblemSpec(800, 6, 2, observation="Gamma", regularizer="Ridge")
    problem, reference = load_problem(spec), load_reference(spec)
    row = run_one(problem, reference, "IRLS[glum]", 1e-10, CellSettings(repeats=3)).summary
    assert row["status"] == "ok" and row["observation"] == "Gamma"
    fit = get_baseline("IRLS[glum]").prepare(problem.X, problem.y, glm_task(spec), 1e-10, 5000)()
    assert row["objective"] == pytest.approx(objective(problem, (fit.coef, fit.intercept)))
    assert row["suboptimality"] == row["objective"] - reference.objective
    assert abs(row["rel_suboptimality"]) <= AGREE
    assert row["fit_s_min"] <= row["fit_s"] <= row["fit_s_max"]
    assert row["repeat"] == row["n_repeats"] >= 3 and row["outcome"] == "converged"
    assert row["n_steps"] >= 1 and row["converged"] is True and row["end_to_end_s"] > 0
    # glum compiles nothing: no compile time, rather than a clamped 0.0 first-call overhead
    assert math.isnan(row["compile_s"])


@pytest.mark.parametrize(
    ("spec", "solver", "fragment"),
    [
        (
            ProblemSpec(300, 4, observation="Gamma", regularizer="Ridge"),
            "LBFGS[sklearn]",
            "only the log link",
        ),
        (
            ProblemSpec(300, 4, observation="NegativeBinomial"),
            "NewtonCholesky[sklearn]",
            "no negative binomial",
        ),
        (ProblemSpec(300, 4, regularizer="Lasso"), "LBFGS[sklearn]", "L2 penalty only"),
        (ProblemSpec(300, 4, regularizer="GroupLasso"), "IRLS[glum]", "no group penalty"),
        (ProblemSpec(300, 4, regularizer="ElasticNet"), "LBFGS[scipy]", "smooth objective"),
        (ProblemSpec(300, 4, regularizer="Lasso"), "GradientDescent", "NeMoS does not allow"),
    ],
)
def test_unsupported_cells_are_skipped_with_their_reason(spec, solver, fragment):
    solver = solver if "[" in solver else f"{solver}[optimistix]"
    if solver not in available_solvers() + baseline_names():
        pytest.skip(f"{solver} is not in this NeMoS's registry")
    row = run_one(load_problem(spec), load_reference(spec), solver, 1e-6).summary
    assert row["status"] == "skipped" and fragment in row["reason"]
    assert row["reason"].endswith(".") and row.get("objective") is None


def test_missing_library_is_a_skip_that_says_how_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "glum" else real(name, *a)
    )
    reason = get_baseline("IRLS[glum]").skip_reason(glm_task(ProblemSpec(100, 3)))
    assert reason == (
        'IRLS[glum] needs glum, which is not installed here: pip install -e ".[baselines]".'
    )


def test_models_suite_plans_every_solver_and_baseline_on_every_problem():
    config = build_config(suite="models")
    cells = plan_cells(config)
    solvers = set(available_solvers()) | set(baseline_names())
    assert config.tols == (1e-4, 1e-10)
    for spec in get_suite("models"):
        planned = {c.solver for c in cells if c.spec == spec}
        assert planned == solvers, spec.problem_id
    assert len(cells) == len(get_suite("models")) * len(solvers) * 2
    # elsewhere the baselines run only when named
    assert not set(baseline_names()) & {c.solver for c in plan_cells(build_config(suite="quick"))}
    named = build_config(suite="quick", solvers=["IRLS[glum]"])
    assert {c.solver for c in plan_cells(named)} == {"IRLS[glum]"}


def test_matrix_says_ok_only_when_every_fit_ended_ok():
    rows = pd.DataFrame(
        {
            "observation": ["Poisson"] * 4 + [None] * 2,
            "regularizer": ["Lasso"] * 4 + ["Ridge"] * 2,
            "solver": ["A", "A", "B", "B", "A", "B"],
            "status": ["ok", "ok", "ok", "failed", "skipped", "skipped"],
            "reason": ["", "", "", "boom", "A: why not", "B: why not"],
            "rel_suboptimality": [1e-3, 1e-9, 1e-6, None, None, None],
        }
    )
    matrix, reasons = model_matrix(rows)
    assert matrix.loc[("Poisson", "Lasso"), "A"] == "ok (best 1.0e-09)"
    assert matrix.loc[("Poisson", "Lasso"), "B"] == "1 ok (best 1.0e-06), 1 failed"
    assert matrix.loc[("Poisson", "Ridge")].tolist() == ["skipped [1]", "skipped [1]"]
    assert reasons == ["this solver: why not"]
