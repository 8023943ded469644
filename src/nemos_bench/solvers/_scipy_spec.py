"""Data of the scipy adapter: supported methods, argument checks and the solver state."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

__all__ = [
    "SCIPY_METHODS",
    "SMOOTH_REGULARIZERS",
    "TRACE_MODES",
    "ScipySolverState",
    "blas_limit",
    "check_arguments",
    "check_method",
]

#: Supported scipy methods and whether each one uses Hessian-vector products.
SCIPY_METHODS: dict[str, bool] = {
    "L-BFGS-B": False,
    "BFGS": False,
    "CG": False,
    "Newton-CG": True,
    "trust-ncg": True,
    "trust-krylov": True,
}
_CONSTRAINED = ("SLSQP", "trust-constr", "COBYLA", "COBYQA", "TNC")
_OTHER_SCIPY = ("Nelder-Mead", "Powell", "dogleg", "trust-exact")
SMOOTH_REGULARIZERS = ("UnRegularized", "Ridge")
TRACE_MODES = ("none", "objective", "iterates")
_BLAS: list = []


def blas_limit(threads: int | None):
    """Cap NumPy/SciPy BLAS threads (not XLA's) while scipy's optimiser runs."""
    if threads is None:
        return contextlib.nullcontext()
    if not _BLAS:
        _BLAS.append(ThreadpoolController().select(user_api="blas"))
    return _BLAS[0].limit(limits=threads)


@dataclass(frozen=True)
class ScipySolverState:
    """State of a scipy solve: scipy's report plus the trajectory of the run.

    Attributes
    ----------
    fun : float
        Objective (penalised loss) at the current parameters.
    nit : int
        Iterations taken so far (summed over ``update`` calls).
    nfev, njev, nhev : int
        Objective, gradient and Hessian-vector evaluations. One JAX ``value_and_grad``
        call counts as one ``nfev`` and one ``njev``.
    status : int
        0 when the last ``minimize`` call converged, else scipy's status code of that call
        (2 where scipy said 0 but the adapter's test does not hold; -1 before any call).
    message : str
        What ended the last ``minimize`` call, with the gradient norm reached.
    converged : bool
        Whether the adapter's test (gradient norm <= ``tol + rtol * |f|``) holds at the
        returned parameters, or the run stopped short of ``maxiter`` at the float64 floor of
        that test (see ``nemos_bench.solvers._scipy_options``; the message says which).
    reached_max_steps : bool
        Whether the last call stopped at ``maxiter``.
    trace_fun : tuple of float
        Objective at the start and after every iteration of the run.
    trace_time : tuple of float
        Seconds since the start of the run for each entry of ``trace_fun``.
    trace_x : tuple of numpy.ndarray or None
        Flat parameter vector for each entry of ``trace_fun`` when the solver was built
        with ``trace="iterates"``; unflatten with :meth:`ScipyMinimize.unravel`.
    grad_norm : float
        Norm of the gradient at the current parameters, in the solver's ``norm``
        (NaN before any ``minimize`` call).
    restarts : int
        ``minimize`` calls after the first of each run, where scipy ended one short of
        ``maxiter`` without converging (see ``nemos_bench.solvers._scipy_run``).
    """

    fun: float
    nit: int = 0
    nfev: int = 0
    njev: int = 0
    nhev: int = 0
    status: int = -1
    message: str = "not started"
    converged: bool = False
    reached_max_steps: bool = False
    trace_fun: tuple[float, ...] = ()
    trace_time: tuple[float, ...] = ()
    trace_x: tuple[np.ndarray, ...] | None = None
    grad_norm: float = float("nan")
    restarts: int = 0


def check_method(method: str | None, fixed: str | None) -> str:
    accepted = ", ".join(repr(m) for m in SCIPY_METHODS)
    if fixed is not None:
        if method is not None and method != fixed:
            raise ValueError(
                f"method={method!r} cannot be set on the {fixed} solver; choose the solver by "
                f"name instead (scipy methods available: {accepted})."
            )
        return fixed
    method = "L-BFGS-B" if method is None else method
    if method in SCIPY_METHODS:
        return method
    if method in _CONSTRAINED:
        raise ValueError(
            f"scipy method {method!r} is for bounded or constrained problems, which the adapter "
            f"does not pose; accepted methods: {accepted}."
        )
    if method in _OTHER_SCIPY:
        raise ValueError(
            f"scipy method {method!r} is not supported (it is derivative-free or needs a dense "
            f"Hessian); accepted methods: {accepted}."
        )
    raise ValueError(f"Unknown scipy method {method!r}; accepted methods: {accepted}.")


def check_arguments(*, maxiter=1, blas_threads=None, trace="none", options=None) -> None:
    """Raise a ``ValueError`` naming the first bad argument of the adapter."""
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}.")
    if blas_threads is not None and (
        isinstance(blas_threads, bool) or not isinstance(blas_threads, int) or blas_threads < 1
    ):
        raise ValueError(f"blas_threads must be a positive integer or None, got {blas_threads!r}.")
    if trace not in TRACE_MODES:
        raise ValueError(f"trace must be one of {TRACE_MODES}, got {trace!r}.")
    for key in ("bounds", "constraints"):
        if key in (options or {}):
            raise ValueError(
                f"options[{key!r}] is not accepted: the scipy adapter solves unconstrained "
                "problems only."
            )
