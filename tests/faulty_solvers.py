"""Fault-injection solvers: scipy L-BFGS that misbehaves on benchmark-sized problems.

Each class passes NeMoS's validator (its ridge test has 100 samples) and behaves like
``LBFGS[scipy]`` on problems of at most ``FAULT_ROWS`` samples; on bigger ones its ``run``
raises, returns NaN, allocates without bound, hangs, segfaults or kills its own process.
Load them with ``--solver-class faulty_solvers:HangingSolver`` (tests/ on ``sys.path``) or
``--solver-class tests.faulty_solvers:HangingSolver`` from the repository root.
"""

import ctypes
import os
import signal
import time

import jax
import jax.numpy as jnp
import numpy as np

from nemos_bench.solvers import ScipyLBFGS

#: Problems with more rows than this trigger the fault.
FAULT_ROWS = 200


def _faulty(args) -> bool:
    return args[0].shape[0] > FAULT_ROWS


class RaisingSolver(ScipyLBFGS):
    """Raises ``RuntimeError`` inside ``run``."""

    def run(self, init_params, *args):  # noqa: D102
        if _faulty(args):
            raise RuntimeError("injected failure in RaisingSolver.run")
        return super().run(init_params, *args)


class NaNSolver(ScipyLBFGS):
    """Returns NaN parameters, as a diverging solver would."""

    def run(self, init_params, *args):  # noqa: D102
        params, state, aux = super().run(init_params, *args)
        if _faulty(args):
            params = jax.tree_util.tree_map(lambda p: p * jnp.nan, params)
        return params, state, aux


class MemoryHogSolver(ScipyLBFGS):
    """Asks NumPy for petabytes, which raises ``MemoryError``."""

    def run(self, init_params, *args):  # noqa: D102
        if _faulty(args):
            np.ones(2**50)
        return super().run(init_params, *args)


class HangingSolver(ScipyLBFGS):
    """Never returns."""

    def run(self, init_params, *args):  # noqa: D102
        while _faulty(args):
            time.sleep(1.0)
        return super().run(init_params, *args)


class SegfaultSolver(ScipyLBFGS):
    """Dereferences a null pointer: the process dies with SIGSEGV."""

    def run(self, init_params, *args):  # noqa: D102
        if _faulty(args):
            ctypes.string_at(0)
        return super().run(init_params, *args)


class SelfKillSolver(ScipyLBFGS):
    """Sends SIGKILL to its own process, as the out-of-memory killer would."""

    def run(self, init_params, *args):  # noqa: D102
        if _faulty(args):
            os.kill(os.getpid(), signal.SIGKILL)
        return super().run(init_params, *args)


class ParentKillSolver(ScipyLBFGS):
    """Kills its parent process: under Dask, the Dask worker that runs the cell.

    Only for sweeps on Dask (``DaskExecutor``); elsewhere the parent is the sweep itself.
    """

    def run(self, init_params, *args):  # noqa: D102
        if _faulty(args):
            os.kill(os.getppid(), signal.SIGKILL)
            time.sleep(60)  # the worker is gone; this subprocess dies with it
        return super().run(init_params, *args)
