"""Runner: honest timing of every (problem, solver, tolerance) cell, traces, sweeps."""

from ._cell import CellResult, CellSettings, make_model, problem_columns, run_one
from ._config import DEFAULT_SUITE, SweepFileError, build_config, load_sweep_file, parse_tols
from ._dask import SHARED_MACHINE_THREADS, DaskExecutor
from ._execute import in_process
from ._isolated import IsolatedExecutor, death_reason
from ._machine import machine_columns
from ._precision import FLOOR_OUTCOME, tol_floor_warning
from ._scheduler import SchedulerUnreachableError, probe_scheduler
from ._sweep import default_executor, plan_cells, run_sweep
from ._sweepconfig import (
    DEFAULT_TOLS,
    DTYPES,
    SUITE_EXCLUDED_ALGOS,
    SUITE_MAXITER,
    SUITE_TOLS,
    Cell,
    ConfigError,
    SweepConfig,
    default_maxiter,
    default_tols,
    excluded_by_suite,
)
from ._timing import Timing, block, time_adaptive, time_repeats
from ._trace import Trajectory, trace_points, trace_solver
from ._warmup import WARMUP_SOLVERS, warm_up
from ._workerenv import SHARED_MACHINE_WARNING, worker_env

__all__ = [
    "DEFAULT_SUITE",
    "DEFAULT_TOLS",
    "DTYPES",
    "DaskExecutor",
    "FLOOR_OUTCOME",
    "SHARED_MACHINE_THREADS",
    "SHARED_MACHINE_WARNING",
    "SUITE_EXCLUDED_ALGOS",
    "WARMUP_SOLVERS",
    "SUITE_MAXITER",
    "SUITE_TOLS",
    "Cell",
    "CellResult",
    "CellSettings",
    "ConfigError",
    "IsolatedExecutor",
    "SchedulerUnreachableError",
    "SweepConfig",
    "SweepFileError",
    "Timing",
    "Trajectory",
    "block",
    "build_config",
    "death_reason",
    "default_executor",
    "default_maxiter",
    "default_tols",
    "excluded_by_suite",
    "in_process",
    "load_sweep_file",
    "machine_columns",
    "make_model",
    "parse_tols",
    "plan_cells",
    "probe_scheduler",
    "problem_columns",
    "run_one",
    "run_sweep",
    "time_adaptive",
    "time_repeats",
    "tol_floor_warning",
    "trace_points",
    "trace_solver",
    "warm_up",
    "worker_env",
]
