"""One ``scipy.optimize.minimize`` call with the adapter's stopping test and trajectory.

The adapter's test (:class:`._scipy_options.StopRule`) is checked in scipy's ``callback``
after every iteration, at the loss and gradient scipy has just evaluated (kept from the
latest evaluations, so the check costs no extra evaluation), and ends the run with
``StopIteration`` once it holds. A run whose objective has not decreased for
:data:`STALL_ITERATIONS` iterations in a row is stopped too (a trust region shrinking at
the float64 noise floor would otherwise spin until ``maxiter``); like any run that scipy
ends for lack of progress, it has converged only at the float64 floor
(:meth:`StopRule.at_floor`).
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np
import scipy.optimize

from ._scipy_options import StopRule
from ._scipy_spec import blas_limit

__all__ = ["STALL_ITERATIONS", "minimize_once"]

#: Iterations in a row without a decrease of the objective after which a run is stopped.
STALL_ITERATIONS = 20


def minimize_once(
    value_and_grad,
    hvp,
    x0: np.ndarray,
    args: tuple,
    *,
    method: str,
    rule: StopRule,
    options: dict,
    trace: str,
    blas_threads: int | None,
):
    """Minimise from ``x0``; return scipy's result (with the adapter's verdict) and the trace.

    Parameters
    ----------
    value_and_grad : callable
        ``(x, *args) -> (f, g)`` on flat float64 vectors (jitted JAX).
    hvp : callable or None
        ``(x, v, *args) -> H v`` for the methods that use it.
    x0 : numpy.ndarray
        Flat starting point.
    args : tuple
        Extra arguments of the loss, already on the device.
    method : str
        scipy method.
    rule : StopRule
        The convergence test.
    options : dict
        scipy ``options``.
    trace : {"none", "objective", "iterates"}
        What to record per iteration.
    blas_threads : int or None
        BLAS threads while scipy runs.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        With ``fun`` recomputed at ``x`` and the adapter's ``converged`` (the test holds),
        ``at_floor`` (it does not, but the run stopped short of ``maxiter`` at the float64
        floor), ``grad_norm``, ``nfev_counted`` and ``nhev_counted``.
    trace : tuple
        ``(trace_fun, trace_time, trace_x)``; ``trace_x`` is None unless ``"iterates"``.
    """
    counts = {"f": 0, "h": 0}
    trace_fun: list[float] = []
    trace_time: list[float] = []
    trace_x: list[np.ndarray] | None = [] if trace == "iterates" else None
    recent: deque = deque(maxlen=4)  # (x, f, g) of the latest evaluations
    progress = {"best": np.inf, "stalled": 0}

    def fun(x):
        counts["f"] += 1
        value, grad = value_and_grad(x, *args)
        value, grad = float(value), np.asarray(grad, dtype=np.float64)
        recent.append((np.array(x), value, grad))
        if not trace_fun and trace != "none":
            trace_fun.append(value)
            trace_time.append(time.perf_counter() - start)
            if trace_x is not None:
                trace_x.append(np.array(x))
        return value, grad

    def at(x):
        """Loss and gradient at ``x``, from the latest evaluations when possible."""
        for x_seen, value, grad in reversed(recent):
            if np.array_equal(x_seen, x):
                return value, grad
        return fun(np.asarray(x, dtype=np.float64))

    def hessp(x, v):
        counts["h"] += 1
        return np.asarray(hvp(x, v, *args), dtype=np.float64)

    def callback(intermediate_result):
        if trace != "none":
            trace_time.append(time.perf_counter() - start)
            trace_fun.append(float(intermediate_result.fun))
            if trace_x is not None:
                trace_x.append(np.array(intermediate_result.x))
        value, grad = at(intermediate_result.x)
        if rule.holds(value, grad):
            raise StopIteration
        stalled = value >= progress["best"]
        progress["best"] = min(progress["best"], value)
        progress["stalled"] = progress["stalled"] + 1 if stalled else 0
        if progress["stalled"] >= STALL_ITERATIONS:
            raise StopIteration

    with blas_limit(blas_threads):
        start = time.perf_counter()
        result = scipy.optimize.minimize(
            fun,
            x0,
            method=method,
            jac=True,
            hessp=None if hvp is None else hessp,
            callback=callback,
            options=options,
        )
        result.fun, grad = at(result.x)
    result.grad_norm = rule.grad_norm(grad)
    result.converged = rule.holds(result.fun, grad)
    # stopped by scipy (line search failure, no decrease) or by the stall guard, not maxiter
    result.at_floor = (
        not result.converged
        and int(getattr(result, "nit", 0)) < options["maxiter"]
        and rule.at_floor(result.fun, grad)
    )
    result.nfev_counted, result.nhev_counted = counts["f"], counts["h"]
    return result, (tuple(trace_fun), tuple(trace_time), trace_x)
