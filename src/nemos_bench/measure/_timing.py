"""Honest timing of JAX work: outputs blocked until ready, and the record of a timing.

:class:`Timing` holds the samples of one steady-state window and their statistics;
:func:`timing_columns` turns it into a cell's summary columns. The samples are taken by
:func:`~nemos_bench.measure._sampling.time_adaptive`.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

import jax

from ..results import format_samples, median_ci

__all__ = ["Timing", "block", "timing_columns", "timing_of"]


def block(tree: Any) -> Any:
    """Wait for every JAX array in ``tree``; other leaves are left alone."""
    for leaf in jax.tree_util.tree_leaves(tree):
        ready = getattr(leaf, "block_until_ready", None)
        if ready is not None:
            ready()
    return tree


@dataclass(frozen=True)
class Timing:
    """Steady-state timing of a callable.

    Attributes
    ----------
    median_s, min_s, max_s : float
        Statistics over the samples, in seconds.
    repeats : int
        Number of timed calls (samples).
    compiles : int
        XLA compilations seen while timing (0 for an honest steady state).
    last : Any
        What the last call returned.
    samples : tuple of float
        Every sample, in the order taken.
    ci_low, ci_high : float
        95% distribution-free interval of the median (NaN with fewer than 6 samples).
    cpu_samples : tuple of float
        Process CPU time (every thread) of each sample, in the same order.
    compile_s_samples : tuple of float
        Seconds each sample spent tracing and compiling (JAX's compile events).
    recompiles : bool
        Every sample compiled: the callable compiles on every call, and its samples are
        what a user pays per call, compilation included.
    """

    median_s: float
    min_s: float
    max_s: float
    repeats: int
    compiles: int
    last: Any
    samples: tuple[float, ...] = ()
    ci_low: float = math.nan
    ci_high: float = math.nan
    cpu_samples: tuple[float, ...] = ()
    compile_s_samples: tuple[float, ...] = ()
    recompiles: bool = False

    @property
    def cpu_median_s(self) -> float:
        """Median process CPU time of the samples (NaN when not recorded)."""
        return statistics.median(self.cpu_samples) if self.cpu_samples else math.nan

    @property
    def compile_median_s(self) -> float:
        """Median seconds of compilation inside each sample (0 when none was recorded)."""
        return statistics.median(self.compile_s_samples) if self.compile_s_samples else 0.0


def timing_of(
    samples,
    compiles: int = 0,
    last: Any = None,
    *,
    cpu_samples=(),
    compile_s_samples=(),
    recompiles: bool | None = None,
) -> Timing:
    """The :class:`Timing` of ``samples`` (seconds, in the order taken).

    ``recompiles`` defaults to whether every one of two or more samples compiled
    (``compiles`` at least the number of samples, with ``compile_s_samples`` all positive
    where given).

    Examples
    --------
    >>> t = timing_of([0.3, 0.1, 0.2])
    >>> t.median_s, t.min_s, t.max_s, t.repeats, t.samples, t.recompiles
    (0.2, 0.1, 0.3, 3, (0.3, 0.1, 0.2), False)
    """
    samples = tuple(float(s) for s in samples)
    compile_s_samples = tuple(float(s) for s in compile_s_samples)
    if recompiles is None:
        recompiles = (
            len(samples) >= 2 and compiles >= len(samples) and all(s > 0 for s in compile_s_samples)
        )
    low, high = median_ci(samples)
    return Timing(
        median_s=statistics.median(samples),
        min_s=min(samples),
        max_s=max(samples),
        repeats=len(samples),
        compiles=compiles,
        last=last,
        samples=samples,
        ci_low=low,
        ci_high=high,
        cpu_samples=tuple(float(s) for s in cpu_samples),
        compile_s_samples=compile_s_samples,
        recompiles=bool(recompiles),
    )


def timing_columns(timing: Timing, end_to_end_s: float) -> dict:
    """Summary columns of a steady-state timing after a first call of ``end_to_end_s``.

    ``compile_s`` is the first call's overhead over the steady state (never negative), or,
    when every call compiles (``timing.recompiles``), the median time each call spent
    compiling; ``timing_windows`` is 1 (rounds add windows, see ``_windows``).

    Examples
    --------
    >>> t = Timing(0.5, 0.4, 0.7, 3, 0, None, (0.4, 0.5, 0.7), 0.4, 0.7, (0.5, 0.6, 0.9))
    >>> cols = timing_columns(t, 2.0)
    >>> cols["compile_s"], cols["n_repeats"], cols["fit_s_samples"], cols["fit_cpu_s"]
    (1.5, 3, '0.4 0.5 0.7', 0.6)
    >>> cols["compiles_per_call"]
    0.0
    """
    compile_s = (
        timing.compile_median_s if timing.recompiles else max(end_to_end_s - timing.median_s, 0.0)
    )
    return {
        "repeat": timing.repeats,
        "n_repeats": timing.repeats,
        "fit_s": timing.median_s,
        "fit_s_min": timing.min_s,
        "fit_s_max": timing.max_s,
        "fit_s_ci_low": timing.ci_low,
        "fit_s_ci_high": timing.ci_high,
        "fit_s_samples": format_samples(timing.samples),
        "compile_s": compile_s,
        "compiles_in_timed": timing.compiles,
        "compiles_per_call": timing.compiles / timing.repeats if timing.repeats else math.nan,
        "fit_cpu_s": timing.cpu_median_s,
        "fit_cpu_s_samples": format_samples(timing.cpu_samples) if timing.cpu_samples else None,
        "timing_windows": 1,
    }
