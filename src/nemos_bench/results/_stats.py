"""Timing samples as stored in ``summary.csv``, and the distribution-free interval of their median.

Raw steady-state samples are kept in the ``fit_s_samples`` column as space-separated
``repr`` floats (exact round trip). The interval of the median is a pair of order
statistics chosen with the binomial distribution (the interval
:func:`scipy.stats.quantile_test` gives), which assumes nothing about the distribution of
the times: it needs at least 6 samples for 95% confidence (with 5, even ``[min, max]``
covers the median with only 93.75% probability).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = ["CI_LEVEL", "format_samples", "median_ci", "parse_samples", "relative_halfwidth"]

#: Confidence level of ``fit_s_ci_low`` / ``fit_s_ci_high``.
CI_LEVEL = 0.95


def median_ci(samples: Sequence[float], confidence: float = CI_LEVEL) -> tuple[float, float]:
    """Distribution-free confidence interval of the median of ``samples``.

    The interval ``[x_(j+1), x_(n-j)]`` of the sorted samples with the largest ``j`` whose
    coverage ``1 - 2 * binom.cdf(j, n, 1/2)`` is at least ``confidence`` (the interval of
    :func:`scipy.stats.quantile_test` for the median); ``(nan, nan)`` when there are too
    few samples for that coverage (fewer than 6 at 95%).

    Examples
    --------
    >>> median_ci([3.0, 1.0, 2.0, 6.0, 5.0, 4.0])
    (1.0, 6.0)
    >>> median_ci([1.0, 2.0, 3.0, 4.0, 5.0])
    (nan, nan)
    """
    values = np.sort(np.asarray(samples, dtype=float))
    values = values[np.isfinite(values)]
    j = _lower_rank(values.size, float(confidence))
    if j is None:
        return math.nan, math.nan
    return float(values[j]), float(values[values.size - 1 - j])


@functools.lru_cache(maxsize=4096)
def _lower_rank(n: int, confidence: float) -> int | None:
    """0-based index of the interval's low end among ``n`` sorted samples, if one exists."""
    if n < 2:
        return None
    tail = (1.0 - confidence) / 2.0
    j = int(stats.binom.ppf(tail, n, 0.5))
    while j >= 0 and stats.binom.cdf(j, n, 0.5) > tail:
        j -= 1
    return j if j >= 0 else None


def relative_halfwidth(samples: Sequence[float], confidence: float = CI_LEVEL) -> float:
    """Largest distance from the median to an end of :func:`median_ci`, relative to the median.

    ``inf`` when the interval does not exist (too few samples) or the median is not positive.

    Examples
    --------
    >>> relative_halfwidth([1.0, 1.0, 1.02, 1.0, 0.99, 1.0, 1.01])
    0.02
    """
    low, high = median_ci(samples, confidence)
    median = float(np.median(samples)) if len(samples) else math.nan
    if not (math.isfinite(low) and median > 0):
        return math.inf
    return round(max(median - low, high - median) / median, 12)


def format_samples(samples: Sequence[float]) -> str:
    """Samples as stored in ``fit_s_samples``: space-separated, each written exactly.

    Examples
    --------
    >>> format_samples([0.001, 0.0025])
    '0.001 0.0025'
    """
    return " ".join(repr(float(s)) for s in samples)


def parse_samples(text) -> np.ndarray:
    """Inverse of :func:`format_samples`; an empty array for an empty or missing value.

    Examples
    --------
    >>> parse_samples("0.001 0.0025").tolist()
    [0.001, 0.0025]
    >>> parse_samples(None).size
    0
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return np.empty(0)
    text = str(text).strip()
    if not text or text == "<NA>":
        return np.empty(0)
    return np.array([float(piece) for piece in text.split()], dtype=float)
