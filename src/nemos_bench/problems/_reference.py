"""Certified reference optimum: damped Newton with the exact Hessian, in float64 NumPy."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from ._certify import (
    _MAX_ITER,
    _STEP_RTOL,
    MAX_CONDITION_NUMBER,
    REFERENCE_GTOL,
    ReferenceSolutionError,
    armijo_step,
    start_point,
)
from ._hessian import _blas_threads, _condition, _hessian
from ._objective import (
    _as_problem,
    _column,
    _model,
    _output_grad,
    _output_value,
    grad_norm,
    objective,
)
from ._problem import Problem
from ._prox_newton import METHOD as PROX_METHOD
from ._prox_newton import prox_newton_one_output
from ._spec import ProblemSpec

__all__ = ["Reference", "reference_solution"]

METHOD = "newton-cholesky+armijo (numpy float64, per output)"


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
        Euclidean norm of the full gradient at the minimizer (of the proximal-gradient
        mapping for non-smooth penalties; see :func:`grad_norm`).
    scaled_grad :
        The certified quantity: ``max_j ||g_j||_inf / max(1, |f_j|)`` over outputs ``j``,
        ``g_j`` the gradient (the proximal-gradient mapping for non-smooth penalties);
        at most :data:`REFERENCE_GTOL`.
    n_iter :
        Newton (or proximal Newton) iterations, the maximum over outputs.
    method :
        Short description of the algorithm.
    condition_number :
        Condition number (largest over smallest eigenvalue) of the objective's Hessian over
        ``(coef_j, intercept_j)`` at the minimizer, the largest over outputs ``j``; for
        non-smooth penalties, of the smooth part's Hessian over the non-zero coefficients and
        the intercept (see :func:`condition_number`).
    """

    spec: ProblemSpec
    objective: float
    coef: np.ndarray
    intercept: np.ndarray
    grad_norm: float
    scaled_grad: float
    n_iter: int
    method: str = METHOD
    condition_number: float = math.nan


def _newton_one_output(X, y, family, pen, label):
    """Minimize one output's objective; return (w, b, f, scaled gradient, iterations, cond)."""
    p = X.shape[1]
    w, b = start_point(X, y, family, label)
    penalty = np.append(np.full(p, pen.ridge), 0.0)  # the intercept is not penalized
    reason = f"no convergence in {_MAX_ITER} iterations"
    for it in range(_MAX_ITER + 1):
        f, gw, gb, rate = _output_grad(X, y, w, b, family, pen)
        g = np.append(gw, gb)
        scale = max(1.0, abs(f))
        scaled = float(np.max(np.abs(g))) / scale
        if not np.isfinite(scaled):
            reason = "the objective or gradient became non-finite"
            break
        hess = _hessian(X, rate, penalty)
        try:
            step = -scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess), g)
        except (np.linalg.LinAlgError, ValueError):
            reason = "the Hessian is singular"
            break
        if scaled <= REFERENCE_GTOL:
            cond = _condition(hess)
            if cond > MAX_CONDITION_NUMBER:
                # A tiny gradient with a flat direction is an optimum at infinity, not a minimizer.
                raise ReferenceSolutionError(
                    f"{label}: the gradient vanishes but the Hessian is nearly singular "
                    f"(condition number {cond:.3g} > {MAX_CONDITION_NUMBER:.0e}), so there is no "
                    "finite optimum that float64 can certify (separable data or too few "
                    "samples). Use Ridge or more samples."
                )
            theta_size = max(1.0, float(np.max(np.abs(w))), abs(b))
            if float(np.max(np.abs(step))) <= _STEP_RTOL * theta_size:
                return w, b, f, scaled, it, cond
            reason = (
                "the gradient vanishes but Newton steps stay long, the signature of an optimum "
                "at infinity"
            )
        if it == _MAX_ITER:
            break
        decrement = float(-g @ step)  # Newton decrement squared, ~ 2 * (f - f*)
        t = armijo_step(
            lambda t, w=w, b=b, d=step: _output_value(
                X, y, w + t * d[:p], b + t * d[p], family, pen
            ),
            f,
            decrement,
            scale,
        )
        if t is None:
            reason = "the line search found no decrease"
            break
        w, b = w + t * step[:p], b + t * step[p]
    raise ReferenceSolutionError(
        f"{label}: Newton could not certify the optimum ({reason}; scaled gradient "
        f"{scaled:.3g} vs {REFERENCE_GTOL:g} after {it} iterations), so there may be no finite "
        "optimum (e.g. separable data or too few samples). Use Ridge or more samples."
    )


def reference_solution(
    problem: Problem | ProblemSpec, on_step: Callable[[str], None] | None = None
) -> Reference:
    """Compute the certified optimum ``f*`` of a problem, independently of any NeMoS solver.

    Outputs are independent (the objective is a sum over outputs and every penalty is
    separable over outputs), so each is minimized on its own over ``theta = (w_j, b_j)`` by
    damped Newton: exact Hessian ``[X 1]' diag(c) [X 1] / n + lam * diag(1, ..., 1, 0)``
    (``c`` the loss's curvature per sample, the rate for Poisson), Cholesky solve, Armijo
    backtracking from the full step, starting at ``w = 0`` and the intercept-only optimum
    (``b = log(mean(y_j))`` for Poisson). An output is certified when

    - its *scaled gradient norm* ``||grad_j||_inf / max(1, |f_j|) <= REFERENCE_GTOL``
      (``1e-10``), with ``f_j`` that output's objective (``O(1)`` here, so this is a
      relative-to-scale max-norm test),
    - the Newton step there is at most ``1e-6 * max(1, max|theta|)``: steps shrink
      quadratically near a finite minimizer but stay of order one along the exponential tail
      of an optimum at infinity (separable data), however small the gradient gets, and
    - the Hessian's condition number is at most :data:`MAX_CONDITION_NUMBER` (``1e12``).

    So optima with condition numbers up to ``1e12`` are certified, and an optimum at infinity
    is refused. Lasso, GroupLasso and ElasticNet problems are solved by proximal Newton
    instead (``nemos_bench.problems._prox_newton``) and certified the same way, with the
    proximal-gradient mapping ``theta - prox_h(theta - grad f(theta))`` (:func:`prox_residual`)
    in place of the gradient and the Hessian restricted to the non-zero coefficients. BLAS
    runs single-threaded, except where one Hessian costs ``1e10`` flops or more (then BLAS
    uses its own thread count).

    Parameters
    ----------
    problem :
        A :class:`Problem` or a :class:`ProblemSpec` (data generated with ``make_problem``).
    on_step :
        Called with a short description of each step before it starts (generating the
        data of a spec, then ``"certifying output 3 of 20"``): for progress displays.

    Returns
    -------
    Reference
        The optimum, its certificate and the Hessian's condition number there.

    Raises
    ------
    ReferenceSolutionError
        If an unregularized problem has ``n_samples <= n_features + 1``, an output has no
        finite intercept-only optimum (no spikes, constant binary outputs), the Hessian is
        singular (or, at a point with a vanishing gradient, has a condition number above
        ``1e12``), or Newton does not certify within 100 iterations (e.g. its steps stay long
        as the gradient vanishes: an optimum at infinity).

    Examples
    --------
    >>> ref = reference_solution(ProblemSpec(n_samples=500, n_features=3))
    >>> ref.scaled_grad <= REFERENCE_GTOL
    True
    >>> ref.coef.shape, ref.intercept.shape
    ((3,), (1,))
    >>> 1.0 <= ref.condition_number < 100
    True
    """
    say = on_step or (lambda text: None)
    if isinstance(problem, ProblemSpec):
        say("generating the data")
    problem = _as_problem(problem)
    spec = problem.spec
    n, p, k = spec.n_samples, spec.n_features, spec.n_outputs
    lam = spec.regularizer_strength
    if lam == 0.0 and n <= p + 1:
        raise ReferenceSolutionError(
            f"Problem {spec.problem_id} is unregularized with n_samples={n} <= n_features + 1 "
            f"= {p + 1}, so it has no unique finite optimum; use Ridge or more samples."
        )
    family, penalty = _model(problem)
    solve = _newton_one_output if penalty.smooth else prox_newton_one_output
    coef, intercept = np.empty((p, k)), np.empty(k)
    worst, iters, cond = 0.0, 0, 0.0
    for j in range(k):
        label = f"Output {j} of problem {spec.problem_id}"
        say(f"certifying output {j + 1} of {k}" if k > 1 else "certifying the optimum")
        with threadpool_limits(limits=_blas_threads(problem.X), user_api="blas"):
            w, b, _, scaled, it, cond_j = solve(
                problem.X, _column(problem.y, j), family, penalty, label
            )
        coef[:, j], intercept[j] = w, b
        worst, iters, cond = max(worst, scaled), max(iters, it), max(cond, cond_j)
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
        method=METHOD if penalty.smooth else PROX_METHOD,
        condition_number=cond,
    )
