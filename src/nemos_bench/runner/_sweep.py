"""A sweep: every (problem, solver, tolerance) cell of a configuration, into a run directory."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..problems import ProblemSpec, load_problem, load_reference
from ..results import RunStore, read_summary
from ..solvers import available_solvers, load_solver_class, resolve_solvers, solver_allows
from ._cell import CellResult, CellSettings, run_one, skipped_cell
from ._provenance import provenance

__all__ = [
    "DEFAULT_TOLS",
    "SUITE_TOLS",
    "Cell",
    "SweepConfig",
    "default_tols",
    "plan_cells",
    "run_sweep",
]

#: Default tolerance ladder.
DEFAULT_TOLS: tuple[float, ...] = (1e-4, 1e-6, 1e-8, 1e-10)
#: Suites with their own default ladder: ``quick`` keeps two rungs so that the whole
#: harness (every native and scipy solver, each cell paying its JIT compile) stays
#: within 90 s on 2 cores.
SUITE_TOLS: dict[str, tuple[float, ...]] = {"quick": (1e-4, 1e-10)}


def default_tols(suite: str) -> tuple[float, ...]:
    """Default tolerance ladder of ``suite``.

    Examples
    --------
    >>> default_tols("quick"), default_tols("standard")
    ((0.0001, 1e-10), (0.0001, 1e-06, 1e-08, 1e-10))
    """
    return SUITE_TOLS.get(suite, DEFAULT_TOLS)


@dataclass(frozen=True)
class SweepConfig:
    """Everything that defines a sweep (and whether a run directory can be resumed).

    Attributes
    ----------
    suite : str
        Name of the suite the problems come from (or ``"custom"``).
    problems : tuple of ProblemSpec
        Problems to run.
    solvers : tuple of str or None
        Registry names; ``None`` means every solver available, found at run time.
    tols : tuple of float
        Tolerance ladder; the tightest tolerance's cell of each (problem, solver) is traced.
    settings : CellSettings
        Iteration cap, repeats, trace length.
    solver_classes : tuple of str
        ``package.module:ClassName`` user solvers to load, validate and add.
    timeout : float or None
        Per-cell time limit in seconds (enforced by the isolated executor).
    """

    suite: str
    problems: tuple[ProblemSpec, ...]
    solvers: tuple[str, ...] | None = None
    tols: tuple[float, ...] = DEFAULT_TOLS
    settings: CellSettings = field(default_factory=CellSettings)
    solver_classes: tuple[str, ...] = ()
    timeout: float | None = None

    def __post_init__(self):
        if not self.problems:
            raise ValueError("A sweep needs at least one problem.")
        for tol in self.tols:
            if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol > 0:
                raise ValueError(f"Tolerance {tol!r} is not a positive number.")
            if not math.isfinite(tol):
                raise ValueError(f"Tolerance {tol!r} is not a finite positive number.")
        if not self.tols:
            raise ValueError("A sweep needs at least one tolerance.")


@dataclass(frozen=True)
class Cell:
    """One (problem, solver, tolerance) fit of a sweep."""

    spec: ProblemSpec
    solver: str
    tol: float
    trace: bool


def _solver_names(config: SweepConfig) -> list[str]:
    user = [load_solver_class(path) for path in config.solver_classes]
    if config.solvers is None:
        return list(dict.fromkeys(available_solvers() + user))
    return list(dict.fromkeys(resolve_solvers(list(config.solvers)) + user))


def plan_cells(config: SweepConfig) -> list[Cell]:
    """All cells of ``config`` in run order (problem by problem).

    With ``solvers=None`` only the solvers NeMoS allows for a problem's regularizer are
    planned; a solver named explicitly but not allowed gets a ``skipped`` cell.
    """
    names = _solver_names(config)
    tight = min(config.tols)
    cells = []
    for spec in config.problems:
        for solver in names:
            if config.solvers is None and not solver_allows(solver, spec.regularizer):
                continue
            for tol in sorted(set(config.tols), reverse=True):
                cells.append(Cell(spec, solver, float(tol), trace=tol == tight))
    return cells


def config_record(config: SweepConfig, cells: list[Cell]) -> dict:
    """The JSON-able identity of a sweep, stored in ``meta.json``."""
    return {
        "suite": config.suite,
        "problems": [spec.problem_id for spec in config.problems],
        "solvers": sorted({cell.solver for cell in cells}),
        "tols": sorted(set(config.tols), reverse=True),
        "maxiter": config.settings.maxiter,
        "repeats": config.settings.repeats,
        "max_trace_points": config.settings.max_trace_points,
        "solver_classes": list(config.solver_classes),
    }


def _in_process(cells: list[Cell], settings: CellSettings) -> Iterator[CellResult]:
    loaded: dict = {}
    for cell in cells:
        if cell.spec not in loaded:
            loaded.clear()
            try:
                loaded[cell.spec] = (load_problem(cell.spec), load_reference(cell.spec), None)
            except Exception as err:  # noqa: BLE001
                loaded[cell.spec] = (None, None, f"{type(err).__name__}: {err}")
        problem, reference, error = loaded[cell.spec]
        if error is not None:
            yield skipped_cell(
                cell.spec,
                cell.solver,
                cell.tol,
                settings,
                None,
                "failed",
                f"The problem could not be built: {error}",
            )
            continue
        yield run_one(problem, reference, cell.solver, cell.tol, settings, trace=cell.trace)


def run_sweep(
    config: SweepConfig,
    out: str | Path,
    on_cell: Callable[[Cell, CellResult | None], None] | None = None,
    executor: Callable[[list[Cell], SweepConfig], Iterator[CellResult]] | None = None,
) -> RunStore:
    """Run every unfinished cell of ``config`` into the run directory ``out``.

    Running again into the same directory resumes: finished cells are skipped and no row
    is written twice. Each cell's rows are committed as soon as it finishes.

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
        ``executor(cells, config)`` yielding one ``CellResult`` per cell in order;
        default: in this process.

    Returns
    -------
    RunStore
        The store of the run directory.
    """
    cells = plan_cells(config)
    store = RunStore(out, config_record(config, cells), provenance())
    todo = []
    for cell in cells:
        if store.is_done(cell.spec.problem_id, cell.solver, cell.tol):
            if on_cell is not None:
                on_cell(cell, None)
        else:
            todo.append(cell)
    run = executor or (lambda cells_, cfg: _in_process(cells_, cfg.settings))
    for cell, result in zip(todo, run(todo, config), strict=True):
        store.append_cell(result.summary, result.trace)
        if on_cell is not None:
            on_cell(cell, result)
    if todo:
        store.update_meta(
            finished_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            trace_overhead=_trace_overhead(store),
        )
    return store


def _trace_overhead(store: RunStore) -> dict[str, float]:
    """Median of traced-fit time / untraced ``fit_s`` per solver (goal: at most 1.10)."""
    frame = read_summary(store.path)
    frame = frame[frame["trace_overhead"].notna()]
    medians = frame.groupby("solver")["trace_overhead"].median()
    return {solver: round(float(value), 3) for solver, value in medians.items()}
