"""Noting which of NeMoS's tests can see a solver substitution (``override_solver``).

Under NeMoS's ``-o override_solver=ALGO:Class`` option, the suite's session fixture
registers ``Class`` as the one implementation of ``ALGO`` (backend ``"replaced_for_pytest"``).
Everything else in the process is what the baseline run has: the only state that differs is
that registry entry, kept in two module-level dicts of ``nemos.solvers._solver_registry``
(``_registry``: algorithm -> {backend: SolverSpec}; ``_defaults``: algorithm -> default
backend, both used only by that module's functions and, by module attribute, by the
suite's fixture), plus the ``override_solver`` ini value, which only that fixture reads in
the files the conformance check runs.

A test can see the substitution only by reading the entry: from those dicts (by key, or by
iterating over, copying, comparing or printing their values), or through a ``SolverSpec``
of ``ALGO`` that an earlier read left somewhere (a model cached by a fixture, a deep copy of
it). :func:`watch` makes both kinds of read set a flag: the two dicts become
:class:`WatchedDict` instances (keys alone are not noted: they are the same in both runs),
and every attribute read on a ``SolverSpec`` whose ``algo_name`` is watched is noted. The
flag is per process; the plugin clears it before each test's setup.
"""

from __future__ import annotations

from nemos.solvers import _solver_registry

__all__ = ["WatchedDict", "clear", "touched", "watch"]

_STATE: dict = {"keys": frozenset(), "touched": False}


def clear() -> None:
    """Forget earlier reads (called before each test)."""
    _STATE["touched"] = False


def touched() -> bool:
    """Whether the watched entry was read since the last :func:`clear`."""
    return bool(_STATE["touched"])


class WatchedDict(dict):
    """A registry dict that notes every read of a watched key's value (module doc)."""

    def _note(self, key) -> None:
        if key in _STATE["keys"]:
            _STATE["touched"] = True

    def _note_all(self) -> None:
        if _STATE["keys"] & set(dict.keys(self)):
            _STATE["touched"] = True

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def pop(self, key, *default):
        self._note(key)
        return super().pop(key, *default)

    def setdefault(self, key, default=None):
        self._note(key)
        return super().setdefault(key, default)

    def __iter__(self):  # defined so that C-level merges go through keys and __getitem__
        return super().__iter__()

    def values(self):
        self._note_all()
        return super().values()

    def items(self):
        self._note_all()
        return super().items()

    def popitem(self):
        self._note_all()
        return super().popitem()

    def copy(self):
        self._note_all()
        return dict(super().items())

    def __eq__(self, other):
        self._note_all()
        return super().__eq__(other)

    def __ne__(self, other):
        self._note_all()
        return super().__ne__(other)

    __hash__ = None

    def __repr__(self):
        self._note_all()
        return super().__repr__()

    def __or__(self, other):
        self._note_all()
        return dict(super().items()) | other

    def __reduce__(self):
        self._note_all()
        return (dict, (dict(super().items()),))


def _spec_getattribute(self, name):
    if _STATE["keys"] and object.__getattribute__(self, "algo_name") in _STATE["keys"]:
        _STATE["touched"] = True
    return object.__getattribute__(self, name)


def watch(algorithms) -> None:
    """Note reads of the registry entries of ``algorithms`` (module doc); idempotent.

    Examples
    --------
    >>> import nemos as nmo
    >>> watch({"LBFGS"}); clear()
    >>> _ = nmo.solvers.get_solver("GradientDescent"); touched()
    False
    >>> _ = nmo.solvers.get_solver("LBFGS"); touched()
    True
    >>> watch(set()); clear()
    """
    _STATE["keys"] = frozenset(algorithms)
    for name in ("_registry", "_defaults"):
        current = getattr(_solver_registry, name)
        if not isinstance(current, WatchedDict):
            setattr(_solver_registry, name, WatchedDict(dict.items(current)))
    spec_class = _solver_registry.SolverSpec
    if spec_class.__dict__.get("__getattribute__") is not _spec_getattribute:
        spec_class.__getattribute__ = _spec_getattribute
