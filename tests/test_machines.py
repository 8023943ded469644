"""Where cells run: worker environment, per-row machine columns, float32 cells, provenance."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nemos_bench.problems import ProblemSpec
from nemos_bench.results import read_meta, read_summary
from nemos_bench.sweep import SweepConfig, in_process, plan_cells, worker_env
from nemos_bench.sweep._provenance import harness_commit
from nemos_bench.sweep._sweep import config_record

ROOT = Path(__file__).resolve().parents[1]
SPEC = ProblemSpec(n_samples=300, n_features=2)
SOLVERS = ("LBFGS", "LBFGS[scipy]")


def test_worker_env_sets_thread_limits_and_keeps_the_users_gpu_memory_settings():
    env = worker_env(
        1, base={"XLA_FLAGS": "--xla_dump_to=/tmp/x --xla_cpu_multi_thread_eigen=true"}
    )
    assert env["XLA_FLAGS"] == "--xla_dump_to=/tmp/x --xla_cpu_multi_thread_eigen=false"
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    mine = worker_env(4, base={"XLA_PYTHON_CLIENT_PREALLOCATE": "true"})
    assert mine["XLA_PYTHON_CLIENT_PREALLOCATE"] == "true" and "XLA_FLAGS" not in mine
    assert mine["OPENBLAS_NUM_THREADS"] == "4"
    assert worker_env(None, base={"OMP_NUM_THREADS": "8"})["OMP_NUM_THREADS"] == "8"


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """`nemos-bench run` in a process of its own, as a user starts it: LBFGS (native) and
    LBFGS[scipy] at one tolerance in float32, on one BLAS/XLA thread per worker (the order of
    mixed cells is planned below; tests/test_reliability.py's executor test runs a float32
    cell, then float64 ones in a new worker).

    One run read by two tests (each start of a process imports JAX and NeMoS and warms up
    the problem): the float32 cells' worker and the run process's own JAX platform.
    """
    root = tmp_path_factory.mktemp("machines")
    sweep, out = root / "sweep.toml", root / "run"
    sweep.write_text(
        f"[[problems]]\nn_samples = {SPEC.n_samples}\nn_features = {SPEC.n_features}\n"
    )
    argv = ["run", "--config", str(sweep), "--solvers", ",".join(SOLVERS), "--tol", "1e-6"]
    argv += ["--dtype", "float32", "--threads", "1", "--no-report", "--out", str(out)]
    code = (
        "import jax, sys; from nemos_bench.cli import main; "
        f"rc = main({argv!r}); "
        "print('PLATFORMS', jax.config.jax_platforms); sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    return done, out


def test_float32_cells_run_in_a_float32_worker_and_keep_float64_keys(cli_run):
    config = SweepConfig(
        suite="custom",
        problems=(SPEC,),
        solvers=SOLVERS,
        tols=(1e-6,),
        dtypes=("float32", "float64"),
        threads=1,
    )
    assert config.isolated  # float32 needs a worker process of its own
    cells = plan_cells(config)
    assert [c.label.split("[")[0] + "/" + c.dtype for c in cells] == [
        "LBFGS/float32", "LBFGS/float32", "LBFGS/float64", "LBFGS/float64",
    ]  # fmt: skip
    assert [c.label for c in cells if c.dtype == "float64"] == [
        c.solver for c in plan_cells(SweepConfig("custom", (SPEC,), SOLVERS, (1e-6,)))
    ]
    # the run of the float32 cells (`nemos-bench run --dtype float32 --threads 1`, which
    # runs them through IsolatedExecutor(threads=1)), row by row in the cells' order
    done, out = cli_run
    assert done.returncode == 0, done.stderr[-2000:]
    rows = read_summary(out).to_dict("records")
    assert [r["solver"] for r in rows] == [c.label for c in cells if c.dtype == "float32"]
    native32, scipy32 = rows
    assert native32["solver"].endswith("]@float32") and native32["dtype"] == "float32"
    assert native32["status"] == "ok" and native32["rel_suboptimality"] < 1e-5
    assert scipy32["status"] == "skipped" and scipy32["solver"] == "LBFGS[scipy]@float32"
    assert scipy32["reason"].startswith("LBFGS[scipy] needs JAX float64")
    assert native32["threads"].startswith("blas=1 xla=eigen_off")
    # a float64-only sweep records no dtypes: runs written before the axis still resume
    assert "dtypes" not in config_record(SweepConfig("custom", (SPEC,)), [])
    assert config_record(config, cells)["dtypes"] == ["float32", "float64"]
    assert read_meta(out)["config"]["dtypes"] == ["float32"]


def test_in_process_rows_say_where_they_ran():
    config = SweepConfig(suite="custom", problems=(SPEC,), solvers=("LBFGS[scipy]",), tols=(1e-4,))
    (result,) = in_process(plan_cells(config), config)
    row = result.summary
    assert row["device"] == "cpu" and row["dtype"] == "float64" and row["host"]
    assert row["threads"].startswith("blas=") and row["cpu_model"]


def test_the_run_process_starts_no_accelerator_backend(cli_run):
    """The CLI pins its own JAX to the CPU when cells run in workers; meta.json says so."""
    done, out = cli_run
    assert done.returncode == 0, done.stderr[-2000:]
    assert "PLATFORMS cpu" in done.stdout
    meta = json.loads((out / "meta.json").read_text())
    assert meta["device"] == {
        "recorded": "per row: summary columns host, device, device_kind, dtype"
    }
    assert read_summary(out)["device"].tolist() == ["cpu"] * 2


def test_git_commit_is_the_harness_sources_or_none(tmp_path):
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    if (ROOT / ".git").exists() and head:
        assert harness_commit() == head
    copy = tmp_path / "repo" / "nemos_bench"
    copy.mkdir(parents=True)
    shutil.copy(ROOT / "src" / "nemos_bench" / "__init__.py", copy / "__init__.py")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=copy.parent, check=True)
    (copy.parent / "other.txt").write_text("x")
    subprocess.run([*git, "add", "other.txt"], cwd=copy.parent, check=True)
    subprocess.run([*git, "commit", "-qm", "other"], cwd=copy.parent, check=True)
    assert harness_commit(copy) is None  # a repository around untracked package files
    subprocess.run([*git, "add", "."], cwd=copy.parent, check=True)
    subprocess.run([*git, "commit", "-qm", "pkg"], cwd=copy.parent, check=True)
    assert harness_commit(copy) is not None
