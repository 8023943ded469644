"""Whether HEAD is slower than BASE beyond a factor, and by more than noise.

The gate fails a cell on time only when the ratio of medians exceeds the factor *and* the
evidence says the slowdown beyond the factor is real, judged on the best data both sides
hold:

1. raw samples (``fit_s_samples``; asv results with ``--record-samples``): a one-sided
   Mann–Whitney U test (:func:`scipy.stats.mannwhitneyu`, as asv uses) of HEAD's samples
   against BASE's samples multiplied by the factor, significant at ``p < alpha``, *and*
   HEAD's fastest sample slower than the factor times BASE's fastest. The samples of one
   run are taken within a second or so, so a burst of load from elsewhere on a shared
   machine can lift all of them together, which the test alone would call significant;
   such noise only ever adds time, so each side's fastest sample is its least disturbed
   one, and a real slowdown moves it too;
   When both sides pool several runs (a ``runs`` of 2 or more; see ``_pool``), their
   samples hold the drift between runs, and the test is asv's: HEAD's samples
   significantly slower than BASE's own, with the ratio of medians beyond the factor. The
   fastest-sample condition then compares the median over each side's runs of every run's
   fastest sample (one lucky or unlucky run does not decide it; some cells settle in a
   fast or a slow mode for a whole process). Measured on this project's 2-core machine,
   the stricter test against the factor is what keeps single runs free of false alarms,
   and it is what misses real 2x slowdowns measured through pooled runs (README,
   "Regression gate");
2. else intervals of the median (``fit_s_ci_low``/``fit_s_ci_high``; asv's 99% interval):
   HEAD's low end above the factor times BASE's high end;
3. else the range of repeats (``fit_s_min``/``fit_s_max``, run directories written before
   samples were kept): HEAD's fastest repeat slower than the factor times BASE's slowest;
4. else (no spread recorded at all) the ratio of medians alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..results import parse_samples

__all__ = ["Slowdown", "judge_slowdown"]


@dataclass(frozen=True)
class Slowdown:
    """Evidence about one cell's time.

    Attributes
    ----------
    ratio : float
        HEAD median / BASE median.
    significant : bool
        Whether the evidence says HEAD is slower than ``factor`` x BASE beyond noise (with
        raw samples, on the fastest samples too).
    evidence : str
        What was tested and its result, e.g. ``"Mann-Whitney p=0.0004 on 12 vs 30 samples"``.
    """

    ratio: float
    significant: bool
    evidence: str


def _number(row, column) -> float:
    value = row.get(column)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value


def _pair(row, low: str, high: str) -> tuple[float, float] | None:
    a, b = _number(row, low), _number(row, high)
    return (a, b) if math.isfinite(a) and math.isfinite(b) else None


def _runs(row) -> int:
    runs = _number(row, "runs")
    return int(runs) if math.isfinite(runs) else 1


def _fastest_ratio(base, head, b_samples, h_samples, pooled: bool) -> float:
    """HEAD's fastest sample over BASE's; for pooled runs, the median of each run's fastest."""
    if pooled:
        b_runs = parse_samples(base.get("fit_s_run_fastest"))
        h_runs = parse_samples(head.get("fit_s_run_fastest"))
        if b_runs.size and h_runs.size:
            return float(np.median(h_runs) / np.median(b_runs))
    return float(h_samples.min() / b_samples.min())


def judge_slowdown(base: dict, head: dict, factor: float, alpha: float) -> Slowdown:
    """Judge HEAD's ``fit_s`` against BASE's (see the module docstring for the rules).

    Examples
    --------
    >>> base = {"fit_s": 1.0, "fit_s_samples": "1.0 1.01 0.99 1.0 1.02 0.98"}
    >>> head = {"fit_s": 2.0, "fit_s_samples": "2.0 2.02 1.98 2.0 2.04 1.96"}
    >>> result = judge_slowdown(base, head, 1.5, 0.01)
    >>> result.ratio, result.significant
    (2.0, True)
    >>> pooled = judge_slowdown(dict(base, runs=2), dict(head, runs=2), 1.5, 0.01)
    >>> pooled.significant, pooled.evidence.split("; ")[1]
    (True, 'Mann-Whitney p=0.0025 (HEAD vs BASE) on 6 vs 6 samples of 2 vs 2 runs')
    >>> judge_slowdown(base, {"fit_s": 2.0}, 1.5, 0.01).evidence
    'no spread recorded on both sides: ratio alone'
    """
    b_fit, h_fit = _number(base, "fit_s"), _number(head, "fit_s")
    ratio = h_fit / b_fit if b_fit > 0 and math.isfinite(h_fit) else math.nan
    b_samples = parse_samples(base.get("fit_s_samples"))
    h_samples = parse_samples(head.get("fit_s_samples"))
    if b_samples.size >= 2 and h_samples.size >= 2:
        runs = (_runs(base), _runs(head))
        pooled = min(runs) >= 2
        against = 1.0 if pooled else factor
        p = float(stats.mannwhitneyu(h_samples, against * b_samples, alternative="greater").pvalue)
        fastest = _fastest_ratio(base, head, b_samples, h_samples, pooled)
        what = "HEAD vs BASE" if pooled else f"HEAD vs {factor:g}x BASE"
        which = "median of the runs' fastest samples" if pooled else "fastest samples"
        where = f" of {runs[1]} vs {runs[0]} runs" if pooled else ""
        return Slowdown(
            ratio,
            p < alpha and fastest > factor and (ratio > factor or not pooled),
            f"{which} {fastest:.2f}x; Mann-Whitney p={p:.2g} ({what}) "
            f"on {h_samples.size} vs {b_samples.size} samples{where}",
        )
    b_ci = _pair(base, "fit_s_ci_low", "fit_s_ci_high")
    h_ci = _pair(head, "fit_s_ci_low", "fit_s_ci_high")
    if b_ci and h_ci:
        apart = h_ci[0] > factor * b_ci[1]
        verdict = "above" if apart else "not above"
        return Slowdown(ratio, apart, f"HEAD's interval is {verdict} {factor:g}x BASE's")
    b_range = _pair(base, "fit_s_min", "fit_s_max")
    h_range = _pair(head, "fit_s_min", "fit_s_max")
    if b_range and h_range:
        apart = h_range[0] > factor * b_range[1]
        verdict = "slower" if apart else "not slower"
        return Slowdown(
            ratio, apart, f"HEAD's fastest repeat is {verdict} than {factor:g}x BASE's slowest"
        )
    alone = "no spread recorded on both sides: ratio alone"
    return Slowdown(ratio, bool(np.isfinite(ratio)), alone)
