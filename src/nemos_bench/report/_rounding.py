"""Suboptimality at rounding level: a fit whose objective equals f* to float64 rounding.

A fit at the optimum often reports ``f - f*`` a few ulps below zero (``-1.2e-16``): the
objective and the reference are computed in different orders of floating-point sums. The
report shows such values as 0, "at f*", rather than as a negative number.
"""

from __future__ import annotations

import math

from ._html import fmt

__all__ = ["ROUNDING_RTOL", "at_rounding_level", "suboptimality_text"]

#: ``|f - f*| <= ROUNDING_RTOL * max(1, |f*|)`` is rounding: the absolute tolerance within
#: which ``nemos-bench verify`` accepts a stored objective (``verify.ATOL``) and below
#: which ``nemos-bench compare`` counts a suboptimality as rounding
#: (``GateSettings.subopt_floor``); the tests keep the three equal.
ROUNDING_RTOL = 1e-12


def at_rounding_level(suboptimality, reference_objective=0.0) -> bool:
    """Whether ``suboptimality`` is zero to rounding: ``|f - f*| <= 1e-12 * max(1, |f*|)``.

    Pass a relative suboptimality with ``reference_objective=0`` (scale 1). NaN is not.

    Examples
    --------
    >>> at_rounding_level(-1.2e-16, -1.7), at_rounding_level(-3e-8, -1.7)
    (True, False)
    >>> at_rounding_level(float("nan"))
    False
    """
    try:
        sub, f_star = float(suboptimality), float(reference_objective)
    except (TypeError, ValueError):
        return False
    if math.isnan(sub):
        return False
    scale = max(1.0, abs(f_star)) if math.isfinite(f_star) else 1.0
    return abs(sub) <= ROUNDING_RTOL * scale


def suboptimality_text(suboptimality, reference_objective=0.0) -> str:
    """A suboptimality for a table: ``0 (at f*)`` at rounding level, "below f*" when negative.

    Examples
    --------
    >>> suboptimality_text(-1.2e-16, -1.7), suboptimality_text(2.5e-7, -1.7)
    ('0 (at f*)', '2.5e-07')
    >>> suboptimality_text(-4e-9, -1.7), suboptimality_text(float("nan"))
    ('-4e-09 (below f*)', '—')
    """
    if at_rounding_level(suboptimality, reference_objective):
        return "0 (at f*)"
    text = fmt(suboptimality if suboptimality is None else float(suboptimality))
    if text != "—" and float(suboptimality) < 0:
        text += " (below f*)"
    return text
