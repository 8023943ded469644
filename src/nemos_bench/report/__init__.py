"""Report generator: figures, tables and an offline HTML page from a run directory.

Reads only the results store (``summary.csv``, ``trace.csv``, ``meta.json``); only for a
run written before the ``tol_stops_on`` column do the captions look up what each solver's
``tol`` stops on in ``nemos_bench.solvers`` (which imports NeMoS). The plot functions are
pure (DataFrames in, a :class:`matplotlib.figure.Figure` out, no pyplot state) and share one
solver → colour map.

The page answers first: under a short introduction (and one line naming every kind of
warning, when there is any), the fastest solver per problem, which starts on the first
screen of a 1280 × 900 window; then the Warnings (cells without a fit: timed out, failed or
diverged, with their reasons; fits that did not converge; repeats that compiled or
differed; solvers that compile on every call; missing traces), each kind grouped by
solver and status or outcome with its rows folded; then the figures, the model matrix,
one section per problem, the failures and the provenance. Tables scroll sideways in their
own box rather than widening the page; problem ids break after their commas, the full id
on hover. A figure with nothing to draw (one problem size: no scaling) is a line saying
why. A suboptimality within rounding, ``|f − f*| <= 1e-12·max(1, |f*|)``, reads 0, "at
f*". A report at an ε other than the default goes to ``reports/<run-id>-eps<ε>/``, beside
the default one; ``nemos-bench report`` says so when it replaces an earlier report.

Examples
--------
>>> from nemos_bench.report import build_report, build_index  # doctest: +SKIP
>>> build_report("results/my-run")  # doctest: +SKIP
PosixPath('reports/my-run/index.html')
"""

from ._advice import ADVISED_OUTCOMES, Advice, advise, scope_sentence
from ._build import build_report
from ._condition_plots import plot_condition
from ._config import DEFAULT_EPSILON, ReportConfig, ReportError
from ._index import build_index, list_reports
from ._load import load_run
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
from ._rounding import ROUNDING_RTOL, at_rounding_level, suboptimality_text
from ._run_plots import plot_compile_vs_fit, plot_performance_profile, plot_scaling
from ._style import SUBOPT_FLOOR, clip_suboptimality, default_lbfgs, parse_solver, solver_colors
from ._target import default_report_dir
from ._uncertainty import fastest_table, fit_intervals, outcomes, warnings_tables
from ._workload_advice import same_model_defaults, workload_advice

__all__ = [
    "ADVISED_OUTCOMES",
    "Advice",
    "DEFAULT_EPSILON",
    "ROUNDING_RTOL",
    "ReportConfig",
    "ReportError",
    "SUBOPT_FLOOR",
    "advise",
    "at_rounding_level",
    "build_index",
    "build_report",
    "clip_suboptimality",
    "condition_numbers",
    "default_lbfgs",
    "default_report_dir",
    "failures_table",
    "fastest_table",
    "fit_intervals",
    "fit_power_law",
    "list_reports",
    "load_run",
    "model_matrix",
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
    "same_model_defaults",
    "scaling_fits",
    "scaling_slice",
    "scope_sentence",
    "solver_colors",
    "suboptimality_text",
    "time_to_epsilon",
    "warnings_tables",
    "workload_advice",
]
