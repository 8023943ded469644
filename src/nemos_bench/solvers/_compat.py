"""Every difference between the supported NeMoS releases, in one place.

Supported: nemos 0.2.8 (Python 3.10-3.13) and 0.2.9 (Python >= 3.12).

==========================  ==========================  ===================================
what                        0.2.8                       0.2.9
==========================  ==========================  ===================================
optimisation summary        ``solver.get_optim_info``   ``solver._get_optim_info``
convergence read by ``fit`` ``get_optim_info(state)``   ``state.stats.converged`` or
                                                        ``state.converged``
solver set-up on a model    ``_initialize_solver_and_   ``_initialize_optimizer_and_state
                            state(X, y, params)``       (params, X, y)``
``OptimizationInfo``        plain dataclass             ``equinox.Module`` of arrays
==========================  ==========================  ===================================
"""

from __future__ import annotations

from typing import Any

import nemos
from nemos.solvers import OptimizationInfo

__all__ = [
    "NEMOS_VERSION",
    "SUPPORTED_NEMOS",
    "check_nemos_version",
    "make_optim_info",
    "optim_info",
    "coef_intercept",
    "initial_params",
    "setup_model_solver",
]

SUPPORTED_NEMOS = ("0.2.8", "0.2.9")


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


NEMOS_VERSION = nemos.__version__


def check_nemos_version(version: str = NEMOS_VERSION, *, newer_ok: bool = False) -> None:
    """Raise if ``version`` is not a NeMoS release this harness supports.

    Parameters
    ----------
    version : str
        A NeMoS version string, by default the installed one.
    newer_ok : bool
        Accept versions after 0.2.x too (only older ones raise). Benchmarks over NeMoS's
        own history use it: a development commit is tried, and skips what it lacks.

    Raises
    ------
    RuntimeError
        For versions outside 0.2.8 ... 0.2.x (with ``newer_ok``: before 0.2.8).

    Examples
    --------
    >>> check_nemos_version("0.2.9")
    >>> check_nemos_version("0.3.0.dev4", newer_ok=True)
    >>> check_nemos_version("0.2.5", newer_ok=True)
    Traceback (most recent call last):
    ...
    RuntimeError: nemos 0.2.5 is not supported; nemos-bench supports nemos 0.2.8 and 0.2.9 ...
    """
    parsed = _version_tuple(version)
    too_old = parsed < (0, 2, 8)
    if too_old or (not newer_ok and parsed[:2] != (0, 2)):
        hint = (
            " (a version like 0.1.devN comes from a clone without tags: `git fetch --tags`)"
            if too_old and ".dev" in version
            else ""
        )
        raise RuntimeError(
            f"nemos {version} is not supported; nemos-bench supports nemos "
            f"{' and '.join(SUPPORTED_NEMOS)} (0.2.x from 0.2.8 on): "
            f"install one with `pip install 'nemos>=0.2.8,<0.3'`{hint}."
        )


def make_optim_info(
    function_val: float | None, num_steps: int, converged: bool, reached_max_steps: bool
) -> OptimizationInfo:
    """Build NeMoS's ``OptimizationInfo`` in the form the installed release expects."""
    if _version_tuple(NEMOS_VERSION) >= (0, 2, 9):
        import jax.numpy as jnp

        return OptimizationInfo(
            function_val=None if function_val is None else jnp.asarray(function_val),
            num_steps=jnp.asarray(num_steps),
            converged=jnp.asarray(converged),
            reached_max_steps=jnp.asarray(reached_max_steps),
        )
    return OptimizationInfo(
        function_val=function_val,
        num_steps=int(num_steps),
        converged=bool(converged),
        reached_max_steps=bool(reached_max_steps),
    )


def optim_info(solver: Any, state: Any) -> OptimizationInfo:
    """Return the optimisation summary of any NeMoS solver on either release.

    On 0.2.9 the adapters' states carry the summary of the run in ``state.stats`` (their
    ``_get_optim_info`` expects the inner state); elsewhere the solver's getter is used.
    """
    stats = getattr(state, "stats", None)
    if stats is not None and hasattr(stats, "converged") and hasattr(stats, "num_steps"):
        return stats
    getter = getattr(solver, "_get_optim_info", None) or solver.get_optim_info
    return getter(state)


def setup_model_solver(model: Any, init_params: Any, X: Any, y: Any) -> Any:
    """Instantiate ``model``'s solver for ``(X, y)`` and return the solver object.

    This is what ``model.fit`` does before it calls ``solver.run``; afterwards
    ``model.solver`` (0.2.8) or ``model._solver`` holds the instance.
    """
    if hasattr(model, "_initialize_optimizer_and_state"):
        model._initialize_optimizer_and_state(init_params, X, y)
    else:
        model._initialize_solver_and_state(X, y, init_params)
    return model._solver


def initial_params(model: Any, X: Any, y: Any) -> Any:
    """NeMoS's default starting point for ``model`` on ``(X, y)``, in the solver's layout.

    The same for every solver (zero coefficients, intercept at the log mean rate), as
    ``model.fit`` computes it when no ``init_params`` is given.
    """
    return model._model_specific_initialization(X, y)


def coef_intercept(params: Any) -> tuple[Any, Any]:
    """Return ``(coef, intercept)`` from NeMoS's parameter container or a plain pair."""
    if hasattr(params, "coef") and hasattr(params, "intercept"):
        return params.coef, params.intercept
    coef, intercept = params
    return coef, intercept
