"""A name nemos-bench registers (LBFGS[scipy], ...) already held by another package's class.

Each scenario that needs a registry where the harness has not registered yet runs in a fresh
Python process: it registers ``foreign_solvers.TheirLBFGS`` as ``LBFGS[scipy]`` first (as
NeMoS's benchmark script does), then runs the harness.
"""

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import foreign_solvers
import pandas as pd
import pytest

from nemos_bench.solvers import (
    KEEP_ENV,
    RegistryClashWarning,
    ScipyLBFGS,
    register_scipy_solvers,
    tol_stops_on,
)
from nemos_bench.solvers._clash import KEPT_CLASSES_ENV, clash_sentence, registry_environ

TESTS = Path(__file__).resolve().parent
TINY = "[[problems]]\nn_samples = 300\nn_features = 3\nn_outputs = 1\n"
THEIRS = "foreign_solvers.TheirLBFGS"
OURS = "nemos_bench.solvers._register.ScipyLBFGS"
REPORT_CLASSES = """
import json, nemos as nmo
print(json.dumps({s.full_name: s.implementation.__module__ + "." + s.implementation.__qualname__
                  for s in nmo.solvers.list_available_solvers()}))
"""


def _python(tmp_path, script: str, **env) -> subprocess.CompletedProcess:
    """Run ``script`` in a fresh Python; its last stdout line maps names to classes."""
    environ = {k: v for k, v in os.environ.items() if k not in (KEEP_ENV, KEPT_CLASSES_ENV)}
    environ.update(env, COLUMNS="400")
    environ["PYTHONPATH"] = os.pathsep.join([str(TESTS), environ.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script) + REPORT_CLASSES],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def _clash_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "already registered in NeMoS" in line]


def _classes(proc) -> dict:
    return json.loads(proc.stdout.splitlines()[-1])


def test_foreign_class_is_replaced_by_default_and_the_cli_says_so_once(tmp_path):
    proc = _python(
        tmp_path,
        """
        import foreign_solvers
        foreign_solvers.register()  # before the harness registers anything
        from nemos_bench.cli import main
        assert main(["list"]) == 0
        from nemos_bench.solvers import register_scipy_solvers
        register_scipy_solvers()  # ours again: nothing more to say
        # a user class whose name (MyBFGS[custom]) another class holds
        import nemos as nmo
        from nemos_bench.solvers import ScipyMinimize, load_solver_class
        class MyBFGS(ScipyMinimize):
            fixed_method = "BFGS"
        nmo.solvers.register("MyBFGS", MyBFGS, backend="custom")
        load_solver_class("example_solvers:MyBFGS")
        load_solver_class("example_solvers:MyBFGS")  # the same class again: silent
        # what tol stops on: an adapter subclass inherits the adapter's test; a class that
        # declares nothing is unknown; TheirLBFGS declares its own
        from nemos_bench.solvers import tol_stops_on
        nmo.solvers.register("Undeclared", foreign_solvers._NEMOS_LBFGS, backend="custom")
        for name in ("MyBFGS[custom]", "Undeclared[custom]", "LBFGS[scipy]"):
            print("TOL", name, "=", tol_stops_on(name))
        """,
    )
    sentence = clash_sentence("LBFGS[scipy]", foreign_solvers.TheirLBFGS, ScipyLBFGS, kept=False)
    assert _clash_lines(proc.stdout) == [f"warning: {sentence}"]  # once, one line
    assert f"by {THEIRS}; nemos-bench replaced it with its own {OURS}" in sentence
    assert "NEMOS_BENCH_KEEP_REGISTERED=1" in sentence
    classes = _classes(proc)
    assert classes["LBFGS[scipy]"] == OURS  # "which is now used under that name"
    assert classes["BFGS[scipy]"] == "nemos_bench.solvers._register.ScipyBFGS"
    custom = (
        "MyBFGS[custom] was already registered in NeMoS by __main__.MyBFGS; nemos-bench "
        "replaced it with example_solvers.MyBFGS (solver class 'example_solvers:MyBFGS'), "
        "which is now used under that name."
    )
    assert proc.stderr.count(custom) == 1  # Python's warning, outside the CLI: once
    assert classes["MyBFGS[custom]"] == "example_solvers.MyBFGS"
    tols = dict(
        line[4:].split(" = ", 1) for line in proc.stdout.splitlines() if line.startswith("TOL ")
    )
    assert tols["MyBFGS[custom]"].startswith("gradient norm: ||grad f||_2 <= tol")
    assert tols["Undeclared[custom]"] == "unknown"  # NeMoS's class, but not under its name
    assert tols["LBFGS[scipy]"] == tol_stops_on("LBFGS[scipy]")  # ours again


# Slow (14-18 s: NeMoS's validation of the foreign class, then a sweep, in a process of its
# own): CI's slow leg runs it. The default run keeps the clash sentence of the default
# (replace) end to end, the keep sentence's wording, and the kept class's registration in
# worker processes (the tests around it); the parent's choice to keep is only here.
@pytest.mark.slow
def test_keep_option_benchmarks_the_foreign_class_under_that_name(tmp_path):
    (tmp_path / "sweep.toml").write_text(TINY)
    mark = tmp_path / "ran"
    proc = _python(
        tmp_path,
        """
        import sys
        import foreign_solvers
        foreign_solvers.register()
        from nemos_bench.cli import main
        code = main(["run", "--in-process", "--no-report", "--config", "sweep.toml",
                     "--solvers", "LBFGS[scipy],BFGS[scipy]", "--tol", "1e-6", "--out", "run"])
        assert code == 0, code
        import os
        print("PID", os.getpid())
        """,
        NEMOS_BENCH_KEEP_REGISTERED="LBFGS[scipy]",
        FOREIGN_SOLVER_MARK=str(mark),
    )
    lines = _clash_lines(proc.stdout)
    assert len(lines) == 1
    assert lines[0].startswith(f"warning: LBFGS[scipy] was already registered in NeMoS by {THEIRS}")
    assert "that class is kept and benchmarked under this name" in lines[0]
    assert f"nemos-bench's own {OURS} is not registered" in lines[0]
    classes = _classes(proc)
    assert classes["LBFGS[scipy]"] == THEIRS and classes["BFGS[scipy]"].endswith("ScipyBFGS")
    pid = next(line.split()[1] for line in proc.stdout.splitlines() if line.startswith("PID"))
    assert set(mark.read_text().split()) == {pid}  # their run() did the fits, in this process
    rows = pd.read_csv(tmp_path / "run" / "summary.csv").set_index("solver")
    assert (rows["status"] == "ok").all()
    assert rows.loc["LBFGS[scipy]", "tol_stops_on"] == foreign_solvers.TheirLBFGS.tol_stops_on
    assert rows.loc["BFGS[scipy]", "tol_stops_on"].startswith("gradient norm")


def test_worker_processes_register_the_class_their_parent_kept(tmp_path):
    """What an isolated worker or a Dask worker's cell process does at start-up."""
    script = """
        import warnings
        import jax
        jax.config.update("jax_enable_x64", True)  # as the worker does first
        from nemos_bench.solvers import RegistryClashWarning
        warnings.simplefilter("error", RegistryClashWarning)  # the parent has said it all
        from nemos_bench.solvers import register_validated_solvers, tol_stops_on
        register_validated_solvers(())
        print(tol_stops_on("LBFGS[scipy]"))
        """
    record = json.dumps({"LBFGS[scipy]": "foreign_solvers:TheirLBFGS"})
    proc = _python(tmp_path, script, **{KEEP_ENV: "1", KEPT_CLASSES_ENV: record})
    classes = _classes(proc)
    assert classes["LBFGS[scipy]"] == THEIRS and classes["BFGS[scipy]"].endswith("ScipyBFGS")
    assert proc.stdout.splitlines()[-2] == foreign_solvers.TheirLBFGS.tol_stops_on
    # kept by the parent but not importable here: left unregistered, never filled with ours
    record = json.dumps({"LBFGS[scipy]": "__main__:TheirLBFGS"})
    proc = _python(tmp_path, script, **{KEEP_ENV: "1", KEPT_CLASSES_ENV: record})
    classes = _classes(proc)
    assert "LBFGS[scipy]" not in classes and classes["BFGS[scipy]"].endswith("ScipyBFGS")
    assert proc.stdout.splitlines()[-2] == "unknown"


def test_the_keep_sentence_names_the_kept_class_and_the_unregistered_one():
    """The parent's sentence under NEMOS_BENCH_KEEP_REGISTERED (the slow test above runs it
    end to end; this is its wording, in the default run)."""
    from nemos_bench.solvers._clash import clash_sentence

    kept = clash_sentence("LBFGS[scipy]", foreign_solvers.TheirLBFGS, ScipyLBFGS, kept=True)
    assert kept.startswith(f"LBFGS[scipy] was already registered in NeMoS by {THEIRS}; ")
    assert f"that class is kept and benchmarked under this name ({KEEP_ENV} is set)" in kept
    assert kept.endswith(f"nemos-bench's own {OURS} is not registered.")
    replaced = clash_sentence("LBFGS[scipy]", foreign_solvers.TheirLBFGS, ScipyLBFGS, kept=False)
    assert "kept" not in replaced and f"replaced it with its own {OURS}" in replaced


def test_registering_our_own_classes_again_says_nothing():
    register_scipy_solvers()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            register_scipy_solvers()
    assert not [w for w in caught if issubclass(w.category, RegistryClashWarning)]
    assert tol_stops_on("LBFGS[scipy]").startswith("gradient norm")


def test_registry_choices_travel_to_dask_workers(monkeypatch):
    monkeypatch.setenv(KEEP_ENV, "1")
    monkeypatch.delenv(KEPT_CLASSES_ENV, raising=False)
    assert registry_environ() == {KEEP_ENV: "1", KEPT_CLASSES_ENV: ""}


def test_a_worker_missing_the_kept_class_says_why(monkeypatch):
    from nemos_bench.sweep._worker import _unknown

    monkeypatch.setenv(KEPT_CLASSES_ENV, json.dumps({"LBFGS[scipy]": "__main__:TheirLBFGS"}))
    reason = _unknown("LBFGS[scipy]")
    assert reason.startswith("LBFGS[scipy] is not registered in the worker process: the parent")
    assert "keeps __main__:TheirLBFGS under that name (NEMOS_BENCH_KEEP_REGISTERED)" in reason
    assert "keeps" not in _unknown("BFGS[scipy]")  # not kept: the general reason
