"""Conformance check: NeMoS's own solver tests, run with the scipy adapter substituted.

Run from the repository root (a standalone script, not a test or an asv benchmark)::

    python benchmarks/nemos_conformance.py                       # full check, LBFGS only
    python benchmarks/nemos_conformance.py --solvers LBFGS,BFGS,NonlinearCG
    python benchmarks/nemos_conformance.py --baseline touched --jobs 2   # same verdict, faster
    python benchmarks/nemos_conformance.py --selection ci --baseline lost  # what CI runs

For the installed NeMoS release it
1. fetches NeMoS's sdist from the package index (``pip download --no-deps --no-binary :all:
   nemos==<installed>``; the sdist ships ``tests/``) into ``--workdir``, or with
   ``--sdist FILE`` unpacks that local sdist instead (a build of a development commit that
   is on no index; it must be of the installed version), and installs what its tests
   import beyond NeMoS's own dependencies (statsmodels; pytest-xdist with ``--jobs``);
2. runs ``tests/test_solvers.py``, ``tests/test_solver_validation.py`` and
   ``tests/test_glm.py`` once with NeMoS's own solvers (the baseline), then once per
   ``--solvers`` entry with the matching scipy class substituted through the suite's own
   ``-o override_solver=Algo:ClassName`` option. Both runs load nemos-bench's pytest plugin
   (``NEMOS_TESTS_PLUGIN``), which makes the classes findable in ``nemos.solvers`` and runs
   every test in float64 (the adapter refuses float32; see ``INTENTIONAL`` for what that
   leaves);
   With ``--baseline touched`` the substituted runs go first and the baseline runs only the
   tests that *touched the substitution* in one of them (built a scipy class or read the
   overridden algorithm's registry entry, as the plugin records per test; see
   ``nemos_bench.solvers._pytest_watch``) or did not pass there. Every other test ran the
   same code with the same data in both runs, since the registry entry is the only state
   that differs between them, so its outcome in the substituted run is its baseline
   outcome. With ``--baseline lost`` (what CI uses: NeMoS's own LBFGS takes most of the
   time of a full baseline) it runs only the tests that did not pass with a substitute:
   the verdict is the same, since a test that passes with the substitute is never a lost
   one, but the baseline's counts cover only those tests;
3. prints passed / failed / skipped counts of each run and every test that passes in the
   baseline but not with the substitute. Such a test must match an entry of ``INTENTIONAL``
   (the documented, deliberate differences); any other one makes the exit status 1.
   A substituted run in which the scipy class was never constructed is an error too.

Exit status: 0 conformant, 1 unexpected differences, 2 bad usage or a run that could not
start (no network for the sdist, an ``--sdist`` of another version, pytest crashed).
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import subprocess
import sys
import tarfile
import time
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
    touched: frozenset = frozenset()

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)

    def counts(self) -> str:
        return ", ".join(f"{self.count(o)} {o}" for o in ("passed", "failed", "skipped"))


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
    return _extract(archives[0], version, workdir)


def unpack_sdist(archive: Path, version: str, workdir: Path) -> Path:
    """``--sdist``: unpack a local NeMoS sdist ``nemos-<version>.tar.gz`` of the installed
    ``version`` into ``workdir``; return its root (holding ``tests/``)."""
    if not archive.is_file():
        _fail(f"--sdist {archive} is not a file; give the path of a nemos-<version>.tar.gz.")
    name = archive.name
    if not (name.startswith("nemos-") and name.endswith(".tar.gz")):
        _fail(f"--sdist {archive} is not named nemos-<version>.tar.gz, as NeMoS's sdists are.")
    sdist_version = name[len("nemos-") : -len(".tar.gz")]
    if sdist_version != version:
        _fail(
            f"--sdist {archive} is named for nemos {sdist_version}, but nemos {version} is "
            "installed; give the sdist of the installed version."
        )
    return _extract(archive, version, workdir)


def _extract(archive: Path, version: str, workdir: Path) -> Path:
    root = workdir / f"nemos-{version}"
    if not (root / "tests" / "conftest.py").exists():
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            with tarfile.open(archive) as tar:
                tar.extractall(workdir, filter="data")
        except (tarfile.TarError, OSError) as err:
            _fail(f"cannot unpack {archive}: {err}.")
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


def _read_junit(junit: Path) -> tuple[dict[str, str], int, frozenset]:
    """Outcomes by test id (the plugin's node id, else JUnit's class::name), constructions
    of scipy classes summed over the tests, and the ids of the tests that touched the
    substitution."""
    outcomes, constructed, touched = {}, 0, set()
    for case in ET.parse(junit).getroot().iter("testcase"):
        props = [(p.get("name"), p.get("value", "")) for p in case.iter("property")]
        ids = [value for name, value in props if name == "nemos_bench_nodeid"]
        test_id = ids[0] if ids else f"{case.get('classname', '')}::{case.get('name', '')}"
        for name, value in props:
            if name == "nemos_bench_constructed":
                constructed += int(value.rsplit(":", 1)[1])
            elif name == "nemos_bench_touched":
                touched.add(test_id)
        if case.find("skipped") is not None:
            outcomes[test_id] = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcomes[test_id] = "failed"
        else:
            outcomes[test_id] = "passed"
    return outcomes, constructed, frozenset(touched)


def run_pytest(root, files, keyword, label, override, jobs, out: Path, plugin: str, only=None):
    """Run NeMoS's tests once (``only``: just these test ids) and read every outcome."""
    junit = out / f"{label}.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", plugin]
    command += [*files, f"--junitxml={junit}", "-W", "ignore::DeprecationWarning"]
    if keyword:
        command += ["-k", keyword]
    if override:
        command += ["-o", f"override_solver={override}"]
    if only is not None:
        select = out / f"{label}.select"
        select.write_text("".join(f"{test_id}\n" for test_id in sorted(only)))
        command += [f"--nemos-bench-select={select}"]
    if jobs > 1:
        command += ["-n", str(jobs)]
    print(f"--- {label}: {' '.join(command[1:])}", flush=True)
    log = out / f"{label}.log"
    start = time.perf_counter()
    with log.open("w") as stream:
        code = subprocess.run(command, cwd=root, stdout=stream, stderr=subprocess.STDOUT).returncode
    seconds = time.perf_counter() - start
    if code not in (0, 1) or not junit.exists():
        _fail(f"pytest exited with status {code} in the {label} run; see {log}.")
    run = Run(label, *_read_junit(junit))
    if only is not None and set(only) - set(run.outcomes):
        missing = sorted(set(only) - set(run.outcomes))
        _fail(f"the {label} run did not run {len(missing)} selected test(s), e.g. {missing[0]}.")
    print(
        f"    {run.counts()}; {len(run.touched)} touched the substitution "
        f"({seconds:.0f} s; log: {log})",
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


def reduced_baseline(base: Run, runs: list[Run]) -> dict[str, Run]:
    """Each substituted run's baseline: ``base``'s outcome where it ran the test, else the
    run's own outcome (a test that did not touch the substitution ran the same code)."""
    return {
        other.label: Run(
            f"baseline for {other.label}",
            {t: base.outcomes.get(t, o) for t, o in other.outcomes.items()},
        )
        for other in runs
    }


BASELINE_MODES = {
    "full": "every test",
    "touched": "the others did not touch the substitution: same code in both runs",
    "lost": "only those that did not pass with a substitute: the others cannot be lost",
}


def baseline_selection(mode: str, runs: list[Run]) -> set[str]:
    """The tests the baseline must run in ``mode`` ("touched" or "lost"; module doc)."""
    not_passed = {t for r in runs for t, o in r.outcomes.items() if o != "passed"}
    if mode == "lost":
        return not_passed
    return not_passed | set().union(*(r.touched for r in runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solvers", default="LBFGS", help="NeMoS algorithms to substitute")
    parser.add_argument("--selection", choices=sorted(SELECTIONS), default="full")
    parser.add_argument("-k", dest="keyword", default=None, help="pytest -k expression")
    parser.add_argument(
        "--baseline",
        choices=sorted(BASELINE_MODES),
        default="full",
        help="run the baseline over every test; only over the tests that touched the "
        "substitution or did not pass with it (touched: same verdict and counts); or only "
        "over those that did not pass with it (lost: same verdict; module doc)",
    )
    parser.add_argument("--workdir", type=Path, default=Path("results/nemos-conformance"))
    parser.add_argument(
        "--sdist",
        type=Path,
        default=None,
        help="take NeMoS's tests from this local sdist (nemos-<installed version>.tar.gz) "
        "instead of downloading it from the package index",
    )
    parser.add_argument("--jobs", type=int, default=1, help="pytest-xdist workers")
    args = parser.parse_args(argv)

    import nemos

    from nemos_bench.solvers import NEMOS_TESTS_PLUGIN, SCIPY_SOLVER_CLASSES

    algos = [a.strip() for a in args.solvers.split(",") if a.strip()]
    unknown = [a for a in algos if a not in SCIPY_SOLVER_CLASSES]
    if unknown:
        parser.error(f"unknown --solvers {unknown}; accepted: {', '.join(SCIPY_SOLVER_CLASSES)}")
    if args.jobs < 1:
        parser.error(f"--jobs must be a positive integer, got {args.jobs}")
    version = nemos.__version__
    files, keyword = SELECTIONS[args.selection]
    if args.keyword:
        keyword = f"({keyword}) and ({args.keyword})" if keyword else args.keyword
    workdir = args.workdir.resolve()
    if args.sdist is not None:
        root = unpack_sdist(args.sdist.resolve(), version, workdir)
    else:
        root = fetch_tests(version, workdir)
    install_test_requirements(args.jobs)
    out = args.workdir.resolve() / f"runs-{version}-{args.selection}"
    out.mkdir(parents=True, exist_ok=True)
    print(f"nemos {version}: {' '.join(files)}" + (f" -k {keyword!r}" if keyword else ""))
    runner = dict(root=root, files=files, keyword=keyword, jobs=args.jobs, out=out)
    runner["plugin"] = NEMOS_TESTS_PLUGIN
    if args.baseline == "full":
        base = run_pytest(label="baseline", override=None, **runner)
    runs = [
        run_pytest(label=a, override=f"{a}:{SCIPY_SOLVER_CLASSES[a].__name__}", **runner)
        for a in algos
    ]
    if args.baseline == "full":
        bases = {run.label: base for run in runs}
    else:
        wanted = baseline_selection(args.baseline, runs)
        total = len(set().union(*(r.outcomes for r in runs)))
        print(f"    baseline over {len(wanted)} of {total} tests ({BASELINE_MODES[args.baseline]})")
        base = (
            run_pytest(label="baseline", override=None, only=wanted, **runner)
            if wanted
            else Run("baseline")
        )
        bases = reduced_baseline(base, runs)
    unexpected = 0
    for run in runs:
        if args.baseline == "touched":
            print(f"    baseline for {run.label} (run or inferred): {bases[run.label].counts()}")
        elif args.baseline == "lost":
            print(
                f"    baseline for {run.label}: the {run.count('passed')} passes with the "
                "substitute stand for the baseline (not rerun; they cannot be lost)"
            )
        unexpected += compare(version, run.label, bases[run.label], run)
    print("conformant" if unexpected == 0 else f"{unexpected} unexpected difference(s)")
    return 0 if unexpected == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
