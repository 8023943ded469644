"""
Write a solver and run it beside the natives
============================================

A solver is a class with NeMoS's solver interface. The shortest way to one is a subclass
of the scipy adapter: here, scipy's L-BFGS-B keeping 3 correction pairs instead of 10.
nemos-bench checks the class with NeMoS's own validator, registers it as
``FewPairsLBFGS[custom]`` and benchmarks it like any other solver.
"""

# %%
# The solver
# ----------
# :class:`~nemos_bench.solvers.ScipyMinimize` does the NeMoS side (``init_state``,
# ``update``, ``run``, the state NeMoS reads). ``fixed_method`` picks scipy's method and
# ``options`` reach ``scipy.optimize.minimize``. ``tol_stops_on`` says what ``tol``
# stops on: it fills the ``tol_stops_on`` column (``unknown`` without it).
import tempfile
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

from nemos_bench.solvers import ScipyMinimize


class FewPairsLBFGS(ScipyMinimize):
    """scipy's L-BFGS-B with 3 correction pairs."""

    fixed_method = "L-BFGS-B"
    tol_stops_on = "gradient norm: ||grad f||_2 <= tol"

    def __init__(
        self,
        unregularized_loss,
        regularizer,
        regularizer_strength,
        has_aux,
        init_params=None,
        **kwargs,
    ):
        kwargs["options"] = {"maxcor": 3, **kwargs.get("options", {})}
        super().__init__(
            unregularized_loss, regularizer, regularizer_strength, has_aux, init_params, **kwargs
        )


# %%
# Benchmark it beside the natives
# -------------------------------
# ``solver_classes`` takes ``"module:ClassName"`` import paths, as ``--solver-class`` does
# on the command line (``nemos-bench run --solver-class mypkg.solvers:MySolver``). A class
# defined in the running script lives in ``__main__``, which only this process can import,
# so the sweep runs in-process (``isolate=False``); a class in an importable module can
# also run in worker processes.
from nemos_bench.problems import ProblemSpec
from nemos_bench.sweep import build_config, run_sweep

problem = ProblemSpec(n_samples=500, n_features=5, n_outputs=2)
config = build_config(
    problems=[problem],
    solver_classes=["__main__:FewPairsLBFGS"],
    solvers=["FewPairsLBFGS[custom]", "LBFGS[scipy]", "LBFGS"],
    tols=[1e-8],
    isolate=False,
    time_budget=0.05,
)
run_dir = Path(tempfile.mkdtemp()) / "own-solver"
store = run_sweep(config, run_dir)

# %%
# Compare
# -------
# Same start, same data, same certified optimum: the rows differ only by solver.
from nemos_bench.report import plot_convergence
from nemos_bench.results import read_summary, read_trace

summary = read_summary(run_dir)
columns = ["solver", "status", "outcome", "n_steps", "fit_s", "suboptimality", "tol_stops_on"]
print(summary[columns].to_string(index=False))
fig = plot_convergence(read_trace(run_dir), problem.problem_id, summary=summary)
