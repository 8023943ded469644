"""Fit time, memory, final loss and convergence of every (solver, problem, tolerance) cell.

Grid: ``common.SOLVERS`` x ``common.problem_ids()`` (the quick subset; the ``standard``
suite with ``NEMOS_BENCH_FULL=1``) x ``common.TOLS``; ``NEMOS_BENCH_SOLVERS``,
``NEMOS_BENCH_PROBLEMS`` and ``NEMOS_BENCH_TOLS`` narrow it for one run (see ``common.py``).

- ``TimeFit.time_fit``: steady-state ``solver.run`` (compiled in ``setup``, timed by asv).
- ``PeakMemFit.peakmem_fit``: peak memory of a process that fits once.
- ``TrackFit.track_*``: compile time, final objective (recomputed by the harness),
  suboptimality, steps and convergence, read from one ``run_one`` sweep of the whole grid
  done once in ``setup_cache`` (asv hands its result to every ``track_*`` process).

Every class sets ``version`` explicitly: asv would otherwise hash the source, and any
refactor would start a new history. Bump a version only when the measured quantity changes.
"""

from .common import (
    PEAKMEM_TOL,
    as_float,
    cell_row,
    full_grid,
    grid_solvers,
    grid_tols,
    prepare_fit,
    problem_ids,
    run_grid,
)

SOLVERS, PROBLEMS, TOLS = grid_solvers(), problem_ids(), grid_tols()
#: ``setup_cache`` runs the whole grid: 15 min for the quick subset, a day for the full one.
SETUP_CACHE_TIMEOUT = 24 * 3600.0 if full_grid() else 900.0


class TimeFit:
    """Steady-state fit time: ``solver.run`` on a compiled solver, blocked until ready."""

    params = (list(SOLVERS), list(PROBLEMS), list(TOLS))
    param_names = ("solver", "problem", "tol")
    version = "1"
    timeout = 300.0
    repeat = (1, 10, 20.0)

    def setup(self, solver, problem, tol):
        self.fit = prepare_fit(solver, problem, tol)

    def time_fit(self, solver, problem, tol):
        self.fit()


class PeakMemFit:
    """Peak resident memory of a process that builds the problem and fits it."""

    params = (list(SOLVERS), list(PROBLEMS))
    param_names = ("solver", "problem")
    version = "1"
    timeout = 300.0

    def setup(self, solver, problem):
        self.fit = prepare_fit(solver, problem, PEAKMEM_TOL)

    def peakmem_fit(self, solver, problem):
        self.fit()


class TrackFit:
    """Numbers of one ``run_one`` per cell, computed once for the whole grid."""

    params = (list(SOLVERS), list(PROBLEMS), list(TOLS))
    param_names = ("solver", "problem", "tol")
    version = "1"
    timeout = 120.0

    def setup_cache(self):
        return run_grid(SOLVERS, PROBLEMS, TOLS)

    setup_cache.timeout = SETUP_CACHE_TIMEOUT

    def setup(self, cache, solver, problem, tol):
        self.row = cell_row(cache, solver, problem, tol)

    def track_compile_s(self, cache, solver, problem, tol):
        return as_float(self.row["compile_s"])

    track_compile_s.unit = "seconds"

    def track_objective(self, cache, solver, problem, tol):
        return as_float(self.row["objective"])

    track_objective.unit = "objective"

    def track_suboptimality(self, cache, solver, problem, tol):
        return as_float(self.row["suboptimality"])

    track_suboptimality.unit = "objective - f*"

    def track_n_steps(self, cache, solver, problem, tol):
        return int(self.row["n_steps"])

    track_n_steps.unit = "iterations"

    def track_converged(self, cache, solver, problem, tol):
        return 1 if self.row["converged"] else 0

    track_converged.unit = "converged (1 yes, 0 no)"

    def track_compiles_per_call(self, cache, solver, problem, tol):
        compiles = self.row.get("compiles_per_call")
        if compiles is None:  # a harness before the column: compilations over samples
            return as_float(self.row["compiles_in_timed"]) / max(int(self.row["n_repeats"]), 1)
        return as_float(compiles)

    track_compiles_per_call.unit = "XLA compilations per steady-state call"
