"""Running planned cells: the problem cache and the in-process executor.

Both executors (this process, or a worker process, see ``_isolated``) run a cell the same
way: load its problem (once per problem, from the on-disk cache, followed by an untimed
warm-up, see ``_warmup``), then :func:`run_one`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from ..measure import (
    CellResult,
    CellSettings,
    cell_conditions,
    load_average,
    machine_columns,
    run_one,
    skipped_cell,
    take_windows,
    usable_cores,
    warm_up,
    with_windows,
)
from ..problems import load_problem, load_reference
from ..solvers import (
    ScipyMinimize,
    SolverLabelError,
    is_baseline,
    require_x64,
    settings_text,
    solver_class,
)
from ._sweepconfig import Cell, SweepConfig

__all__ = [
    "ProblemCache",
    "failed_cell",
    "in_process",
    "labelled",
    "released",
    "run_cell",
    "window_key",
]


def failed_cell(cell: Cell, settings: CellSettings, status: str, reason: str) -> CellResult:
    """The row of a cell that produced no fit (``failed``, ``timeout``, ...)."""
    result = skipped_cell(cell.spec, cell.label, cell.tol, settings, None, status, reason)
    result.summary["dtype"] = cell.dtype
    try:
        result.summary["solver_kwargs"] = settings_text(cell.solver)
    except SolverLabelError:  # not a label: the row's reason says what went wrong
        pass
    return result


def _float64_only(solver: str) -> str | None:
    """Why ``solver`` cannot run with JAX float64 off (the scipy adapter's reason), if so."""
    if is_baseline(solver):
        return (
            f"{solver} is an outside baseline (scikit-learn or glum) that fits in NumPy "
            "float64; it has no float32 cells."
        )
    try:
        cls = solver_class(solver)
    except Exception:  # noqa: BLE001 - unknown here: run_one reports it
        return None
    if not (isinstance(cls, type) and issubclass(cls, ScipyMinimize)):
        return None
    try:
        require_x64(solver)
    except RuntimeError as err:
        return str(err)
    return None


def labelled(cell: Cell, result: CellResult) -> CellResult:
    """``result`` with the cell's label as solver and this process's machine columns.

    Call it in the process that ran the cell (it reads the device).
    """
    summary = {**result.summary, **machine_columns(), "solver": cell.label}
    trace = [{**row, "solver": cell.label} for row in result.trace]
    return dataclasses.replace(result, summary=summary, trace=trace)


class ProblemCache:
    """The data and reference optimum of one problem at a time (the current one).

    Loading a problem also warms it up in this process (:func:`warm_up`), so that the
    first cell of each problem pays only its own solver's compilation.
    """

    def __init__(self):
        self._spec = None
        self._entry: tuple = (None, None, None)
        self._windows: dict = {}  # (label, tol) -> further-window callable (rounds > 1)

    def load(self, spec) -> str | None:
        """Make ``spec`` the current problem; return why it could not be built, if so."""
        if spec != self._spec:
            self._spec, self._entry = spec, (None, None, None)  # free the previous data first
            self._windows = {}
            try:
                self._entry = (load_problem(spec), load_reference(spec), None)
            except Exception as err:  # noqa: BLE001 - becomes the cell's row
                message = " ".join(str(err).split())[:300]
                self._entry = (None, None, f"{type(err).__name__}: {message}")
            else:
                warm_up(self._entry[0])
        return self._entry[2]

    def run(self, cell: Cell, settings: CellSettings) -> CellResult:
        """Run ``cell`` on the current problem (call :meth:`load` first).

        Every executor's cells pass here, in the process that fits: the row gets the
        machine's load average and usable cores at the start and end of the cell
        (:func:`cell_conditions`).
        """
        start = (load_average(), usable_cores())
        result = self._run(cell, settings)
        columns, note = cell_conditions(start, (load_average(), usable_cores()))
        summary = {**result.summary, **columns}
        if note:
            summary["reason"] = " ".join(filter(None, (summary.get("reason"), note)))
        return dataclasses.replace(result, summary=summary)

    def _run(self, cell: Cell, settings: CellSettings) -> CellResult:
        problem, reference, error = self._entry
        if error is not None:
            reason = f"The problem could not be built: {error}"
            return labelled(cell, failed_cell(cell, settings, "failed", reason))
        refusal = _float64_only(cell.solver) if cell.dtype != "float64" else None
        if refusal is not None:
            return labelled(cell, failed_cell(cell, settings, "skipped", refusal))
        try:
            result = run_one(problem, reference, cell.solver, cell.tol, settings, cell.trace)
        except Exception as err:  # noqa: BLE001 - e.g. a solver unknown to this process
            message = " ".join(str(err).split())[:300]
            result = failed_cell(cell, settings, "failed", f"{type(err).__name__}: {message}")
        if result.window is not None:
            self._windows[window_key(cell)] = result.window
            result = dataclasses.replace(result, window=None)
        return labelled(cell, result)

    def more_windows(self, rounds: int) -> dict:
        """Further windows of the current problem's ``ok`` cells (see :func:`take_windows`).

        Returns their samples by :func:`window_key`; the cells' solvers are then let go.
        """
        taken = take_windows(self._windows, rounds) if rounds > 1 else {}
        self._windows = {}
        return taken


def window_key(cell: Cell) -> tuple[str, float]:
    """The key of ``cell``'s further windows within its problem."""
    return cell.label, cell.tol


def released(held: list, taken: dict) -> list[CellResult]:
    """The held ``(cell, result)`` pairs' results with their further windows merged in."""
    return [with_windows(result, taken.get(window_key(cell), ())) for cell, result in held]


def run_cell(cell: Cell, settings: CellSettings, cache: ProblemCache) -> CellResult:
    """Load ``cell``'s problem through ``cache`` and run it."""
    cache.load(cell.spec)
    return cache.run(cell, settings)


def in_process(cells: list[Cell], config: SweepConfig) -> Iterator[CellResult]:
    """Executor running every cell in this process, in order.

    A solver that crashes the interpreter (segfault, ``os.abort``) or hangs ends the
    sweep here; use :class:`IsolatedExecutor` to survive those. Cells run in this
    process's dtype: float32 cells need a worker process (JAX's float64 switch is global).
    """
    cache, rounds, held = ProblemCache(), config.settings.rounds, []
    for cell in cells:
        if held and cell.spec != held[0][0].spec:
            yield from released(held, cache.more_windows(rounds))
            held = []
        result = run_cell(cell, config.settings, cache)
        if rounds > 1:
            held.append((cell, result))  # until the problem's further windows are taken
        else:
            yield result
    yield from released(held, cache.more_windows(rounds))
