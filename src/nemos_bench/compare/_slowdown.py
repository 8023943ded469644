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
   run is then the independent unit (a run's samples share its slow or fast spell, and
   some cells settle in a fast or a slow mode for a whole process), so two run-level
   conditions must hold as well: the ratio of the geometric means of each side's run
   medians beyond the factor (each run counts once, whatever its number of samples, and a
   majority of slow-mode runs on one side does not decide it), and the median over each
   side's runs of every run's fastest sample beyond the factor. A cell whose step count
   differs between the runs of one side (by more than :data:`STEP_SPREAD`) is not judged on
   time at all: its times measure different amounts of work. Measured on this project's
   2-core machine, the stricter test against the factor is what keeps single runs free of
   false alarms, and it is what misses real 2x slowdowns measured through pooled runs
   (docs/methodology_gate.md);
2. else intervals of the median (``fit_s_ci_low``/``fit_s_ci_high``; asv's 99% interval):
   HEAD's low end above the factor times BASE's high end;
3. else the range of repeats (``fit_s_min``/``fit_s_max``, run directories written before
   samples were kept): HEAD's fastest repeat slower than the factor times BASE's slowest;
4. else (no spread recorded at all) the ratio of medians alone.

Samples too few for the rank test ever to reach ``alpha`` (its smallest one-sided p-value,
``1 / C(n + m, n)``, is not below it: 3 vs 3 samples, as a solver that compiles on every
call takes, or 3 vs 6) are judged by the next rule instead (2-4), and the evidence says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..results import parse_samples

__all__ = ["STEP_SPREAD", "Slowdown", "judge_slowdown"]

#: Largest ratio of step counts between the runs of one side at which a pooled cell's
#: times still count as measuring the same work.
STEP_SPREAD = 1.1


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
    judged : bool
        False when the data cannot support a time verdict (``evidence`` says why).
    """

    ratio: float
    significant: bool
    evidence: str
    judged: bool = True


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


def _geometric_mean_ratio(base, head) -> float:
    """Ratio of the geometric means of HEAD's and BASE's run medians (NaN without them)."""
    b_runs = parse_samples(base.get("fit_s_run_medians"))
    h_runs = parse_samples(head.get("fit_s_run_medians"))
    if not (b_runs.size and h_runs.size and (b_runs > 0).all() and (h_runs > 0).all()):
        return math.nan
    return float(np.exp(np.log(h_runs).mean() - np.log(b_runs).mean()))


def _varying_steps(base, head) -> str:
    """Why time is not judged when one side's runs took different step counts, else ``""``."""
    sides = {
        name: parse_samples(row.get("n_steps_runs"))
        for name, row in (("BASE", base), ("HEAD", head))
    }
    if not any(
        s.size >= 2 and s.min() > 0 and s.max() / s.min() > STEP_SPREAD for s in sides.values()
    ):
        return ""
    counts = "; ".join(
        f"{name} {', '.join(str(int(n)) for n in steps)}"
        for name, steps in sides.items()
        if steps.size
    )
    return (
        f"time not judged: the step counts differ between runs of the same side ({counts}), "
        "so the times measure different amounts of work"
    )


def _decidable(b_samples: np.ndarray, h_samples: np.ndarray, alpha: float) -> bool:
    """Whether the one-sided rank test can reach ``p < alpha`` with these sample counts."""
    return 1.0 / math.comb(int(b_samples.size + h_samples.size), int(h_samples.size)) < alpha


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
    >>> steps = judge_slowdown(dict(base, runs=2, n_steps_runs="5 25"), dict(head, runs=2),
    ...                        1.5, 0.01)
    >>> steps.judged, steps.evidence.split(" (")[0]
    (False, 'time not judged: the step counts differ between runs of the same side')
    >>> judge_slowdown(base, {"fit_s": 2.0}, 1.5, 0.01).evidence
    'no spread recorded on both sides: ratio alone'
    """
    b_fit, h_fit = _number(base, "fit_s"), _number(head, "fit_s")
    ratio = h_fit / b_fit if b_fit > 0 and math.isfinite(h_fit) else math.nan
    b_samples = parse_samples(base.get("fit_s_samples"))
    h_samples = parse_samples(head.get("fit_s_samples"))
    too_few = ""
    if b_samples.size >= 2 and h_samples.size >= 2 and not _decidable(b_samples, h_samples, alpha):
        too_few = (
            f"too few samples for Mann-Whitney at p < {alpha:g} ({h_samples.size} vs "
            f"{b_samples.size}): "
        )
    elif b_samples.size >= 2 and h_samples.size >= 2:
        runs = (_runs(base), _runs(head))
        pooled = min(runs) >= 2
        varying = _varying_steps(base, head) if pooled else ""
        if varying:
            return Slowdown(ratio, False, varying, judged=False)
        against = 1.0 if pooled else factor
        p = float(stats.mannwhitneyu(h_samples, against * b_samples, alternative="greater").pvalue)
        fastest = _fastest_ratio(base, head, b_samples, h_samples, pooled)
        what = "HEAD vs BASE" if pooled else f"HEAD vs {factor:g}x BASE"
        which = "median of the runs' fastest samples" if pooled else "fastest samples"
        where = f" of {runs[1]} vs {runs[0]} runs" if pooled else ""
        run_ratio = _geometric_mean_ratio(base, head) if pooled else math.nan
        by_run = f"runs' medians {run_ratio:.2f}x (geometric means); " if run_ratio > 0 else ""
        significant = p < alpha and fastest > factor
        if pooled:
            significant = significant and ratio > factor and not run_ratio <= factor
        return Slowdown(
            ratio,
            significant,
            f"{by_run}{which} {fastest:.2f}x; Mann-Whitney p={p:.2g} ({what}) "
            f"on {h_samples.size} vs {b_samples.size} samples{where}",
        )
    b_ci = _pair(base, "fit_s_ci_low", "fit_s_ci_high")
    h_ci = _pair(head, "fit_s_ci_low", "fit_s_ci_high")
    if b_ci and h_ci:
        apart = h_ci[0] > factor * b_ci[1]
        verdict = "above" if apart else "not above"
        return Slowdown(ratio, apart, f"{too_few}HEAD's interval is {verdict} {factor:g}x BASE's")
    b_range = _pair(base, "fit_s_min", "fit_s_max")
    h_range = _pair(head, "fit_s_min", "fit_s_max")
    if b_range and h_range:
        apart = h_range[0] > factor * b_range[1]
        verdict = "slower" if apart else "not slower"
        return Slowdown(
            ratio,
            apart,
            f"{too_few}HEAD's fastest repeat is {verdict} than {factor:g}x BASE's slowest",
        )
    alone = f"{too_few}no spread recorded on both sides: ratio alone"
    return Slowdown(ratio, bool(np.isfinite(ratio)), alone)
