"""The solver catalog: what can be benchmarked on this machine, found at run time."""

from __future__ import annotations

import difflib
import importlib

import nemos as nmo

from . import _clash
from ._baselines import baseline_names, get_baseline, is_baseline
from ._labels import SolverLabelError, parse_solver_label, registry_name, solver_label
from ._register import SCIPY_BACKEND, register_checked_scipy_solvers, register_scipy_solvers
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
    """The class registered under ``solver`` (e.g. ``"LBFGS[scipy]"``), settings ignored.

    Examples
    --------
    >>> from nemos_bench.solvers import register_scipy_solvers
    >>> _ = register_scipy_solvers()
    >>> solver_class("LBFGS[scipy]").__name__
    'ScipyLBFGS'
    """
    return nmo.solvers.get_solver(registry_name(solver)).implementation


def solver_allows(solver: str, regularizer: str) -> bool:
    """Whether NeMoS accepts ``solver`` together with ``regularizer``.

    For an outside baseline (see ``_baselines``): whether its library takes that penalty
    with some observation model. A label's settings are ignored.

    Examples
    --------
    >>> solver_allows("ProximalGradient", "Lasso"), solver_allows("LBFGS", "Lasso")
    (True, False)
    >>> solver_allows("IRLS[glum]", "ElasticNet"), solver_allows("LBFGS[sklearn]", "Lasso")
    (True, False)
    """
    solver = registry_name(solver)
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
    solver = registry_name(solver)
    cls = nmo.solvers.get_solver(solver).implementation
    if isinstance(cls, type) and issubclass(cls, ScipyMinimize):
        try:  # the adapter checks the regularizer first, before touching anything else
            cls(lambda params, *args: 0.0, getattr(nmo.regularizer, regularizer)(), None, False)
        except ValueError as err:
            return " ".join(str(err).split())
    return f"NeMoS does not allow {solver} with the {regularizer} regularizer."


def resolve_solvers(names: list[str] | None) -> list[str]:
    """Check user-given solver labels against the registry; ``None`` means all solvers.

    Each label's name is resolved to its full registry name (``LBFGS`` becomes
    ``LBFGS[optax+optimistix]``) and its settings are kept, written canonically (see
    :func:`solver_label`); NeMoS checks the settings themselves when a cell builds its model.

    Raises
    ------
    SolverLabelError
        A malformed label, or settings given to an outside baseline.
    UnknownSolverError
        Naming the bad name, the close matches and where to see the full list.

    Examples
    --------
    >>> resolve_solvers(["LBFGS{memory_size=5}", "LBFGS[scipy]", "LBFGS[scipy]"])
    ['LBFGS[optax+optimistix]{memory_size=5}', 'LBFGS[scipy]']
    """
    if names is None:
        return available_solvers()
    known = available_solvers() + baseline_names()
    resolved = []
    for label in names:
        name, settings = parse_solver_label(label)
        if settings and is_baseline(name):
            raise SolverLabelError(
                f"Solver label {label!r} gives settings to {name}, an outside baseline that "
                f"takes none; name it without settings ({name!r})."
            )
        resolved.append(solver_label(_registry_name(name, known), settings))
    return list(dict.fromkeys(resolved))


def _registry_name(name: str, known: list[str]) -> str:
    """The full registry name of ``name`` (which may be short, e.g. ``LBFGS``)."""
    if name in known:
        return name
    try:
        return nmo.solvers.get_solver(name).full_name
    except ValueError:
        pass
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    close += [k for k in known if name.lower() in k.lower() and k not in close][: 3 - len(close)]
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    raise UnknownSolverError(
        f"Unknown solver {name!r}{hint}; solvers are named Algo[backend], and "
        f"`nemos-bench list` shows the {len(known)} available here."
    )


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
    _say_if_replacing(f"{class_name}[{USER_BACKEND}]", cls, path, quiet=not validate)
    nmo.solvers.register(class_name, cls, backend=USER_BACKEND, replace=True, validate=True)
    return f"{class_name}[{USER_BACKEND}]"


def _say_if_replacing(name: str, cls: type, path: str, quiet: bool) -> None:
    """Warn (once) when ``name`` holds another class, which ``cls`` is about to replace."""
    try:
        current = nmo.solvers.get_solver(name).implementation
    except ValueError:
        return
    if not _clash.is_same_class(current, cls):
        _clash.say_once(
            (name, _clash.class_path(current), _clash.class_path(cls)),
            f"{name} was already registered in NeMoS by {_clash.class_path(current)}; "
            f"nemos-bench replaced it with {_clash.class_path(cls)} (solver class {path!r}), "
            "which is now used under that name.",
            quiet,
        )


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

    Notes
    -----
    The user classes' modules are imported first, as in the parent (which loads them
    before it registers the scipy solvers), so a module that registers a class under a
    scipy name when imported has the same effect here. Names whose other class the parent
    kept (``NEMOS_BENCH_KEEP_REGISTERED``) get that class again, never nemos-bench's (see
    :mod:`._clash`); nothing the parent has already said is said again.
    """
    for path in solver_classes:
        try:
            importlib.import_module(path.partition(":")[0])
        except Exception:  # noqa: BLE001 - load_solver_class reports it below
            pass
    register_checked_scipy_solvers()
    return [load_solver_class(path, validate=False) for path in solver_classes]
