"""Per-iteration trajectories of a fit, from the real iterates of the method.

* scipy solvers: the callback of one ``minimize`` call records every iterate
  (``trace="iterates"``), so the trace is the trajectory of ``run`` itself.
* every other solver: its ``update`` is jitted (``equinox.filter_jit``) and stepped from
  ``init_state`` exactly as many times as ``run`` took steps; the final iterate is
  compared with ``run``'s result (``trace_matches_run``).

Objectives and gradient norms of the recorded iterates are computed afterwards by the
harness, outside the timed loop. Long trajectories keep at most ``max_points`` iterates
(every one of the first ones, then log-spaced, always the last).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import equinox as eqx
import numpy as np

from ..solvers import ScipyMinimize, coef_intercept
from ._timing import block

__all__ = ["Trajectory", "trace_points", "trace_solver"]


@dataclass(frozen=True)
class Trajectory:
    """Recorded iterates of one traced fit.

    Attributes
    ----------
    iterations : tuple of int
        Iteration index of each kept iterate (0 is the starting point).
    times_s : tuple of float
        Seconds since the start of the traced fit at each kept iterate.
    params : tuple
        ``(coef, intercept)`` NumPy pairs, one per kept iterate.
    total_s : float
        Wall-clock time of the whole traced fit.
    final_params : tuple
        ``(coef, intercept)`` where the traced fit ended.
    """

    iterations: tuple[int, ...]
    times_s: tuple[float, ...]
    params: tuple
    total_s: float
    final_params: tuple


def trace_points(n_steps: int, max_points: int = 300) -> list[int]:
    """Iteration indices to keep for a trajectory of ``n_steps`` steps.

    Examples
    --------
    >>> trace_points(4)
    [0, 1, 2, 3, 4]
    >>> pts = trace_points(10_000, max_points=50)
    >>> pts[0], pts[-1], len(pts) <= 50
    (0, 10000, True)
    >>> trace_points(100, max_points=2)
    [0, 100]
    """
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points!r}.")
    if n_steps + 1 <= max_points:
        return list(range(n_steps + 1))
    head = max_points // 2
    num = max_points - head
    tail = np.geomspace(max(head, 1), n_steps, num).round().astype(int) if num > 1 else []
    return sorted({*range(head), *(int(i) for i in tail), n_steps})


def _numpy_pair(params: Any) -> tuple[np.ndarray, np.ndarray]:
    coef, intercept = coef_intercept(params)
    return np.asarray(coef, dtype=float), np.asarray(intercept, dtype=float)


def _trace_scipy(solver: ScipyMinimize, params0, args, max_points: int) -> Trajectory:
    previous = solver.trace
    solver.trace = "iterates"
    try:
        start = time.perf_counter()
        params, state, _ = solver.run(params0, *args)
        total = time.perf_counter() - start
    finally:
        solver.trace = previous
    keep = trace_points(len(state.trace_x) - 1, max_points)
    return Trajectory(
        iterations=tuple(keep),
        times_s=tuple(state.trace_time[i] for i in keep),
        params=tuple(_numpy_pair(solver.unravel(params0, state.trace_x[i])) for i in keep),
        total_s=total,
        final_params=_numpy_pair(params),
    )


def _trace_by_update(solver: Any, params0, args, n_steps: int, max_points: int) -> Trajectory:
    update = eqx.filter_jit(solver.update)
    state0 = solver.init_state(params0, *args)
    # compile before the clock starts: the state's dtypes can change after the first step
    # (weak types become strong), which is a second signature, so warm up on two steps
    warm_params, warm_state, _ = block(update(params0, state0, *args))
    block(update(warm_params, warm_state, *args))
    keep = set(trace_points(n_steps, max_points))
    kept_params, kept_times, kept_iters = [params0], [0.0], [0]
    params, state = params0, state0
    start = time.perf_counter()
    for step in range(1, n_steps + 1):
        params, state, _ = update(params, state, *args)
        block(params)
        if step in keep:
            kept_times.append(time.perf_counter() - start)
            kept_params.append(params)
            kept_iters.append(step)
    total = time.perf_counter() - start
    return Trajectory(
        iterations=tuple(kept_iters),
        times_s=tuple(kept_times),
        params=tuple(_numpy_pair(p) for p in kept_params),
        total_s=total,
        final_params=_numpy_pair(params),
    )


def trace_solver(solver: Any, params0, args: tuple, n_steps: int, max_points: int = 300):
    """Record the trajectory of ``solver`` from ``params0`` (see the module docstring).

    Parameters
    ----------
    solver : AbstractSolver
        An instantiated solver whose ``run`` has been timed already.
    params0 : pytree
        Starting parameters, the same ``run`` started from.
    args : tuple
        Positional arguments of the loss, e.g. ``(X, y)`` as JAX arrays.
    n_steps : int
        Steps ``run`` took (used for solvers traced through ``update``).
    max_points : int
        Most iterates kept.

    Returns
    -------
    Trajectory
    """
    if isinstance(solver, ScipyMinimize):
        return _trace_scipy(solver, params0, args, max_points)
    return _trace_by_update(solver, params0, args, n_steps, max_points)
