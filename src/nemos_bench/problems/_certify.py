"""What the reference solvers share: certification thresholds, the error, the starting point."""

from __future__ import annotations

import numpy as np

from ._families import InterceptError

__all__ = [
    "MAX_CONDITION_NUMBER",
    "REFERENCE_GTOL",
    "ReferenceSolutionError",
    "armijo_step",
    "start_point",
]

#: Certification threshold on the scaled gradient norm, or on the scaled proximal-gradient
#: mapping for non-smooth penalties (see ``reference_solution``).
REFERENCE_GTOL = 1e-10
_MAX_ITER = 100
_ARMIJO = 1e-4
_MAX_HALVINGS = 60
#: Largest Hessian condition number at which an optimum is certified: beyond it, float64
#: Newton steps lose too many digits, and an optimum at infinity looks like this (the flat
#: direction's curvature vanishes), so the problem is refused.
MAX_CONDITION_NUMBER = 1e12
#: At a certified optimum the Newton step is at most this, relative to max(1, max|theta|):
#: Newton steps shrink quadratically towards a finite optimum, but stay of order one along
#: the exponential tail of an optimum at infinity (separable data), however small the gradient.
_STEP_RTOL = 1e-6


class ReferenceSolutionError(RuntimeError):
    """The reference optimum of a problem could not be computed and certified."""


def start_point(X, y, family, label: str) -> tuple[np.ndarray, float]:
    """Zero coefficients and the intercept-only optimum, or a :class:`ReferenceSolutionError`."""
    try:
        return np.zeros(X.shape[1]), family.intercept_only(y, label)
    except InterceptError as err:
        raise ReferenceSolutionError(str(err)) from None


def armijo_step(value_at, value: float, decrement: float, scale: float) -> float | None:
    """Step length by backtracking from 1 until Armijo's test holds; ``None`` if it never does.

    ``value_at(t)`` is the objective at step ``t``, ``value`` the current one and
    ``decrement`` the decrease the local model predicts for the full step (positive). Once
    ``f - f*`` is at rounding level Armijo cannot see the decrease: the full step is then
    taken unless it raises the objective beyond rounding (the certificate decides anyway).
    """
    t = 1.0
    for _ in range(_MAX_HALVINGS):
        new = value_at(t)
        if new <= value - _ARMIJO * t * decrement:
            return t
        if t == 1.0 and decrement <= 1e-10 * scale and new <= value + 1e-13 * scale:
            return t
        t *= 0.5
    return None
