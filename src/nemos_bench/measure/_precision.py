"""Tolerances below the float64 floor, and the outcome of fits that "converge" there.

**The float64 floor** of a cell is ``eps * max(1, |f*|)``, ``eps = 2.2e-16`` (float64's
machine epsilon) and ``f*`` the problem's certified optimum. It is one rounding unit of the
scale on which nemos-bench measures accuracy: suboptimality is judged relative to
``max(1, |f*|)`` (``rel_suboptimality``, the report's ``f - f* <= eps * max(1, |f*|)``), and
float64 cannot tell two objective values closer than about ``eps * max(1, |f|)`` apart.
Every solver's stopping test is on one side of it:

- tests on the change of ``f`` (optimistix's Cauchy test, ``|f_k - f_k-1| < tol``) cannot
  resolve a change below it: under it, the test holds only once rounding leaves no change;
- tests on the gradient are stopped above it: a gradient evaluated in float64 carries
  rounding errors of order ``eps`` times the size of the terms it sums, and a line search,
  which compares values of ``f``, stops making progress once a step's decrease of ``f``
  (about ``||g||^2 / (2 L)`` near the optimum, ``L`` the largest curvature) falls below
  ``eps * |f|``, i.e. at ``||g||`` near ``sqrt(eps)`` times the problem's scale: the
  level (about 1e-8) at which the scipy adapter says it "converged to float64 precision"
  (``_scipy_options.FLOOR_FACTOR``).

So a ``tol`` under ``eps * max(1, |f*|)`` is out of every test's reach: a fit that claims
convergence there stopped where float64 stopped it, and its ``outcome`` is
:data:`FLOOR_OUTCOME` (``float64_precision``, "stopped at float64 precision") instead of
``converged``; its ``converged`` column keeps the solver's own claim. Tolerances between this
floor and the gradient tests' ``sqrt(eps)`` level (e.g. the default ladder's 1e-10) are not
relabelled: tests on the change of ``f`` still resolve them, and the scipy adapter's state
message says when it stopped at its own floor.
"""

from __future__ import annotations

import math

import numpy as np

from ..results import FITTED_STATUSES

__all__ = [
    "EPS",
    "FLOOR_OUTCOME",
    "below_float64_floor",
    "float64_floor",
    "mark_float64_floor",
    "tol_floor_warning",
]

#: float64's machine epsilon (2.2e-16).
EPS = float(np.finfo(np.float64).eps)
#: ``outcome`` of a fit that claims convergence at a tol below the float64 floor.
FLOOR_OUTCOME = "float64_precision"


def float64_floor(scale: float | None = None) -> float:
    """``eps * max(1, |scale|)``: the float64 floor of a problem whose optimum is ``scale``.

    Examples
    --------
    >>> float64_floor(), float64_floor(-50.0) == 50 * EPS
    (2.220446049250313e-16, True)
    """
    scale = 0.0 if scale is None or not math.isfinite(scale) else abs(float(scale))
    return EPS * max(1.0, scale)


def below_float64_floor(tol: float, scale: float | None = None) -> bool:
    """Whether ``tol`` is below the float64 floor (of every problem, if ``scale`` is not given).

    Examples
    --------
    >>> below_float64_floor(1e-20), below_float64_floor(1e-10)
    (True, False)
    >>> below_float64_floor(1e-15), below_float64_floor(1e-15, scale=20.0)
    (False, True)
    """
    return float(tol) < float64_floor(scale)


def tol_floor_warning(tol: float) -> str | None:
    """The warning ``nemos-bench run`` prints for a ``tol`` below every problem's floor.

    Examples
    --------
    >>> tol_floor_warning(1e-10) is None
    True
    >>> tol_floor_warning(1e-20)[:52]
    'tol 1e-20 is below the float64 floor, 2.2e-16 x max('
    """
    if not below_float64_floor(tol):
        return None
    return (
        f"tol {tol:g} is below the float64 floor, {EPS:.2g} x max(1, |f*|), one rounding unit "
        "of the scale nemos-bench measures accuracy on, so no solver's stopping test can "
        "resolve it: a fit that claims convergence at it gets the outcome float64_precision "
        "(stopped at float64 precision), not converged."
    )


def _number(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def mark_float64_floor(summary: dict) -> dict:
    """``summary`` with outcome :data:`FLOOR_OUTCOME` and a note if its tol is below the floor.

    Only a fitted row (``ok``, ``recompiles``) whose outcome is ``converged`` changes; the
    floor is taken at ``reference_objective`` (else ``objective``). Returns a new dict.

    Examples
    --------
    >>> row = {"status": "ok", "outcome": "converged", "tol": 1e-20, "reason": "",
    ...        "reference_objective": 0.7, "grad_norm": 7.6e-9}
    >>> marked = mark_float64_floor(row)
    >>> marked["outcome"], marked["reason"][:31]
    ('float64_precision', 'Stopped at float64 precision: t')
    >>> mark_float64_floor(dict(row, tol=1e-10))["outcome"]
    'converged'
    """
    summary = dict(summary)
    if summary.get("status") not in FITTED_STATUSES or summary.get("outcome") != "converged":
        return summary
    scale = _number(summary.get("reference_objective"))
    if not math.isfinite(scale):
        scale = _number(summary.get("objective"))
    tol = _number(summary.get("tol"))
    if not (math.isfinite(tol) and below_float64_floor(tol, scale)):
        return summary
    grad = _number(summary.get("grad_norm"))
    ended = f" (its gradient norm ended at {grad:.2g})" if math.isfinite(grad) else ""
    note = (
        f"Stopped at float64 precision: tol {tol:g} is below the float64 floor "
        f"{float64_floor(scale):.2g} (eps x max(1, |f*|)) of this problem, so the solver's "
        "convergence claim means float64 rounding left it nothing to resolve, not that it "
        f"reached the accuracy tol asks for{ended}."
    )
    summary["outcome"] = FLOOR_OUTCOME
    reason = summary.get("reason")
    summary["reason"] = " ".join(filter(None, (reason if isinstance(reason, str) else "", note)))
    return summary
