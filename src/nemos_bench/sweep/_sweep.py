"""A sweep: every (problem, solver, tolerance) cell of a configuration, into a run directory."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from pathlib import Path

from ..measure import CellResult, LoadSnapshot, machine_load, mark_float64_floor
from ..problems import data_records
from ..results import FITTED_STATUSES, RunStore, read_summary
from ..solvers import (
    available_solvers,
    baseline_names,
    load_solver_class,
    resolve_solvers,
    solver_allows,
)
from ._execute import in_process
from ._isolated import IsolatedExecutor
from ._provenance import provenance
from ._sweepconfig import MATRIX_SUITES, Cell, ConfigError, SweepConfig, excluded_by_suite

__all__ = [
    "default_executor",
    "plan_cells",
    "run_sweep",
]


def _solver_names(config: SweepConfig) -> list[str]:
    user = [load_solver_class(path) for path in config.solver_classes]
    if config.solvers is None:
        baselines = baseline_names() if config.suite in MATRIX_SUITES else []
        return list(dict.fromkeys(available_solvers() + user + baselines))
    return list(dict.fromkeys(resolve_solvers(list(config.solvers)) + user))


def plan_cells(config: SweepConfig) -> list[Cell]:
    """All cells of ``config`` in run order (problem by problem).

    With ``solvers=None`` only the solvers NeMoS allows for a problem's regularizer are
    planned, less those the suite leaves out (:data:`SUITE_EXCLUDED_ALGOS`), except in the
    :data:`MATRIX_SUITES`, which plan every solver and baseline on every problem; a solver
    named explicitly, or planned there, but not allowed gets a ``skipped`` cell.
    """
    names = _solver_names(config)
    if not names:
        raise ConfigError("The sweep names no solver; give at least one (e.g. LBFGS[scipy]).")
    tight = min(config.tols)
    cells = []
    matrix = config.suite in MATRIX_SUITES
    for dtype in config.dtypes:  # outermost: a worker process runs one dtype
        for spec in config.problems:
            for solver in names:
                if (
                    config.solvers is None
                    and not matrix
                    and not solver_allows(solver, spec.regularizer)
                ):
                    continue
                if excluded_by_suite(config, solver):
                    continue
                for tol in sorted(set(config.tols), reverse=True):
                    cells.append(Cell(spec, solver, float(tol), tol == tight, dtype))
    return cells


def config_record(config: SweepConfig, cells: list[Cell]) -> dict:
    """The JSON-able identity of a sweep, stored in ``meta.json``.

    A run of the user's data files also records each one's spec under ``data_problems``
    (its id names the file's content, not its path), so that ``verify`` can rebuild it.
    """
    data = data_records(config.problems)
    return (
        {
            "suite": config.suite,
            "problems": [spec.problem_id for spec in config.problems],
            "solvers": sorted({cell.solver for cell in cells}),
            "tols": sorted(set(config.tols), reverse=True),
            "maxiter": config.settings.maxiter,
            "repeats": config.settings.repeats,
            "max_trace_points": config.settings.max_trace_points,
            "solver_classes": list(config.solver_classes),
            "max_repeats": config.settings.max_repeats,
            "time_budget": config.settings.time_budget,
            "ci_target": config.settings.ci_target,
            "n_cells": len(cells),
        }
        | ({"dtypes": list(config.dtypes)} if config.dtypes != ("float64",) else {})
        | ({"rounds": config.settings.rounds} if config.settings.rounds != 1 else {})
        | ({"data_problems": data} if data else {})
    )


def run_sweep(
    config: SweepConfig,
    out: str | Path,
    on_cell: Callable[[Cell, CellResult | None], None] | None = None,
    executor: Callable[[list[Cell], SweepConfig], Iterator[CellResult]] | None = None,
    cells: list[Cell] | None = None,
    on_start: Callable[[RunStore, list[Cell]], None] | None = None,
) -> RunStore:
    """Run every unfinished cell of ``config`` into the run directory ``out``.

    Running again into the same directory resumes: finished cells are skipped and no row
    is written twice. Each cell's rows are committed as soon as it finishes. Everything
    (solvers, user solver classes, the output directory and any results already in it) is
    checked before the directory is created or anything is written.

    Parameters
    ----------
    config : SweepConfig
        What to run.
    out : path-like
        Run directory (created if missing).
    on_cell : callable, optional
        Called with ``(cell, result)`` after each cell; ``result`` is ``None`` for a cell
        skipped because it was already finished.
    executor : callable, optional
        ``executor(cells, config)`` yielding one ``CellResult`` per cell in order, or,
        if it has a true ``unordered`` attribute, ``(cell, CellResult)`` pairs in any
        order; default: :class:`DaskExecutor` when ``config.distributed``, else
        :class:`IsolatedExecutor` when ``config.isolated``, else this process.
    cells : list of Cell, optional
        The cells of ``plan_cells(config)``, if the caller has planned them already.
    on_start : callable, optional
        Called with ``(store, todo)`` once everything (the executor too, if it has a
        ``check`` method, e.g. :meth:`DaskExecutor.check`) is checked and the run directory is
        open, before the first cell runs; ``todo`` are the cells still to run.

    Returns
    -------
    RunStore
        The store of the run directory (closed: its lock is released).
    """
    cells = plan_cells(config) if cells is None else cells
    executor = default_executor(config) if executor is None else executor
    getattr(executor, "check", lambda: None)()  # e.g. a Dask scheduler answers: before any file
    meta = provenance(device=not config.isolated)  # a parent of workers starts no backend
    # How busy this machine is (not measured when the cells run on another cluster's hosts).
    load = None if config.scheduler is not None else LoadSnapshot.take()
    if load is not None:
        meta["machine_load"] = load.start_record()
    with RunStore(out, config_record(config, cells), meta) as store:
        todo = []
        for cell in cells:
            if store.is_done(cell.spec.problem_id, cell.label, cell.tol):
                if on_cell is not None:
                    on_cell(cell, None)
            else:
                todo.append(cell)
        if on_start is not None:
            on_start(store, todo)
        results = executor(todo, config)
        pairs = (
            results if getattr(executor, "unordered", False) else zip(todo, results, strict=True)
        )
        try:
            for cell, result in pairs:
                ok = result.summary.get("status") in FITTED_STATUSES  # verify needs params
                summary = mark_float64_floor(result.summary)  # "converged" below float64's floor
                store.append_cell(summary, result.trace, result.params if ok else None)
                if on_cell is not None:
                    on_cell(cell, result)
        finally:
            getattr(results, "close", lambda: None)()  # stop a worker now, not at GC
        if todo:
            busy = {} if load is None else {"machine_load": machine_load(load, LoadSnapshot.take())}
            store.update_meta(
                finished_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                trace_overhead=_trace_overhead(store),
                **busy,
            )
    return store


def default_executor(config: SweepConfig):
    """The executor ``config`` asks for: Dask, isolated worker processes, or this process."""
    if config.distributed:
        from ._dask import DaskExecutor

        return DaskExecutor(
            workers=config.workers,
            scheduler=config.scheduler,
            timeout=config.timeout,
            threads=config.threads,
        )
    if config.isolated:
        return IsolatedExecutor(config.timeout, threads=config.threads)
    return in_process


def _trace_overhead(store: RunStore) -> dict[str, float]:
    """Median of traced-fit time / untraced ``fit_s`` per solver (goal: at most 1.10)."""
    frame = read_summary(store.path)
    frame = frame[frame["trace_overhead"].notna()]
    medians = frame.groupby("solver")["trace_overhead"].median()
    return {solver: round(float(value), 3) for solver, value in medians.items()}
