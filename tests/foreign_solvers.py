"""Another package's ``LBFGS[scipy]``: a class that is not nemos-bench's, for registry clashes.

``TheirLBFGS`` is NeMoS's own L-BFGS (an honest ``AbstractSolver``) under a class of its own;
each ``run`` call appends this process's id to the file named by ``$FOREIGN_SOLVER_MARK``, so
a test can see which process ran it. :func:`register` registers it as NeMoS's benchmark
script does (``nmo.solvers.register("LBFGS", ScipyLBFGS, "scipy")``).
"""

import os

import nemos as nmo

_NEMOS_LBFGS = nmo.solvers.get_solver("LBFGS[optax+optimistix]").implementation


class TheirLBFGS(_NEMOS_LBFGS):
    """NeMoS's optax+optimistix L-BFGS, registered by "another package" as ``LBFGS[scipy]``."""

    tol_stops_on = "their own test: declared by foreign_solvers.TheirLBFGS"

    def run(self, init_params, *args):  # noqa: D102
        mark = os.environ.get("FOREIGN_SOLVER_MARK")
        if mark:
            with open(mark, "a", encoding="utf-8") as file:
                file.write(f"{os.getpid()}\n")
        return super().run(init_params, *args)


def register() -> None:
    """Register :class:`TheirLBFGS` under ``LBFGS[scipy]``, before nemos-bench does."""
    nmo.solvers.register("LBFGS", TheirLBFGS, backend="scipy")
