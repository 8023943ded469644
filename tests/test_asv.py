"""The asv configuration and suite: environments, grids, skips, and results across commits."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from asv import environment
from asv.config import Config

from nemos_bench.compare import compare, load_asv_commit
from nemos_bench.problems import ProblemSpec, get_suite

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402


def test_config_has_the_directories_and_build_of_a_src_layout():
    conf = Config.load(str(ROOT / "asv.conf.json"))
    assert (conf.benchmark_dir, conf.results_dir, conf.html_dir, conf.env_dir) == (
        "benchmarks",
        "results/asv",
        "reports/asv",
        ".asv/env",
    )
    assert conf.environment_type == "virtualenv"
    assert conf.pythons == ["3.11", "3.12"]
    assert any("{build_cache_dir}" in cmd and "--wheel" in cmd for cmd in conf.build_command)
    assert conf.install_command == ["in-dir={env_dir} python -mpip install {wheel_file}"]


def test_matrix_pins_one_nemos_release_per_python_and_same_runs_once():
    conf = Config.load(str(ROOT / "asv.conf.json"))
    envs = {env.name: env.requirements for env in environment.get_environments(conf, None)}
    assert envs == {
        "virtualenv-py3.11-nemos0.2.8": {"nemos": "0.2.8"},
        "virtualenv-py3.12-nemos0.2.9": {"nemos": "0.2.9"},
    }
    same = list(environment.get_environments(conf, [":same"], verbose=False))
    assert len(same) == 1 and same[0].tool_name == "existing"


def test_quick_grid_is_the_quick_suite_and_full_grid_the_standard_suite(monkeypatch):
    # asv's grid is append-only: it keeps the ids of the quick suite it started with (the
    # suite was recomposed since), whose data never change (tests/data fingerprints them).
    fingerprints = json.loads(
        (Path(__file__).with_name("data") / "problem_fingerprints.json").read_text()
    )
    first_quick = {pid for pid, record in fingerprints.items() if record["suite"] == "quick"}
    assert set(common.QUICK_PROBLEMS) == first_quick
    for problem_id in common.QUICK_PROBLEMS:
        assert ProblemSpec.from_id(problem_id).problem_id == problem_id
    monkeypatch.delenv(common.FULL_ENV_VAR, raising=False)
    assert common.problem_ids() == common.QUICK_PROBLEMS
    monkeypatch.setenv(common.FULL_ENV_VAR, "1")
    assert common.problem_ids() == tuple(spec.problem_id for spec in get_suite("standard"))


def test_benchmarks_have_explicit_versions_and_units():
    from benchmarks import fit

    for cls in (fit.TimeFit, fit.PeakMemFit, fit.TrackFit):
        assert cls.version == "1"
    for name in ("compile_s", "objective", "suboptimality", "n_steps", "converged"):
        assert getattr(fit.TrackFit, f"track_{name}").unit
    assert fit.TrackFit.track_compiles_per_call.unit


def test_asv_discovers_only_the_fit_benchmarks():
    # asv collects every top-level time_*/track_*/mem_* name of every module under
    # benchmarks/, scripts included: an imported helper called time_... becomes a broken
    # benchmark that fails `asv run`.
    from asv_runner.discovery import disc_benchmarks

    names = sorted(b.name for b in disc_benchmarks(str(ROOT / "benchmarks")))
    assert names == [
        "fit.PeakMemFit.peakmem_fit",
        "fit.TimeFit.time_fit",
        "fit.TrackFit.track_compile_s",
        "fit.TrackFit.track_compiles_per_call",
        "fit.TrackFit.track_converged",
        "fit.TrackFit.track_n_steps",
        "fit.TrackFit.track_objective",
        "fit.TrackFit.track_suboptimality",
    ]


def test_cell_row_skips_fails_and_reads():
    key = common.cell_key("LBFGS", "p", 1e-8)
    ok = {"status": "ok", "reason": "", "objective": 1.0}
    assert common.cell_row({"cells": {key: ok}}, "LBFGS", "p", 1e-8) is ok
    every = {"status": "recompiles", "reason": "X compiles on every run", "objective": 1.0}
    assert common.cell_row({"cells": {key: every}}, "LBFGS", "p", 1e-8) is every
    with pytest.raises(NotImplementedError, match="lacks"):
        common.cell_row({"missing": "nemos_bench lacks X"}, "LBFGS", "p", 1e-8)
    with pytest.raises(NotImplementedError, match="not allowed"):
        skipped = {key: {"status": "skipped", "reason": "not allowed"}}
        common.cell_row({"cells": skipped}, "LBFGS", "p", 1e-8)
    with pytest.raises(RuntimeError, match="failed: boom"):
        common.cell_row(
            {"cells": {key: {"status": "failed", "reason": "boom"}}}, "LBFGS", "p", 1e-8
        )


def test_a_missing_module_skips_instead_of_failing(monkeypatch):
    monkeypatch.setattr(common, "_import_harness", lambda: "no module named nemos_bench.sweep")
    with pytest.raises(NotImplementedError, match="nemos_bench.sweep"):
        common.prepare_fit("LBFGS", common.QUICK_PROBLEMS[0], 1e-4)
    assert common.run_grid(["LBFGS"], common.QUICK_PROBLEMS, [1e-4]) == {
        "missing": "no module named nemos_bench.sweep"
    }


def test_prepare_fit_returns_a_compiled_fit_and_skips_unknown_solvers():
    fit = common.prepare_fit("NonlinearCG", common.QUICK_PROBLEMS[1], 1e-4)
    params, state, _ = fit()
    assert params.coef.shape == (5, 3)
    with pytest.raises(NotImplementedError):
        common.prepare_fit("NoSuchSolver[nowhere]", common.QUICK_PROBLEMS[1], 1e-4)


TINY_SUITE = """
import time
SLOW, WORSE, BROKEN = {slow}, {worse}, {broken}
PARAMS = (["LBFGS", "Skipped", "Broken"], ["p1"], [1e-8])


class TimeFit:
    params, param_names, version = PARAMS, ("solver", "problem", "tol"), "1"

    def setup(self, solver, problem, tol):
        if solver == "Skipped":
            raise NotImplementedError("not here")

    def time_fit(self, solver, problem, tol):
        time.sleep(0.2 if SLOW else 0.01)  # 20x: scheduling delays under load add to both


class TrackFit:
    params, param_names, version = PARAMS, ("solver", "problem", "tol"), "1"

    def setup(self, solver, problem, tol):
        if solver == "Skipped":
            raise NotImplementedError("not here")
        if solver == "Broken" and BROKEN:
            raise RuntimeError("broken at this commit")

    def track_objective(self, solver, problem, tol):
        return 1.0 + WORSE

    def track_suboptimality(self, solver, problem, tol):
        return WORSE

    def track_converged(self, solver, problem, tol):
        return 1
"""


def _run(args, cwd, env):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _commit(repo, env, message, **flags):
    (repo / "benchmarks" / "fit.py").write_text(TINY_SUITE.format(**flags))
    _run(["git", "add", "-A"], repo, env)
    assert _run(["git", "commit", "-q", "-m", message], repo, env).returncode == 0
    return _run(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()


def asv_repo_with_two_commits(tmp_path):
    """A git repository with this asv.conf.json and a tiny suite, run at two commits.

    Returns ``(repo, env, commits)``: the second commit is slower, worse by 1e-3 and breaks
    the ``Broken`` cell; asv's results are in ``repo/results/asv`` (machine ``box``).
    """
    repo, home = tmp_path / "repo", tmp_path / "home"
    (repo / "benchmarks").mkdir(parents=True)
    home.mkdir()
    env = dict(
        os.environ,
        HOME=str(home),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    env.pop("PYTHONPATH", None)
    shutil.copy(ROOT / "asv.conf.json", repo / "asv.conf.json")
    (repo / "benchmarks" / "__init__.py").write_text("")
    assert _run(["git", "init", "-q", "-b", "main"], repo, env).returncode == 0
    asv = [sys.executable, "-m", "asv"]
    assert _run(asv + ["machine", "--yes", "--machine", "box"], repo, env).returncode == 0
    commits = []
    for flags in (
        {"slow": False, "worse": 0.0, "broken": False},
        {"slow": True, "worse": 1e-3, "broken": True},
    ):
        commits.append(_commit(repo, env, f"suite {flags}", **flags))
        options = ["--python=same", "--quick", "--machine=box", f"--set-commit-hash={commits[-1]}"]
        run = _run(asv + ["run", *options], repo, env)
        assert f"{commits[-1][:8]}" in run.stdout, run.stdout + run.stderr
    return repo, env, commits


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_two_commits_are_two_points_and_the_gate_reads_them(tmp_path):
    """asv results of two commits: two points per graph; the gate compares the commits."""
    repo, env, commits = asv_repo_with_two_commits(tmp_path)
    asv = [sys.executable, "-m", "asv"]
    published = _run(asv + ["publish"], repo, env)
    assert published.returncode == 0, published.stdout + published.stderr
    assert (repo / "reports" / "asv" / "index.html").is_file()

    for name in ("TimeFit.time_fit", "TrackFit.track_objective"):
        graphs = list((repo / "reports" / "asv" / "graphs").glob(f"**/fit.{name}.json"))
        assert graphs, name
        points = json.loads(graphs[0].read_text())
        assert len(points) == 2  # one point per commit
        assert len({point[0] for point in points}) == 2  # at two different revisions

    results = repo / "results" / "asv"
    base = load_asv_commit(commits[0], results)
    assert dict(zip(base.frame["solver"], base.frame["status"], strict=True)) == {
        "LBFGS": "ok",
        "Skipped": "skipped",
        "Broken": "ok",
    }
    assert compare(commits[0], commits[0], results_dir=results).passed
    result = compare(commits[0], commits[1], results_dir=results)
    reasons = {cell.solver: " ".join(cell.reasons) for cell in result.regressions}
    assert set(reasons) == {"LBFGS", "Broken"}
    assert "slower" in reasons["LBFGS"] and "objective worse" in reasons["LBFGS"]
    assert "ok to failed" in reasons["Broken"]

    # a second environment at HEAD: cells are then matched per environment
    (head_file,) = (results / "box").glob(f"{commits[1][:8]}-*.json")
    data = json.loads(head_file.read_text())
    data["env_name"] = "existing-other"
    (results / "box" / f"{commits[1][:8]}-existing-other.json").write_text(json.dumps(data))
    assert set(load_asv_commit(commits[1], results).frame["env"]) == {
        data["env_name"],
        json.loads(head_file.read_text())["env_name"],
    }
    two_envs = compare(commits[0], commits[1], results_dir=results)
    assert {cell.solver for cell in two_envs.regressions} == {"LBFGS", "Broken"}
    assert {key[0] for key in two_envs.only_head} == {"existing-other"}
    only_other = load_asv_commit(commits[1], results, env="other")
    assert set(only_other.frame["env"]) == {"existing-other"}


def test_compiles_per_call_is_tracked_for_new_and_older_rows():
    from benchmarks import fit

    track = fit.TrackFit()
    track.row = {"compiles_per_call": 1.0, "compiles_in_timed": 2, "n_repeats": 2}
    assert track.track_compiles_per_call(None, "S", "p", 1e-8) == 1.0
    track.row = {"compiles_in_timed": 0, "n_repeats": 6}  # a harness before the column
    assert track.track_compiles_per_call(None, "S", "p", 1e-8) == 0.0


def test_a_fit_that_compiles_on_every_call_is_timed_as_paid():
    # in a process of its own: registering the planted solver here would add it to this
    # process's registry, and so to every later test's default solver list
    script = """
import os, sys
sys.path.insert(0, os.getcwd())
os.environ["NEMOS_BENCH_TEST_RECOMPILE"] = "1"
from benchmarks import common
from nemos_bench.measure import count_compiles
from nemos_bench.solvers import load_solver_class
name = load_solver_class("tests.example_solvers:ToggleRecompileLBFGS", validate=False)
problem = "poisson[n=1000,p=5,k=3,noise=0.0,reg=Ridge,lam=0.001,seed=0]"
fit = common.prepare_fit(name, problem, 1e-8)  # no RuntimeError: it is what users pay
with count_compiles() as seen:
    fit()
print("compiles", seen.count)
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.split("compiles")[-1]) >= 1
