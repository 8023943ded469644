"""The penalized objective that NeMoS minimizes, in float64 NumPy, for every observation model."""

from __future__ import annotations

import numpy as np

from ._families import Family, get_family
from ._generate import make_problem
from ._penalties import Penalty, penalty_of
from ._problem import Problem
from ._spec import ProblemSpec

__all__ = ["objective", "gradient", "grad_norm", "prox_residual"]


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


def _model(problem: Problem) -> tuple[Family, Penalty]:
    """The observation family and the penalty of a problem."""
    return get_family(problem.spec.observation), penalty_of(problem.spec)


def _output_value(X, y, w, b, family: Family, penalty: Penalty) -> float:
    """Objective of one output: mean per-sample loss plus the whole penalty of ``w``."""
    return float(np.mean(family.loss(X @ w + b, y))) + penalty.value(w)


def _output_grad(X, y, w, b, family: Family, penalty: Penalty):
    """Smooth part of one output: value, gradient (gw, gb) and per-sample curvatures.

    The smooth part is the mean loss plus the penalty's quadratic term (all of Ridge's).
    """
    loss, d1, d2 = family.derivatives(X @ w + b, y)
    value = float(np.mean(loss)) + 0.5 * penalty.ridge * float(w @ w)
    resid = d1 / X.shape[0]
    return value, X.T @ resid + penalty.ridge * w, float(np.sum(resid)), d2


def objective(problem: Problem | ProblemSpec, params) -> float:
    """Penalized objective, exactly as NeMoS's solvers minimize it.

    ``f(coef, intercept) = sum_j [mean_i loss(y_ij, eta_ij) + penalty(coef_j)]`` with
    ``eta = X @ coef + intercept``, the sum over outputs ``j``, the mean over samples ``i``,
    NeMoS's per-sample loss of the observation model with its default link (Poisson:
    ``rate - y * log(rate)``, ``rate = exp(eta)`` clipped below at float64 eps; the other
    models in ``nemos_bench.problems._families``) and NeMoS's penalty of the regularizer (Ridge:
    ``0.5 * lam * ||coef_j||**2``; the others in ``nemos_bench.problems._penalties``); the
    intercept is never penalized and constants such as ``log(y!)`` are dropped.

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
    family, penalty = _model(problem)
    return sum(
        _output_value(problem.X, _column(problem.y, j), coef[:, j], intercept[j], family, penalty)
        for j in range(problem.n_outputs)
    )


def gradient(problem: Problem | ProblemSpec, params) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of the smooth part of :func:`objective` with respect to ``(coef, intercept)``.

    The smooth part is the whole objective for UnRegularized and Ridge; Lasso's and
    GroupLasso's penalties and ElasticNet's L1 term are left out (see :func:`prox_residual`).
    Per output, ``d/d coef = X.T @ r / n + c * coef`` and ``d/d intercept = sum(r) / n`` with
    ``r`` the derivative of the per-sample loss in ``eta`` (Poisson: ``rate - y``; ``r = 0``
    where NeMoS's clip of the mean is active, since the clipped loss is flat there) and ``c``
    Ridge's ``lam`` (ElasticNet's ``lam * (1 - l1_ratio)``, else 0).

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
    family, penalty = _model(problem)
    gcoef = np.empty_like(coef)
    gintercept = np.empty_like(intercept)
    for j in range(problem.n_outputs):
        y = _column(problem.y, j)
        _, gw, gb, _ = _output_grad(problem.X, y, coef[:, j], intercept[j], family, penalty)
        gcoef[:, j], gintercept[j] = gw, gb
    return (gcoef[:, 0] if flat else gcoef), gintercept


def prox_residual(problem: Problem | ProblemSpec, params) -> tuple[np.ndarray, np.ndarray]:
    """The proximal-gradient mapping with unit step: zero exactly at the optimum.

    ``theta - prox_h(theta - grad f(theta))`` with ``f`` the smooth part of the objective,
    ``h`` the non-smooth part of the penalty and ``theta = (coef, intercept)`` (the intercept
    is not penalized, so its component is its gradient). For UnRegularized and Ridge it is
    :func:`gradient` itself; for Lasso it is, coefficient by coefficient, the smallest
    subgradient of the objective when that is below the step.

    Parameters
    ----------
    problem :
        A :class:`Problem` or a :class:`ProblemSpec`.
    params :
        ``(coef, intercept)``, as for :func:`objective`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(residual_coef, residual_intercept)`` with the shapes of ``params``.

    Examples
    --------
    >>> spec = ProblemSpec(n_samples=100, n_features=3, regularizer="Lasso",
    ...                    regularizer_strength=10.0)
    >>> rcoef, _ = prox_residual(spec, (np.zeros(3), np.zeros(1)))  # lam beats every gradient
    >>> rcoef.tolist()
    [0.0, 0.0, 0.0]
    """
    problem = _as_problem(problem)
    gcoef, gintercept = gradient(problem, params)
    penalty = penalty_of(problem.spec)
    if penalty.smooth:
        return gcoef, gintercept
    coef, _, flat = _as_params(problem, params)
    gcoef = gcoef.reshape(coef.shape)
    rcoef = np.empty_like(coef)
    for j in range(problem.n_outputs):
        rcoef[:, j] = coef[:, j] - penalty.prox(coef[:, j] - gcoef[:, j])
    return (rcoef[:, 0] if flat else rcoef), gintercept


def grad_norm(problem: Problem | ProblemSpec, params) -> float:
    """Euclidean norm of the gradient of :func:`objective` (of :func:`prox_residual`).

    ``sqrt(||r_coef||_F**2 + ||r_intercept||**2)``: all coefficients and intercepts of all
    outputs stacked in one vector, ``r`` the gradient for UnRegularized and Ridge and the
    proximal-gradient mapping (which generalizes it) for the non-smooth penalties.

    Parameters
    ----------
    problem :
        A :class:`Problem` or a :class:`ProblemSpec`.
    params :
        ``(coef, intercept)``, as for :func:`objective`.

    Returns
    -------
    float
        The norm.

    Examples
    --------
    >>> problem = make_problem(ProblemSpec(n_samples=100, n_features=3))
    >>> grad_norm(problem, (np.zeros(3), np.zeros(1))) > 0
    True
    """
    gcoef, gintercept = prox_residual(problem, params)
    return float(np.sqrt(np.sum(gcoef**2) + np.sum(gintercept**2)))
