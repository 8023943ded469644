"""Adaptive repeats of an already-compiled call: samples until its median is known well enough.

Steady-state calls are repeated as pyperf and asv do: at least ``min_repeats`` samples, then
more until the 95% distribution-free interval of the median lies within ``±rel_ci`` of it,
the time budget is spent, or ``max_repeats`` samples are taken. Garbage collection is paused
while samples are taken (as :mod:`timeit` does), so that a collection of earlier cells'
garbage does not land in one sample.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from ..results import relative_halfwidth
from ._compiles import count_compiles
from ._timing import Timing, block, timing_of

__all__ = ["RECOMPILE_REPEATS", "time_adaptive", "time_repeats"]


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return value


#: Samples taken of a callable found to compile on every call (each costs a compilation).
RECOMPILE_REPEATS = 2


def _one_pass(fn, prepare, check, seen, min_repeats, max_repeats, budget_s, rel_ci):
    """One pass of samples; returns ``(walls, cpus, compile counts, compile seconds, out)``."""
    walls: list[float] = []
    cpus: list[float] = []
    counts: list[int] = []
    comp_s: list[float] = []
    out = None
    start = time.perf_counter()
    while True:
        args = () if prepare is None else prepare(len(walls))
        before, before_s = seen.count, seen.seconds  # compilations inside the call only
        cpu0, begin = time.process_time(), time.perf_counter()
        out = block(fn(*args))
        walls.append(time.perf_counter() - begin)
        cpus.append(time.process_time() - cpu0)
        counts.append(seen.count - before)
        comp_s.append(seen.seconds - before_s)
        if check is not None:
            check(len(walls) - 1, out)
        n = len(walls)
        recompiling = n >= 2 and all(counts)
        if n >= max_repeats or (recompiling and n >= min(RECOMPILE_REPEATS, max_repeats)):
            break
        if n >= min_repeats and (
            time.perf_counter() - start >= budget_s or relative_halfwidth(walls) <= rel_ci
        ):
            break
    return walls, cpus, counts, comp_s, out


def time_adaptive(
    fn: Callable[..., Any],
    *,
    min_repeats: int = 6,
    max_repeats: int = 6,
    budget_s: float = 0.0,
    rel_ci: float = 0.05,
    check: Callable[[int, Any], None] | None = None,
    prepare: Callable[[int], tuple] | None = None,
) -> Timing:
    """Time calls of an already-compiled ``fn`` until its median is known well enough.

    Takes ``min_repeats`` samples, then more while the interval of the median (see
    :func:`nemos_bench.results.median_ci`) is wider than ``±rel_ci`` of it and less than
    ``budget_s`` seconds have been spent, up to ``max_repeats``. Each call's outputs are
    blocked until ready inside its sample; the process CPU time of each sample is recorded
    beside its wall time. If a compilation happens inside the timed calls (``check`` and
    ``prepare`` are not timed, and their compilations are not counted), the measurement is
    thrown away and taken once more (the second pass finds everything compiled);
    ``compiles`` reports what the kept pass saw. A callable whose every call compiles
    (the first two samples of a pass both did) is not timed again: it is sampled
    ``RECOMPILE_REPEATS`` times (fewer if ``max_repeats`` says so) and the timing is marked
    ``recompiles``, its samples being what each call costs, compilation included.

    Parameters
    ----------
    fn : callable
        The work, called with the arguments ``prepare`` returns (without arguments when
        ``prepare`` is not given).
    min_repeats, max_repeats : int
        Fewest and most samples.
    budget_s : float
        Seconds after which no further sample is started once ``min_repeats`` are taken.
    rel_ci : float
        Relative half-width of the interval at which sampling stops early.
    check : callable, optional
        ``check(index, output)`` is called after each sample, outside the timed window;
        whatever it raises ends the timing and propagates.
    prepare : callable, optional
        ``prepare(index)`` is called before each sample, outside the timed window, and
        returns the tuple of arguments of that sample's call (e.g. fresh copies of the data).

    Returns
    -------
    Timing

    Examples
    --------
    >>> import jax
    >>> import jax.numpy as jnp
    >>> f = jax.jit(lambda: jnp.ones(3) * 2)
    >>> t = time_adaptive(f, min_repeats=6, max_repeats=50, budget_s=0.5)
    >>> 6 <= t.repeats <= 50, t.compiles, float(t.last[0]), t.recompiles
    (True, 0, 2.0, False)
    >>> t.ci_low <= t.median_s <= t.ci_high, len(t.cpu_samples) == t.repeats
    (True, True)

    A callable that builds a new jitted function on every call compiles every time:

    >>> t = time_adaptive(lambda: jax.jit(lambda: jnp.ones(3) * 2)(), min_repeats=6)
    >>> t.recompiles, t.repeats, t.compiles == t.repeats, t.compile_median_s > 0
    (True, 2, True, True)
    """
    min_repeats = _positive_int("min_repeats", min_repeats)
    max_repeats = max(_positive_int("max_repeats", max_repeats), min_repeats)
    enabled = gc.isenabled()
    gc.disable()  # no collect() first: a full collection of a JAX process takes ~0.15 s
    try:
        for _attempt in range(2):
            with count_compiles() as seen:
                walls, cpus, counts, comp_s, out = _one_pass(
                    fn, prepare, check, seen, min_repeats, max_repeats, budget_s, rel_ci
                )
            recompiles = len(walls) >= 2 and all(counts)
            if recompiles or sum(counts) == 0:
                break
    finally:
        if enabled:
            gc.enable()
    return timing_of(walls, sum(counts), out, cpu_samples=cpus, compile_s_samples=comp_s)


def time_repeats(fn: Callable[[], Any], repeats: int) -> Timing:
    """Time exactly ``repeats`` calls of an already-compiled ``fn``, blocking on its outputs.

    :func:`time_adaptive` with a fixed number of samples.

    Examples
    --------
    >>> import jax
    >>> import jax.numpy as jnp
    >>> f = jax.jit(lambda: jnp.ones(3) * 2)
    >>> t = time_repeats(f, 3)
    >>> t.repeats, t.compiles, float(t.last[0])
    (3, 0, 2.0)
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}.")
    return time_adaptive(fn, min_repeats=repeats, max_repeats=repeats)
