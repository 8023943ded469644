"""pytest plugin that lets NeMoS's own test suite run with the scipy adapter.

Load it with ``-p nemos_bench.solvers._pytest_plugin`` (:data:`NEMOS_TESTS_PLUGIN`) when
running the tests shipped in NeMoS's sdist. In the baseline run and the substituted run
alike it

- makes every scipy adapter class an attribute of ``nemos.solvers`` (``ScipyLBFGS``,
  ``ScipyBFGS``, ...), where NeMoS's ``-o override_solver=LBFGS:ScipyLBFGS`` option looks the
  class up to substitute it for NeMoS's own implementation of that algorithm;
- marks every test ``requires_x64``, so NeMoS's per-test precision fixture runs it in
  float64 (unmarked tests run in float32 there, which the adapter refuses on purpose);
- records per test, as ``user_properties`` (which JUnit files keep, also under
  pytest-xdist): its node id (``nemos_bench_nodeid``), how often it constructed each adapter
  class (``nemos_bench_constructed``, also summed at the end: ``nemos-bench: ScipyLBFGS
  constructed N times``, so a substitution that never took effect is seen), and whether it
  *touched the substitution* (``nemos_bench_touched``): constructed an adapter class or read
  the registry entry of the overridden algorithm (see :mod:`._pytest_watch`);
- with ``--nemos-bench-select FILE``, runs only the tests whose node ids FILE lists, one a
  line (the conformance script's reduced baseline).

The classes are not added to NeMoS's registry: the suite's own fixture rebuilds the
registry from ``list_available_solvers()``, and extra entries would change what its
registry-wide tests loop over.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import nemos as nmo
import pytest

from . import _pytest_watch
from ._register import SCIPY_SOLVER_CLASSES
from ._scipy import ScipyMinimize

__all__ = [
    "NEMOS_TESTS_PLUGIN",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_runtest_setup",
    "pytest_runtest_teardown",
    "pytest_terminal_summary",
]

NEMOS_TESTS_PLUGIN = __name__  # also exported (as a string) by nemos_bench.solvers
_CONSTRUCTED: Counter = Counter()
_BEFORE = pytest.StashKey[Counter]()


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


def _overridden_algorithms(config) -> frozenset:
    try:
        value = config.getini("override_solver")
    except ValueError:  # not NeMoS's test suite: no such ini option
        return frozenset()
    return frozenset({value.split(":", 1)[0]}) if value else frozenset()


def pytest_addoption(parser):
    """``--nemos-bench-select FILE``: run only the tests whose node ids FILE lists."""
    parser.addoption(
        "--nemos-bench-select",
        default=None,
        help="file of node ids, one a line: run only these tests (nemos-bench conformance)",
    )


def pytest_configure(config):
    """Expose the adapter classes and watch the overridden algorithm's registry entry."""
    import jax

    jax.config.update("jax_enable_x64", True)
    _count_constructions(ScipyMinimize)
    for cls in SCIPY_SOLVER_CLASSES.values():
        setattr(nmo.solvers, cls.__name__, cls)
    _pytest_watch.watch(_overridden_algorithms(config))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item):
    """Start recording what the test touches (its fixtures' setup included)."""
    _pytest_watch.clear()
    item.stash[_BEFORE] = Counter(_CONSTRUCTED)
    return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """Record in the test's report (and JUnit file) what it constructed and touched."""
    try:
        return (yield)
    finally:
        constructed = _CONSTRUCTED - item.stash.get(_BEFORE, Counter())
        item.user_properties.append(("nemos_bench_nodeid", item.nodeid))
        for name, count in constructed.items():
            item.user_properties.append(("nemos_bench_constructed", f"{name}:{count}"))
        if constructed or _pytest_watch.touched():
            item.user_properties.append(("nemos_bench_touched", "1"))


def pytest_collection_modifyitems(session, config, items):
    """Run every collected test in float64; keep only ``--nemos-bench-select``'s tests."""
    for item in items:
        if item.get_closest_marker("requires_x64") is None:
            item.add_marker(pytest.mark.requires_x64)
    select = config.getoption("nemos_bench_select")
    if select:
        wanted = set(Path(select).read_text().split("\n")) - {""}
        kept = [item for item in items if item.nodeid in wanted]
        dropped = [item for item in items if item.nodeid not in wanted]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Report how often each adapter class was constructed in this process."""
    for name, count in sorted(_CONSTRUCTED.items()):
        terminalreporter.write_line(f"nemos-bench: {name} constructed {count} times")
