"""The objective's Hessian per output: its condition number, and the cost of computing it."""

from __future__ import annotations

import math

import numpy as np
from threadpoolctl import threadpool_limits

from ._objective import _as_params, _as_problem, _column, _model, _output_grad
from ._problem import Problem
from ._spec import ProblemSpec

__all__ = ["active_condition", "condition_number", "reference_cost"]

_CHUNK_ROWS = 1 << 16  # rows per block of the Hessian product (bounds its scratch memory)
#: Per-output Hessian work (n (p + 1)**2) from which BLAS may use all its threads.
_THREADED_WORK = 1e10


def _hessian(X, rate, penalty):
    """Hessian over theta = (w, b): [X 1]' diag(rate) [X 1] / n + diag(penalty).

    ``rate`` is the loss's curvature per sample (the rate itself for Poisson).

    Computed as A'A with A = diag(sqrt(rate / n)) [X 1] (a symmetric rank-k update, half the
    work of a general product), block by block of rows.
    """
    n, p = X.shape
    root = np.sqrt(rate / n)
    hess = np.zeros((p + 1, p + 1))
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        block = X[rows] * root[rows, None]
        hess[:p, :p] += block.T @ block
        hess[:p, p] += block.T @ root[rows]
    hess[p, :p] = hess[:p, p]
    hess[p, p] = np.sum(rate) / n
    hess[np.diag_indices(p + 1)] += penalty
    return hess


def _condition(hess) -> float:
    eig = np.linalg.eigvalsh(hess)
    return float(eig[-1] / eig[0]) if eig[0] > 0 else math.inf


def _blas_threads(X) -> int | None:
    """One BLAS thread unless one Hessian is big enough to gain from more (then no limit).

    Single-threaded BLAS is far faster for the small factorizations, and multi-threaded
    OpenBLAS slows down by 10-100x on a busy machine.
    """
    n, p = X.shape
    return None if n * (p + 1) ** 2 >= _THREADED_WORK else 1


def active_condition(hess, w) -> float:
    """Condition number of ``hess`` over the non-zero coefficients of ``w`` and the intercept."""
    keep = np.append(w != 0.0, True)
    return _condition(hess[np.ix_(keep, keep)])


def condition_number(problem: Problem | ProblemSpec, params) -> float:
    """Condition number of the objective's Hessian at ``params``, the largest over outputs.

    Per output ``j``, the Hessian over ``(coef_j, intercept_j)`` is
    ``[X 1]' diag(c_j) [X 1] / n + lam * diag(1, ..., 1, 0)``, with ``c_j`` the per-sample
    curvature of the loss (Poisson: the rate) and ``lam`` the penalty's quadratic part; its
    condition number is its largest eigenvalue over its smallest (``inf`` if that is not
    positive). The outputs' blocks are independent, so this is the conditioning each output's
    fit faces. With a non-smooth penalty (Lasso, GroupLasso, ElasticNet) the Hessian is that
    of the smooth part, restricted to the non-zero coefficients and the intercept: the
    problem a solver faces once the zeros are found.

    Parameters
    ----------
    problem :
        A :class:`Problem` or a :class:`ProblemSpec`.
    params :
        ``(coef, intercept)``, as for :func:`objective`.

    Returns
    -------
    float
        The largest per-output condition number.

    Examples
    --------
    >>> from nemos_bench.problems import reference_solution
    >>> ref = reference_solution(ProblemSpec(n_samples=500, n_features=3))
    >>> condition_number(ref.spec, (ref.coef, ref.intercept)) == ref.condition_number
    True
    """
    problem = _as_problem(problem)
    coef, intercept, _ = _as_params(problem, params)
    family, penalty = _model(problem)
    ridge = np.append(np.full(problem.n_features, penalty.ridge), 0.0)
    worst = 0.0
    with threadpool_limits(limits=_blas_threads(problem.X), user_api="blas"):
        for j in range(problem.n_outputs):
            w, y = coef[:, j], _column(problem.y, j)
            *_, curv = _output_grad(problem.X, y, w, intercept[j], family, penalty)
            hess = _hessian(problem.X, curv, ridge)
            worst = max(worst, _condition(hess) if penalty.smooth else active_condition(hess, w))
    return worst


def reference_cost(spec: ProblemSpec) -> float:
    """Work of one Newton iteration of the reference solution: ``k n (p + 1)**2`` flops.

    A reference takes about 5 to 15 such iterations. Useful to weigh progress and to warn
    before a long computation (a fast core does about ``1e10`` of these flops per second).

    Examples
    --------
    >>> reference_cost(ProblemSpec(n_samples=1000, n_features=9, n_outputs=2))
    200000.0
    """
    return float(spec.n_outputs) * spec.n_samples * (spec.n_features + 1) ** 2
