"""
Benchmark two solvers
=====================

Fit one small Poisson GLM with the scipy adapter's ``LBFGS[scipy]`` and NeMoS's own
``LBFGS`` at two tolerances, then read the results table and draw the work-precision
diagram of the report. This is what ``nemos-bench run --solvers "LBFGS[scipy],LBFGS"``
does, through the Python API and on a smaller problem.
"""

# %%
# Plan the sweep
# --------------
# A problem is a :class:`~nemos_bench.problems.ProblemSpec`: here 400 samples, 4 features,
# one output, no penalty. :func:`~nemos_bench.sweep.build_config` takes the same
# settings as a sweep file. ``isolate=False`` fits in this process instead of a worker
# process (no start-up cost; a solver that crashes would take this process with it).
import tempfile
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # nemos-bench measures in float64

from nemos_bench.problems import ProblemSpec
from nemos_bench.sweep import build_config, run_sweep

problem = ProblemSpec(n_samples=400, n_features=4)
config = build_config(
    problems=[problem],
    solvers=["LBFGS[scipy]", "LBFGS"],
    tols=[1e-4, 1e-8],
    isolate=False,
    time_budget=0.05,  # seconds of steady-state samples per cell, after the fewest 6
)
print(problem.problem_id)

# %%
# Run it
# ------
# :func:`~nemos_bench.sweep.run_sweep` writes a run directory: ``summary.csv`` (one row
# per problem, solver and tolerance), ``trace.csv`` (the traced iterations),
# ``meta.json`` (versions, machine, configuration) and ``params/`` (the fitted
# coefficients). Running it again into the same directory resumes.
run_dir = Path(tempfile.mkdtemp()) / "two-solvers"
store = run_sweep(config, run_dir)
print(sorted(p.name for p in run_dir.iterdir()))

# %%
# Read the results
# ----------------
# ``fit_s`` is the median steady-state time of one fit, ``compile_s`` what the first fit
# cost beyond it (JAX tracing and compilation), ``suboptimality`` the distance of the
# harness's own recomputed objective from the problem's certified optimum. Compare
# solvers by the suboptimality they reach, not by the ``tol`` they were given: the two
# solvers' ``tol`` stop on different tests (``tol_stops_on``).
from nemos_bench.results import read_summary

summary = read_summary(run_dir)
columns = ["solver", "tol", "status", "outcome", "n_steps", "fit_s", "compile_s"]
print(summary[columns + ["suboptimality"]].to_string(index=False))
print()
print(summary.drop_duplicates("solver")[["solver", "tol_stops_on"]].to_string(index=False))

# %%
# Draw the work-precision diagram
# -------------------------------
# Time against achieved suboptimality, one point per tolerance, each with the 95%
# interval of its median as an error bar: the figure the HTML report draws for each
# problem (``nemos-bench report RUN_DIR`` builds the whole page). Like every plot function
# of :mod:`nemos_bench.report` it returns a matplotlib ``Figure`` that pyplot does not
# manage (nothing pops up): ``fig.savefig("work_precision.png")`` writes it.
from nemos_bench.report import plot_work_precision

fig = plot_work_precision(summary, problem.problem_id)
