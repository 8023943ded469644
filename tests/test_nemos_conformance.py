"""The conformance check's pieces: the pytest plugin, JUnit reading, and the verdict."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nemos_bench.solvers import NEMOS_TESTS_PLUGIN

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import nemos_conformance as conf  # noqa: E402


def test_plugin_substitutes_counts_and_forces_float64(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    requires_x64: float64 test\n")
    (tmp_path / "test_inner.py").write_text(
        textwrap.dedent(
            """
            import jax
            import nemos as nmo
            from nemos.regularizer import UnRegularized

            def test_marked_and_substitutable(request):
                assert request.node.get_closest_marker("requires_x64") is not None
                cls = getattr(nmo.solvers, "ScipyLBFGS")
                # the counting wrapper keeps the signature NeMoS's validator reads
                nmo.solvers.validate_solver_class(cls, test_ridge=False, loss_has_aux=False)
                cls(lambda w: (w ** 2).sum(), UnRegularized(), None, False)

            def test_constructs_nothing():
                assert jax.config.jax_enable_x64

            def test_reads_another_algorithm():
                nmo.solvers.get_solver("GradientDescent")

            def test_reads_the_overridden_algorithm():
                nmo.solvers.get_solver("LBFGS")

            def test_left_out_by_the_selection():
                raise AssertionError("deselected by --nemos-bench-select")
            """
        )
    )
    # NeMoS's conftest declares the ini option that the suite's override fixture reads
    (tmp_path / "conftest.py").write_text(
        "def pytest_addoption(parser):\n    parser.addini('override_solver', 'algo:class')\n"
    )
    kept = [f"test_inner.py::{name}" for name in INNER_KEPT]
    (tmp_path / "select.txt").write_text("\n".join(kept) + "\n")
    junit = tmp_path / "out.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-p", NEMOS_TESTS_PLUGIN]
    command += [f"--junitxml={junit}", "-o", "override_solver=LBFGS:ScipyLBFGS"]
    command += ["--nemos-bench-select=select.txt"]
    proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcomes, constructed, touched = conf._read_junit(junit)
    assert outcomes == dict.fromkeys(kept, "passed")  # ids are the node ids; one deselected
    assert constructed >= 1  # the validator's instances and the test's own
    assert "nemos-bench: ScipyLBFGS constructed" in proc.stdout
    # touched: built a scipy class, or read the overridden algorithm's registry entry
    assert touched == {
        "test_inner.py::test_marked_and_substitutable",
        "test_inner.py::test_reads_the_overridden_algorithm",
    }


INNER_KEPT = (
    "test_marked_and_substitutable",
    "test_constructs_nothing",
    "test_reads_another_algorithm",
    "test_reads_the_overridden_algorithm",
)


def _junit(path, cases):
    body = "".join(
        f'<testcase classname="tests.test_glm" name="{name}">{inner}</testcase>'
        for name, inner in cases
    )
    path.write_text(f'<testsuites><testsuite name="pytest">{body}</testsuite></testsuites>')
    return path


def test_read_junit_outcomes(tmp_path):
    path = _junit(
        tmp_path / "a.xml",
        [
            ("test_a", ""),
            ("test_b", '<failure message="x"/>'),
            ("test_c", '<skipped message="y"/>'),
            ("test_d", '<error message="z"/>'),
            (
                "test_e",
                '<properties><property name="nemos_bench_constructed" value="ScipyLBFGS:3"/>'
                "</properties>",
            ),
        ],
    )
    outcomes, constructed, touched = conf._read_junit(path)
    assert outcomes == {
        "tests.test_glm::test_a": "passed",
        "tests.test_glm::test_b": "failed",
        "tests.test_glm::test_c": "skipped",
        "tests.test_glm::test_d": "failed",
        "tests.test_glm::test_e": "passed",
    }
    assert constructed == 3
    assert touched == frozenset()  # no nemos_bench_touched property


def test_read_junit_prefers_the_plugins_node_id(tmp_path):
    props = (
        '<properties><property name="nemos_bench_nodeid" value="tests/test_glm.py::T::t[a]"/>'
        '<property name="nemos_bench_touched" value="1"/></properties>'
    )
    outcomes, _, touched = conf._read_junit(_junit(tmp_path / "a.xml", [("t[a]", props)]))
    assert outcomes == {"tests/test_glm.py::T::t[a]": "passed"}
    assert touched == {"tests/test_glm.py::T::t[a]"}


def test_reduced_baseline_infers_untouched_outcomes():
    # the baseline ran only t::b and t::c; t::a did not touch the substitution
    base = conf.Run("baseline", {"t::b": "passed", "t::c": "failed"})
    run = conf.Run("LBFGS", {"t::a": "skipped", "t::b": "failed", "t::c": "passed"}, 2)
    inferred = conf.reduced_baseline(base, [run])["LBFGS"]
    assert inferred.outcomes == {"t::a": "skipped", "t::b": "passed", "t::c": "failed"}
    assert conf.compare("0.2.9", "LBFGS", inferred, run) == 1  # t::b is lost


def test_baseline_selection_per_mode():
    lbfgs = conf.Run(
        "LBFGS",
        {"t::a": "passed", "t::b": "failed", "t::c": "skipped", "t::d": "passed"},
        touched=frozenset({"t::a", "t::b"}),
    )
    bfgs = conf.Run("BFGS", {"t::a": "passed", "t::b": "passed", "t::d": "failed"})
    assert conf.baseline_selection("lost", [lbfgs, bfgs]) == {"t::b", "t::c", "t::d"}
    assert conf.baseline_selection("touched", [lbfgs]) == {"t::a", "t::b", "t::c"}


def test_verdict_accepts_only_listed_differences(monkeypatch, capsys):
    base = conf.Run("baseline", {"t::a": "passed", "t::b": "passed", "t::c": "failed"})
    other = conf.Run("LBFGS", {"t::a": "passed", "t::b": "failed", "t::c": "passed"}, 5)
    monkeypatch.setattr(conf, "INTENTIONAL", ())
    assert conf.compare("0.2.9", "LBFGS", base, other) == 1
    assert "UNEXPECTED failed: t::b" in capsys.readouterr().out
    monkeypatch.setattr(conf, "INTENTIONAL", (("0.2.*", "LBFGS", "t::b", "float32 refused"),))
    assert conf.compare("0.2.9", "LBFGS", base, other) == 0
    assert "intentional (float32 refused): t::b" in capsys.readouterr().out
    # the entry is scoped: another release or algorithm is not excused
    assert conf.compare("0.3.0", "LBFGS", base, other) == 1
    assert conf.compare("0.2.9", "BFGS", base, other) == 1


def test_verdict_fails_when_the_substitute_never_ran(monkeypatch, capsys):
    base = conf.Run("baseline", {"t::a": "passed"})
    other = conf.Run("LBFGS", {"t::a": "passed"}, constructed=0)
    assert conf.compare("0.2.9", "LBFGS", base, other) == 1
    assert "never constructed" in capsys.readouterr().out


@pytest.mark.parametrize("selection", sorted(conf.SELECTIONS))
def test_selections_name_existing_files(selection):
    files, _ = conf.SELECTIONS[selection]
    assert set(files) <= set(conf.FILES)


def test_intentional_entries_are_explained():
    for version_glob, algo_glob, test_glob, why in conf.INTENTIONAL:
        assert version_glob and algo_glob and test_glob
        assert len(why.split()) >= 3  # a reason, not a tag


def test_ci_runs_the_selection_on_each_leg_and_fails_on_its_exit_status():
    ci = (ROOT / ".ci" / "run").read_text()
    leg = ci[ci.index("run_leg() {") : ci.index("\n}\n", ci.index("run_leg() {"))]
    assert "benchmarks/nemos_conformance.py --selection ci --baseline lost" in leg
    assert 'if [ "$conf_rc" -ne 0 ]; then' in leg and "return 1" in leg
    assert "run_leg 3.11" in ci and "run_leg 3.12" in ci


def _sdist(path, top, files=("tests/conftest.py",)):
    import tarfile

    source = path.parent / f"src-{top}"
    for name in files:
        (source / top / name).parent.mkdir(parents=True, exist_ok=True)
        (source / top / name).write_text("# stand-in\n")
    with tarfile.open(path, "w:gz") as tar:
        tar.add(source / top, arcname=top)
    return path


def test_local_sdist_is_unpacked_in_place_of_the_package_index(tmp_path):
    archive = _sdist(tmp_path / "nemos-0.2.10.dev7.tar.gz", "nemos-0.2.10.dev7")
    root = conf.unpack_sdist(archive, "0.2.10.dev7", tmp_path / "work")
    assert root == tmp_path / "work" / "nemos-0.2.10.dev7"
    assert (root / "tests" / "conftest.py").read_text() == "# stand-in\n"


@pytest.mark.parametrize(
    ("name", "top", "files", "message"),
    [
        ("nemos-0.2.9.tar.gz", "nemos-0.2.9", ("tests/conftest.py",), "named for nemos 0.2.9, but"),
        ("nemos-snapshot.zip", "nemos-x", ("tests/conftest.py",), "is not named nemos-"),
        ("nemos-0.2.10.dev7.tar.gz", "nemos-0.2.10.dev7", ("README.md",), "no tests/conftest"),
    ],
)
def test_local_sdist_of_another_version_or_without_tests_is_refused(
    tmp_path, capsys, name, top, files, message
):
    archive = _sdist(tmp_path / name, top, files)
    with pytest.raises(SystemExit) as stop:
        conf.unpack_sdist(archive, "0.2.10.dev7", tmp_path / "work")
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_missing_local_sdist_stops_before_any_run(tmp_path, capsys):
    missing = tmp_path / "nemos-0.2.10.dev7.tar.gz"
    with pytest.raises(SystemExit) as stop:
        conf.main(["--sdist", str(missing), "--workdir", str(tmp_path / "work")])
    assert stop.value.code == 2
    assert f"--sdist {missing} is not a file" in capsys.readouterr().err
    assert not (tmp_path / "work").exists()


def _run_leg(root, *args):
    """.ci/run's run_leg, run with ROOT (where it would create its environments) at root."""
    ci = (ROOT / ".ci" / "run").read_text()
    functions = [
        ci[ci.index(f"{name}() {{") : ci.index("\n}\n", ci.index(f"{name}() {{")) + 3]
        for name in ("find_python", "run_leg")
    ]
    script = "\n".join([f"ROOT={root}", *functions, 'run_leg "$@"'])
    return subprocess.run(
        ["bash", "-c", script, "run_leg", *args], capture_output=True, text=True, timeout=60
    )


def test_ci_has_a_development_line_leg_on_the_snapshot_beside_the_clone():
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'run_leg 3.12 "$(dirname "$ROOT")/shared/nemos-dev" || status=1' in ci
    leg = ci[ci.index("run_leg() {") : ci.index("\n}\n", ci.index("run_leg() {"))]
    assert '${sdist:+--sdist "$sdist"}' in leg
    assert 'python -c "import nemos; print(nemos.__version__)"' in leg


def test_ci_development_line_leg_skips_without_the_snapshot_with_one_notice(tmp_path):
    proc = _run_leg(tmp_path, "3.12", str(tmp_path / "nemos-dev"))
    assert proc.returncode == 0
    assert proc.stdout == (
        f"NOTICE: no {tmp_path / 'nemos-dev'}; skipping the NeMoS development-line leg.\n"
    )
    (tmp_path / "nemos-dev").mkdir()
    (tmp_path / "nemos-dev" / "nemos-0.2.10.dev7-py3-none-any.whl").write_bytes(b"")
    proc = _run_leg(tmp_path, "3.12", str(tmp_path / "nemos-dev"))  # a wheel, no sdist
    assert proc.returncode == 1 and proc.stdout.startswith("FAIL: ")
    assert not list(tmp_path.glob(".ci-*"))  # refused before any environment is made
