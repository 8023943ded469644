"""Fault isolation and crash safety of `nemos-bench run`, end to end.

A sweep with fault-injection solvers (tests/faulty_solvers.py) must turn every fault into
its row while the other cells finish, and a run killed with SIGKILL mid-sweep must, when
rerun, end with exactly the cells of an uninterrupted run.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nemos_bench.cli import main
from nemos_bench.results import read_summary, read_trace
from nemos_bench.sweep._isolated import death_reason

KEY = ["problem_id", "solver", "tol"]
TESTS = Path(__file__).resolve().parent


def _sweep_file(path: Path, *sizes: tuple[int, int, int]) -> Path:
    tables = [
        f"[[problems]]\nn_samples = {n}\nn_features = {p}\nn_outputs = {k}\n"
        + ('regularizer = "Ridge"\nregularizer_strength = 0.001\n' if k > 1 else "")
        for n, p, k in sizes
    ]
    path.write_text("\n".join(tables))
    return path


def _keys(frame, extra=()):
    return sorted(map(tuple, frame[KEY + list(extra)].values))


# Slow (28 s: five fault classes, an 8 s hang and a replacement worker, from the command
# line): CI's slow leg runs it. The default run drives the isolated executor directly
# through a raising, a NaN and a self-killing solver below; the hang and the segfault are
# only here.
@pytest.mark.slow
def test_each_fault_becomes_its_row_and_the_sweep_goes_on(tmp_path):
    """Raise, NaN, MemoryError, hang past --timeout, segfault: one row each.

    Run as a user would, from the repository root (a separate process also keeps the
    fault-injection classes out of this process's solver registry).
    """
    config = _sweep_file(tmp_path / "sweep.toml", (300, 3, 1))
    faulty = ["Raising", "NaN", "MemoryHog", "Hanging", "Segfault"]
    # after the hang, LBFGS[scipy] and the segfault run in the fresh worker that replaced
    # the killed one (which had to load the user classes again)
    order = [f"{name}Solver[custom]" for name in faulty[:4]] + ["LBFGS[scipy]"]
    order += [f"{name}Solver[custom]" for name in faulty[4:]]
    argv = ["run", "--config", str(config), "--tol", "1e-8", "--timeout", "8", "--no-report"]
    argv += ["--out", str(tmp_path / "run"), "--solvers", ",".join(order)]
    for name in faulty:
        argv += ["--solver-class", f"tests.faulty_solvers:{name}Solver"]
    proc = subprocess.run(
        [sys.executable, "-m", "nemos_bench.cli", *argv],
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr  # some cells not ok, every row written
    summary = read_summary(tmp_path / "run")
    rows = {row.solver: row for row in summary.itertuples()}
    assert list(summary.solver) == order  # every cell, in order, once
    expected = {
        "RaisingSolver[custom]": ("failed", "RuntimeError: injected failure in RaisingSolver.run"),
        "NaNSolver[custom]": ("diverged", ""),  # NeMoS's NaN check or the harness's
        "MemoryHogSolver[custom]": ("failed", "MemoryError: Unable to allocate"),
        "HangingSolver[custom]": ("timeout", "did not finish within the 8 s time limit"),
        "SegfaultSolver[custom]": ("failed", "worker process died with signal SIGSEGV"),
        "LBFGS[scipy]": ("ok", None),
    }
    for solver, (status, fragment) in expected.items():
        row = rows[solver]
        assert row.status == status, (solver, row.reason)
        if fragment is not None:
            assert fragment in row.reason and row.reason.strip()
    assert rows["LBFGS[scipy]"].suboptimality < 1e-8
    # trace rows only for the finished, traced cell
    assert set(_keys(read_trace(tmp_path / "run"))) == {
        (rows["LBFGS[scipy]"].problem_id, "LBFGS[scipy]", 1e-8)
    }


def test_the_executor_survives_an_unknown_solver_and_a_killed_worker():
    """Driven directly: the parent never loads the user classes (only the workers do).

    One isolated sweep of cheap cells, in the default run: a float32 cell (its own worker,
    then a float64 one), a solver no process registered, a label whose settings NeMoS
    refuses, a solver that raises, one that returns NaN, one that kills its worker, and a
    cell after it in a fresh worker. Every fault kind, a hang past --timeout and a segfault
    included, is the slow test above, from the command line.
    """
    from nemos_bench.problems import ProblemSpec
    from nemos_bench.solvers import solver_label
    from nemos_bench.sweep import Cell, IsolatedExecutor, SweepConfig

    spec = ProblemSpec(n_samples=300, n_features=2, n_outputs=1)
    config = SweepConfig(
        suite="custom",
        problems=(spec,),
        tols=(1e-6,),
        solver_classes=tuple(
            f"faulty_solvers:{name}" for name in ("SelfKillSolver", "RaisingSolver", "NaNSolver")
        ),
    )
    refused = solver_label("BFGS[optimistix]", {"bogus": 1})  # no fit, no compile
    solvers = [
        "OnlyHere[runtime]",
        refused,
        "RaisingSolver[custom]",
        "NaNSolver[custom]",
        "SelfKillSolver[custom]",
        "BFGS[scipy]",
    ]
    cells = [Cell(spec, "LBFGS[scipy]", 1e-6, False, "float32")]
    cells += [Cell(spec, solver, 1e-6, False) for solver in solvers]
    rows = [r.summary for r in IsolatedExecutor()(cells, config)]
    assert [row["solver"] for row in rows] == [cell.label for cell in cells]
    single, ghost, label, raising, nan, killed, after = rows
    # the float32 worker, then a float64 one for the rest
    assert single["status"] == "skipped" and single["dtype"] == "float32"
    assert single["reason"].startswith("LBFGS[scipy] needs JAX float64")
    assert ghost["status"] == "failed"  # registered in no process: the worker says so
    assert ghost["reason"].startswith("OnlyHere[runtime] is not registered in the worker process")
    assert label["status"] == "skipped" and label["solver_kwargs"] == "bogus=1"
    assert label["reason"].startswith("NeMoS refuses the settings bogus=1 of BFGS[optimistix]: ")
    assert raising["status"] == "failed"
    assert "RuntimeError: injected failure in RaisingSolver.run" in raising["reason"]
    assert nan["status"] == "diverged" and nan["dtype"] == "float64"
    assert killed["status"] == "failed"
    assert killed["reason"] == (
        "The worker process died with signal SIGKILL (killed from outside, e.g. by the "
        "out-of-memory killer) during this cell."
    )
    assert after["status"] == "ok" and after["suboptimality"] < 1e-6  # in a fresh worker


def test_death_reasons_name_the_signal():
    assert death_reason(-signal.SIGABRT).startswith("The worker process died with signal SIGABRT")
    assert death_reason(1) == "The worker process exited with code 1"


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# Slow (29 s in a two-worker run of the suite on a busy 2-core machine: three sweeps, two of
# them with a worker process): CI's slow leg runs it (`python -m pytest -m slow -n 2`); the
# default run keeps the executor test above, whose worker dies and is replaced mid-sweep.
@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_mid_sweep_then_rerun_gives_the_cells_of_an_uninterrupted_run(tmp_path):
    config = _sweep_file(tmp_path / "sweep.toml", (300, 3, 1), (250, 2, 2))
    args = ["run", "--config", str(config), "--solvers", "LBFGS[scipy],BFGS[scipy]"]
    args += ["--tol", "1e-4,1e-8", "--no-report"]
    command = [sys.executable, "-m", "nemos_bench.cli", *args, "--out", str(tmp_path / "run")]
    killed = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    summary = tmp_path / "run" / "summary.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and killed.poll() is None:
        if summary.exists() and summary.read_text().count("\n") >= 3:  # header + 2 cells
            break
        time.sleep(0.05)
    assert killed.poll() is None, killed.stderr.read().decode()
    workers = _children(killed.pid)
    assert workers  # isolated, the default: a worker process runs the cells
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    killed.stderr.close()
    finished = summary.read_text().count("\n") - 1
    assert 2 <= finished < 8
    deadline = time.monotonic() + 10  # the orphaned worker exits with its parent
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)

    # the same command again (through its entry point, in this process, to save a start-up)
    assert main([*args, "--out", str(tmp_path / "run")]) == 0
    assert main([*args, "--in-process", "--out", str(tmp_path / "uninterrupted")]) == 0

    resumed, reference = read_summary(tmp_path / "run"), read_summary(tmp_path / "uninterrupted")
    assert _keys(resumed) == _keys(reference) and len(resumed) == 8
    assert not resumed.duplicated(KEY).any() and (resumed.status == "ok").all()
    trace, reference_trace = read_trace(tmp_path / "run"), read_trace(tmp_path / "uninterrupted")
    assert _keys(trace, ["iteration"]) == _keys(reference_trace, ["iteration"])
    assert not trace.duplicated(KEY + ["iteration"]).any()
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "meta.json",
        "params",
        "summary.csv",
        "trace.csv",
    ]
    # one parameter file per ok cell, no orphan of the killed cell, as uninterrupted
    stored = sorted(p.name for p in (tmp_path / "run" / "params").iterdir())
    assert stored == sorted(p.name for p in (tmp_path / "uninterrupted" / "params").iterdir())
    assert len(stored) == 8
