"""Certified optima of Lasso, GroupLasso and ElasticNet problems: proximal Newton, in NumPy.

Per output, ``F(theta) = f(theta) + h(w)`` with ``f`` the smooth part (mean loss plus any
quadratic penalty term) and ``h`` the non-smooth part of the penalty; ``theta = (w, b)``.
Each outer iteration builds the exact Hessian ``H`` of ``f``, solves the proximal Newton
subproblem ``min_z g'(z - theta) + 0.5 (z - theta)' H (z - theta) + h(z_w)`` by (block)
coordinate descent to rounding level (soft-thresholding per coefficient; per group, the exact
minimizer of its block through the secular equation of its eigenvalues), and backtracks
along ``z - theta`` on ``F`` (Armijo on the model decrease). Certified when the
proximal-gradient mapping ``theta - prox_h(theta - grad f(theta))`` is at most
``REFERENCE_GTOL * max(1, |F|)`` in max-norm, the proximal Newton step there is negligible
and the Hessian over the non-zero coefficients and the intercept has a condition number of at
most ``MAX_CONDITION_NUMBER``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ._certify import (
    _MAX_ITER,
    _STEP_RTOL,
    MAX_CONDITION_NUMBER,
    REFERENCE_GTOL,
    ReferenceSolutionError,
    armijo_step,
    start_point,
)
from ._hessian import _hessian, active_condition
from ._objective import _output_grad, _output_value

__all__ = ["METHOD", "prox_newton_one_output"]

METHOD = "proximal-newton+coordinate-descent (numpy float64, per output)"
_SWEEPS = 5000
_SWEEP_RTOL = 1e-14


def _blocks(penalty, p: int) -> list[tuple[np.ndarray, float]]:
    """Coordinate blocks of theta with the weight of their norm in ``h`` (intercept last)."""
    if penalty.groups:
        blocks = list(zip(penalty.groups, penalty.group_weights(), strict=True))
        covered = np.zeros(p, dtype=bool)
        for g, _ in blocks:
            covered[g] = True
        blocks += [(np.array([j]), 0.0) for j in np.flatnonzero(~covered)]
    else:
        blocks = [(np.array([j]), penalty.l1) for j in range(p)]
    return [*blocks, (np.array([p]), 0.0)]


def _group_minimizer(eig, vecs, u, weight) -> np.ndarray:
    """``argmin_z 0.5 z'Az - u'z + weight ||z||`` with ``A = vecs diag(eig) vecs'``."""
    norm_u = float(np.linalg.norm(u))
    if norm_u <= weight:
        return np.zeros_like(u)
    a = vecs.T @ u

    def excess(nu):  # nu ||(A + nu I)^-1 u|| - weight, increasing from -weight to |u| - weight
        return nu * float(np.linalg.norm(a / (eig + nu))) - weight

    high = weight * max(float(eig[-1]), 0.0) / (norm_u - weight)
    high = high * (1 + 1e-9) + 1e-300
    nu = brentq(excess, 0.0, high, xtol=1e-300, maxiter=500) if excess(high) > 0 else high
    return vecs @ (a / (eig + nu))


def _subproblem(hess, g, theta, blocks) -> np.ndarray:
    """Minimizer of the proximal Newton model around ``theta``, by block coordinate descent."""
    z = theta.copy()
    c = hess @ theta - g  # the model is 0.5 z'Hz - c'z + h(z_w)
    hz = hess @ z
    eigs = {}
    for index, (idx, _) in enumerate(blocks):
        if len(idx) > 1:
            eigs[index] = np.linalg.eigh(hess[np.ix_(idx, idx)])
    for _ in range(_SWEEPS):
        biggest = 0.0
        for index, (idx, weight) in enumerate(blocks):
            if len(idx) == 1:
                j = idx[0]
                u = c[j] - hz[j] + hess[j, j] * z[j]
                new = np.sign(u) * max(abs(u) - weight, 0.0) / hess[j, j]
                delta = new - z[j]
                if delta != 0.0:
                    hz += hess[:, j] * delta
                    z[j] = new
                biggest = max(biggest, abs(delta))
                continue
            u = c[idx] - hz[idx] + hess[np.ix_(idx, idx)] @ z[idx]
            delta = _group_minimizer(*eigs[index], u, weight) - z[idx]
            if np.any(delta != 0.0):
                hz += hess[:, idx] @ delta
                z[idx] += delta
            biggest = max(biggest, float(np.max(np.abs(delta))))
        if biggest <= _SWEEP_RTOL * max(1.0, float(np.max(np.abs(z)))):
            break
    return z


def prox_newton_one_output(X, y, family, pen, label):
    """Minimize one output's objective; return (w, b, F, scaled residual, iterations, cond)."""
    p = X.shape[1]
    w, b = start_point(X, y, family, label)
    ridge = np.append(np.full(p, pen.ridge), 0.0)  # the intercept is not penalized
    blocks = _blocks(pen, p)
    reason = f"no convergence in {_MAX_ITER} iterations"
    for it in range(_MAX_ITER + 1):
        f, gw, gb, curv = _output_grad(X, y, w, b, family, pen)
        value = f + pen.nonsmooth(w)
        theta, g = np.append(w, b), np.append(gw, gb)
        resid = np.append(w - pen.prox(w - gw), gb)
        scale = max(1.0, abs(value))
        scaled = float(np.max(np.abs(resid))) / scale
        if not np.isfinite(scaled):
            reason = "the objective or gradient became non-finite"
            break
        hess = _hessian(X, curv, ridge)
        step = _subproblem(hess, g, theta, blocks) - theta
        if scaled <= REFERENCE_GTOL:
            cond = active_condition(hess, w)
            if cond > MAX_CONDITION_NUMBER:
                raise ReferenceSolutionError(
                    f"{label}: the proximal-gradient mapping vanishes but the Hessian over the "
                    f"non-zero coefficients is nearly singular (condition number {cond:.3g} > "
                    f"{MAX_CONDITION_NUMBER:.0e}), so float64 cannot certify the optimum. Use a "
                    "stronger penalty or more samples."
                )
            if float(np.max(np.abs(step))) <= _STEP_RTOL * max(1.0, float(np.max(np.abs(theta)))):
                return w, b, value, scaled, it, cond
            reason = (
                "the mapping vanishes but the steps stay long, as towards an optimum at infinity"
            )
        if it == _MAX_ITER:
            break
        decrease = float(g @ step) + pen.nonsmooth(w + step[:p]) - pen.nonsmooth(w)
        t = armijo_step(
            lambda t, w=w, b=b, d=step: _output_value(
                X, y, w + t * d[:p], b + t * d[p], family, pen
            ),
            value,
            -decrease,
            scale,
        )
        if t is None:
            reason = "the line search found no decrease"
            break
        w, b = w + t * step[:p], b + t * step[p]
    raise ReferenceSolutionError(
        f"{label}: proximal Newton could not certify the optimum ({reason}; scaled "
        f"proximal-gradient mapping {scaled:.3g} vs {REFERENCE_GTOL:g} after {it} iterations)."
    )
