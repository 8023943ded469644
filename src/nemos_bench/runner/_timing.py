"""Honest timing of JAX work: outputs blocked until ready, compilations counted."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax

from .._jaxtools import count_compiles

__all__ = ["Timing", "block", "time_repeats", "timing_columns"]


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
        Statistics over the repeats, in seconds.
    repeats : int
        Number of timed calls.
    compiles : int
        XLA compilations seen while timing (0 for an honest steady state).
    last : Any
        What the last call returned.
    """

    median_s: float
    min_s: float
    max_s: float
    repeats: int
    compiles: int
    last: Any


def time_repeats(fn: Callable[[], Any], repeats: int) -> Timing:
    """Time ``repeats`` calls of an already-compiled ``fn``, blocking on its outputs.

    If a compilation happens inside the timed calls, the measurement is thrown away and
    taken once more (the second pass finds everything compiled); ``compiles`` reports
    what the kept pass saw.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> f = jax.jit(lambda: jnp.ones(3) * 2)
    >>> t = time_repeats(f, 3)
    >>> t.repeats, t.compiles, float(t.last[0])
    (3, 0, 2.0)
    """
    if repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}.")
    for _attempt in range(2):
        times, out = [], None
        with count_compiles() as seen:
            for _ in range(repeats):
                start = time.perf_counter()
                out = block(fn())
                times.append(time.perf_counter() - start)
        if seen.count == 0:
            break
    return Timing(
        median_s=statistics.median(times),
        min_s=min(times),
        max_s=max(times),
        repeats=repeats,
        compiles=seen.count,
        last=out,
    )


def timing_columns(timing: Timing, end_to_end_s: float) -> dict:
    """Summary columns of a steady-state timing after a first call of ``end_to_end_s``.

    ``compile_s`` is the first call's overhead over the steady state (never negative).

    Examples
    --------
    >>> t = Timing(0.5, 0.4, 0.7, 3, 0, None)
    >>> timing_columns(t, 2.0)["compile_s"]
    1.5
    """
    return {
        "fit_s": timing.median_s,
        "fit_s_min": timing.min_s,
        "fit_s_max": timing.max_s,
        "compile_s": max(end_to_end_s - timing.median_s, 0.0),
        "compiles_in_timed": timing.compiles,
    }
