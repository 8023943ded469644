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

from ._advice import Advice, advise, scope_sentence
from ._build import build_report
from ._config import DEFAULT_EPSILON, ReportError
from ._index import build_index
from ._load import load_run
from ._metrics import time_to_epsilon
from ._problem_plots import plot_convergence, plot_work_precision
from ._rounding import suboptimality_text
from ._style import clip_suboptimality, solver_colors
from ._uncertainty import fit_intervals, outcomes
from ._workload_advice import workload_advice

__all__ = [
    "Advice",
    "DEFAULT_EPSILON",
    "ReportError",
    "advise",
    "build_index",
    "build_report",
    "clip_suboptimality",
    "fit_intervals",
    "load_run",
    "outcomes",
    "plot_convergence",
    "plot_work_precision",
    "scope_sentence",
    "solver_colors",
    "suboptimality_text",
    "time_to_epsilon",
    "workload_advice",
]
