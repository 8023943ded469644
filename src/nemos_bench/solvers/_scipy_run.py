"""One run of ``scipy.optimize.minimize`` with the adapter's stopping test, trajectory and restarts.

The adapter's test (:class:`._scipy_options.StopRule`) is checked in scipy's ``callback``
after every iteration, at the loss and gradient scipy has just evaluated (kept from the
latest evaluations, so the check costs no extra evaluation), and ends the run with
``StopIteration`` once it holds. A call whose objective has not decreased for
:data:`STALL_ITERATIONS` iterations in a row is stopped too (a trust region shrinking at
the float64 noise floor would otherwise spin until ``maxiter``); like any call that scipy
ends for lack of progress, it has converged only at the float64 floor
(:meth:`StopRule.at_floor`).

**Restarts.** scipy also ends a call for lack of progress far from the optimum. Its line
searches interpolate: where a trial step lands where the loss is huge but finite (NeMoS's
Gamma and inverse-link models clip the rate at ``eps``, so a step past ``eta = 0`` gives
``f`` of 1e13-1e16), the next trial step is about ``|g.d| / f``, some 1e-16 of the first;
the iteration then moves ``x`` by rounding only and scipy ends the call (L-BFGS-B: "no
reduction of f", or "abnormal termination" where its memory is empty) with a large
gradient. L-BFGS-B restarts from steepest descent after a line search that fails, but not
after one that accepts such a step, nor in its first iteration, whose trial step has length
1. So a call that ends short of ``maxiter``, neither converged nor at the float64 floor, is
followed by another ``minimize`` call from where it stopped, with fresh memory, at most
:data:`MAX_RESTARTS` times within the same ``maxiter``. Where a call lowered nothing, the
next one runs in coordinates ``z = (x - x_stop) / s`` with ``s`` :data:`RESTART_SHRINK`
times the previous scale: a method's first trial step has length about 1 in ``z`` (L-BFGS-B,
BFGS and CG take ``-g / |g|``, trust regions start at radius 1), so it has length ``s`` in
``x``, while every later step is invariant to the scale (quasi-Newton memories, Newton and
trust-region steps rescale themselves). scipy options of an absolute size (``gtol``,
Newton-CG's ``xtol``) are converted to those coordinates. The gradient test and the trace
stay in ``x``.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from ._scipy_options import StopRule
from ._scipy_spec import blas_limit

__all__ = ["MAX_RESTARTS", "RESTART_SHRINK", "STALL_ITERATIONS", "minimize_once"]

#: Iterations in a row without a decrease of the objective after which a call is stopped.
STALL_ITERATIONS = 20
#: Most ``minimize`` calls after the first in one run (see Restarts in the module doc).
MAX_RESTARTS = 10
#: Factor on the length of the first trial step after a call that lowered nothing.
RESTART_SHRINK = 0.1


@dataclass(frozen=True)
class _Coordinates:
    """``x = origin + scale * z``; the identity for the first call (``origin`` None)."""

    origin: np.ndarray | None = None
    scale: float = 1.0

    def to_x(self, z):
        z = np.asarray(z, dtype=np.float64)
        return z if self.origin is None else self.origin + self.scale * z

    def options(self, options: dict) -> dict:
        """The scipy options of an absolute size, converted to ``z``."""
        converted = dict(options)
        if self.scale != 1.0:
            if "gtol" in converted:  # on the gradient, which is scale * g in z
                converted["gtol"] = converted["gtol"] * self.scale
            if "xtol" in converted:  # Newton-CG: on the step, which is step / scale in z
                converted["xtol"] = converted["xtol"] / self.scale
        return converted


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
        scipy ``options``, ``maxiter`` included (the budget of all calls together).
    trace : {"none", "objective", "iterates"}
        What to record per iteration.
    blas_threads : int or None
        BLAS threads while scipy runs.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        scipy's result of the last call, with ``x`` in the original coordinates, ``nit``
        summed over the calls, ``fun`` recomputed at ``x``, and the adapter's ``converged``
        (the test holds), ``at_floor`` (it does not, but the run stopped short of ``maxiter``
        at the float64 floor), ``grad_norm``, ``restarts`` (calls after the first),
        ``nfev_counted`` and ``nhev_counted``.
    trace : tuple
        ``(trace_fun, trace_time, trace_x)``; ``trace_x`` is None unless ``"iterates"``.
    """
    counts = {"f": 0, "h": 0}
    trace_fun: list[float] = []
    trace_time: list[float] = []
    trace_x: list[np.ndarray] | None = [] if trace == "iterates" else None
    recent: deque = deque(maxlen=4)  # (x, f, g) of the latest evaluations
    progress = {"best": np.inf, "stalled": 0, "call_start": None}
    coords = _Coordinates()

    def evaluate(x):
        counts["f"] += 1
        value, grad = value_and_grad(x, *args)
        value, grad = float(value), np.asarray(grad, dtype=np.float64)
        recent.append((np.array(x), value, grad))
        if progress["call_start"] is None:  # scipy evaluates its starting point first
            progress["call_start"] = value
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
        return evaluate(np.asarray(x, dtype=np.float64))

    def fun(z):
        value, grad = evaluate(coords.to_x(z))
        return value, grad if coords.origin is None else coords.scale * grad

    def hessp(z, v):
        counts["h"] += 1
        hv = np.asarray(hvp(coords.to_x(z), v, *args), dtype=np.float64)
        return hv if coords.origin is None else coords.scale**2 * hv

    def callback(intermediate_result):
        x = coords.to_x(intermediate_result.x)
        if trace != "none":
            trace_time.append(time.perf_counter() - start)
            trace_fun.append(float(intermediate_result.fun))
            if trace_x is not None:
                trace_x.append(np.array(x))
        value, grad = at(x)
        if rule.holds(value, grad):
            raise StopIteration
        stalled = value >= progress["best"]
        progress["best"] = min(progress["best"], value)
        progress["stalled"] = progress["stalled"] + 1 if stalled else 0
        if progress["stalled"] >= STALL_ITERATIONS:
            raise StopIteration

    maxiter = options["maxiter"]
    nit, restarts, z0 = 0, 0, np.asarray(x0, dtype=np.float64)
    with blas_limit(blas_threads):
        start = time.perf_counter()
        while True:
            progress["call_start"] = None
            result = scipy.optimize.minimize(
                fun,
                z0,
                method=method,
                jac=True,
                hessp=None if hvp is None else hessp,
                callback=callback,
                options={**coords.options(options), "maxiter": maxiter - nit},
            )
            nit += int(getattr(result, "nit", 0))
            result.x = coords.to_x(result.x)
            result.fun, grad = at(result.x)
            done = rule.holds(result.fun, grad) or rule.at_floor(result.fun, grad)
            if done or nit >= maxiter or restarts >= MAX_RESTARTS:
                break
            # ended short of maxiter, not converged: restart there with fresh memory, and
            # with a shorter first step if this call lowered nothing (module doc)
            lowered = progress["call_start"] is not None and result.fun < progress["call_start"]
            scale = coords.scale if lowered else coords.scale * RESTART_SHRINK
            coords = _Coordinates(origin=np.array(result.x), scale=scale)
            restarts += 1
            z0 = np.zeros_like(result.x)
            progress["stalled"] = 0
    result.nit, result.restarts = nit, restarts
    result.grad_norm = rule.grad_norm(grad)
    result.converged = rule.holds(result.fun, grad)
    # stopped by scipy (line search failure, no decrease) or by the stall guard, not maxiter
    result.at_floor = not result.converged and nit < maxiter and rule.at_floor(result.fun, grad)
    result.nfev_counted, result.nhev_counted = counts["f"], counts["h"]
    return result, (tuple(trace_fun), tuple(trace_time), trace_x)
