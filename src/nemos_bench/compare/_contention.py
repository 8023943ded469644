"""Whether a wall-time slowdown is contention (a busy machine) rather than extra work.

A fit on a busy machine waits for a core: its wall time grows while the work it does (its
process CPU time, its steps and evaluations) stays about the same. Real extra work (each
fit done twice, more steps, a costlier step) grows CPU time with wall time. So a cell that
fails the wall-time rule of ``_slowdown`` is *not judged on time: machine busy* when both
hold:

1. its process CPU time (``fit_cpu_s``; samples ``fit_cpu_s_samples``) does not show the
   slowdown: the wall-time failure stands only when the ratio of CPU medians is beyond
   :data:`CPU_FACTOR` x the gate's time factor *and* a one-sided Mann–Whitney U test
   (asv's test) says HEAD's CPU samples are slower than BASE's, ``p < alpha``; sources
   with CPU medians but too few CPU samples for the test to reach ``alpha`` use the ratio
   alone;
2. no count of work grew beyond :data:`WORK_FACTOR` x the time factor: ``n_steps``, and
   ``nfev``, ``njev``, ``nhev`` where both sides record them.

On a busy cell (either side's load average beyond
:data:`~nemos_bench.results.BUSY_LOAD_PER_CORE` per usable core), when the CPU time does
confirm the slowdown, the fastest samples must confirm it as well. Contention only adds
time, so the fastest of a side's samples over all its runs is the best bound on the work it
did. When HEAD's fastest sample is not beyond ``1 + FLOOR_SHARE * (time_factor - 1)``
times BASE's (1.25x at the default 1.5x: the fastest samples moved by less than half the
gate's margin), and no count of work grew, the cell is not judged on time either. This is
for threads that spin while they wait: on the 2-core development machine beside two busy
processes, scipy's trust-krylov doubled its CPU time with its wall time (CPU 1.97x, the
same 8 steps and 10 evaluations) while one of HEAD's runs still had samples as fast as
BASE's (1.04x).

Otherwise the wall-time failure stands: a slowdown in CPU and wall time together (and,
on a busy cell, in the fastest samples) fails as before. The CPU time must *confirm* the
slowdown, as the wall time had to: under load, CPU samples are noisy (threads that spin
while they wait), and a rule that asked them to prove the absence of a slowdown failed
cells whose CPU time had not moved (a HEAD run under load against an idle BASE:
TrustNCG[scipy] at CPU 1.00-1.05x, wall beyond 1.5x).
Sources without CPU time (asv results, runs written before ``fit_cpu_s``) are judged by
the wall-time rule alone. The constants below are the rule's only knobs.

Known limits (docs/methodology.md): CPU time also grows under load where BLAS or OpenMP
threads spin while they wait (1.35x at one busy process per core, 1.8x at two, on the
scipy path of the 2-core development machine): at that load a wall-time slowdown still
fails when no sample of HEAD's got a quiet slot. And a slowdown that costs wall time
without CPU time (a solver that sleeps or waits on I/O, or lost parallelism) is
indistinguishable from contention: it is reported as not judged, never passed silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from ..results import cell_was_busy, parse_samples
from ._slowdown import _decidable

__all__ = [
    "CPU_FACTOR",
    "FLOOR_SHARE",
    "WORK_COLUMNS",
    "WORK_FACTOR",
    "Contention",
    "judge_contention",
]

#: A wall-time slowdown stands only when HEAD's CPU time is also beyond
#: ``CPU_FACTOR * time_factor`` times BASE's, significantly (1.0: the gate's own factor).
CPU_FACTOR = 1.0

#: On a busy cell, a wall-time slowdown stands only when HEAD's fastest sample (over all its
#: runs) is also beyond ``1 + FLOOR_SHARE * (time_factor - 1)`` times BASE's fastest.
FLOOR_SHARE = 0.5

#: Counts of work that must not grow beyond ``WORK_FACTOR * time_factor`` for a wall-time
#: slowdown to count as contention.
WORK_FACTOR = 1.0

#: Columns counting the work of a fit, compared where both sides record them.
WORK_COLUMNS = ("n_steps", "nfev", "njev", "nhev")


@dataclass(frozen=True)
class Contention:
    """What CPU time and work counts say about a wall-time slowdown.

    Attributes
    ----------
    busy : bool
        The slowdown is in wall time only (machine busy): not judged on time.
    cpu_ratio : float
        HEAD's CPU median / BASE's.
    evidence : str
        The numbers behind the verdict, e.g. ``"wall 2.50x, CPU 1.10x (...); steps 12 ->
        12"``.
    fastest_ratio : float
        HEAD's fastest sample / BASE's, where it was checked (a busy cell whose CPU time
        confirmed the slowdown); else NaN.
    """

    busy: bool
    cpu_ratio: float
    evidence: str
    fastest_ratio: float = math.nan


def _number(row, column) -> float:
    try:
        value = float(row.get(column))
    except (TypeError, ValueError):
        return math.nan
    return value


def _work(base, head, limit: float) -> tuple[bool, str]:
    """Whether some count of work grew beyond ``limit``, and the counts as text."""
    grew, parts = False, []
    for column in WORK_COLUMNS:
        b, h = _number(base, column), _number(head, column)
        if not (math.isfinite(b) and math.isfinite(h)):
            continue
        name = "steps" if column == "n_steps" else column
        parts.append(f"{name} {b:.0f} -> {h:.0f}")
        if (b > 0 and h / b > limit) or (b == 0 and h > 0):
            grew = True
    return grew, ", ".join(parts) or "no step counts recorded"


def _fastest(row) -> float:
    """The fastest wall-time sample of a row (of all its runs, when pooled)."""
    samples = parse_samples(row.get("fit_s_samples"))
    return float(samples.min()) if samples.size else _number(row, "fit_s_min")


def _floor(base, head, limit: float) -> tuple[bool, float, str]:
    """On a busy cell: whether the fastest samples confirm the slowdown, their ratio, and why.

    ``(True, nan, "")`` when the cell was not busy or a side has no samples.
    """
    b, h = _fastest(base), _fastest(head)
    busy = cell_was_busy(base) or cell_was_busy(head)
    if not (busy and math.isfinite(b) and math.isfinite(h) and b > 0):
        return True, math.nan, ""
    confirmed = h / b > limit
    verdict = "beyond" if confirmed else "not beyond"
    text = f"; fastest of all samples {b:.3g} s -> {h:.3g} s, {h / b:.2f}x, {verdict} {limit:g}x"
    return confirmed, h / b, text


def judge_contention(
    base: dict, head: dict, wall_ratio: float, factor: float, alpha: float
) -> Contention | None:
    """Judge a wall-time slowdown beyond ``factor`` (see the module docstring).

    Returns ``None`` when either side lacks CPU time: the wall-time verdict stands.

    Examples
    --------
    >>> base = {"fit_cpu_s": 1.0, "fit_cpu_s_samples": "1.0 1.01 0.99 1.0 1.02 0.98",
    ...         "n_steps": 12}
    >>> busy = dict(base, fit_cpu_s_samples="1.1 1.11 1.09 1.1 1.12 1.08", fit_cpu_s=1.1)
    >>> found = judge_contention(base, busy, 2.5, 1.5, 0.01)
    >>> found.busy, found.evidence.split(" (")[0]
    (True, 'wall 2.50x, CPU 1.10x, not beyond 1.5x')
    >>> work = dict(base, fit_cpu_s_samples="2.0 2.02 1.98 2.0 2.04 1.96", fit_cpu_s=2.0)
    >>> judge_contention(base, work, 2.0, 1.5, 0.01).busy
    False
    >>> judge_contention({"fit_cpu_s": None}, busy, 2.5, 1.5, 0.01) is None
    True

    On a busy cell, CPU time that doubled with the wall time is excused when the fastest
    samples did not move (threads spinning while they wait):

    >>> loaded = dict(load_start=3.6, load_end=3.7, usable_cores=2)
    >>> b = dict(base, fit_s_samples="1.0 1.1 1.0", **loaded)
    >>> spin = dict(work, fit_s_samples="1.02 2.1 2.3", **loaded)
    >>> found = judge_contention(b, spin, 2.0, 1.5, 0.01)
    >>> found.busy, found.evidence.split("; ")[1]
    (True, 'fastest of all samples 1 s -> 1.02 s, 1.02x, not beyond 1.25x')
    >>> judge_contention(b, dict(spin, fit_s_samples="2.0 2.1 2.3"), 2.0, 1.5, 0.01).busy
    False
    """
    b_cpu, h_cpu = _number(base, "fit_cpu_s"), _number(head, "fit_cpu_s")
    if not (math.isfinite(b_cpu) and math.isfinite(h_cpu) and b_cpu > 0 and h_cpu > 0):
        return None
    ratio = h_cpu / b_cpu
    limit = CPU_FACTOR * factor
    b_samples = parse_samples(base.get("fit_cpu_s_samples"))
    h_samples = parse_samples(head.get("fit_cpu_s_samples"))
    n, m = int(h_samples.size), int(b_samples.size)
    if n >= 2 and m >= 2 and _decidable(b_samples, h_samples, alpha):
        p = float(stats.mannwhitneyu(h_samples, b_samples, alternative="greater").pvalue)
        confirmed = p < alpha and ratio > limit
        test = f"Mann-Whitney p={p:.2g} that HEAD's CPU time is above BASE's, on {n} vs {m} samples"
    else:
        confirmed = ratio > limit
        test = "too few CPU samples for the test: ratio alone"
    grew, work = _work(base, head, WORK_FACTOR * factor)
    verdict = "beyond" if confirmed else "not beyond"
    floor, fastest, text = (
        _floor(base, head, 1 + FLOOR_SHARE * (factor - 1)) if confirmed else (True, math.nan, "")
    )
    evidence = (
        f"wall {wall_ratio:.2f}x, CPU {ratio:.2f}x, {verdict} {limit:g}x ({test}){text}; {work}"
    )
    busy = not (confirmed and floor) and not grew
    return Contention(busy=busy, cpu_ratio=ratio, evidence=evidence, fastest_ratio=fastest)
