"""The registered scipy solvers and their registration in NeMoS's solver registry."""

from __future__ import annotations

import nemos as nmo

from . import _clash
from ._scipy import ScipyMinimize
from ._validated import already_validated, record_validated
from ._x64 import enable_x64

__all__ = [
    "SCIPY_BACKEND",
    "SCIPY_SOLVER_CLASSES",
    "ScipyBFGS",
    "ScipyLBFGS",
    "ScipyNewtonCG",
    "ScipyNonlinearCG",
    "ScipyTrustKrylov",
    "ScipyTrustNCG",
    "register_checked_scipy_solvers",
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


def _restore_kept(records: dict[str, str], quiet: bool) -> None:
    """Register again, in this process, the other classes that a parent process kept."""
    for name, path in records.items():
        algo = name.removesuffix(f"[{SCIPY_BACKEND}]")
        if algo not in SCIPY_SOLVER_CLASSES:
            continue
        current = _registered_class(algo)
        if current is not None and _clash.class_path(current) == path.replace(":", "."):
            continue
        theirs = _clash.import_kept(path)
        if isinstance(theirs, type):
            try:
                nmo.solvers.register(algo, theirs, backend=SCIPY_BACKEND, replace=True)
                continue
            except Exception as err:  # noqa: BLE001 - left unregistered: its cells say so
                theirs = f"NeMoS refused it: {type(err).__name__}: {' '.join(str(err).split())}"
        _clash.say_once(
            (name, path, "unavailable"),
            f"{name} is kept for {path} ({_clash.KEPT_CLASSES_ENV}, set by a parent process), "
            f"but {theirs.rstrip('.')}; the name is left unregistered here rather than filled "
            "with nemos-bench's own class.",
            quiet,
        )


def _register_all(ridge_tests: bool, quiet: bool = False) -> list[str]:
    """Put each scipy class in the registry unless another class is kept under its name."""
    names = scipy_solver_names()
    records = _clash.kept_records()
    keep = _clash.kept_names(names) | set(records)
    _restore_kept(records, quiet)
    ridge_tests = ridge_tests and not already_validated()
    ridge_tested = []  # the classes registered here after passing the ridge tests
    for algo, cls in SCIPY_SOLVER_CLASSES.items():
        for regularizer in (nmo.regularizer.UnRegularized, nmo.regularizer.Ridge):
            regularizer.allow_solver(algo)
        name, current = f"{algo}[{SCIPY_BACKEND}]", _registered_class(algo)
        if current is cls:
            continue
        theirs = current is not None and not _clash.is_same_class(current, cls)
        if theirs and name in keep:
            _clash.announce(name, current, cls, kept=True, quiet=quiet)
            _clash.record_kept(name, current)
            continue
        if name in records:  # kept by a parent, not importable here: never substitute ours
            continue
        if theirs:
            _clash.announce(name, current, cls, kept=False, quiet=quiet)
        enable_x64()
        nmo.solvers.register(
            algo,
            cls,
            backend=SCIPY_BACKEND,
            replace=True,
            default=False,
            validate=True,
            test_ridge_without_aux=ridge_tests,
            test_ridge_with_aux=ridge_tests,
        )
        if ridge_tests:
            ridge_tested.append(cls)
    if len(ridge_tested) == len(SCIPY_SOLVER_CLASSES):  # each of ours, none kept aside
        record_validated()
    return names


def register_scipy_solvers() -> list[str]:
    """Register every scipy solver in NeMoS's registry; safe to call repeatedly.

    Each class goes through NeMoS's validator, including both ridge tests (with and
    without auxiliary output), and its algorithm is allowed for ``UnRegularized`` and
    ``Ridge``. The ridge tests run once per installation: once they pass, a marker in the
    cache directory, keyed by this code and the versions of nemos, jax, scipy and numpy,
    lets later processes skip them (see :mod:`._validated`). When a class is registered,
    JAX float64 is enabled (with a warning if it was off: the validator's fits, like every
    fit of scipy's line searches, need it); later calls leave the setting alone (a float32
    worker turns it off on purpose).

    A name that another class already holds is never taken over silently: a
    :class:`RegistryClashWarning` says which class held it and which is now used. By default
    nemos-bench's class replaces it; ``NEMOS_BENCH_KEEP_REGISTERED=1`` (or a comma-separated
    list of names) keeps the other class, which is then benchmarked under that name (see
    :mod:`._clash`). Calls that find nemos-bench's own classes registered say nothing.

    Returns
    -------
    list of str
        The names nemos-bench registers, e.g. ``["LBFGS[scipy]", ...]`` (a kept name holds
        the other class).

    Raises
    ------
    KeepRegisteredError
        If ``NEMOS_BENCH_KEEP_REGISTERED`` lists a name that nemos-bench does not register.

    Examples
    --------
    >>> import nemos as nmo
    >>> names = register_scipy_solvers()
    >>> "LBFGS[scipy]" in names and nmo.solvers.get_solver("LBFGS[scipy]").backend
    'scipy'
    """
    return _register_all(ridge_tests=True)


def register_checked_scipy_solvers() -> list[str]:
    """:func:`register_scipy_solvers` without the ridge tests, quietly, for worker processes.

    The parent process has validated the same classes from the same code and said what it
    had to say about other classes; this process only re-creates its registrations.
    """
    return _register_all(ridge_tests=False, quiet=True)
