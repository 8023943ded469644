"""Conformance check: NeMoS's own solver tests, run with the scipy adapter substituted.

Run from the repository root (a standalone script, not a test or an asv benchmark)::

    python benchmarks/nemos_conformance.py                       # full check, LBFGS only
    python benchmarks/nemos_conformance.py --solvers LBFGS,BFGS,NonlinearCG
    python benchmarks/nemos_conformance.py --selection ci        # what CI runs (minutes)

For the installed NeMoS release it
1. fetches NeMoS's sdist from the package index (``pip download --no-deps --no-binary :all:
   nemos==<installed>``; the sdist ships ``tests/``) into ``--workdir`` and installs what its
   tests import beyond NeMoS's own dependencies (statsmodels; pytest-xdist with ``--jobs``);
2. runs ``tests/test_solvers.py``, ``tests/test_solver_validation.py`` and
   ``tests/test_glm.py`` once with NeMoS's own solvers (the baseline), then once per
   ``--solvers`` entry with the matching scipy class substituted through the suite's own
   ``-o override_solver=Algo:ClassName`` option. Both runs load nemos-bench's pytest plugin
   (``NEMOS_TESTS_PLUGIN``), which makes the classes findable in ``nemos.solvers`` and runs
   every test in float64 (the adapter refuses float32; see ``INTENTIONAL`` for what that
   leaves);
3. prints passed / failed / skipped counts of each run and every test that passes in the
   baseline but not with the substitute. Such a test must match an entry of ``INTENTIONAL``
   (the documented, deliberate differences); any other one makes the exit status 1.
   A substituted run in which the scipy class was never constructed is an error too.

Exit status: 0 conformant, 1 unexpected differences, 2 bad usage or a run that could not
start (no network for the sdist, pytest crashed).
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

FILES = ("tests/test_solvers.py", "tests/test_solver_validation.py", "tests/test_glm.py")
# "ci", a few minutes on 2 cores: NeMoS's solver-validation tests, the sklearn comparisons
# at tol=1e-12 (population Gamma and categorical fits included) and the masked population
# fits against a loop of single-neuron fits with LBFGS (stepsize passed in solver_kwargs).
SELECTIONS = {
    "full": (FILES, None),
    "ci": (
        ("tests/test_solver_validation.py", "tests/test_glm.py"),
        "test_solver_validation or test_glm_fit_matches_sklearn "
        "or (test_masked_fit_vs_loop and LBFGS)",
    ),
}

# The intentional differences: (NeMoS version glob, algorithm glob, test-id glob, why).
# A test that passes with NeMoS's solver and fails with the scipy class is accepted only if
# it matches one of these entries. Each entry is deliberate behaviour of the adapter.
#
# The adapter's two deliberate refusals need no entry here (and no other difference has
# needed one so far):
# - float32: the adapter refuses to run with jax_enable_x64 off (scipy's line searches
#   fail in float32). NeMoS's suite runs unmarked tests in float32; the plugin runs every
#   test in float64 in *both* runs, so float32 behaviour is not compared at all.
# - Lasso, GroupLasso, ElasticNet: refused (non-smooth). NeMoS itself allows only
#   ProximalGradient and ProxSVRG for them, so a substituted LBFGS/BFGS/NonlinearCG never
#   meets them in NeMoS's tests.
INTENTIONAL: tuple[tuple[str, str, str, str], ...] = ()


@dataclass
class Run:
    """Outcome of one pytest run: test id -> "passed" | "failed" | "skipped"."""

    label: str
    outcomes: dict[str, str] = field(default_factory=dict)
    constructed: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)


def _fail(message: str, code: int = 2) -> None:
    print(f"nemos_conformance: {message}", file=sys.stderr)
    raise SystemExit(code)


def fetch_tests(version: str, workdir: Path) -> Path:
    """Download and unpack NeMoS's sdist; return its root (holding ``tests/``)."""
    root = workdir / f"nemos-{version}"
    if (root / "tests" / "conftest.py").exists():
        return root
    workdir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    command += ["-q", "-d", str(workdir), f"nemos=={version}"]
    if subprocess.run(command, check=False).returncode != 0:
        _fail(
            f"could not download the sdist of nemos=={version} (is the package index reachable?)."
        )
    archives = sorted(workdir.glob(f"nemos-{version}.tar.gz"))
    if not archives:
        _fail(f"pip downloaded no nemos-{version}.tar.gz into {workdir}.")
    with tarfile.open(archives[0]) as tar:
        tar.extractall(workdir, filter="data")
    if not (root / "tests" / "conftest.py").exists():
        _fail(f"the sdist of nemos {version} has no tests/conftest.py.")
    return root


def install_test_requirements(jobs: int) -> None:
    """Install what NeMoS's solver tests import that NeMoS itself does not require."""
    wanted = {"statsmodels": "statsmodels"}
    if jobs > 1:
        wanted["xdist"] = "pytest-xdist"
    missing = [pkg for module, pkg in wanted.items() if importlib.util.find_spec(module) is None]
    if missing:
        command = [sys.executable, "-m", "pip", "install", "-q", *missing]
        if subprocess.run(command, check=False).returncode != 0:
            _fail(f"could not install {', '.join(missing)}.")


def _read_junit(junit: Path) -> tuple[dict[str, str], int]:
    outcomes, constructed = {}, 0
    for case in ET.parse(junit).getroot().iter("testcase"):
        for prop in case.iter("property"):
            if prop.get("name") == "nemos_bench_constructed":
                constructed += int(prop.get("value", "x:0").rsplit(":", 1)[1])
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("skipped") is not None:
            outcomes[test_id] = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcomes[test_id] = "failed"
        else:
            outcomes[test_id] = "passed"
    return outcomes, constructed


def run_pytest(root, files, keyword, label, override, jobs, out: Path, plugin: str) -> Run:
    """Run NeMoS's tests once and read the outcome of every test from a JUnit file."""
    junit = out / f"{label}.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", plugin]
    command += [*files, f"--junitxml={junit}", "-W", "ignore::DeprecationWarning"]
    if keyword:
        command += ["-k", keyword]
    if override:
        command += ["-o", f"override_solver={override}"]
    if jobs > 1:
        command += ["-n", str(jobs)]
    print(f"--- {label}: {' '.join(command[1:])}", flush=True)
    log = out / f"{label}.log"
    with log.open("w") as stream:
        code = subprocess.run(command, cwd=root, stdout=stream, stderr=subprocess.STDOUT).returncode
    if code not in (0, 1) or not junit.exists():
        _fail(f"pytest exited with status {code} in the {label} run; see {log}.")
    outcomes, constructed = _read_junit(junit)
    run = Run(label, outcomes, constructed)
    print(
        f"    {run.count('passed')} passed, {run.count('failed')} failed, "
        f"{run.count('skipped')} skipped (log: {log})",
        flush=True,
    )
    return run


def intentional_reason(version: str, algo: str, test_id: str) -> str | None:
    """The documented reason a test may differ, or None."""
    for version_glob, algo_glob, test_glob, why in INTENTIONAL:
        if (
            fnmatch.fnmatch(version, version_glob)
            and fnmatch.fnmatch(algo, algo_glob)
            and fnmatch.fnmatch(test_id, test_glob)
        ):
            return why
    return None


def compare(version: str, algo: str, base: Run, other: Run) -> int:
    """Print the differences of ``other`` from ``base``; return how many are unexpected."""
    lost = sorted(
        t for t, o in base.outcomes.items() if o == "passed" and other.outcomes.get(t) != "passed"
    )
    unexpected = 0
    for test_id in lost:
        why = intentional_reason(version, algo, test_id)
        if why is None:
            unexpected += 1
            print(f"    UNEXPECTED {other.outcomes.get(test_id, 'missing')}: {test_id}")
        else:
            print(f"    intentional ({why}): {test_id}")
    gained = sum(
        1 for t, o in other.outcomes.items() if o == "passed" and base.outcomes.get(t) != "passed"
    )
    print(
        f"    {algo}: {len(lost)} of {base.count('passed')} baseline passes lost "
        f"({len(lost) - unexpected} intentional, {unexpected} unexpected); {gained} gained"
    )
    if not other.constructed:
        print(f"    UNEXPECTED: the scipy class for {algo} was never constructed.")
        unexpected += 1
    return unexpected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solvers", default="LBFGS", help="NeMoS algorithms to substitute")
    parser.add_argument("--selection", choices=sorted(SELECTIONS), default="full")
    parser.add_argument("-k", dest="keyword", default=None, help="pytest -k expression")
    parser.add_argument("--workdir", type=Path, default=Path("results/nemos-conformance"))
    parser.add_argument("--jobs", type=int, default=1, help="pytest-xdist workers")
    args = parser.parse_args(argv)

    import nemos

    from nemos_bench.solvers import NEMOS_TESTS_PLUGIN, SCIPY_SOLVER_CLASSES

    algos = [a.strip() for a in args.solvers.split(",") if a.strip()]
    unknown = [a for a in algos if a not in SCIPY_SOLVER_CLASSES]
    if unknown:
        parser.error(f"unknown --solvers {unknown}; accepted: {', '.join(SCIPY_SOLVER_CLASSES)}")
    version = nemos.__version__
    files, keyword = SELECTIONS[args.selection]
    if args.keyword:
        keyword = f"({keyword}) and ({args.keyword})" if keyword else args.keyword
    root = fetch_tests(version, args.workdir.resolve())
    install_test_requirements(args.jobs)
    out = args.workdir.resolve() / f"runs-{version}-{args.selection}"
    out.mkdir(parents=True, exist_ok=True)
    print(f"nemos {version}: {' '.join(files)}" + (f" -k {keyword!r}" if keyword else ""))
    runner = dict(root=root, files=files, keyword=keyword, jobs=args.jobs, out=out)
    base = run_pytest(label="baseline", override=None, plugin=NEMOS_TESTS_PLUGIN, **runner)
    unexpected = 0
    for algo in algos:
        name = SCIPY_SOLVER_CLASSES[algo].__name__
        other = run_pytest(
            label=algo, override=f"{algo}:{name}", plugin=NEMOS_TESTS_PLUGIN, **runner
        )
        unexpected += compare(version, algo, base, other)
    print("conformant" if unexpected == 0 else f"{unexpected} unexpected difference(s)")
    return 0 if unexpected == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
