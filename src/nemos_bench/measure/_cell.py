"""One benchmark cell: fit one solver at one tolerance on one problem, measured honestly."""

from __future__ import annotations

import dataclasses
import math
import time
import warnings

import jax.numpy as jnp
import numpy as np

from ..problems import Problem, Reference
from ..results import recompile_sentence
from ..solvers import (
    ScipyMinimize,
    coef_intercept,
    disallowed_reason,
    initial_params,
    is_baseline,
    optim_info,
    parse_solver_label,
    settings_text,
    solver_allows,
)
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
from ._fresh import FreshData
from ._honesty import (
    NotRepeatable,
    RepeatRecord,
    check_control,
    control_counts,
    fit_outcome,
    flat_params,
    judge_repeats,
)
from ._memo import check_memo, same_data
from ._nemos_model import make_model, refused_settings
from ._timing import block, timing_columns
from ._trace import trace_solver

__all__ = ["run_one"]


def _first_fit(model, problem) -> float:
    """The user's first ``model.fit``, compile included; returns its wall time."""
    start = time.perf_counter()
    model.fit(problem.X, problem.y)
    block((model.coef_, model.intercept_, getattr(model, "scale_", None)))
    return time.perf_counter() - start


def _fresh_fit(problem, solver, tol, settings):
    """``(params, steps)`` of a fresh model's first fit (a new solver instance)."""
    model = make_model(problem.spec, solver, tol, settings.maxiter)
    _first_fit(model, problem)
    state = getattr(model, "solver_state_", None)
    try:
        steps = None if state is None else int(optim_info(model._solver, state).num_steps)
    except Exception:  # noqa: BLE001 - a state without a summary: compare parameters only
        steps = None
    return (model.coef_, model.intercept_), steps


def _timed(problem, reference, solver, tol, settings, row):
    """Fit, time the repeats, judge them and run the control call.

    Returns ``(fitted, fresh, timing, info)`` (``fresh`` holds the starting parameters and
    the data, see ``_fresh``); ``info`` is the optimisation summary
    of the last timed repeat, read before any other call because some solvers (NeMoS
    0.2.8's optimistix adapters) answer ``get_optim_info`` from their last run, whatever
    state they are given. ``row`` gains ``end_to_end_s``, ``repeats_differ`` and, when the
    repeats were not all identical, a note in ``reason``. Each timed repeat runs on fresh
    copies of the data; a fit faster than its reported steps can be raises
    :class:`NotRepeatable` (see ``_floor``).
    """
    model = make_model(problem.spec, solver, tol, settings.maxiter)
    row["end_to_end_s"] = _first_fit(model, problem)
    fitted = model._solver
    first = flat_params((model.coef_, model.intercept_))
    X, y = jnp.asarray(problem.X), jnp.asarray(problem.y)
    params0 = initial_params(model, X, y)
    if isinstance(fitted, ScipyMinimize):
        fitted.trace = "none"  # scipy adapter: time it without the callback
    record = RepeatRecord(fitted, first, getattr(model, "solver_state_", None))
    fresh = FreshData(params0, X, y)
    timing = time_steady(
        fitted.run,
        settings,
        check=lambda index, out: record(index, fresh.restore(index, out)),
        prepare=fresh,
    )
    timing = dataclasses.replace(timing, last=fresh.restore(timing.repeats - 1, timing.last))
    info = optim_info(fitted, timing.last[1])
    # the control first: a solver that ignores its data keeps that sentence, although its
    # answers on the sign-flipped repeats differ from the first fit as a warm start's do
    y_control = jnp.asarray(control_counts(problem, reference))
    control_params, _, _ = fitted.run(initial_params(model, X, y_control), X, y_control)
    check_control(block(control_params), first)
    row["repeats_differ"] = len(record.differing(timing.repeats))
    row["reason"] = judge_repeats(
        record,
        timing.repeats,
        lambda: _fresh_fit(problem, solver, tol, settings),
        rerun=lambda: same_data(fitted, record, params0, X, y),
    )
    if not timing.recompiles:
        check_memo(problem, model, fitted, solver, timing, fresh, int(info.num_steps))
    return fitted, fresh, timing, info


def _fit_cell(problem, reference, solver, tol, settings, trace: bool) -> CellResult:
    spec, f_star = problem.spec, reference.objective
    row = _base_row(spec, solver, tol, settings, f_star, problem_columns(problem, reference))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings are recorded as columns
        try:
            fitted, fresh, timing, info = _timed(problem, reference, solver, tol, settings, row)
        except NotRepeatable as err:
            return skipped_cell(
                spec,
                solver,
                tol,
                settings,
                f_star,
                "failed",
                str(err),
                extra=problem_columns(problem, reference),
            )
    params, state, _ = timing.last
    obj, gnorm = _measures(problem, params, f_star)
    converged, at_max = bool(info.converged), bool(info.reached_max_steps)
    row.update(
        **timing_columns(timing, row["end_to_end_s"]),
        n_steps=int(info.num_steps),
        nfev=getattr(state, "nfev", None),
        njev=getattr(state, "njev", None),
        nhev=getattr(state, "nhev", None),
        objective=obj,
        suboptimality=obj - f_star,
        rel_suboptimality=(obj - f_star) / max(1.0, abs(f_star)),
        grad_norm=gnorm,
        converged=converged,
        reached_max_steps=at_max,
        outcome=fit_outcome(converged, at_max),
        status="recompiles" if timing.recompiles else "ok",
    )
    if timing.recompiles:
        sentence = recompile_sentence(solver, row["compile_s"], row["fit_s"])
        row["reason"] = " ".join(filter(None, (sentence, row["reason"])))
    if not math.isfinite(obj):
        row.update(
            status="diverged", outcome=None, reason="The solver returned non-finite parameters."
        )
        return CellResult(summary=row)
    final = tuple(np.asarray(p, dtype=np.float64) for p in coef_intercept(params))
    # a solver that compiles on every call takes no further windows: each costs a compile
    window = None if timing.recompiles else further_window(fitted.run, settings, fresh)
    if not trace:
        return CellResult(summary=row, params=final, window=window)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traj = trace_solver(
                fitted, fresh.params0, (fresh.X, fresh.y), row["n_steps"], settings.max_trace_points
            )
    except Exception as err:  # noqa: BLE001 - the fit's numbers stand without a trace
        message = " ".join(str(err).split())[:200]
        no_trace = f"No trace: stepping the solver failed ({type(err).__name__}: {message})."
        row["reason"] = " ".join(filter(None, (no_trace, row["reason"])))
        return CellResult(summary=row, params=final, window=window)
    row["trace_overhead"] = traj.total_s / timing.median_s if timing.median_s > 0 else None
    row["trace_matches_run"] = all(
        np.allclose(a, b, rtol=1e-6, atol=1e-9)
        for a, b in zip(traj.final_params, final, strict=True)
    )
    rows = []
    for it, t, pair in zip(traj.iterations, traj.times_s, traj.params, strict=True):
        f_it, g_it = _measures(problem, pair, f_star)
        rows.append(
            {
                "problem_id": spec.problem_id,
                "solver": solver,
                "tol": float(tol),
                "iteration": it,
                "time_s": t,
                "objective": f_it,
                "suboptimality": f_it - f_star,
                "grad_norm": g_it,
            }
        )
    return CellResult(summary=row, trace=rows, params=final, window=window)


def run_one(
    problem: Problem,
    reference: Reference,
    solver: str,
    tol: float,
    settings: CellSettings = CellSettings(),
    trace: bool = False,
) -> CellResult:
    """Fit one (problem, solver, tolerance) cell and measure it.

    Measured: ``end_to_end_s`` (a user's first ``model.fit``, compile included), ``fit_s``
    (median of adaptively repeated compile-free ``solver.run`` calls on the same solver
    instance from the same initial parameters, with its 95% interval and every sample, see
    :class:`CellSettings`), ``compile_s`` (the difference), and the objective,
    suboptimality and gradient norm recomputed by the harness at the returned parameters.
    Every timed repeat must reproduce the first fit (parameters, and no fewer steps), and an
    untimed control run on other data of the same shape must not return the first fit's
    answer; a solver that fails either (it caches, or warm-starts from its last answer)
    gets a ``failed`` row saying so, without times. With ``trace=True`` the trajectory is
    recorded too. Exceptions become a ``failed`` row with the reason; non-finite results a
    ``diverged`` row.

    Parameters
    ----------
    problem : Problem
        Data of the problem.
    reference : Reference
        Its certified optimum.
    solver : str
        Solver label: a registry name, e.g. ``"LBFGS[scipy]"``, optionally with settings
        for NeMoS's ``solver_kwargs``, e.g. ``"Newton[nemos]{autodiff=true}"``; settings
        NeMoS refuses give a ``skipped`` row with its reason. Every row gets the
        ``solver_kwargs`` column (canonical settings, empty when none).
    tol : float
        Tolerance passed to the solver.
    settings : CellSettings
        Iteration cap, repeats, trace length.
    trace : bool
        Record the per-iteration trajectory.

    Returns
    -------
    CellResult
    """
    spec = problem.spec
    name, solver_settings = parse_solver_label(solver)
    fit_cell, refusal = _fit_cell, None
    if is_baseline(name):  # scikit-learn, glum: see _baseline_cell
        from ._baseline_cell import run_baseline_cell as fit_cell

        if solver_settings:
            refusal = f"{name} is an outside baseline, which takes no solver settings."
    elif not solver_allows(name, spec.regularizer):
        refusal = disallowed_reason(name, spec.regularizer)
    elif solver_settings:
        refusal = refused_settings(spec, solver, tol, settings.maxiter)
    extra = problem_columns(problem, reference)
    if refusal is not None:
        result = skipped_cell(
            spec, solver, tol, settings, reference.objective, "skipped", refusal, extra=extra
        )
    else:
        try:
            result = fit_cell(problem, reference, solver, tol, settings, trace)
        except Exception as err:  # noqa: BLE001 - every failure becomes a row
            message = " ".join(str(err).split())[:300] or "no message"
            status = "diverged" if "NaN" in message or "nan" in message.split() else "failed"
            reason = f"{type(err).__name__}: {message}"
            result = skipped_cell(
                spec, solver, tol, settings, reference.objective, status, reason, extra=extra
            )
    result.summary["solver_kwargs"] = settings_text(solver_settings)
    return result
