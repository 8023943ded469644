"""Running planned cells: the problem cache and the in-process executor.

Both executors (this process, or a worker process, see ``_isolated``) run a cell the same
way: load its problem (once per problem, from the on-disk cache, followed by an untimed
warm-up, see ``_warmup``), then :func:`run_one`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..problems import load_problem, load_reference
from ._cell import CellResult, CellSettings, run_one, skipped_cell
from ._warmup import warm_up

if TYPE_CHECKING:  # pragma: no cover
    from ._sweep import Cell, SweepConfig

__all__ = ["ProblemCache", "failed_cell", "in_process", "run_cell"]


def failed_cell(cell: Cell, settings: CellSettings, status: str, reason: str) -> CellResult:
    """The row of a cell that produced no fit (``failed``, ``timeout``, ...)."""
    return skipped_cell(cell.spec, cell.solver, cell.tol, settings, None, status, reason)


class ProblemCache:
    """The data and reference optimum of one problem at a time (the current one).

    Loading a problem also warms it up in this process (:func:`warm_up`), so that the
    first cell of each problem pays only its own solver's compilation.
    """

    def __init__(self):
        self._spec = None
        self._entry: tuple = (None, None, None)

    def load(self, spec) -> str | None:
        """Make ``spec`` the current problem; return why it could not be built, if so."""
        if spec != self._spec:
            self._spec, self._entry = spec, (None, None, None)  # free the previous data first
            try:
                self._entry = (load_problem(spec), load_reference(spec), None)
            except Exception as err:  # noqa: BLE001 - becomes the cell's row
                message = " ".join(str(err).split())[:300]
                self._entry = (None, None, f"{type(err).__name__}: {message}")
            else:
                warm_up(self._entry[0])
        return self._entry[2]

    def run(self, cell: Cell, settings: CellSettings) -> CellResult:
        """Run ``cell`` on the current problem (call :meth:`load` first)."""
        problem, reference, error = self._entry
        if error is not None:
            return failed_cell(cell, settings, "failed", f"The problem could not be built: {error}")
        try:
            return run_one(problem, reference, cell.solver, cell.tol, settings, trace=cell.trace)
        except Exception as err:  # noqa: BLE001 - e.g. a solver unknown to this process
            message = " ".join(str(err).split())[:300]
            return failed_cell(cell, settings, "failed", f"{type(err).__name__}: {message}")


def run_cell(cell: Cell, settings: CellSettings, cache: ProblemCache) -> CellResult:
    """Load ``cell``'s problem through ``cache`` and run it."""
    cache.load(cell.spec)
    return cache.run(cell, settings)


def in_process(cells: list[Cell], config: SweepConfig) -> Iterator[CellResult]:
    """Executor running every cell in this process, in order.

    A solver that crashes the interpreter (segfault, ``os.abort``) or hangs ends the
    sweep here; use :class:`IsolatedExecutor` to survive those.
    """
    cache = ProblemCache()
    for cell in cells:
        yield run_cell(cell, config.settings, cache)
