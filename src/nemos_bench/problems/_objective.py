"""The penalized Poisson objective that NeMoS minimizes, in float64 NumPy."""

from __future__ import annotations

import numpy as np

from ._generate import Problem, make_problem
from ._spec import ProblemSpec

__all__ = ["objective", "gradient", "grad_norm"]

_EPS = float(np.finfo(np.float64).eps)
_LOG_EPS = float(np.log(_EPS))


def _as_problem(problem) -> Problem:
    if isinstance(problem, Problem):
        return problem
    if isinstance(problem, ProblemSpec):
        return make_problem(problem)
    raise TypeError(f"Expected a Problem or a ProblemSpec, got {type(problem).__name__}.")


def _as_params(problem: Problem, params) -> tuple[np.ndarray, np.ndarray, bool]:
    """Return coef as (p, k), intercept as (k,) and whether coef was given 1-D."""
    try:
        coef, intercept = params
    except (TypeError, ValueError):
        raise ValueError("`params` must be a pair (coef, intercept).") from None
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    p, k = problem.n_features, problem.n_outputs
    coef_ok = coef.shape == (p, k) or (k == 1 and coef.shape == (p,))
    if not coef_ok or intercept.shape != (k,):
        expected = f"(({p},), (1,))" if k == 1 else f"(({p}, {k}), ({k},))"
        raise ValueError(
            f"`params` shapes {coef.shape, intercept.shape} do not match the problem; "
            f"expected (coef, intercept) shapes {expected}."
        )
    return coef.reshape(p, k), intercept, coef.ndim == 1


def _column(y: np.ndarray, j: int) -> np.ndarray:
    return y if y.ndim == 1 else y[:, j]


def _rate(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate clipped at eps (as NeMoS does), its log, and the mask where the clip is inactive."""
    with np.errstate(over="ignore"):
        rate = np.exp(eta)
    active = rate >= _EPS
    rate = np.where(active, rate, _EPS)
    log_rate = np.where(active, eta, _LOG_EPS)  # == log(rate), without the rounding of log(exp)
    return rate, log_rate, active


def _output_value(X, y, w, b, lam) -> float:
    """Objective of one output: mean(rate - y * log(rate)) + 0.5 * lam * ||w||**2."""
    rate, log_rate, _ = _rate(X @ w + b)
    with np.errstate(invalid="ignore"):
        loss = float(np.mean(rate - y * log_rate))
    return loss + 0.5 * lam * float(w @ w)


def _output_grad(X, y, w, b, lam):
    """Value, gradient (gw, gb) and the rates of one output."""
    eta = X @ w + b
    rate, log_rate, active = _rate(eta)
    with np.errstate(invalid="ignore"):
        value = float(np.mean(rate - y * log_rate)) + 0.5 * lam * float(w @ w)
    resid = np.where(active, rate - y, 0.0) / X.shape[0]
    return value, X.T @ resid + lam * w, float(np.sum(resid)), rate


def objective(problem: Problem | ProblemSpec, params) -> float:
    """Penalized Poisson objective, exactly as NeMoS's solvers minimize it.

    ``f(coef, intercept) = sum_j mean_i(rate_ij - y_ij * log(rate_ij)) + 0.5 * lam * ||coef||**2``
    with ``rate = exp(X @ coef + intercept)`` clipped below at float64 eps (as NeMoS does),
    the sum over outputs ``j``, the mean over samples ``i``, ``lam`` the Ridge strength (0 when
    unregularized) and the intercept not penalized. The ``log(y!)`` constant is dropped.

    Parameters
    ----------
    problem :
        A :class:`Problem` or a :class:`ProblemSpec` (regenerated on every call: pass the
        ``Problem`` in loops).
    params :
        ``(coef, intercept)`` with shapes ``((p,), (1,))`` for one output or
        ``((p, k), (k,))`` for ``k`` outputs (``(p, 1)`` is also accepted for one output).

    Returns
    -------
    float
        The objective value (``inf`` if a rate overflows).

    Examples
    --------
    >>> problem = make_problem(ProblemSpec(n_samples=100, n_features=3))
    >>> f0 = objective(problem, (np.zeros(3), np.zeros(1)))  # rate 1: f = mean(1 - 0) = 1
    >>> f0
    1.0
    """
    problem = _as_problem(problem)
    coef, intercept, _ = _as_params(problem, params)
    lam = problem.spec.regularizer_strength
    return sum(
        _output_value(problem.X, _column(problem.y, j), coef[:, j], intercept[j], lam)
        for j in range(problem.n_outputs)
    )


def gradient(problem: Problem | ProblemSpec, params) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of :func:`objective` with respect to ``(coef, intercept)``.

    Per output, ``d/d coef = X.T @ r / n + lam * coef`` and ``d/d intercept = sum(r) / n``
    with ``r = rate - y`` (``r = 0`` where the eps clip of the rate is active, since the
    clipped objective is flat there).

    Parameters
    ----------
    problem :
        A :class:`Problem` or a :class:`ProblemSpec`.
    params :
        ``(coef, intercept)``, as for :func:`objective`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(grad_coef, grad_intercept)`` with the shapes of ``params``.

    Examples
    --------
    >>> problem = make_problem(ProblemSpec(n_samples=100, n_features=3))
    >>> gcoef, gintercept = gradient(problem, (np.zeros(3), np.zeros(1)))
    >>> gcoef.shape, gintercept.shape
    ((3,), (1,))
    >>> bool(np.isclose(gintercept[0], 1.0 - problem.y.mean()))
    True
    """
    problem = _as_problem(problem)
    coef, intercept, flat = _as_params(problem, params)
    lam = problem.spec.regularizer_strength
    gcoef = np.empty_like(coef)
    gintercept = np.empty_like(intercept)
    for j in range(problem.n_outputs):
        _, gw, gb, _ = _output_grad(problem.X, _column(problem.y, j), coef[:, j], intercept[j], lam)
        gcoef[:, j], gintercept[j] = gw, gb
    return (gcoef[:, 0] if flat else gcoef), gintercept


def grad_norm(problem: Problem | ProblemSpec, params) -> float:
    """Euclidean norm of the full gradient of :func:`objective`.

    ``sqrt(||grad_coef||_F**2 + ||grad_intercept||**2)``: all coefficients and intercepts of
    all outputs stacked in one vector.

    Parameters
    ----------
    problem :
        A :class:`Problem` or a :class:`ProblemSpec`.
    params :
        ``(coef, intercept)``, as for :func:`objective`.

    Returns
    -------
    float
        The gradient norm.

    Examples
    --------
    >>> problem = make_problem(ProblemSpec(n_samples=100, n_features=3))
    >>> grad_norm(problem, (np.zeros(3), np.zeros(1))) > 0
    True
    """
    gcoef, gintercept = gradient(problem, params)
    return float(np.sqrt(np.sum(gcoef**2) + np.sum(gintercept**2)))
