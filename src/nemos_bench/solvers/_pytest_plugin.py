"""pytest plugin that lets NeMoS's own test suite run with the scipy adapter.

Load it with ``-p nemos_bench.solvers._pytest_plugin`` (:data:`NEMOS_TESTS_PLUGIN`) when
running the tests shipped in NeMoS's sdist. In the baseline run and the substituted run
alike it

- makes every scipy adapter class an attribute of ``nemos.solvers`` (``ScipyLBFGS``,
  ``ScipyBFGS``, ...), where NeMoS's ``-o override_solver=LBFGS:ScipyLBFGS`` option looks the
  class up to substitute it for NeMoS's own implementation of that algorithm;
- marks every test ``requires_x64``, so NeMoS's per-test precision fixture runs it in
  float64 (unmarked tests run in float32 there, which the adapter refuses on purpose);
- counts how often each adapter class is constructed, per test (a ``user_properties``
  entry ``nemos_bench_constructed``, which JUnit files keep, also under pytest-xdist) and in
  total at the end (``nemos-bench: ScipyLBFGS constructed N times``), so a substitution
  that never took effect is seen.

The classes are not added to NeMoS's registry: the suite's own fixture rebuilds the
registry from ``list_available_solvers()``, and extra entries would change what its
registry-wide tests loop over.
"""

from __future__ import annotations

import functools
from collections import Counter

import nemos as nmo
import pytest

from ._register import SCIPY_SOLVER_CLASSES
from ._scipy import ScipyMinimize

__all__ = [
    "NEMOS_TESTS_PLUGIN",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_runtest_call",
    "pytest_terminal_summary",
]

NEMOS_TESTS_PLUGIN = __name__  # also exported (as a string) by nemos_bench.solvers
_CONSTRUCTED: Counter = Counter()


def _count_constructions(cls) -> None:
    original = cls.__init__
    if getattr(original, "_nemos_bench_counting", False):
        return

    @functools.wraps(original)  # keeps the signature NeMoS's validator reads
    def __init__(self, *args, **kwargs):
        _CONSTRUCTED[type(self).__name__] += 1
        original(self, *args, **kwargs)

    __init__._nemos_bench_counting = True
    cls.__init__ = __init__


def pytest_configure(config):
    """Expose the adapter classes where NeMoS's ``override_solver`` option finds them."""
    import jax

    jax.config.update("jax_enable_x64", True)
    _count_constructions(ScipyMinimize)
    for cls in SCIPY_SOLVER_CLASSES.values():
        setattr(nmo.solvers, cls.__name__, cls)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Record in the test's report (and JUnit file) which adapter classes it constructed."""
    before = Counter(_CONSTRUCTED)
    try:
        return (yield)
    finally:
        for name, count in (_CONSTRUCTED - before).items():
            item.user_properties.append(("nemos_bench_constructed", f"{name}:{count}"))


def pytest_collection_modifyitems(session, config, items):
    """Run every collected test in float64 (NeMoS's ``requires_x64`` marker)."""
    for item in items:
        if item.get_closest_marker("requires_x64") is None:
            item.add_marker(pytest.mark.requires_x64)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Report how often each adapter class was constructed in this process."""
    for name, count in sorted(_CONSTRUCTED.items()):
        terminalreporter.write_line(f"nemos-bench: {name} constructed {count} times")
