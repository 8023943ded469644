"""Untimed per-problem warm-up, so that a cell's ``compile_s`` is its solver's own first call.

The first fit on a problem in a process pays one-time costs that are not the solver's:
bringing up the XLA backend (first problem only), copying the data to the device, and
compiling NeMoS's shape-specific pieces that every fit shares (input checks, the default
initial parameters, the loss's building blocks). Without a warm-up the first cell of each
problem absorbs them into its ``compile_s``, which then depends on run order. The warm-up
fits the problem once, untimed, with two cheap solvers (one optimistix, one scipy, two
iterations each) and throws the fits away; every fit builds fresh solver closures, so no
cell's own compilation is paid here.
"""

from __future__ import annotations

import warnings

import jax.numpy as jnp

from ..problems import Problem
from ..solvers import available_solvers, solver_allows
from ._nemos_model import make_model
from ._timing import block

__all__ = ["WARMUP_SOLVERS", "warm_up"]

#: Solvers of the warm-up fits (those registered and allowed for the problem are used).
WARMUP_SOLVERS = ("GradientDescent[optimistix]", "LBFGS[scipy]")


def warm_up(problem: Problem) -> list[str]:
    """Pay ``problem``'s one-time costs in this process; return the solvers fitted.

    Best effort: a warm-up fit that fails is skipped (the cells report their own errors).

    Examples
    --------
    >>> from nemos_bench.problems import ProblemSpec, load_problem
    >>> warm_up(load_problem(ProblemSpec(100, 2)))  # doctest: +SKIP
    ['GradientDescent[optimistix]', 'LBFGS[scipy]']
    """
    block((jnp.asarray(problem.X), jnp.asarray(problem.y)))
    known, fitted = set(available_solvers()), []
    for solver in WARMUP_SOLVERS:
        if solver not in known or not solver_allows(solver, problem.spec.regularizer):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = make_model(problem.spec, solver, 1e-4, 2)
                model.fit(problem.X, problem.y)
                block((model.coef_, model.intercept_))
        except Exception:  # noqa: BLE001 - the warm-up is untimed and optional
            continue
        fitted.append(solver)
    return fitted
