"""The scipy adapter: exact fits, NeMoS validation, compile caching, trajectories, errors."""

import jax
import jax.numpy as jnp
import nemos as nmo
import numpy as np
import pytest

from nemos_bench.measure import count_compiles
from nemos_bench.solvers import (
    SCIPY_SOLVER_CLASSES,
    ScipyLBFGS,
    ScipyMinimize,
    ScipyNewtonCG,
    register_scipy_solvers,
    scipy_solver_names,
)
from nemos_bench.solvers._compat import coef_intercept, initial_params, setup_model_solver

NAMES = register_scipy_solvers()


def _data(n_outputs, seed=3, n=600, p=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) / np.sqrt(p)
    w = rng.normal(size=(p, n_outputs))
    rate = np.exp(0.5 + X @ w)
    y = rng.poisson(rate).astype(float)
    return X, (y[:, 0] if n_outputs == 1 else y)


def _objective(X, y, coef, intercept, lam):
    """Penalised Poisson objective written independently in NumPy."""
    coef, intercept = np.asarray(coef), np.asarray(intercept)
    eta = X @ coef + intercept
    nll = np.exp(eta) - y * eta
    per_output = nll.mean(axis=0)
    return float(np.sum(per_output) + 0.5 * lam * np.sum(coef**2))


def _model(n_outputs, reg, solver_name, tol=1e-12, maxiter=10_000):
    cls = nmo.glm.GLM if n_outputs == 1 else nmo.glm.PopulationGLM
    kwargs = {"regularizer": reg, "solver_name": solver_name}
    if reg == "Ridge":
        kwargs["regularizer_strength"] = 0.01
    return cls(**kwargs, solver_kwargs={"tol": tol, "maxiter": maxiter})


@pytest.fixture(scope="module")
def native_optima():
    """Native NeMoS LBFGS at tight tolerance, per (n_outputs, regularizer)."""
    out = {}
    for k in (1, 3):
        X, y = _data(k)
        for reg in ("UnRegularized", "Ridge"):
            model = _model(k, reg, "LBFGS", tol=1e-14).fit(X, y)
            lam = 0.01 if reg == "Ridge" else 0.0
            out[k, reg] = _objective(X, y, model.coef_, model.intercept_, lam)
    return out


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("reg", ["UnRegularized", "Ridge"])
def test_reaches_native_lbfgs_objective(name, n_outputs, reg, native_optima):
    X, y = _data(n_outputs)
    model = _model(n_outputs, reg, name).fit(X, y)
    lam = 0.01 if reg == "Ridge" else 0.0
    assert model.coef_.shape == ((4,) if n_outputs == 1 else (4, n_outputs))
    f = _objective(X, y, model.coef_, model.intercept_, lam)
    f_native = native_optima[n_outputs, reg]
    assert abs(f - f_native) <= 1e-10 * abs(f_native)


def test_registry_names_and_backend():
    assert NAMES == scipy_solver_names()
    assert {"LBFGS[scipy]", "BFGS[scipy]", "NonlinearCG[scipy]"} <= set(NAMES)
    for name in NAMES:
        spec = nmo.solvers.get_solver(name)
        assert spec.backend == "scipy"
        assert spec.implementation is SCIPY_SOLVER_CLASSES[spec.algo_name]
        assert spec.algo_name in nmo.regularizer.Ridge().allowed_solvers
        assert spec.algo_name in nmo.regularizer.UnRegularized().allowed_solvers
        assert spec.algo_name not in nmo.regularizer.Lasso().allowed_solvers
    # the native default is untouched
    assert nmo.solvers.get_solver("LBFGS").backend != "scipy"


def test_registration_is_idempotent():
    before = [s.full_name for s in nmo.solvers.list_available_solvers()]
    assert register_scipy_solvers() == NAMES
    assert [s.full_name for s in nmo.solvers.list_available_solvers()] == before


@pytest.mark.parametrize("cls", list(SCIPY_SOLVER_CLASSES.values()), ids=lambda c: c.__name__)
@pytest.mark.parametrize("has_aux", [False, True])
def test_nemos_validator_accepts(cls, has_aux):
    # raises on any failure
    nmo.solvers.validate_solver_class(cls, test_ridge=True, loss_has_aux=has_aux)


@pytest.mark.parametrize("cls", [ScipyLBFGS, ScipyNewtonCG], ids=lambda c: c.__name__)
def test_second_run_compiles_nothing(cls):
    X, y = _data(3)
    model = _model(3, "Ridge", cls.registry_name)
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    params = initial_params(model, Xj, yj)
    solver = setup_model_solver(model, params, Xj, yj)
    p1, s1, _ = solver.run(params, Xj, yj)
    control = jnp.ones(97)
    with count_compiles() as second:
        p2, s2, _ = solver.run(params, Xj, yj)
        # positive control: a shape never seen before must be counted
        jax.jit(lambda v: jnp.cumsum(v) * 3.0)(control)
    assert second.count == 1, second.messages
    assert "cumsum" in second.messages[0] or "lambda" in second.messages[0]
    np.testing.assert_array_equal(coef_intercept(p1)[0], coef_intercept(p2)[0])
    assert s1.nit == s2.nit and s1.nfev == s2.nfev


def _quadratic_solver(trace="objective", **kwargs):
    target = jnp.array([1.0, -2.0, 0.5])
    scales = jnp.array([1.0, 10.0, 100.0])

    def loss(params, a):
        return jnp.sum(scales * (params - a) ** 2)

    solver = ScipyLBFGS(loss, nmo.regularizer.UnRegularized(), None, False, trace=trace, **kwargs)
    return solver, target


def test_trace_is_the_trajectory_of_one_run():
    solver, target = _quadratic_solver(trace="iterates", tol=1e-14)
    x0 = jnp.zeros(3)
    params, state, _ = solver.run(x0, target)
    assert len(state.trace_fun) == state.nit + 1 == len(state.trace_time) == len(state.trace_x)
    np.testing.assert_array_equal(state.trace_x[0], np.zeros(3))
    assert state.trace_fun[-1] == pytest.approx(state.fun, rel=0, abs=1e-15)
    assert np.all(np.diff(state.trace_fun) <= 1e-15)  # L-BFGS-B decreases monotonically
    assert np.all(np.diff(state.trace_time) >= 0)
    # every recorded objective is the loss at the recorded iterate
    for f, x in zip(state.trace_fun, state.trace_x, strict=True):
        assert f == pytest.approx(float(jnp.sum(jnp.array([1.0, 10, 100]) * (x - target) ** 2)))
    # restarting scipy at every step (what `update` must do) gives another path
    p, s = x0, solver.init_state(x0, target)
    for _ in range(state.nit):
        p, s, _ = solver.update(p, s, target)
    assert s.nit == state.nit
    assert not np.allclose(s.trace_fun, state.trace_fun)


def test_update_takes_one_iteration_and_continues_counters():
    solver, target = _quadratic_solver()
    x0 = jnp.zeros(3)
    state = solver.init_state(x0, target)
    assert state.nit == 0 and state.trace_fun == (pytest.approx(float(solver.fun(x0, target))),)
    p1, s1, aux = solver.update(x0, state, target)
    p2, s2, _ = solver.update(p1, s1, target)
    assert (s1.nit, s2.nit) == (1, 2)
    assert s2.nfev > s1.nfev > state.nfev
    assert len(s2.trace_fun) == 3 and s2.trace_fun[0] == state.trace_fun[0]
    assert s2.fun < s1.fun < state.fun and aux is None


def test_aux_is_evaluated_at_the_returned_point():
    def loss(params, a):
        return jnp.sum((params - a) ** 2), {"where": params}

    solver = ScipyLBFGS(loss, nmo.regularizer.UnRegularized(), None, True, tol=1e-12)
    target = jnp.array([3.0, 4.0])
    params, _, aux = solver.run(jnp.zeros(2), target)
    np.testing.assert_allclose(aux["where"], params)
    np.testing.assert_allclose(params, target, atol=1e-6)


def test_blas_threads_are_capped_only_while_scipy_runs(monkeypatch):
    import scipy.optimize
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    seen, real_minimize = [], scipy.optimize.minimize

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return real_minimize(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", spy)
    before = blas_threads()
    solver, target = _quadratic_solver()
    solver.run(jnp.zeros(3), target)
    uncapped, _ = _quadratic_solver(blas_threads=None)
    uncapped.run(jnp.zeros(3), target)
    assert blas_threads() == before
    assert seen[0] == [1] * len(before)  # capped inside minimize
    assert seen[1] == before  # blas_threads=None leaves BLAS alone


def test_trace_none_records_nothing():
    solver, target = _quadratic_solver(trace="none")
    _, state, _ = solver.run(jnp.zeros(3), target)
    assert state.trace_fun == () and state.converged and state.nit > 0


def test_maxiter_and_options_reach_scipy():
    solver, target = _quadratic_solver(maxiter=2, tol=1e-14)
    _, state, _ = solver.run(jnp.zeros(3), target)
    assert state.nit == 2 and state.reached_max_steps and not state.converged
    info = solver.get_optim_info(state)
    assert int(info.num_steps) == 2 and bool(info.reached_max_steps)


def test_glm_fit_reports_convergence_on_both_nemos_releases():
    X, y = _data(1)
    model = _model(1, "Ridge", "LBFGS[scipy]", tol=1e-8).fit(X, y)
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    _, state, _ = model._solver.run(initial_params(model, Xj, yj), Xj, yj)
    assert bool(model._solver._get_optim_info(state).converged)
    assert bool(model._solver.get_optim_info(state).converged) and state.converged


# -- clear errors ---------------------------------------------------------------------------
def _make(cls=ScipyMinimize, reg=None, **kwargs):
    reg = reg or nmo.regularizer.UnRegularized()
    return cls(lambda p, a: jnp.sum(p**2), reg, None, False, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"method": "Adam"}, "Unknown scipy method 'Adam'"),
        ({"method": "SLSQP"}, "'SLSQP' is for bounded or constrained"),
        ({"method": "trust-constr"}, "'trust-constr' is for bounded or constrained"),
        ({"method": "Nelder-Mead"}, "'Nelder-Mead' is not supported"),
        ({"options": {"bounds": [(0, 1)]}}, "options['bounds'] is not accepted"),
        ({"tol": -1.0}, "tol must be a positive number"),
        ({"maxiter": 0}, "maxiter must be a positive integer"),
        ({"trace": "all"}, "trace must be one of"),
        ({"blas_threads": 0}, "blas_threads must be a positive integer or None"),
    ],
)
def test_bad_arguments_are_named(kwargs, fragment):
    with pytest.raises(ValueError) as err:
        _make(**kwargs)
    assert fragment in str(err.value)
    assert str(err.value).count(".") >= 1 and "\n" not in str(err.value)


def test_fixed_method_cannot_be_overridden():
    with pytest.raises(ValueError, match="method='BFGS' cannot be set on the L-BFGS-B solver"):
        _make(ScipyLBFGS, method="BFGS")
    assert "method" not in ScipyLBFGS.get_accepted_arguments()
    assert "method" in ScipyMinimize.get_accepted_arguments()


@pytest.mark.parametrize("reg", ["Lasso", "GroupLasso", "ElasticNet"])
def test_non_smooth_regularizer_refused(reg):
    regularizer = getattr(nmo.regularizer, reg)()
    with pytest.raises(
        ValueError, match=f"cannot use regularizer '{reg}'.*UnRegularized and Ridge"
    ):
        _make(ScipyLBFGS, reg=regularizer)
    # and NeMoS itself refuses the combination by name
    with pytest.raises(ValueError):
        nmo.glm.GLM(regularizer=reg, solver_name="LBFGS[scipy]")


def test_float32_jax_is_refused():
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(RuntimeError, match="LBFGS\\[scipy\\] needs JAX float64"):
            _make(ScipyLBFGS)
    finally:
        jax.config.update("jax_enable_x64", True)
