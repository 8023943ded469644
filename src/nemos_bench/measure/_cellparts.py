"""What every kind of cell shares: its settings, its result, its rows, its timing windows."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..problems import Problem, Reference, grad_norm, objective
from ..solvers import coef_intercept, tol_stops_on
from ._sampling import time_adaptive
from ._timing import Timing

__all__ = [
    "CellResult",
    "CellSettings",
    "further_window",
    "problem_columns",
    "skipped_cell",
    "time_steady",
]


@dataclass(frozen=True)
class CellSettings:
    """How every cell of a sweep is measured.

    Steady-state samples are taken adaptively (see :func:`time_adaptive`): at least
    ``repeats``, then more until the 95% interval of the median is within ``±ci_target`` of
    it or ``time_budget`` seconds of samples are spent, at most ``max_repeats``.

    Attributes
    ----------
    maxiter : int
        Iteration cap given to every solver.
    repeats : int
        Fewest steady-state samples behind ``fit_s`` (median); 6 is the fewest with a 95%
        distribution-free interval of the median.
    max_trace_points : int
        Most iterates kept in a trace.
    max_repeats : int
        Most steady-state samples.
    time_budget : float
        Seconds of steady-state sampling after which no further sample is started (once
        ``repeats`` are taken).
    ci_target : float
        Relative half-width of the median's interval at which sampling stops early.
    rounds : int
        Windows of samples per cell. With more than one, the executors take the further
        windows after every cell of the problem has run once, in turn (as asv's ``rounds``
        do), so that a slow spell of a shared machine lands in one window of a cell, not in
        all of its samples; ``fit_s`` is the median over every window's samples.
    """

    maxiter: int = 5000
    repeats: int = 6
    max_trace_points: int = 300
    max_repeats: int = 50
    time_budget: float = 0.1
    ci_target: float = 0.05
    rounds: int = 1


@dataclass(frozen=True)
class CellResult:
    """What one cell produced: a summary row and (for traced cells) trace rows."""

    summary: dict
    trace: list[dict] = field(default_factory=list)
    params: tuple | None = None
    """``(coef, intercept)`` as NumPy float64 arrays, for ``ok`` cells (stored by the sweep)."""
    window: Callable[[], Timing] | None = field(default=None, compare=False, repr=False)
    """Takes one more window of steady-state samples (``ok`` cells when ``rounds > 1``); the
    process that ran the cell keeps it (it holds the fitted solver) and never sends it."""


def problem_columns(problem: Problem, reference: Reference) -> dict:
    """Summary columns that describe the problem's difficulty (from its data and reference).

    Examples
    --------
    >>> from nemos_bench.problems import ProblemSpec, make_problem, reference_solution
    >>> problem = make_problem(ProblemSpec(n_samples=200, n_features=2, rate=0.1))
    >>> cols = problem_columns(problem, reference_solution(problem))
    >>> sorted(cols), cols["mean_rate"] == float(problem.y.mean())
    (['condition_number', 'mean_rate'], True)
    """
    return {
        "condition_number": float(reference.condition_number),
        "mean_rate": float(np.mean(problem.y)),
    }


def _base_row(spec, solver, tol, settings, f_star, extra: dict | None = None) -> dict:
    return {
        "problem_id": spec.problem_id,
        "n_samples": spec.n_samples,
        "n_features": spec.n_features,
        "n_outputs": spec.n_outputs,
        "regularizer": spec.regularizer,
        "regularizer_strength": spec.regularizer_strength,
        "solver": solver,
        "tol": float(tol),
        "tol_stops_on": tol_stops_on(solver),  # what that tol means to this solver
        "maxiter": settings.maxiter,
        "repeat": settings.repeats,
        "reference_objective": f_star,
        "design": spec.design,
        "observation": spec.observation,
        **(extra or {}),
    }


def skipped_cell(
    spec, solver, tol, settings, f_star, status: str, reason: str, *, extra: dict | None = None
) -> CellResult:
    """A summary row for a cell that produced no fit (skipped, failed, timed out).

    ``extra`` adds columns, e.g. :func:`problem_columns`, where the problem was loaded.
    """
    row = _base_row(spec, solver, tol, settings, f_star, extra)
    row.update(status=status, reason=reason)
    return CellResult(summary=row)


def _measures(problem: Problem, params, f_star: float) -> tuple[float, float]:
    pair = tuple(np.asarray(p, dtype=float) for p in coef_intercept(params))
    if not all(np.all(np.isfinite(p)) for p in pair):
        return math.nan, math.nan
    return objective(problem, pair), grad_norm(problem, pair)


def time_steady(
    fit: Callable[..., Any], settings: CellSettings, check=None, prepare=None
) -> Timing:
    """One window of steady-state ``fit()`` calls, sampled as ``settings`` say.

    ``prepare(index)``, if given, returns the arguments of each call (outside the timing).
    """
    return time_adaptive(
        fit,
        min_repeats=settings.repeats,
        max_repeats=settings.max_repeats,
        budget_s=settings.time_budget,
        rel_ci=settings.ci_target,
        check=check,
        prepare=prepare,
    )


def further_window(fit: Callable[..., Any], settings, prepare=None) -> Callable[[], Timing] | None:
    """One more window of timed ``fit()`` calls, as the first one (``rounds > 1`` only)."""
    if settings.rounds <= 1:
        return None
    return lambda: time_steady(fit, settings, prepare=prepare)
