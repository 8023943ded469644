"""Every bad input of docs/errors.md: one sentence, exit code 2, no traceback, nothing written.

Each case of ``CASES`` is a row of the table in docs/errors.md (its first column is the
case id); the documented message, with ``…`` standing for installation-dependent text,
must match what the command prints exactly.
"""

import os
import re
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import nemos
import pytest

from nemos_bench.cli import main
from nemos_bench.results import RunStore
from nemos_bench.sweep import build_config, load_sweep_file, plan_cells
from nemos_bench.sweep._sweep import config_record

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
TINY = "[[problems]]\nn_samples = 300\nn_features = 3\nn_outputs = 1\n"
RUN = ["run", "--no-report"]
DEAD = "tcp://127.0.0.1:8786"  # replaced by a port where nothing listens (_dead_scheduler)


def _other_run(root):
    """A quick-suite run with another tolerance ladder than the default one."""
    config = build_config(suite="quick", tols=(1e-6,))
    RunStore(root / "out", config_record(config, plan_cells(config)), {}).close()


def _hand_edited_run(root):
    """A run directory of the tiny sweep whose summary.csv has a hand-edited value."""
    (root / "sweep.toml").write_text(TINY)
    config = build_config(load_sweep_file(root / "sweep.toml"), solvers=["LBFGS[scipy]"])
    config = replace(config, tols=(1e-8,))
    RunStore(root / "run", config_record(config, plan_cells(config)), {}).close()
    summary = root / "run" / "summary.csv"
    names = summary.read_text().strip().split(",")
    values = {"problem_id": "poisson[n=300]", "solver": "LBFGS[scipy]", "tol": "1e-08"}
    values |= {"status": "ok", "fit_s": "fast"}
    with open(summary, "a") as handle:
        handle.write(",".join(values.get(name, "") for name in names) + "\n")


def _older_run(root):
    """A quick-suite run directory written before the timing settings were recorded."""
    config = build_config(suite="quick")
    record = config_record(config, plan_cells(config))
    for key in ("max_repeats", "time_budget", "ci_target", "n_cells"):
        record.pop(key)
    RunStore(root / "out", record, {}).close()


def _run_without_params(root):
    """A run directory with an ok row but no stored parameters (an older nemos-bench's)."""
    with RunStore(root / "run", {"suite": "smoke"}, {}) as store:
        row = {"problem_id": "poisson[n=300]", "solver": "LBFGS[scipy]", "tol": 1e-8}
        store.append_cell({**row, "status": "ok", "fit_s": 0.01}, [])


def _dead_scheduler(root):
    """The address of a port on this machine where nothing listens (it was just freed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{sock.getsockname()[1]}"


def _disjoint_runs(root):
    """Two run directories whose cells differ in solver: they share no cell."""
    for name, solver in (("a", "LBFGS[scipy]"), ("b", "BFGS[scipy]")):
        with RunStore(root / name, {"suite": "smoke"}, {}) as store:
            row = {"problem_id": "poisson[n=300]", "solver": solver, "tol": 1e-8}
            store.append_cell({**row, "status": "ok", "fit_s": 0.01}, [])


def _poisson_npz(root):
    """``rec.npz``: 400 Poisson counts of a 6-feature Gaussian design."""
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6))
    np.savez(root / "rec.npz", X=X, y=rng.poisson(np.exp(0.3 * X[:, 0])).astype(float))


def _write(name, text):
    return lambda root: (root / name).write_text(text)


def _empty_run(root):
    RunStore(root / "run", {"suite": "smoke"}, {}).close()


def _unwritable(root):
    (root / "locked").mkdir()
    os.chmod(root / "locked", 0o500)
    return "/proc/sys/nemos-bench-run" if os.geteuid() == 0 else "locked/run"


def _file(root):
    (root / "out").write_text("not a directory")


def _foreign(root):
    (root / "out").mkdir()
    (root / "out" / "thesis.tex").write_text("mine")


# case id -> (set-up of the working directory, argv, environment changes)
CASES = {
    "unknown-suite": (None, [*RUN, "--suite", "huge"], {}),
    "unknown-solver": (None, [*RUN, "--solvers", "LBFG"], {}),
    "tol-negative": (None, [*RUN, "--tol=-1e-6"], {}),
    "tol-not-a-number": (None, [*RUN, "--tol", "tight"], {}),
    "no-solver": (None, [*RUN, "--solvers", ","], {}),
    "timeout-not-positive": (None, [*RUN, "--timeout", "0"], {}),
    "timeout-in-process": (None, [*RUN, "--in-process", "--timeout", "60"], {}),
    "workers-in-process": (None, [*RUN, "--in-process", "--workers", "2"], {}),
    "workers-not-positive": (None, [*RUN, "--workers", "0"], {}),
    "dtype-unknown": (None, [*RUN, "--dtype", "float16"], {}),
    "workload-unknown": (None, [*RUN, "--workload", "grid"], {}),
    "workload-strengths-too-few": (None, [*RUN, "--workload", "cv", "--strengths", "1"], {}),
    "workload-strengths-not-numbers": (None, [*RUN, "--workload", "cv", "--strengths", "a,b"], {}),
    "workload-folds-too-few": (None, [*RUN, "--workload", "cv", "--folds", "1"], {}),
    "workload-option-alone": (None, [*RUN, "--folds", "5"], {}),
    "workload-repeats-not-positive": (
        None, [*RUN, "--workload", "path", "--workload-repeats", "0"], {}
    ),
    "sweep-missing": (None, [*RUN, "--config", "sweep.toml"], {}),
    "sweep-bad-toml": (_write("sweep.toml", "[[problems]]\nn_samples 300\n"),
                       [*RUN, "--config", "sweep.toml"], {}),
    "sweep-bad-size": (_write("sweep.toml", TINY.replace("300", "-5")),
                       [*RUN, "--config", "sweep.toml"], {}),
    "sweep-unknown-key": (_write("sweep.toml", TINY + "n_sample = 10\n"),
                          [*RUN, "--config", "sweep.toml"], {}),
    "sweep-bad-value": (_write("sweep.toml", 'tols = "tight"\n' + TINY),
                        [*RUN, "--config", "sweep.toml"], {}),
    "sweep-solvers-string": (_write("sweep.toml", 'solvers = "LBFGS[scipy]"\n' + TINY),
                             [*RUN, "--config", "sweep.toml"], {}),
    "solver-label-malformed": (None, [*RUN, "--solvers", "LBFGS[scipy]{autodiff}"], {}),
    "solver-label-unbalanced": (None, [*RUN, "--solvers", "LBFGS[scipy]{memory_size=3"], {}),
    "solver-label-sweep-axis": (None, [*RUN, "--solvers", "LBFGS[scipy]{tol=1e-3}"], {}),
    "solver-label-baseline": (None, [*RUN, "--solvers", "IRLS[glum]{alpha=1}"], {}),
    "sweep-solver-kwargs": (_write("sweep.toml", '[solver_kwargs]\n"Newton[nemos]" = "autodiff"\n'),
                            [*RUN, "--config", "sweep.toml"], {}),
    "out-not-writable": (_unwritable, [*RUN, "--out", "locked/run"], {}),
    "out-is-a-file": (_file, [*RUN, "--out", "out"], {}),
    "out-foreign-files": (_foreign, [*RUN, "--out", "out"], {}),
    "out-other-run": (_other_run, [*RUN, "--out", "out"], {}),
    "out-corrupted": (_hand_edited_run, [*RUN, "--config", "sweep.toml", "--solvers",
                                         "LBFGS[scipy]", "--tol", "1e-8", "--out", "run"], {}),
    "solver-class-missing-module": (None, [*RUN, "--solver-class", "no_such_module:Solver"], {}),
    "solver-class-malformed": (None, [*RUN, "--solver-class", "example_solvers.MyBFGS"], {}),
    "solver-class-invalid": (None, [*RUN, "--solver-class", "example_solvers:WrongSignature"],
                             {}),
    "x64-disabled": (None, [*RUN], {"JAX_ENABLE_X64": "0"}),
    "x64-not-boolean": (None, ["list"], {"JAX_ENABLE_X64": "maybe"}),
    "nemos-unsupported": (None, [*RUN], {"nemos": "0.3.0"}),
    "report-missing": (None, ["report", "nope"], {}),
    "report-not-a-run": (lambda root: (root / "bare").mkdir(), ["report", "bare"], {}),
    "report-empty": (_empty_run, ["report", "run"], {}),
    "report-corrupted": (_hand_edited_run, ["report", "run"], {}),
    "repeats-above-max": (None, [*RUN, "--repeats", "10", "--max-repeats", "8"], {}),
    "time-budget-negative": (None, [*RUN, "--time-budget=-1"], {}),
    "rounds-zero": (None, [*RUN, "--rounds", "0"], {}),
    "rounds-with-dask": (None, [*RUN, "--rounds", "2", "--workers", "2"], {}),
    "out-older-version": (_older_run, [*RUN, "--out", "out"], {}),
    "verify-missing": (None, ["verify", "nope"], {}),
    "verify-no-params": (_run_without_params, ["verify", "run"], {}),
    "keep-registered-unknown": (None, [*RUN], {"NEMOS_BENCH_KEEP_REGISTERED": "LBFGS"}),
    "scheduler-dead": (_dead_scheduler, [*RUN, "--scheduler", DEAD], {}),
    "scheduler-no-port": (None, [*RUN, "--scheduler", "localhost"], {}),
    "repeats-below-interval": (None, [*RUN, "--repeats", "1"], {}),
    "suite-and-problems": (_write("sweep.toml", 'suite = "quick"\n' + TINY),
                           [*RUN, "--config", "sweep.toml"], {}),
    "compare-disjoint": (_disjoint_runs, ["compare", "a", "b"], {}),
    "advise-run-dir-and-data": (None, ["advise", "run", "--data", "rec.npz"], {}),
    "advise-nothing": (None, ["advise"], {}),
    "advise-two-files": (None, ["advise", "--data", "a.npz", "--data", "b.npz"], {}),
    "advise-data-option-with-run-dir": (None, ["advise", "run", "--budget", "2"], {}),
    "advise-budget-not-positive": (None, ["advise", "--data", "rec.npz", "--budget", "0"], {}),
    "advise-budget-too-small": (_poisson_npz, ["advise", "--data", "rec.npz", "--budget", "0.01"],
                                {}),
}  # fmt: skip


def _documented() -> dict[str, str]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `([a-z0-9-]+)` \|.*\| ``(.*)`` \|$", line)
        if match:
            rows[match.group(1)] = match.group(2).strip()
    return rows


def _pattern(message: str) -> str:
    return "".join(".*?" if part == "…" else re.escape(part) for part in re.split("(…)", message))


def _tree(root: Path) -> dict:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


def test_every_case_is_documented_and_every_documented_case_is_tested():
    assert sorted(_documented()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gets_one_sentence_exit_2_and_writes_nothing(case, tmp_path, monkeypatch, capsys):
    setup, argv, env = CASES[case]
    if case == "out-not-writable" and os.geteuid() == 0 and not Path("/proc/sys").is_dir():
        pytest.skip("root can write into any directory and there is no /proc/sys")
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        if name == "nemos":
            monkeypatch.setattr(nemos, "__version__", value)
        else:
            monkeypatch.setenv(name, value)
    if setup is not None and isinstance(target := setup(tmp_path), str):
        # root: a read-only place; a dead scheduler: a port just freed
        argv = [target if a in ("locked/run", DEAD) else a for a in argv]
    capsys.readouterr()
    before = _tree(tmp_path)
    try:
        code = main(argv)
    finally:
        os.chmod(tmp_path, 0o700)
        for p in tmp_path.rglob("*"):
            if p.is_dir():
                os.chmod(p, 0o700)
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    prefix = f"nemos-bench {argv[0]}: error: "
    assert lines[0].startswith(prefix)
    message = lines[0][len(prefix) :]
    assert re.fullmatch(_pattern(_documented()[case]), message), message
    assert _tree(tmp_path) == before  # nothing written, nothing overwritten, no run directory


def test_the_installed_command_exits_2_without_a_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "nemos_bench.cli", "run", "--suite", "huge"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        "nemos-bench run: error: Unknown suite 'huge'; accepted suites are "
        "['quick', 'standard', 'large', 'neuro', 'models'].\n"
    )
    assert list(tmp_path.iterdir()) == []
