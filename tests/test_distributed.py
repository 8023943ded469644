"""Sweeps on Dask: same numbers as in-process, nothing lost or duplicated when workers die.

Kept cheap for CI on 2 cores: the quick suite's first problem, two solvers, one tolerance.
"""

import os
import signal

import numpy as np
import pytest

from nemos_bench.cli import main
from nemos_bench.problems import ProblemSpec, get_suite
from nemos_bench.results import read_meta, read_summary, read_trace
from nemos_bench.sweep import Cell, DaskExecutor, SweepConfig, run_sweep
from nemos_bench.sweep._dask import lost_twice_reason

pytest.importorskip("distributed")

KEY = ["problem_id", "solver", "tol"]
FIRST = get_suite("quick")[0]
QUICK = ["--problems", FIRST.problem_id, "--solvers", "LBFGS[scipy],LBFGS", "--tol", "1e-6"]
FAST = ["--repeats", "6", "--time-budget", "0.01", "--no-report"]


def _run(out, *extra):
    return main(["run", *QUICK, *FAST, "--out", str(out), *extra])


def _cells(frame):
    return sorted(map(tuple, frame[KEY].values))


def _trace_lengths(run_dir):
    trace = read_trace(run_dir)
    return trace.groupby(KEY)["iteration"].apply(tuple).to_dict()


@pytest.fixture(scope="module")
def in_process_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("dask") / "local"
    assert _run(out, "--in-process") == 0
    return out


def test_two_dask_workers_give_the_numbers_of_an_in_process_run(in_process_run, tmp_path):
    environ = dict(os.environ)
    assert _run(tmp_path / "dask", "--workers", "2") == 0
    assert dict(os.environ) == environ  # the cluster's nannies leave no thread settings
    local = read_summary(in_process_run).set_index(KEY).sort_index()
    dask = read_summary(tmp_path / "dask").set_index(KEY).sort_index()
    assert list(dask.index) == list(local.index) and len(dask) == 2
    assert (dask["status"] == "ok").all()
    np.testing.assert_allclose(dask["objective"], local["objective"], rtol=1e-12, atol=0)
    assert list(dask["n_steps"]) == list(local["n_steps"])
    assert _trace_lengths(tmp_path / "dask") == _trace_lengths(in_process_run)
    # the workers shared 2 cores: one BLAS and one XLA thread each, as their rows say
    assert dask["threads"].str.startswith("blas=1 xla=eigen_off").all()
    assert (dask["device"] == "cpu").all() and (dask["dtype"] == "float64").all()
    assert dask["host"].notna().all() and dask["cpu_model"].notna().all()
    # each cell's load and cores, read in the cell subprocess; the run's CPU share
    assert (dask["usable_cores"] >= 1).all() and (dask[["load_start", "load_end"]] >= 0).all(None)
    machine_load = read_meta(tmp_path / "dask")["machine_load"]
    assert not os.path.exists("/proc/stat") or 0 <= machine_load["other_cpu_share"] <= 1


# Slow (51 s in a two-worker run of the suite on a busy 2-core machine when it had two
# problems: a Dask cluster and its cell processes start again): CI's slow leg runs it
# (`python -m pytest -m slow -n 2`); the default run keeps the Dask end-to-end test above.
@pytest.mark.slow
def test_a_sweep_started_locally_and_resumed_on_two_workers_has_no_duplicates(
    in_process_run, tmp_path
):
    from nemos_bench.sweep import build_config

    out = tmp_path / "resumed"
    config = build_config(
        problems=(FIRST,), solvers=["LBFGS[scipy]", "LBFGS"], tols=(1e-6,), time_budget=0.01
    )
    seen = []

    def stop_after_one(cell, result):
        seen.append(cell)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, out, on_cell=stop_after_one)
    assert len(read_summary(out)) == 1
    assert _run(out, "--workers", "2") == 0
    frame = read_summary(out)
    assert _cells(frame) == _cells(read_summary(in_process_run))
    assert not frame.duplicated(KEY).any()
    trace = read_trace(out)
    assert not trace.duplicated([*KEY, "iteration"]).any()
    assert _trace_lengths(out) == _trace_lengths(in_process_run)


# Slow (42 s there, for the same reason): CI's slow leg runs it. Nothing in the default run
# kills a Dask worker: the isolated executor's killed worker is its nearest case.
@pytest.mark.slow
def test_killed_dask_workers_lose_and_duplicate_nothing(tmp_path):
    """One worker is killed from outside mid-sweep; a cell kills its worker on every try."""
    from distributed import default_client

    spec = ProblemSpec(n_samples=300, n_features=2)
    solvers = ("LBFGS[scipy]", "BFGS[scipy]", "ParentKillSolver[custom]", "NonlinearCG[scipy]")
    config = SweepConfig(
        suite="custom",
        problems=(spec,),
        solvers=solvers,
        tols=(1e-6,),
        solver_classes=("faulty_solvers:ParentKillSolver",),
        workers=2,
    )
    # planned by hand: only the workers load the class (this process's registry stays clean)
    cells = [Cell(spec, solver, 1e-6, True) for solver in solvers]
    killed = []

    def kill_a_busy_worker(cell, result):
        if killed:
            return
        client = default_client()
        busy = [addr for addr, keys in client.processing().items() if keys]
        pids = client.run(os.getpid, workers=busy[:1] or None)
        pid = next(iter(pids.values()))
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    executor = DaskExecutor(workers=2, say=lambda text: None)
    run_sweep(config, tmp_path / "run", kill_a_busy_worker, executor, cells)
    frame = read_summary(tmp_path / "run")
    assert killed
    assert _cells(frame) == sorted((c.spec.problem_id, c.label, c.tol) for c in cells)
    assert not frame.duplicated(KEY).any()
    lost = frame[frame["solver"] == "ParentKillSolver[custom]"]
    assert len(lost) == 1 and (lost["status"] == "failed").all()
    assert (lost["reason"] == lost_twice_reason("ParentKillSolver[custom]")).all()
    others = frame[frame["solver"] != "ParentKillSolver[custom]"]
    assert (others["status"] == "ok").all() and len(others) == 3
    assert not read_trace(tmp_path / "run").duplicated([*KEY, "iteration"]).any()
