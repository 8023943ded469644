"""Solvers that would earn a time they did not work for (memoized on their data arrays), an
honest slow one, and one that compiles on every call: each is measured as what it is."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nemos_bench.measure._floor import FLOOR_FRACTION
from nemos_bench.results import read_summary

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ("IdMemoLBFGS", "HashMemoLBFGS", "SleepyLBFGS", "CachingLBFGS", "WarmStartLBFGS")


def _run(out: Path, classes, solvers='["LBFGS[scipy]"]', env=None, expect=1):
    sweep = out.parent / f"{out.name}.toml"
    sweep.write_text(
        f"solvers = {solvers}\ntols = [1e-8]\ntime_budget = 0.05\n"
        "[[problems]]\nn_samples = 2000\nn_features = 20\n"
    )
    argv = ["run", "--config", str(sweep), "--out", str(out), "--in-process", "--no-report"]
    for name in classes:
        argv += ["--solver-class", f"tests.example_solvers:{name}"]
    proc = subprocess.run(
        [sys.executable, "-m", "nemos_bench.cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    assert proc.returncode == expect, proc.stdout + proc.stderr
    return read_summary(out).set_index("solver"), proc.stdout


@pytest.fixture(scope="module")
def memo_root(tmp_path_factory):
    return tmp_path_factory.mktemp("memo")


@pytest.fixture(scope="module")
def memo_run(memo_root):
    """The cheats, the honest ones, and ToggleRecompileLBFGS as it is without
    NEMOS_BENCH_TEST_RECOMPILE (LBFGS[scipy] under a name of its own): the BASE of the
    recompile tests below, which saves them a run (a process start) of their own."""
    return _run(memo_root / "base", (*CLASSES, "ToggleRecompileLBFGS"))


@pytest.mark.parametrize("name", ["IdMemoLBFGS[custom]", "HashMemoLBFGS[custom]"])
def test_a_solver_memoizing_on_its_data_arrays_fails_below_the_floor(memo_run, name):
    rows, _ = memo_run
    row = rows.loc[name]
    assert row.status == "failed"
    assert row.reason.startswith(f"{name} answered a repeated call on the same data arrays in ")
    assert "the time is below what the steps it reports can cost" in row.reason
    assert "memoized on its data arrays" in row.reason
    assert np.isnan(row.fit_s) and np.isnan(row.compile_s)


def test_the_older_cheats_keep_their_sentences(memo_run):
    rows, _ = memo_run
    assert rows.loc["CachingLBFGS[custom]"].status == "failed"
    assert rows.loc["CachingLBFGS[custom]"].reason.startswith("A control run on other data")
    assert rows.loc["WarmStartLBFGS[custom]"].status == "failed"
    assert "warm-starts from its previous answer" in rows.loc["WarmStartLBFGS[custom]"].reason


def test_an_honest_solver_that_sleeps_stays_ok_and_about_5_ms_slower(memo_run):
    rows, _ = memo_run
    sleepy, honest = rows.loc["SleepyLBFGS[custom]"], rows.loc["LBFGS[scipy]"]
    assert sleepy.status == honest.status == "ok"
    assert sleepy.n_steps == honest.n_steps and sleepy.objective == honest.objective
    # the sleep is real extra wall time; time.sleep never returns early, so
    # every sample holds it. "About 5 ms slower" holds on a quiet machine only: with two busy
    # processes on 2 cores the medians came out 8.4 ms (sleepy) vs 8.8 ms (a sleeper gets its
    # core back sooner), so the difference is bounded from above only, generously.
    assert sleepy.fit_s_min >= 0.005
    assert sleepy.fit_s - honest.fit_s < 0.05
    assert sleepy.fit_cpu_s > 0  # recorded (process CPU time counts every thread: it can
    # exceed wall time where BLAS or XLA threads spin, so it is not compared with fit_s)


def test_honest_rows_record_cpu_time_and_no_compiles(memo_run):
    rows, _ = memo_run
    row = rows.loc["LBFGS[scipy]"]
    cpu = np.array(row.fit_cpu_s_samples.split(), dtype=float)
    assert cpu.size == row.n_repeats and row.fit_cpu_s == np.median(cpu) > 0
    assert row.compiles_per_call == 0 and row.compiles_in_timed == 0


def test_the_floor_is_a_fraction_of_the_steps_cost():
    from nemos_bench.measure._floor import Floor, below_floor_reason

    floor = Floor(evaluation_s=1e-4)
    assert floor.seconds(40) == pytest.approx(FLOOR_FRACTION * 40 * 1e-4)
    assert below_floor_reason("A[b]", floor.seconds(40) * 1.01, 40, floor) is None
    assert below_floor_reason("A[b]", floor.seconds(40) * 0.99, 40, floor) is not None
    assert below_floor_reason("A[b]", 0.0, 0, floor) is None  # no step, no floor


@pytest.fixture(scope="module")
def recompile_runs(memo_root, memo_run):
    """BASE: memo_run's directory; HEAD: ToggleRecompileLBFGS alone, compiling on every call."""
    base, _ = memo_run
    head, out = _run(
        memo_root / "head",
        ("ToggleRecompileLBFGS",),
        solvers="[]",
        env={"NEMOS_BENCH_TEST_RECOMPILE": "1"},
        expect=0,
    )
    return memo_root, base, head, out


def test_a_solver_that_compiles_on_every_call_is_named_and_timed_as_paid(recompile_runs):
    _, base, head, out = recompile_runs
    name = "ToggleRecompileLBFGS[custom]"
    steady, every = base.loc[name], head.loc[name]
    assert steady.status == "ok" and steady.compiles_per_call == 0
    assert every.status == "recompiles" and every.compiles_per_call >= 1
    assert every.compiles_in_timed >= every.n_repeats >= 2
    # the per-call time includes the compilation, which is most of it
    assert 0 < every.compile_s < every.fit_s
    assert every.fit_s > steady.fit_s
    pattern = rf"{re.escape(name)} compiles on every run: [0-9.]+ m?s of each [0-9.]+ m?s fit is "
    assert re.match(pattern + "compilation\\.", every.reason), every.reason
    assert every.objective == steady.objective and every.n_steps == steady.n_steps


def test_the_gate_fails_a_solver_that_starts_compiling_on_every_call(recompile_runs):
    root, _, _, _ = recompile_runs
    name = "ToggleRecompileLBFGS[custom]"

    def compare(base, head, *options):
        return subprocess.run(
            [sys.executable, "-m", "nemos_bench.cli", "compare", str(base), str(head), *options],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    # BASE's other cells (memo_run's) are not in HEAD: accepted, so only the recompiling
    # cell can fail the gate; the other way round they are cells only in HEAD, not failed
    worse = compare(root / "base", root / "head", "--allow-missing")
    assert worse.returncode == 1, worse.stdout + worse.stderr
    assert f"{name} compiles on every run: " in worse.stdout
    better = compare(root / "head", root / "base")
    assert better.returncode == 0, better.stdout + better.stderr
