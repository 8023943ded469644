"""
Plot a convergence curve from a run directory
=============================================

Every run directory holds the traced trajectory of the tightest tolerance's fit of each
problem and solver, one row per recorded iteration in ``trace.csv``. This example makes a
small run of two scipy solvers and draws suboptimality per iteration from that file by
hand, then with the report's own figure.
"""

# %%
# A small run to read
# -------------------
# Any directory written by ``nemos-bench run`` works the same; here we make one.
import tempfile
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

from nemos_bench.problems import ProblemSpec
from nemos_bench.sweep import build_config, run_sweep

problem = ProblemSpec(n_samples=300, n_features=5, regularizer="Ridge")
config = build_config(
    problems=[problem],
    solvers=["LBFGS[scipy]", "NonlinearCG[scipy]"],
    tols=[1e-10],
    isolate=False,
    time_budget=0.05,
)
run_dir = Path(tempfile.mkdtemp()) / "convergence"
store = run_sweep(config, run_dir)

# %%
# The trace table
# ---------------
# One row per recorded iterate: iteration 0 is the starting point (NeMoS's default
# initial parameters, the same for every solver); ``objective`` is recomputed by the
# harness, ``suboptimality`` is ``objective - f*`` against the certified optimum.
from nemos_bench.results import read_trace

trace = read_trace(run_dir)
print(trace[["solver", "iteration", "time_s", "suboptimality", "grad_norm"]].head(8))

# %%
# Suboptimality per iteration, by hand
# ------------------------------------
# Suboptimality reaches zero (or a tiny negative number, by rounding) at the optimum, so
# it is clipped at ``1e-16 * max(1, |f*|)`` before a log axis, as the report does.
import matplotlib.pyplot as plt
import numpy as np

f_star = float((trace["objective"] - trace["suboptimality"]).iloc[0])
floor = 1e-16 * max(1.0, abs(f_star))
fig, ax = plt.subplots(figsize=(6, 4))
for solver, rows in trace.groupby("solver"):
    ax.semilogy(rows["iteration"], np.maximum(rows["suboptimality"], floor), label=solver)
ax.set_xlabel("iteration")
ax.set_ylabel("f - f*")
ax.set_title(problem.problem_id, fontsize=9)
ax.legend()
fig.tight_layout()

# %%
# The report's figure
# -------------------
# :func:`~nemos_bench.report.plot_convergence` draws the same data per iteration and per
# second of the traced fit, with each solver's fixed colour.
from nemos_bench.report import load_run, plot_convergence

summary, trace, meta = load_run(run_dir)
fig = plot_convergence(trace, problem.problem_id, summary=summary)
