"""The registered scipy solvers and their registration in NeMoS's solver registry."""

from __future__ import annotations

import nemos as nmo

from .._jaxtools import enable_x64
from ._scipy import ScipyMinimize

__all__ = [
    "SCIPY_BACKEND",
    "SCIPY_SOLVER_CLASSES",
    "ScipyBFGS",
    "ScipyLBFGS",
    "ScipyNewtonCG",
    "ScipyNonlinearCG",
    "ScipyTrustKrylov",
    "ScipyTrustNCG",
    "register_scipy_solvers",
    "scipy_solver_names",
]

SCIPY_BACKEND = "scipy"


def _solver_class(algo: str, method: str, doc: str) -> type[ScipyMinimize]:
    cls = type(
        f"Scipy{algo}",
        (ScipyMinimize,),
        {
            "fixed_method": method,
            "registry_name": f"{algo}[{SCIPY_BACKEND}]",
            "__doc__": f"``{algo}[scipy]``: scipy's {method!r} method. {doc}\n\n"
            "Accepts ``tol`` (gradient-norm bound), ``maxiter``, ``options``, ``trace`` and "
            "NeMoS's LBFGS/BFGS/NonlinearCG arguments (see ScipyMinimize).",
            "__module__": __name__,
        },
    )
    return cls


ScipyLBFGS = _solver_class("LBFGS", "L-BFGS-B", "Limited-memory BFGS (no bounds given).")
ScipyBFGS = _solver_class("BFGS", "BFGS", "Dense quasi-Newton BFGS.")
ScipyNonlinearCG = _solver_class("NonlinearCG", "CG", "Polak-Ribiere nonlinear CG.")
ScipyNewtonCG = _solver_class(
    "NewtonCG", "Newton-CG", "Truncated Newton with exact Hessian-vector products."
)
ScipyTrustNCG = _solver_class(
    "TrustNCG", "trust-ncg", "Trust-region Newton-CG with exact Hessian-vector products."
)
ScipyTrustKrylov = _solver_class(
    "TrustKrylov", "trust-krylov", "Trust-region Lanczos with exact Hessian-vector products."
)

#: Algorithm name (as in ``Algo[scipy]``) to adapter class.
SCIPY_SOLVER_CLASSES: dict[str, type[ScipyMinimize]] = {
    "LBFGS": ScipyLBFGS,
    "BFGS": ScipyBFGS,
    "NonlinearCG": ScipyNonlinearCG,
    "NewtonCG": ScipyNewtonCG,
    "TrustNCG": ScipyTrustNCG,
    "TrustKrylov": ScipyTrustKrylov,
}


def scipy_solver_names() -> list[str]:
    """Full registry names of the scipy solvers, e.g. ``"LBFGS[scipy]"``.

    Examples
    --------
    >>> scipy_solver_names()[0]
    'LBFGS[scipy]'
    """
    return [f"{algo}[{SCIPY_BACKEND}]" for algo in SCIPY_SOLVER_CLASSES]


def _registered_class(algo: str):
    try:
        return nmo.solvers.get_solver(f"{algo}[{SCIPY_BACKEND}]").implementation
    except ValueError:
        return None


def register_scipy_solvers() -> list[str]:
    """Register every scipy solver in NeMoS's registry; safe to call repeatedly.

    Each class goes through NeMoS's validator, including both ridge tests (with and
    without auxiliary output), and its algorithm is allowed for ``UnRegularized`` and
    ``Ridge``. When a class is registered, JAX float64 is enabled (with a warning if it
    was off: the validator's fits, like every fit of scipy's line searches, need it);
    later calls leave the setting alone (a float32 worker turns it off on purpose).

    Returns
    -------
    list of str
        The registered names, e.g. ``["LBFGS[scipy]", ...]``.

    Examples
    --------
    >>> import nemos as nmo
    >>> names = register_scipy_solvers()
    >>> "LBFGS[scipy]" in names and nmo.solvers.get_solver("LBFGS[scipy]").backend
    'scipy'
    """
    for algo, cls in SCIPY_SOLVER_CLASSES.items():
        for regularizer in (nmo.regularizer.UnRegularized, nmo.regularizer.Ridge):
            regularizer.allow_solver(algo)
        if _registered_class(algo) is cls:
            continue
        enable_x64()
        nmo.solvers.register(
            algo,
            cls,
            backend=SCIPY_BACKEND,
            replace=True,
            default=False,
            validate=True,
            test_ridge_without_aux=True,
            test_ridge_with_aux=True,
        )
    return scipy_solver_names()
