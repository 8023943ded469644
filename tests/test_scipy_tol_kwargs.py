"""The scipy adapter as a drop-in: what ``tol`` means, defaults, and NeMoS's solver_kwargs."""

import warnings

import jax.numpy as jnp
import nemos as nmo
import numpy as np
import optimistix as optx
import pytest
import scipy.optimize
from sklearn.linear_model import GammaRegressor

from nemos_bench.measure import make_model
from nemos_bench.problems import (
    ProblemSpec,
    get_suite,
    load_problem,
    load_reference,
    objective,
)
from nemos_bench.solvers import (
    SCIPY_SOLVER_CLASSES,
    IgnoredSolverArgumentWarning,
    ScipyBFGS,
    ScipyLBFGS,
    ScipyNonlinearCG,
    ScipyTrustNCG,
    _scipy_options,
    register_scipy_solvers,
)

NAMES = register_scipy_solvers()


@pytest.fixture(autouse=True)
def _fresh_warn_once(monkeypatch):
    monkeypatch.setattr(_scipy_options, "_WARNED", set())


def _gamma_population(seed=0, n=500, p=5, k=3, shape=3.0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, p))
    w = rng.uniform(-1, 1, size=(p, k))
    mean = np.exp(0.5 + X @ w)
    y = rng.gamma(shape, mean / shape)
    return X, y


def _sklearn_gamma(X, y, alpha):
    fits = [
        GammaRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit(
            X, y[:, j]
        )
        for j in range(y.shape[1])
    ]
    return np.stack([f.coef_ for f in fits], axis=1), np.array([f.intercept_ for f in fits])


def _nemos_gamma(X, y, name, alpha, tol):
    # sklearn: mean half-deviance + alpha/2 ||w||^2 with a log link; NeMoS: mean negative
    # log-likelihood (the same up to constants) + strength/2 ||w||^2, default link 1/x
    kwargs = {"regularizer": "Ridge", "regularizer_strength": alpha} if alpha else {}
    model = nmo.glm.PopulationGLM(
        observation_model="Gamma",
        inverse_link_function=jnp.exp,
        solver_name=name,
        solver_kwargs={"tol": tol},  # default maxiter: the defaults must reach this
        **kwargs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "did not converge" fails the test
        model.fit(X, y)
    return np.asarray(model.coef_), np.asarray(model.intercept_)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("alpha", [0.0, 0.05])
def test_population_gamma_matches_sklearn_at_tol_1e12(name, alpha):
    X, y = _gamma_population()
    sk_coef, sk_intercept = _sklearn_gamma(X, y, alpha)
    coef, intercept = _nemos_gamma(X, y, name, alpha, tol=1e-12)
    np.testing.assert_allclose(coef, sk_coef, rtol=0, atol=1e-6)
    np.testing.assert_allclose(intercept, sk_intercept, rtol=0, atol=1e-6)


def test_gamma_comparison_detects_a_loose_tol():
    # control: the comparison above is sharp enough to see a fit stopped early
    X, y = _gamma_population()
    sk_coef, _ = _sklearn_gamma(X, y, 0.0)
    coef, _ = _nemos_gamma(X, y, "LBFGS[scipy]", 0.0, tol=1e-2)
    assert np.abs(coef - sk_coef).max() > 1e-6


#: Well-conditioned problems (the first quick suite's): every method reaches f* to 1e-12.
WELL_CONDITIONED = (
    ProblemSpec(2_000, 10, 1),
    ProblemSpec(1_000, 5, 3, regularizer="Ridge", regularizer_strength=1e-3),
)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("spec", WELL_CONDITIONED, ids=lambda s: f"k{s.n_outputs}")
def test_every_method_reaches_certified_optimum(name, spec):
    problem, reference = load_problem(spec), load_reference(spec)
    model = make_model(spec, name, tol=1e-12, maxiter=10_000)
    model.fit(problem.X, problem.y)
    f = objective(problem, (np.asarray(model.coef_), np.asarray(model.intercept_)))
    f_star = reference.objective
    assert f - f_star <= 1e-12 * max(1.0, abs(f_star))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("spec", get_suite("quick"), ids=lambda s: f"k{s.n_outputs}")
def test_every_method_gets_close_on_the_ill_conditioned_quick_problems(name, spec):
    # condition numbers up to ~4e4: scipy's Newton-CG stalls near a gradient norm of 1e-7
    # (its inner CG drops directions of curvature below 3*eps), about 2e-10 above f*
    problem, reference = load_problem(spec), load_reference(spec)
    model = make_model(spec, name, tol=1e-12, maxiter=10_000)
    model.fit(problem.X, problem.y)
    f = objective(problem, (np.asarray(model.coef_), np.asarray(model.intercept_)))
    f_star = reference.objective
    assert f - f_star <= 1e-9 * max(1.0, abs(f_star))


# -- the meaning of tol ----------------------------------------------------------------------
def _poisson(n=400, p=6, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) / np.sqrt(p)
    y = rng.poisson(np.exp(0.3 + X @ rng.normal(size=p))).astype(float)
    return jnp.asarray(X), jnp.asarray(y)


def _loss(params, X, y):
    w, b = params
    eta = X @ w + b
    return jnp.mean(jnp.exp(eta) - y * eta)


def _solver(cls, **kwargs):
    return cls(_loss, nmo.regularizer.UnRegularized(), None, False, **kwargs)


def _grad(params, X, y):
    import jax

    g = jax.grad(_loss)(params, X, y)
    return np.concatenate([np.ravel(g[0]), np.ravel(g[1])])


P0 = (jnp.zeros(6), jnp.zeros(1))


@pytest.mark.parametrize("cls", list(SCIPY_SOLVER_CLASSES.values()), ids=lambda c: c.__name__)
@pytest.mark.parametrize("tol", [1e-3, 1e-6])
def test_converged_means_gradient_norm_at_most_tol(cls, tol):
    X, y = _poisson()
    params, state, _ = _solver(cls, tol=tol).run(P0, X, y)
    g = _grad(params, X, y)
    assert state.converged and state.status == 0
    assert np.linalg.norm(g) <= tol
    assert state.grad_norm == pytest.approx(np.linalg.norm(g), rel=1e-6, abs=1e-15)
    assert "Converged: gradient norm" in state.message


@pytest.mark.parametrize("cls", list(SCIPY_SOLVER_CLASSES.values()), ids=lambda c: c.__name__)
def test_tol_below_float64_floor_converges_at_the_floor(cls):
    X, y = _poisson()
    params, state, _ = _solver(cls, tol=1e-30).run(P0, X, y)
    g = np.linalg.norm(_grad(params, X, y))
    floor = 10 * np.sqrt(np.finfo(float).eps) * max(1.0, abs(state.fun))
    assert state.converged and g <= floor and state.nit < 10_000
    assert "Converged to float64 precision" in state.message


def test_lbfgs_does_not_stop_on_scipy_relative_reduction():
    # scipy's own tol=1e-3 stops L-BFGS-B on the relative decrease of f, far from the bound
    X, y = _poisson()
    res = scipy.optimize.minimize(
        lambda v: float(_loss((jnp.asarray(v[:6]), jnp.asarray(v[6:])), X, y)),
        np.zeros(7),
        jac=lambda v: _grad((jnp.asarray(v[:6]), jnp.asarray(v[6:])), X, y),
        method="L-BFGS-B",
        tol=1e-3,
    )
    assert np.linalg.norm(res.jac) > 1e-3  # the old meaning of tol stopped early
    params, state, _ = _solver(ScipyLBFGS, tol=1e-3).run(P0, X, y)
    assert np.linalg.norm(_grad(params, X, y)) <= 1e-3 and state.converged


def test_norm_and_rtol_change_the_test():
    X, y = _poisson()
    params, state, _ = _solver(ScipyLBFGS, tol=1e-6, norm=optx.max_norm).run(P0, X, y)
    g = _grad(params, X, y)
    assert state.grad_norm == pytest.approx(np.abs(g).max(), rel=1e-6)
    assert np.abs(g).max() <= 1e-6
    loose, rel_state, _ = _solver(ScipyLBFGS, tol=1e-14, rtol=1e-4).run(P0, X, y)
    assert rel_state.converged
    assert np.linalg.norm(_grad(loose, X, y)) <= 1e-14 + 1e-4 * abs(rel_state.fun)
    assert rel_state.nit < state.nit


@pytest.mark.parametrize("cls", [ScipyLBFGS, ScipyTrustNCG], ids=lambda c: c.__name__)
def test_maxiter_before_tol_is_not_converged(cls):
    X, y = _poisson()
    _, state, _ = _solver(cls, tol=1e-30, maxiter=3).run(P0, X, y)
    assert not state.converged and state.status != 0 and state.reached_max_steps
    assert "not converged" in state.message
    with pytest.raises(RuntimeError, match="did not converge"):
        _solver(cls, tol=1e-30, maxiter=3, throw=True).run(P0, X, y)


def test_defaults():
    solver = _solver(ScipyLBFGS)
    assert solver.tol == _scipy_options.DEFAULT_TOL and solver.maxiter == 10_000
    assert _solver(ScipyLBFGS, tol=None).tol == _scipy_options.DEFAULT_TOL


# -- NeMoS's solver_kwargs -------------------------------------------------------------------
def _spy_options(monkeypatch):
    seen = []
    real = scipy.optimize.minimize

    def spy(*args, **kwargs):
        seen.append(kwargs["options"])
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", spy)
    return seen


@pytest.mark.parametrize(
    ("kwargs", "option", "value"),
    [
        ({"memory_size": 3}, "maxcor", 3),
        ({"history_size": 4}, "maxcor", 4),
        ({"maxls": 7}, "maxls", 7),
    ],
)
def test_mapped_arguments_reach_scipy(monkeypatch, kwargs, option, value):
    seen = _spy_options(monkeypatch)
    X, y = _poisson()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _solver(ScipyLBFGS, **kwargs).run(P0, X, y)
    assert seen[-1][option] == value


@pytest.mark.parametrize("native", ["LBFGS", "BFGS", "NonlinearCG"])
def test_accepts_every_argument_of_nemos_solver(native):
    spec = nmo.solvers.get_solver(native)
    ours = SCIPY_SOLVER_CLASSES[native].get_accepted_arguments()
    assert spec.backend != "scipy"
    assert spec.implementation.get_accepted_arguments() <= ours


def test_stepsize_warns_once_and_only_when_it_asks_for_a_fixed_step():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _solver(ScipyLBFGS, stepsize=None)
        _solver(ScipyLBFGS, stepsize=0.0)  # <= 0: a line search, as scipy does
    with pytest.warns(IgnoredSolverArgumentWarning, match=r"LBFGS\[scipy\] ignores stepsize=0.1"):
        _solver(ScipyLBFGS, stepsize=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _solver(ScipyLBFGS, stepsize=0.5)  # once per process


def test_memory_size_without_scipy_option_warns():
    with pytest.warns(IgnoredSolverArgumentWarning, match="BFGS has no 'maxcor' option"):
        _solver(ScipyBFGS, memory_size=5)


def test_nonlinear_cg_update_rule():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solver = _solver(ScipyNonlinearCG, method=optx.polak_ribiere)
    assert solver.method == "CG"
    with pytest.warns(IgnoredSolverArgumentWarning, match="'fletcher_reeves'"):
        _solver(ScipyNonlinearCG, method=optx.fletcher_reeves)


def test_model_accepts_stepsize_and_refuses_unknown_keys():
    X, y = _poisson()
    model = nmo.glm.GLM(solver_name="LBFGS[scipy]", solver_kwargs={"stepsize": 0.01, "tol": 1e-8})
    with pytest.warns(IgnoredSolverArgumentWarning):
        model.fit(np.asarray(X), np.asarray(y))
    assert model.coef_.shape == (6,)
    with pytest.raises(NameError):
        nmo.glm.GLM(solver_name="LBFGS[scipy]", solver_kwargs={"not_an_argument": 1}).fit(
            np.asarray(X), np.asarray(y)
        )
    with pytest.raises(TypeError, match="unknown argument 'not_an_argument'"):
        _solver(ScipyLBFGS, not_an_argument=1)
