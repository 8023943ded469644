"""Report generator: figures, tables and an offline HTML page from a run directory.

Reads only the results store (``summary.csv``, ``trace.csv``, ``meta.json``); only for a
run written before the ``tol_stops_on`` column do the captions look up what each solver's
``tol`` stops on in ``nemos_bench.solvers`` (which imports NeMoS). The plot functions are
pure (DataFrames in, a :class:`matplotlib.figure.Figure` out, no pyplot state) and share one
solver → colour map.

Examples
--------
>>> from nemos_bench.report import build_report, build_index  # doctest: +SKIP
>>> build_report("results/my-run")  # doctest: +SKIP
PosixPath('reports/my-run/index.html')
"""

from ._build import build_report, load_run
from ._condition_plots import plot_condition
from ._config import DEFAULT_EPSILON, ReportConfig, ReportError
from ._index import build_index, list_reports
from ._matrix import model_matrix
from ._metrics import (
    condition_numbers,
    failures_table,
    fit_power_law,
    performance_ratios,
    problem_order,
    profile_curve,
    scaling_fits,
    scaling_slice,
    time_to_epsilon,
)
from ._problem_plots import plot_convergence, plot_work_precision
from ._run_plots import plot_compile_vs_fit, plot_performance_profile, plot_scaling
from ._style import SUBOPT_FLOOR, clip_suboptimality, default_lbfgs, parse_solver, solver_colors
from ._uncertainty import fastest_table, fit_intervals, outcomes, warnings_tables

__all__ = [
    "DEFAULT_EPSILON",
    "SUBOPT_FLOOR",
    "ReportConfig",
    "ReportError",
    "build_index",
    "build_report",
    "clip_suboptimality",
    "condition_numbers",
    "default_lbfgs",
    "failures_table",
    "fastest_table",
    "fit_intervals",
    "model_matrix",
    "fit_power_law",
    "list_reports",
    "load_run",
    "outcomes",
    "parse_solver",
    "performance_ratios",
    "plot_compile_vs_fit",
    "plot_condition",
    "plot_convergence",
    "plot_performance_profile",
    "plot_scaling",
    "plot_work_precision",
    "problem_order",
    "profile_curve",
    "scaling_fits",
    "scaling_slice",
    "solver_colors",
    "time_to_epsilon",
    "warnings_tables",
]
