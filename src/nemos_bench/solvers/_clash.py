"""Solver names that another package registered first: say so, and keep theirs on request.

nemos-bench registers its scipy adapter under NeMoS's names ``LBFGS[scipy]``, ``BFGS[scipy]``,
... Another package may have registered a class of its own under one of them (NeMoS's
development line ships ``scripts/benchmarking/scipy_adapter.py``, whose benchmark registers
its own ``LBFGS[scipy]``). The harness never replaces such a class silently: it emits one
:class:`RegistryClashWarning` sentence per name, naming the other class (``module.qualname``)
and the class now used. By default nemos-bench's class replaces theirs (the sentence says how
to keep theirs); with :data:`KEEP_ENV` set (``NEMOS_BENCH_KEEP_REGISTERED=1``, or a
comma-separated list of names) theirs is kept, benchmarked under that name, and nemos-bench
does not register its own class there.

Worker processes (isolated cells, Dask workers' cell subprocesses) start with a fresh
registry. A process that keeps another class records it in the environment variable
:data:`KEPT_CLASSES_ENV` (name → ``module:qualname``), which worker processes inherit; there
the class is imported and registered again, so cells run the same class as in the parent.
A class that cannot be imported there (defined in ``__main__``, say) leaves its name
unregistered in that process, and its cells fail saying the solver is not registered:
nemos-bench's class never stands in for it.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import warnings
from collections.abc import Callable, Iterator, Mapping

__all__ = [
    "KEEP_ENV",
    "KEPT_CLASSES_ENV",
    "KeepRegisteredError",
    "RegistryClashWarning",
    "announce",
    "class_path",
    "clash_sentence",
    "import_kept",
    "is_same_class",
    "kept_names",
    "kept_records",
    "record_kept",
    "registry_environ",
    "registry_warnings_to",
    "say_once",
]

#: Environment variable: keep another package's class under names nemos-bench registers.
KEEP_ENV = "NEMOS_BENCH_KEEP_REGISTERED"
#: Environment variable (set by nemos-bench, read by its worker processes): JSON object of
#: the names whose other class is kept, each to that class's ``module:qualname``.
KEPT_CLASSES_ENV = "NEMOS_BENCH_KEPT_CLASSES"

_TRUE = ("1", "true", "yes", "on", "all")
_FALSE = ("", "0", "false", "no", "off")
_ANNOUNCED: set[tuple] = set()


class RegistryClashWarning(UserWarning):
    """A solver name nemos-bench registers was already registered by another class.

    ``nemos-bench list`` and ``run`` print it as one ``warning:`` line.
    """


class KeepRegisteredError(ValueError):
    """:data:`KEEP_ENV` holds neither a boolean nor names that nemos-bench registers."""


def class_path(cls) -> str:
    """``module.qualname`` of ``cls``, as the clash sentence names it.

    Examples
    --------
    >>> class_path(RegistryClashWarning)
    'nemos_bench.solvers._clash.RegistryClashWarning'
    """
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', repr(cls))}"


def is_same_class(cls, ours) -> bool:
    """Whether registered class ``cls`` is ``ours``: the same object, or the same definition.

    The same ``module.qualname`` counts as the same class (e.g. a module imported again).

    Examples
    --------
    >>> is_same_class(KeepRegisteredError, KeepRegisteredError)
    True
    >>> is_same_class(RegistryClashWarning, KeepRegisteredError)
    False
    """
    return cls is ours or (cls is not None and class_path(cls) == class_path(ours))


def kept_names(ours: list[str], environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The names among ``ours`` whose other class :data:`KEEP_ENV` asks to keep.

    Parameters
    ----------
    ours : list of str
        Every name nemos-bench registers, e.g. ``["LBFGS[scipy]", ...]``.
    environ : mapping, optional
        Environment to read (default: this process's).

    Returns
    -------
    frozenset of str
        Empty when the variable is unset or false (``0``, ``false``, ``no``, ``off``);
        every name of ``ours`` when true (``1``, ``true``, ``yes``, ``on``, ``all``);
        otherwise the comma-separated names it lists.

    Raises
    ------
    KeepRegisteredError
        If it lists a name that nemos-bench does not register.

    Examples
    --------
    >>> ours = ["LBFGS[scipy]", "BFGS[scipy]"]
    >>> sorted(kept_names(ours, {KEEP_ENV: "1"})), sorted(kept_names(ours, {}))
    (['BFGS[scipy]', 'LBFGS[scipy]'], [])
    >>> sorted(kept_names(ours, {KEEP_ENV: " LBFGS[scipy] "}))
    ['LBFGS[scipy]']
    """
    value = (os.environ if environ is None else environ).get(KEEP_ENV, "").strip()
    if value.lower() in _FALSE:
        return frozenset()
    if value.lower() in _TRUE:
        return frozenset(ours)
    names = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in ours]
    if unknown:
        raise KeepRegisteredError(
            f"{KEEP_ENV}={value!r} names {', '.join(repr(n) for n in unknown)}, which "
            f"nemos-bench does not register; set it to 1 (every name) or to a comma-separated "
            f"list of {', '.join(ours)}."
        )
    return frozenset(names)


def clash_sentence(name: str, theirs, ours, kept: bool) -> str:
    """The one sentence said when ``name`` was registered by ``theirs`` before ``ours``.

    Examples
    --------
    >>> class Theirs: ...
    >>> class Ours: ...
    >>> print(clash_sentence("LBFGS[scipy]", Theirs, Ours, kept=False))  # doctest: +ELLIPSIS
    LBFGS[scipy] was already registered in NeMoS by ....Theirs; nemos-bench replaced it \
with its own ....Ours, which is now used under that name (set NEMOS_BENCH_KEEP_REGISTERED=1 \
to keep theirs).
    """
    if kept:
        return (
            f"{name} was already registered in NeMoS by {class_path(theirs)}; that class is "
            f"kept and benchmarked under this name ({KEEP_ENV} is set), and nemos-bench's own "
            f"{class_path(ours)} is not registered."
        )
    return (
        f"{name} was already registered in NeMoS by {class_path(theirs)}; nemos-bench "
        f"replaced it with its own {class_path(ours)}, which is now used under that name "
        f"(set {KEEP_ENV}=1 to keep theirs)."
    )


def announce(name: str, theirs, ours, kept: bool, *, quiet: bool = False) -> None:
    """Warn with :func:`clash_sentence`, once per process for each name, class and choice.

    ``quiet``: only note it as said (a worker process, whose parent has said it).
    """
    say_once((name, class_path(theirs), kept), clash_sentence(name, theirs, ours, kept), quiet)


def say_once(key: tuple, sentence: str, quiet: bool = False) -> None:
    """Warn ``sentence`` (:class:`RegistryClashWarning`) unless ``key`` was said before here."""
    if key in _ANNOUNCED:
        return
    _ANNOUNCED.add(key)
    if not quiet:
        warnings.warn(sentence, RegistryClashWarning, stacklevel=4)


def kept_records(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Names kept by this process or a parent: name → ``module:qualname`` (see module doc).

    Examples
    --------
    >>> kept_records({KEPT_CLASSES_ENV: '{"LBFGS[scipy]": "pkg.mod:Their"}'})
    {'LBFGS[scipy]': 'pkg.mod:Their'}
    >>> kept_records({KEPT_CLASSES_ENV: "not json"}), kept_records({})
    ({}, {})
    """
    text = (os.environ if environ is None else environ).get(KEPT_CLASSES_ENV, "")
    try:
        records = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(records, dict):
        return {}
    return {str(k): str(v) for k, v in records.items()}


def record_kept(name: str, theirs) -> None:
    """Record in this process's environment that ``theirs`` is kept under ``name``.

    Worker processes inherit the environment (:func:`kept_records`).
    """
    records = kept_records()
    path = f"{theirs.__module__}:{theirs.__qualname__}"
    if records.get(name) != path:
        records[name] = path
        os.environ[KEPT_CLASSES_ENV] = json.dumps(records, sort_keys=True)


def registry_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The two variables of this module as set here (``""`` when unset), for other machines.

    A Dask worker of an existing cluster does not inherit this process's environment: the
    sweep hands it these values with each task, so its cell processes keep the same classes.

    Examples
    --------
    >>> registry_environ({KEEP_ENV: "1"}) == {KEEP_ENV: "1", KEPT_CLASSES_ENV: ""}
    True
    """
    environ = os.environ if environ is None else environ
    return {name: environ.get(name, "") for name in (KEEP_ENV, KEPT_CLASSES_ENV)}


def import_kept(path: str):
    """The class at ``module:qualname``, or the reason it cannot be imported here (a str).

    Examples
    --------
    >>> import_kept("nemos_bench.solvers._clash:RegistryClashWarning").__name__
    'RegistryClashWarning'
    >>> import_kept("__main__:<locals>.Gone")
    "'__main__:<locals>.Gone' is not importable"
    """
    module_name, _, qualname = path.partition(":")
    if not module_name or not qualname or "<" in qualname or module_name == "__main__":
        return f"{path!r} is not importable"
    try:
        obj = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except Exception as err:  # noqa: BLE001 - any failure is the reason
        return f"importing {path!r} failed: {type(err).__name__}: {' '.join(str(err).split())}"
    return obj if isinstance(obj, type) else f"{path!r} is not a class"


@contextlib.contextmanager
def registry_warnings_to(say: Callable[[str], None]) -> Iterator[None]:
    """Inside the block, hand each :class:`RegistryClashWarning` to ``say`` as one line.

    Other warnings are shown as before. The CLI prints them as ``warning: <sentence>``.

    Examples
    --------
    >>> said = []
    >>> with registry_warnings_to(said.append):
    ...     warnings.warn("one sentence.", RegistryClashWarning)
    >>> said
    ['one sentence.']
    """
    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if isinstance(category, type) and issubclass(category, RegistryClashWarning):
            say(" ".join(str(message).split()))
        else:
            original(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("always", RegistryClashWarning)  # :func:`announce` dedupes
        warnings.showwarning = show
        yield
