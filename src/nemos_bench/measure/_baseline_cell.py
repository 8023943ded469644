"""One benchmark cell of an outside baseline (scikit-learn, glum), measured like NeMoS's.

The baseline fits every output on data prepared once (its arrays in the layout it wants);
``end_to_end_s`` is the first fit, ``fit_s`` the statistics of further fits sampled by
:func:`time_adaptive` with the sweep's settings, as for a NeMoS solver's steady state;
``compile_s`` is empty (NaN): these libraries compile nothing, and a first fit faster than
the steady state would otherwise read as a compile time of 0.0. The
objective, suboptimality and gradient norm are recomputed by the harness with NeMoS's
objective at the returned coefficients (stored like a NeMoS fit's parameters). There is no
per-iteration trace: the libraries expose no iterates.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..problems import Problem, Reference
from ..solvers import get_baseline
from ._cellparts import (
    CellResult,
    CellSettings,
    _base_row,
    _measures,
    further_window,
    problem_columns,
    skipped_cell,
    time_steady,
)
from ._honesty import fit_outcome
from ._nemos_model import glm_task
from ._timing import timing_columns

__all__ = ["run_baseline_cell"]


def run_baseline_cell(
    problem: Problem,
    reference: Reference,
    solver: str,
    tol: float,
    settings: CellSettings,
    trace: bool = False,
) -> CellResult:
    """Fit one (problem, baseline, tolerance) cell and measure it (``trace`` is ignored).

    A baseline whose library cannot solve the problem gives a ``skipped`` row with the reason;
    non-finite coefficients a ``diverged`` row. Other exceptions propagate (``run_one`` turns
    them into ``failed`` rows).
    """
    spec, f_star = problem.spec, reference.objective
    extra = problem_columns(problem, reference)
    baseline, task = get_baseline(solver), glm_task(spec)
    reason = baseline.skip_reason(task)
    if reason is not None:
        return skipped_cell(spec, solver, tol, settings, f_star, "skipped", reason, extra=extra)
    row = _base_row(spec, solver, tol, settings, f_star, extra)
    fit = baseline.prepare(problem.X, problem.y, task, tol, settings.maxiter)
    start = time.perf_counter()
    fit()
    row["end_to_end_s"] = time.perf_counter() - start
    timing = time_steady(fit, settings)
    result = timing.last
    obj, gnorm = _measures(problem, (result.coef, result.intercept), f_star)
    row.update(
        **(timing_columns(timing, row["end_to_end_s"]) | {"compile_s": math.nan}),
        n_steps=result.n_iter,
        objective=obj,
        suboptimality=obj - f_star,
        rel_suboptimality=(obj - f_star) / max(1.0, abs(f_star)),
        grad_norm=gnorm,
        converged=result.converged,
        reached_max_steps=result.reached_max_steps,
        outcome=fit_outcome(bool(result.converged), bool(result.reached_max_steps)),
        status="ok",
        reason="",
    )  # compile_s: not applicable, the library compiles nothing
    if not math.isfinite(obj):
        row.update(
            status="diverged",
            outcome=None,
            reason="The baseline returned non-finite coefficients.",
        )
        return CellResult(summary=row)
    params = tuple(np.asarray(p, dtype=np.float64) for p in (result.coef, result.intercept))
    return CellResult(summary=row, params=params, window=further_window(fit, settings))
