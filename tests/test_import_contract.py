"""The package's import contract (issue 26): no import circles, layers, no private reach-ins.

The imports are read from the source with :mod:`ast` (nothing is imported), every kind
counted: module level, under ``if TYPE_CHECKING:`` (a type is a dependency too) and inside
functions (the usual way to hide a circle). Relative imports are resolved against the
importing module. Imports by string (``importlib``, ``python -m``) are not seen.

The contract:

- **no circles**: the module graph of ``src/nemos_bench`` has no cycle;
- **layers**: a module imports only its own layer and the layers :data:`LAYERS` allows it,
  except the edges declared in :data:`EXCEPTIONS`, each with its reason; a layer is a
  top-level subpackage (or module) of ``nemos_bench``; the CLI (``cli/``) sits on top and no
  other layer imports it;
- **no private reach-ins**: a module imports another package's private module (``_name``)
  only through that package's ``__init__``, except those declared in
  :data:`PRIVATE_EXCEPTIONS`.

A declared exception that no longer occurs fails the test: delete it when it is fixed.
"""

from __future__ import annotations

import ast
import graphlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "nemos_bench"
SRC = Path(__file__).resolve().parents[1] / "src"

#: Layer -> the other layers its modules may import.
LAYERS: dict[str, frozenset[str]] = {
    "nemos_bench": frozenset(),  # the root __init__: __version__ only
    "problems": frozenset(),
    "results": frozenset(),
    "solvers": frozenset({"problems"}),
    # one cell, measured honestly; knows nothing of sweeps
    "measure": frozenset({"problems", "results", "solvers"}),
    # plans and runs many cells with measure
    "sweep": frozenset({"measure", "problems", "results", "solvers"}),
    "report": frozenset({"results"}),
    "compare": frozenset({"results"}),
    "verify": frozenset({"problems", "results"}),
    "asv_tools": frozenset({"nemos_bench", "problems", "report", "results"}),
    "workloads": frozenset({"problems", "results", "solvers", "measure"}),
}
LAYERS["cli"] = frozenset(LAYERS)
#: (importer, imported) edges allowed across the layers, with the reason.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("nemos_bench.report._tol_notes", "nemos_bench.solvers"): (
        "runs written before the tol_stops_on column get each solver's meaning from "
        "solvers.known_tol_meaning, imported lazily for those old runs only (it imports NeMoS)"
    ),
}
#: (importer, imported private module) edges allowed, with the reason; ``"*"`` as the
#: importer: any module its layer allows.
PRIVATE_EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    """One import of a package module by another: where it is and of which kind."""

    importer: str
    imported: str
    line: int
    kind: str  # "module", "type-checking" or "function"

    def __str__(self) -> str:
        where = "" if self.kind == "module" else f", {self.kind}"
        return f"{self.importer} -> {self.imported} (line {self.line}{where})"


def modules(src: Path, package: str) -> dict[str, bool]:
    """Dotted name -> whether it is a package (``__init__``), for every module of ``package``."""
    found = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = is_package
    return found


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(test)


def _imports_in(node: ast.AST, kind: str):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, kind
        elif _type_checking(child):
            for part in child.body:
                yield from _imports_in(ast.Module([part], []), "type-checking")
            for part in child.orelse:
                yield from _imports_in(ast.Module([part], []), kind)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _imports_in(child, "function")
        else:
            yield from _imports_in(child, kind)


def _targets(name: str, is_package: bool, node: ast.AST, known) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = name.split(".") if is_package else name.split(".")[:-1]
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join(parts + ([node.module] if node.module else []))
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


def read_imports(src: Path, package: str) -> list[Import]:
    """Every import of one module of ``package`` by another, read from the source."""
    known = modules(src, package)
    found = set()
    for name, is_package in known.items():
        path = src / Path(*name.split(".")) / "__init__.py" if is_package else None
        path = path or (src / Path(*name.split("."))).with_suffix(".py")
        for node, kind in _imports_in(ast.parse(path.read_text(encoding="utf-8")), "module"):
            for target in _targets(name, is_package, node, known):
                while target and target not in known:  # a name imported from a module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.add(Import(name, target, node.lineno, kind))
    return sorted(found, key=lambda i: (i.importer, i.imported, i.line))


def find_cycles(edges) -> list[list[str]]:
    """Import circles of the graph of ``(importer, imported)`` pairs, until none is left.

    Each circle is ``[m0, m1, ..., m0]``, each module importing the next, ``m0`` the least
    name; its first import is then taken out of the graph, so each is reported once.
    """
    graph: dict[str, set[str]] = {}
    for importer, imported in edges:
        graph.setdefault(importer, set()).add(imported)
    cycles = []
    while True:
        try:
            tuple(graphlib.TopologicalSorter(graph).static_order())
        except graphlib.CycleError as err:
            ring = err.args[1][:0:-1]  # graphlib lists each node before those it imports
            start = ring.index(min(ring))
            cycle = ring[start:] + ring[:start] + [min(ring)]
            cycles.append(cycle)
            graph[cycle[0]].discard(cycle[1])
        else:
            return cycles


def layer_of(module: str) -> str:
    """The layer of a module: its top-level subpackage or module of the package."""
    return module.split(".")[1] if "." in module else module


def layer_violations(imports, layers=LAYERS, exceptions=EXCEPTIONS) -> list[str]:
    """Imports across layers that ``layers`` does not allow nor ``exceptions`` declare."""
    bad = []
    for imp in imports:
        mine, theirs = layer_of(imp.importer), layer_of(imp.imported)
        if mine not in layers:
            bad.append(f"{imp.importer}: layer {mine!r} is not declared in the contract")
        elif mine != theirs and theirs not in layers[mine]:
            if (imp.importer, imp.imported) not in exceptions:
                bad.append(f"{imp}: {mine} may not import {theirs}")
    return bad


def _package_of(module: str, known: dict[str, bool]) -> str:
    return module if known.get(module) else module.rpartition(".")[0]


def private_violations(imports, known, exceptions=PRIVATE_EXCEPTIONS) -> list[str]:
    """Imports of another package's private module, except those ``exceptions`` declare."""
    bad = []
    for imp in imports:
        last = imp.imported.rpartition(".")[2]
        if not last.startswith("_") or last.startswith("__"):
            continue
        if _package_of(imp.importer, known) == _package_of(imp.imported, known):
            continue
        if {(imp.importer, imp.imported), ("*", imp.imported)} & set(exceptions):
            continue
        bad.append(f"{imp}: import it from {imp.imported.rpartition('.')[0]}'s __init__")
    return bad


def stale_exceptions(imports, declared=(*EXCEPTIONS, *PRIVATE_EXCEPTIONS)) -> list[str]:
    """Declared exceptions that no import uses any more."""
    used = {(i.importer, i.imported) for i in imports}
    used |= {("*", imported) for _, imported in used}
    return [f"{pair}: no longer imported" for pair in declared if pair not in used]


IMPORTS = read_imports(SRC, PACKAGE)


def test_the_reader_sees_the_package():
    known = modules(SRC, PACKAGE)
    assert {"nemos_bench.sweep._sweep", "nemos_bench.measure._cell", "nemos_bench.cli"} <= set(
        known
    )
    assert all(layer_of(name) in LAYERS for name in known)
    sweep = {i.imported for i in IMPORTS if i.importer == "nemos_bench.sweep._sweep"}
    assert {"nemos_bench.sweep._sweepconfig", "nemos_bench.problems"} <= sweep  # relative
    assert "nemos_bench.sweep._dask" in sweep  # an import inside a function
    assert "nemos_bench.measure" in sweep


def test_no_import_circles():
    assert find_cycles((i.importer, i.imported) for i in IMPORTS) == []


def test_layers():
    assert layer_violations(IMPORTS) == []


def test_nothing_outside_the_cli_imports_it():
    into = [str(i) for i in IMPORTS if layer_of(i.imported) == "cli" != layer_of(i.importer)]
    assert into == []


def test_no_private_module_of_another_package():
    assert private_violations(IMPORTS, modules(SRC, PACKAGE)) == []


def test_the_development_guide_states_the_layers():
    """docs/development.md's "Code layout" table lists each layer and what it may import."""
    text = (SRC.parent / "docs" / "development.md").read_text(encoding="utf-8")
    text = text.split("## Code layout", 1)[1].split("\n## ", 1)[0]  # that section's table
    stated = {}
    for names, imports in re.findall(r"^\| (`.+?) \| .+? \| (.+?) \|$", text, re.MULTILINE):
        for name in re.findall(r"`(\w+)(?:/|\.py)?`", names):
            stated[name] = frozenset(re.findall(r"`(\w+)`", imports))
    assert stated.pop("cli") == frozenset()  # "any; nothing imports it"
    assert stated == {k: v for k, v in LAYERS.items() if k not in ("nemos_bench", "cli")}


def test_every_declared_exception_still_occurs():
    assert stale_exceptions(IMPORTS) == []


# Testing the test: the same checks on a copy of the package with an import planted.


def _planted(tmp_path: Path, relative: str, code: str) -> tuple[list[Import], dict, Import]:
    """A copy of the package with ``code`` appended to one module: its imports, modules, and
    the planted import (the last one read from that module)."""
    shutil.copytree(SRC / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("*.pyc"))
    path = tmp_path / PACKAGE / relative
    text = path.read_text(encoding="utf-8")
    path.write_text(f"{text}\n{code}", encoding="utf-8")
    imports = read_imports(tmp_path, PACKAGE)
    module = PACKAGE + "." + relative.removesuffix(".py").replace("/", ".")
    planted = max((i for i in imports if i.importer == module), key=lambda i: i.line)
    return imports, modules(tmp_path, PACKAGE), planted


def test_find_cycles_reports_each_circle():
    assert find_cycles([("a", "b"), ("b", "c"), ("c", "d")]) == []
    edges = [("b", "c"), ("c", "a"), ("a", "b"), ("c", "d"), ("d", "d")]
    assert sorted(find_cycles(edges)) == [["a", "b", "c", "a"], ["d", "d"]]


def test_a_planted_upward_import_fails(tmp_path):
    imports, known, planted = _planted(
        tmp_path, "results/_schema.py", "def _up():\n    from ..sweep import Cell\n"
    )
    assert (planted.imported, planted.kind) == ("nemos_bench.sweep", "function")
    assert layer_violations(imports) == [f"{planted}: results may not import sweep"]
    cycles = find_cycles((i.importer, i.imported) for i in imports)
    assert any({"nemos_bench.results._schema", "nemos_bench.sweep"} <= set(c) for c in cycles)


def test_measure_importing_sweep_fails_as_a_layer_and_a_circle(tmp_path):
    imports, known, planted = _planted(
        tmp_path, "measure/_cell.py", "from ..sweep import SweepConfig\n"
    )
    assert (planted.imported, planted.kind) == ("nemos_bench.sweep", "module")
    assert layer_violations(imports) == [f"{planted}: measure may not import sweep"]
    cycles = find_cycles((i.importer, i.imported) for i in imports)
    assert any({"nemos_bench.measure._cell", "nemos_bench.sweep"} <= set(c) for c in cycles)


def test_a_planted_circle_inside_a_package_fails(tmp_path):
    imports, known, planted = _planted(
        tmp_path, "problems/_axes.py", "if TYPE_CHECKING:\n    from ._spec import ProblemSpec\n"
    )
    assert (planted.imported, planted.kind) == ("nemos_bench.problems._spec", "type-checking")
    assert layer_violations(imports) == [] and private_violations(imports, known) == []
    cycles = find_cycles((i.importer, i.imported) for i in imports)
    assert [set(c) for c in cycles] == [
        {"nemos_bench.problems._axes", "nemos_bench.problems._spec"}
    ]


def test_a_planted_import_of_the_cli_fails(tmp_path):
    imports, known, planted = _planted(
        tmp_path, "compare/_table.py", "from ..cli._parser import build_parser\n"
    )
    assert planted.imported == "nemos_bench.cli._parser"
    assert layer_violations(imports) == [f"{planted}: compare may not import cli"]
    assert private_violations(imports, known) == [
        f"{planted}: import it from nemos_bench.cli's __init__"
    ]
    imports, known, planted = _planted(
        tmp_path / "public", "report/_build.py", "from .. import cli\n"
    )
    assert planted.imported == "nemos_bench.cli"
    assert layer_violations(imports) == [f"{planted}: report may not import cli"]


def test_a_planted_private_reach_in_fails(tmp_path):
    imports, known, planted = _planted(
        tmp_path, "report/_build.py", "from ..results._schema import SUMMARY_COLUMNS\n"
    )
    assert layer_violations(imports) == []  # report may import results, through its __init__
    assert private_violations(imports, known) == [
        f"{planted}: import it from nemos_bench.results's __init__"
    ]
    declared = {**PRIVATE_EXCEPTIONS, (planted.importer, planted.imported): "a reason"}
    assert private_violations(imports, known, declared) == []


def test_a_stale_exception_fails():
    declared = [("nemos_bench.sweep._sweep", "nemos_bench.sweep._dask"), ("x", "y")]
    assert stale_exceptions(IMPORTS, declared) == ["('x', 'y'): no longer imported"]
