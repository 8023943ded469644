"""Certified reference optimum: damped Newton with the exact Hessian, in float64 NumPy."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from ._generate import Problem
from ._objective import _as_problem, _column, _output_grad, _output_value, grad_norm, objective
from ._spec import ProblemSpec

__all__ = ["REFERENCE_GTOL", "Reference", "ReferenceSolutionError", "reference_solution"]

#: Certification threshold on the scaled gradient norm (see :func:`reference_solution`).
REFERENCE_GTOL = 1e-10
_MAX_ITER = 100
_ARMIJO = 1e-4
_MAX_HALVINGS = 60
_MIN_RCOND = 1e-8  # smallest/largest Hessian eigenvalue below which the optimum is not finite
METHOD = "newton-cholesky+armijo (numpy float64, per output)"


class ReferenceSolutionError(RuntimeError):
    """The reference optimum of a problem could not be computed and certified."""


@dataclasses.dataclass(frozen=True, eq=False)
class Reference:
    """Certified optimum of one problem.

    Attributes
    ----------
    spec :
        The problem.
    objective :
        ``f*``, :func:`objective` at ``(coef, intercept)``.
    coef, intercept :
        The minimizer, shapes ``(p,)`` and ``(1,)`` for one output, ``(p, k)`` and ``(k,)``
        otherwise.
    grad_norm :
        Euclidean norm of the full gradient at the minimizer (see :func:`grad_norm`).
    scaled_grad :
        The certified quantity: ``max_j ||g_j||_inf / max(1, |f_j|)`` over outputs ``j``;
        at most :data:`REFERENCE_GTOL`.
    n_iter :
        Newton iterations, the maximum over outputs.
    method :
        Short description of the algorithm.
    """

    spec: ProblemSpec
    objective: float
    coef: np.ndarray
    intercept: np.ndarray
    grad_norm: float
    scaled_grad: float
    n_iter: int
    method: str = METHOD


def _hessian(X, rate, penalty):
    """Hessian over theta = (w, b): [X 1]' diag(rate) [X 1] / n + diag(penalty)."""
    n, p = X.shape
    hess = np.empty((p + 1, p + 1))
    hess[:p, :p] = (X.T * (rate / n)) @ X
    hess[:p, p] = hess[p, :p] = X.T @ rate / n
    hess[p, p] = np.sum(rate) / n
    hess[np.diag_indices(p + 1)] += penalty
    return hess


def _newton_one_output(X, y, lam, label):
    """Minimize one output's objective; return (w, b, f, scaled gradient, iterations)."""
    p = X.shape[1]
    mean_y = float(np.mean(y))
    if mean_y <= 0:
        raise ReferenceSolutionError(
            f"{label} has no spikes, so its intercept has no finite optimum (it tends to -inf)."
        )
    w, b = np.zeros(p), np.log(mean_y)  # the intercept-only optimum
    penalty = np.append(np.full(p, lam), 0.0)  # the intercept is not penalized
    reason = f"no convergence in {_MAX_ITER} iterations"
    for it in range(_MAX_ITER + 1):
        f, gw, gb, rate = _output_grad(X, y, w, b, lam)
        g = np.append(gw, gb)
        scale = max(1.0, abs(f))
        scaled = float(np.max(np.abs(g))) / scale
        if not np.isfinite(scaled):
            reason = "the objective or gradient became non-finite"
            break
        hess = _hessian(X, rate, penalty)
        if scaled <= REFERENCE_GTOL:
            eig = np.linalg.eigvalsh(hess)
            if eig[0] <= _MIN_RCOND * eig[-1]:
                # A tiny gradient with a flat direction is an optimum at infinity, not a minimizer.
                raise ReferenceSolutionError(
                    f"{label}: the gradient vanishes but the Hessian is nearly singular "
                    f"(eigenvalues {eig[0]:.3g} to {eig[-1]:.3g}), so there is no finite optimum "
                    "(separable data or too few samples). Use Ridge or more samples."
                )
            return w, b, f, scaled, it
        if it == _MAX_ITER:
            break
        try:
            step = -scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess), g)
        except (np.linalg.LinAlgError, ValueError):
            reason = "the Hessian is singular"
            break
        decrement = float(-g @ step)  # Newton decrement squared, ~ 2 * (f - f*)
        t = 1.0
        for _ in range(_MAX_HALVINGS):
            f_new = _output_value(X, y, w + t * step[:p], b + t * step[p], lam)
            if f_new <= f - _ARMIJO * t * decrement:
                break
            # Once f - f* is at rounding level, Armijo cannot see the decrease: take the full
            # Newton step unless it increases f beyond rounding (the gradient certifies anyway).
            if t == 1.0 and decrement <= 1e-10 * scale and f_new <= f + 1e-13 * scale:
                break
            t *= 0.5
        else:
            reason = "the line search found no decrease"
            break
        w, b = w + t * step[:p], b + t * step[p]
    raise ReferenceSolutionError(
        f"{label}: Newton could not certify the optimum ({reason}; scaled gradient "
        f"{scaled:.3g} > {REFERENCE_GTOL:g} after {it} iterations); the objective may have no "
        "finite minimizer (e.g. separable data or too few samples). Use Ridge or more samples."
    )


def reference_solution(problem: Problem | ProblemSpec) -> Reference:
    """Compute the certified optimum ``f*`` of a problem, independently of any NeMoS solver.

    Outputs are independent (the objective is a sum over outputs and the Ridge penalty is
    separable), so each is minimized on its own over ``theta = (w_j, b_j)`` by damped Newton:
    exact Hessian ``[X 1]' diag(rate) [X 1] / n + lam * diag(1, ..., 1, 0)``, Cholesky solve,
    Armijo backtracking from the full step, starting at ``w = 0``, ``b = log(mean(y_j))``.
    An output is certified when its *scaled gradient norm*
    ``||grad_j||_inf / max(1, |f_j|) <= REFERENCE_GTOL`` (``1e-10``), with ``f_j`` that output's
    objective; the objective is ``O(1)`` here, so this is a relative-to-scale max-norm test.
    At the certified point the Hessian's eigenvalues must span less than ``1e8`` (else the
    optimum lies at infinity). BLAS runs single-threaded during the solve.

    Parameters
    ----------
    problem :
        A :class:`Problem` or a :class:`ProblemSpec` (data generated with ``make_problem``).

    Returns
    -------
    Reference
        The optimum and its certificate.

    Raises
    ------
    ReferenceSolutionError
        If an unregularized problem has ``n_samples <= n_features + 1``, an output has no
        spikes, the Hessian is singular (or, at a point with a vanishing gradient, has
        eigenvalues spanning more than 1e8: an optimum at infinity, as with separable data),
        or Newton does not certify within 100 iterations.

    Examples
    --------
    >>> ref = reference_solution(ProblemSpec(n_samples=500, n_features=3))
    >>> ref.scaled_grad <= REFERENCE_GTOL
    True
    >>> ref.coef.shape, ref.intercept.shape
    ((3,), (1,))
    """
    problem = _as_problem(problem)
    spec = problem.spec
    n, p, k = spec.n_samples, spec.n_features, spec.n_outputs
    lam = spec.regularizer_strength
    if lam == 0.0 and n <= p + 1:
        raise ReferenceSolutionError(
            f"Problem {spec.problem_id} is unregularized with n_samples={n} <= n_features + 1 "
            f"= {p + 1}, so it has no unique finite optimum; use Ridge or more samples."
        )
    coef, intercept = np.empty((p, k)), np.empty(k)
    worst, iters = 0.0, 0
    for j in range(k):
        label = f"Output {j} of problem {spec.problem_id}"
        # Single-threaded BLAS: the (p+1)-sized factorizations are far faster that way, and
        # multi-threaded OpenBLAS slows down by 10-100x on a busy machine.
        with threadpool_limits(limits=1, user_api="blas"):
            w, b, _, scaled, it = _newton_one_output(problem.X, _column(problem.y, j), lam, label)
        coef[:, j], intercept[j] = w, b
        worst, iters = max(worst, scaled), max(iters, it)
    if k == 1:
        coef = coef[:, 0]
    params = (coef, intercept)
    coef.flags.writeable = intercept.flags.writeable = False
    return Reference(
        spec=spec,
        objective=objective(problem, params),
        coef=coef,
        intercept=intercept,
        grad_norm=grad_norm(problem, params),
        scaled_grad=worst,
        n_iter=int(iters),
    )
