"""Sweep: plan the cells of a sweep and run them, in process, isolated or on Dask.

A sweep is a :class:`SweepConfig` (problems x solvers x tolerances, from
:func:`build_config` or a sweep file), planned into :class:`Cell` s and run by an executor;
:func:`run_sweep` writes the run directory. How one cell is timed is
:mod:`nemos_bench.measure`'s business.
"""

from ._config import DEFAULT_SUITE, build_config, parse_tols
from ._dask import SHARED_MACHINE_THREADS, DaskExecutor
from ._execute import in_process
from ._isolated import IsolatedExecutor
from ._scheduler import SchedulerUnreachableError, probe_scheduler
from ._sweep import plan_cells, run_sweep
from ._sweepconfig import (
    DEFAULT_TOLS,
    SUITE_MAXITER,
    SUITE_TOLS,
    Cell,
    ConfigError,
    SweepConfig,
    excluded_by_suite,
)
from ._sweepfile import SweepFileError, load_sweep_file
from ._workerenv import worker_env

__all__ = [
    "DEFAULT_SUITE",
    "DEFAULT_TOLS",
    "SHARED_MACHINE_THREADS",
    "SUITE_MAXITER",
    "SUITE_TOLS",
    "Cell",
    "ConfigError",
    "DaskExecutor",
    "IsolatedExecutor",
    "SchedulerUnreachableError",
    "SweepConfig",
    "SweepFileError",
    "build_config",
    "excluded_by_suite",
    "in_process",
    "load_sweep_file",
    "parse_tols",
    "plan_cells",
    "probe_scheduler",
    "run_sweep",
    "worker_env",
]
