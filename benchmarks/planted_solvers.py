"""Solvers with a planted slowdown, for checking that the regression gate catches one.

``PlantedLBFGS`` is ``LBFGS[scipy]``, ``PlantedBFGS`` NeMoS's ``BFGS[optimistix]`` and
``PlantedNonlinearCG`` NeMoS's ``NonlinearCG[optimistix]``, each with a ``run`` that does
its whole fit ``NEMOS_BENCH_PLANT_FACTOR`` times (an integer, default 1) and returns the
last answer: the same parameters and step count, exactly that many times the work.
Registered as ``PlantedLBFGS[custom]`` by ``--solver-class
benchmarks.planted_solvers:PlantedLBFGS`` (from the repository root), and likewise
``PlantedBFGS[custom]`` and ``PlantedNonlinearCG[custom]``. Used by
``benchmarks/gate_false_alarms.py``; not an asv benchmark (nothing here is collected by
asv).
"""

import os

import nemos as nmo

from nemos_bench.solvers import ScipyLBFGS

#: Environment variable holding the planted factor.
PLANT_ENV = "NEMOS_BENCH_PLANT_FACTOR"


def plant_factor() -> int:
    """The planted factor from the environment (1: no slowdown)."""
    value = os.environ.get(PLANT_ENV, "1")
    factor = int(value) if value.isdigit() else 0
    if factor < 1:
        raise ValueError(f"{PLANT_ENV}={value!r} is not a positive integer; give e.g. 2.")
    return factor


class _PlantedRun:
    """``run`` does the fit of the next class in the MRO ``plant_factor()`` times."""

    def run(self, init_params, *args):  # noqa: D102
        for _ in range(plant_factor() - 1):
            super().run(init_params, *args)
        return super().run(init_params, *args)


class PlantedLBFGS(_PlantedRun, ScipyLBFGS):
    """``LBFGS[scipy]`` doing each fit ``NEMOS_BENCH_PLANT_FACTOR`` times."""


class PlantedBFGS(_PlantedRun, nmo.solvers.OptimistixBFGS):
    """NeMoS's ``BFGS[optimistix]`` doing each fit ``NEMOS_BENCH_PLANT_FACTOR`` times."""


class PlantedNonlinearCG(_PlantedRun, nmo.solvers.OptimistixNonlinearCG):
    """NeMoS's ``NonlinearCG[optimistix]`` doing each fit ``NEMOS_BENCH_PLANT_FACTOR`` times."""
