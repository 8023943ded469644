"""The solver catalog: what can be benchmarked on this machine, found at run time."""

from __future__ import annotations

import difflib
import importlib

import nemos as nmo

from ._baselines import baseline_names, get_baseline, is_baseline
from ._register import SCIPY_BACKEND, SCIPY_SOLVER_CLASSES, register_scipy_solvers
from ._scipy import ScipyMinimize

__all__ = [
    "SolverClassError",
    "UnknownSolverError",
    "available_solvers",
    "disallowed_reason",
    "load_solver_class",
    "register_validated_solvers",
    "resolve_solvers",
    "solver_allows",
    "solver_class",
]

USER_BACKEND = "custom"


class UnknownSolverError(ValueError):
    """A solver name that the registry does not know."""


class SolverClassError(ValueError):
    """A user solver class that cannot be imported or fails NeMoS's validation."""


def available_solvers(regularizer: str | None = None) -> list[str]:
    """Registry names ``Algo[backend]`` of every solver, scipy ones included.

    Parameters
    ----------
    regularizer : str, optional
        Keep only the solvers that NeMoS allows for this regularizer.

    Returns
    -------
    list of str
        Native solvers first, in registry order, then the scipy ones.

    Examples
    --------
    >>> names = available_solvers("Ridge")
    >>> "LBFGS[scipy]" in names and "ProximalGradient[optimistix]" in names
    True
    """
    register_scipy_solvers()
    specs = nmo.solvers.list_available_solvers()
    names = [s.full_name for s in specs if s.backend != SCIPY_BACKEND]
    names += [s.full_name for s in specs if s.backend == SCIPY_BACKEND]
    if regularizer is not None:
        names = [name for name in names if solver_allows(name, regularizer)]
    return names


def solver_class(solver: str) -> type:
    """The class registered under ``solver`` (e.g. ``"LBFGS[scipy]"``).

    Examples
    --------
    >>> from nemos_bench.solvers import register_scipy_solvers
    >>> _ = register_scipy_solvers()
    >>> solver_class("LBFGS[scipy]").__name__
    'ScipyLBFGS'
    """
    return nmo.solvers.get_solver(solver).implementation


def solver_allows(solver: str, regularizer: str) -> bool:
    """Whether NeMoS accepts ``solver`` together with ``regularizer``.

    For an outside baseline (see ``_baselines``): whether its library takes that penalty
    with some observation model.

    Examples
    --------
    >>> solver_allows("ProximalGradient", "Lasso"), solver_allows("LBFGS", "Lasso")
    (True, False)
    >>> solver_allows("IRLS[glum]", "ElasticNet"), solver_allows("LBFGS[sklearn]", "Lasso")
    (True, False)
    """
    if is_baseline(solver):
        if get_baseline(solver).library == "glum":
            return regularizer != "GroupLasso"
        return regularizer in ("UnRegularized", "Ridge")
    algo = nmo.solvers.get_solver(solver).algo_name
    return algo in getattr(nmo.regularizer, regularizer)().allowed_solvers


def disallowed_reason(solver: str, regularizer: str) -> str:
    """Why ``solver`` does not run with ``regularizer``, in one sentence.

    The scipy adapter's own refusal (it explains that it needs a smooth objective), else
    NeMoS's rule.

    Examples
    --------
    >>> disallowed_reason("LBFGS[scipy]", "Lasso").split(":")[0]
    "LBFGS[scipy] cannot use regularizer 'Lasso'"
    """
    cls = nmo.solvers.get_solver(solver).implementation
    if isinstance(cls, type) and issubclass(cls, ScipyMinimize):
        try:  # the adapter checks the regularizer first, before touching anything else
            cls(lambda params, *args: 0.0, getattr(nmo.regularizer, regularizer)(), None, False)
        except ValueError as err:
            return " ".join(str(err).split())
    return f"NeMoS does not allow {solver} with the {regularizer} regularizer."


def resolve_solvers(names: list[str] | None) -> list[str]:
    """Check user-given solver names against the registry; ``None`` means all of them.

    Raises
    ------
    UnknownSolverError
        Naming the bad name, the close matches and where to see the full list.
    """
    if names is None:
        return available_solvers()
    known = available_solvers() + baseline_names()
    resolved = []
    for name in names:
        if name in known:
            resolved.append(name)
            continue
        try:
            resolved.append(nmo.solvers.get_solver(name).full_name)
            continue
        except ValueError:
            pass
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        close += [k for k in known if name.lower() in k.lower() and k not in close][
            : 3 - len(close)
        ]
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        raise UnknownSolverError(
            f"Unknown solver {name!r}{hint}; solvers are named Algo[backend], and "
            f"`nemos-bench list` shows the {len(known)} available here."
        )
    return list(dict.fromkeys(resolved))


def load_solver_class(path: str, *, validate: bool = True) -> str:
    """Import a user's ``AbstractSolver`` class, validate it and register it.

    Parameters
    ----------
    path : str
        ``"package.module:ClassName"``; the solver is registered as
        ``ClassName[custom]`` and allowed for UnRegularized and Ridge.
    validate : bool
        Run NeMoS's validator, ridge tests included (about half a second per class). Only
        a process whose parent has validated the same class may skip it.

    Returns
    -------
    str
        The registry name.

    Raises
    ------
    SolverClassError
        If the path is malformed, the import fails, the attribute is not a class or NeMoS's
        validator (signatures and both ridge tests) rejects it; the message gives the reason.
    """
    module_name, sep, class_name = path.partition(":")
    if not sep or not module_name or not class_name.isidentifier():
        raise SolverClassError(
            f"Solver class {path!r} is not of the form 'package.module:ClassName'."
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as err:  # noqa: BLE001 - any import failure is the user's to see
        raise SolverClassError(
            f"Cannot import module {module_name!r} for solver class {path!r}: "
            f"{type(err).__name__}: {err}."
        ) from None
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise SolverClassError(f"Module {module_name!r} has no class named {class_name!r}.")
    register_scipy_solvers()  # float64 on, as for every benchmarked solver
    for has_aux in (False, True) if validate else ():
        try:
            nmo.solvers.validate_solver_class(cls, test_ridge=True, loss_has_aux=has_aux)
        except Exception as err:  # noqa: BLE001 - the validator's reason is the message
            detail = " ".join(str(err).split()) or type(err).__name__
            raise SolverClassError(
                f"Solver class {path!r} failed NeMoS's validation "
                f"({'with' if has_aux else 'without'} aux): {detail}"
            ) from None
    for regularizer in (nmo.regularizer.UnRegularized, nmo.regularizer.Ridge):
        regularizer.allow_solver(class_name)
    nmo.solvers.register(class_name, cls, backend=USER_BACKEND, replace=True, validate=True)
    return f"{class_name}[{USER_BACKEND}]"


def register_validated_solvers(solver_classes: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Register the scipy solvers and user classes that a parent process has validated.

    For the worker process of an isolated sweep: the same classes, from the same code,
    passed NeMoS's validator (its ridge tests take several seconds) in the parent, so
    here only their signatures are checked. Float64 is enabled as by
    :func:`register_scipy_solvers`.

    Parameters
    ----------
    solver_classes : sequence of str
        ``package.module:ClassName`` paths, as given to :func:`load_solver_class`.

    Returns
    -------
    list of str
        Registry names of the user classes.
    """
    for algo, cls in SCIPY_SOLVER_CLASSES.items():
        nmo.solvers.register(algo, cls, backend=SCIPY_BACKEND, replace=True, validate=True)
    register_scipy_solvers()  # allows them for UnRegularized and Ridge; finds them registered
    return [load_solver_class(path, validate=False) for path in solver_classes]
