"""The scipy adapter restarts where scipy ends a call short of the test (``_scipy_run``).

The trap: NeMoS's Gamma model (inverse link) clips the rate at ``eps``, so a trial step past
``eta = 0`` returns a loss of about 1e15; scipy's interpolating line searches then shrink the
step to about 1e-16 and L-BFGS-B ends with "no reduction of f" far from the optimum. On
nemos 0.2.8 this failed NeMoS's masked population Gamma test (``test_masked_fit_vs_loop``)
with ``LBFGS[scipy]`` substituted.
"""

import warnings

import jax
import jax.numpy as jnp
import nemos as nmo
import numpy as np
import pytest

from nemos_bench.solvers import SCIPY_SOLVER_CLASSES, ScipyLBFGS, _scipy_run, register_scipy_solvers

register_scipy_solvers()

# data seeds whose plain L-BFGS-B call ends at the cliff: in its first iteration (15) and
# after some progress (17)
SEEDS = (15, 17)


def _gamma_data(seed):
    rng = np.random.default_rng(seed)
    n, p = 200 + 100 * (seed % 4), 1 + seed % 5
    X = rng.uniform(size=(n, p))
    y = rng.gamma(shape=1 / 3, scale=3 / (X @ rng.uniform(size=p) + 0.5))
    return jnp.asarray(X), jnp.asarray(y)


def _nemos_gamma_loss(params, X, y):
    # NeMoS's Gamma negative log-likelihood with its default link 1/x and its clip
    w, b = params
    rate = jnp.clip(1.0 / (X @ w + b), min=jnp.finfo(X.dtype).eps)
    x = -1.0 / rate
    return -jnp.mean(y * x + jnp.log(-x))


def _exact_gradient_norm(params, X, y):
    # y*eta - log(eta) without the clip: the fit must end where every eta > 0
    def nll(params):
        w, b = params
        eta = X @ w + b
        return jnp.mean(y * eta - jnp.log(eta))

    w, b = params
    assert float(jnp.min(X @ w + b)) > 0
    g = jax.grad(nll)(params)
    return float(np.linalg.norm(np.concatenate([np.ravel(g[0]), np.ravel(g[1])])))


def _start(X, y):
    # NeMoS's initialisation: coefficients 0, intercept the inverse link of mean(y)
    return jnp.zeros(X.shape[1]), 1.0 / jnp.mean(y)


def _run(cls, X, y, **kwargs):
    solver = cls(_nemos_gamma_loss, nmo.regularizer.UnRegularized(), None, False, **kwargs)
    return solver.run(_start(X, y), X, y)


@pytest.mark.parametrize("cls", list(SCIPY_SOLVER_CLASSES.values()), ids=lambda c: c.__name__)
@pytest.mark.parametrize("seed", SEEDS)
def test_fit_across_a_clipped_rate_converges(cls, seed):
    X, y = _gamma_data(seed)
    params, state, _ = _run(cls, X, y, tol=1e-9)
    assert state.converged, state.message
    # the test, or the float64 floor of it (the message says which)
    floor = 10 * np.sqrt(np.finfo(float).eps) * max(1.0, abs(state.fun))
    bound = floor if "float64 precision" in state.message else 1e-9
    assert _exact_gradient_norm(params, X, y) <= bound * (1 + 1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_without_restarts_lbfgs_ends_at_the_cliff(seed, monkeypatch):
    # control: the fits above pass because of the restarts, on this scipy
    X, y = _gamma_data(seed)
    monkeypatch.setattr(_scipy_run, "MAX_RESTARTS", 0)
    params, state, _ = _run(ScipyLBFGS, X, y, tol=1e-9)
    assert not state.converged and "not converged" in state.message
    assert state.grad_norm > 1e-3 and state.restarts == 0
    monkeypatch.undo()
    params, state, _ = _run(ScipyLBFGS, X, y, tol=1e-9)
    assert state.converged and state.restarts >= 1
    assert "restart(s)" in state.message


def test_trace_stays_in_the_original_coordinates_across_restarts():
    X, y = _gamma_data(15)
    solver = ScipyLBFGS(
        _nemos_gamma_loss, nmo.regularizer.UnRegularized(), None, False, trace="iterates"
    )
    params, state, _ = solver.run(_start(X, y), X, y)
    assert state.restarts >= 1 and len(state.trace_x) == len(state.trace_fun)
    start = np.concatenate([np.ravel(v) for v in _start(X, y)])
    np.testing.assert_array_equal(state.trace_x[0], start)
    for x, f in zip(state.trace_x, state.trace_fun, strict=True):
        w, b = solver.unravel(_start(X, y), x)
        assert float(_nemos_gamma_loss((w, b), X, y)) == pytest.approx(f, rel=1e-12)
    last = np.concatenate([np.ravel(v) for v in params])
    np.testing.assert_allclose(state.trace_x[-1], last, rtol=0, atol=1e-12)
    assert state.trace_fun[-1] == pytest.approx(state.fun, rel=1e-12)


def test_update_sums_restarts_and_respects_maxiter():
    X, y = _gamma_data(17)
    solver = ScipyLBFGS(_nemos_gamma_loss, nmo.regularizer.UnRegularized(), None, False)
    params = _start(X, y)
    state = solver.init_state(params, X, y)
    for _ in range(3):
        params, state, _ = solver.update(params, state, X, y)
    assert state.nit == 3  # one iteration per update, restarts included
    _, capped, _ = _run(ScipyLBFGS, X, y, tol=1e-30, maxiter=4)
    assert capped.nit == 4 and capped.reached_max_steps and not capped.converged


def test_restart_converts_absolute_scipy_options():
    coords = _scipy_run._Coordinates(origin=np.ones(2), scale=0.01)
    assert coords.options({"gtol": 1e-5, "xtol": 1e-8, "maxcor": 3}) == pytest.approx(
        {"gtol": 1e-7, "xtol": 1e-6, "maxcor": 3}
    )
    np.testing.assert_array_equal(coords.to_x(np.array([100.0, -100.0])), [2.0, 0.0])
    assert _scipy_run._Coordinates().options({"gtol": 1e-5}) == {"gtol": 1e-5}


@pytest.mark.parametrize("seed", SEEDS)
def test_nemos_gamma_glm_fit_converges(seed):
    # the same data through NeMoS's own Gamma model, as in NeMoS's tests' solver_kwargs
    X, y = _gamma_data(seed)
    model = nmo.glm.GLM(
        observation_model=nmo.observation_models.GammaObservations(),
        solver_name="LBFGS[scipy]",
        solver_kwargs={"tol": 1e-9},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "The fit did not converge"
        model.fit(X, y)
    params = (jnp.asarray(model.coef_), jnp.asarray(model.intercept_)[0])
    assert _exact_gradient_norm(params, X, y) <= 1e-8
