"""The scipy adapter's solver state built from one ``minimize`` call, and chained ones."""

from __future__ import annotations

from dataclasses import replace

from ._scipy_options import StopRule
from ._scipy_spec import ScipySolverState

__all__ = ["continue_state", "state_from_result"]


def _message(result, bound: float) -> tuple[int, str]:
    if result.converged:
        return 0, f"Converged: gradient norm {result.grad_norm:.3g} <= {bound:.3g}."
    if result.at_floor:
        return 0, (
            f"Converged to float64 precision: {result.message} with gradient norm "
            f"{result.grad_norm:.3g} (tol {bound:.3g} is below what f's rounding resolves)."
        )
    status = int(result.status) if int(result.status) != 0 else 2
    return status, (
        f"{result.message} (gradient norm {result.grad_norm:.3g} > {bound:.3g}, not converged)."
    )


def state_from_result(result, trace, rule: StopRule, maxiter: int) -> ScipySolverState:
    """The state after one ``minimize_once`` call (``result``, ``(fun, time, x)`` trace).

    Converged means the adapter's gradient test passed, or the run stopped at the float64
    floor; the message says which, or why not, and counts scipy restarts.
    """
    trace_fun, trace_time, trace_x = trace
    nit = int(getattr(result, "nit", 0))
    status, message = _message(result, rule.tol + rule.rtol * abs(result.fun))
    if result.restarts:
        message += f" {result.restarts} restart(s) after scipy ended short of the test."
    return ScipySolverState(
        fun=float(result.fun),
        nit=nit,
        nfev=result.nfev_counted,
        njev=result.nfev_counted,
        nhev=result.nhev_counted,
        status=status,
        message=message,
        converged=bool(result.converged or result.at_floor),
        reached_max_steps=nit >= maxiter,
        trace_fun=trace_fun,
        trace_time=trace_time,
        trace_x=None if trace_x is None else tuple(trace_x),
        grad_norm=float(result.grad_norm),
        restarts=int(result.restarts),
    )


def continue_state(previous: ScipySolverState, state: ScipySolverState) -> ScipySolverState:
    """``state`` of a call started from ``previous``'s end, with counters and trace added on.

    The new call re-evaluates its start point, which is already ``previous``'s last trace
    entry, so that entry is not repeated; its times continue from ``previous``'s last.
    """
    offset = previous.trace_time[-1] if previous.trace_time else 0.0
    return replace(
        state,
        nit=previous.nit + state.nit,
        nfev=previous.nfev + state.nfev,
        njev=previous.njev + state.njev,
        nhev=previous.nhev + state.nhev,
        restarts=previous.restarts + state.restarts,
        trace_fun=previous.trace_fun + state.trace_fun[1:],
        trace_time=previous.trace_time + tuple(offset + t for t in state.trace_time[1:]),
        trace_x=None
        if state.trace_x is None or previous.trace_x is None
        else previous.trace_x + state.trace_x[1:],
    )
