"""``nemos-bench asv init``: asv over NeMoS's own commits, and the suite's tolerance of them."""

import importlib
import json
import os
import shutil
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import nemos
import pytest
from asv import environment
from asv.config import Config
from asv.util import load_json
from nemos_history import PLANTED, PLANTED_FILE, git, make_nemos_repo

from nemos_bench.cli import main
from nemos_bench.compare import CompareSourceError, load_asv_commit
from nemos_bench.compare._asv_config import asv_repo_dir

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402

HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"
QUICK = common.QUICK_PROBLEMS[0]


@pytest.fixture(scope="module")
def nemos_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("nemos") / "nemos"
    repo.mkdir()
    make_nemos_repo(repo, commits=2)
    return repo


@pytest.fixture(scope="module", autouse=True)
def python_on_path():
    """This interpreter's directory first on PATH, as in an activated virtual environment.

    asv builds environments with the first ``pythonX.Y`` on PATH, which `init` checks.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), PATH]))
        yield


PATH = os.environ.get("PATH", "")


def _top_level() -> list[str]:
    return sorted(p.name for p in ROOT.iterdir() if p.name != ".pytest_cache")


@pytest.fixture(scope="module")
def history(nemos_repo, tmp_path_factory):
    """DIR written by `nemos-bench asv init` (the harness wheel is built once)."""
    # pytest's own cache folder may appear meanwhile: another xdist worker can create it
    top_level = _top_level()
    target = tmp_path_factory.mktemp("history") / "dir"
    code = main(["asv", "init", "--nemos-repo", str(nemos_repo), "--dir", str(target)])
    assert code == 0
    assert _top_level() == top_level  # nothing built in the checkout
    return target


def test_init_writes_a_config_over_the_nemos_commits(history, nemos_repo):
    conf = Config.load(str(history / "asv.conf.json"))
    assert conf.repo == str(nemos_repo)
    assert conf.project == "nemos" and conf.branches == ["main"]
    dirs = (conf.benchmark_dir, conf.results_dir, conf.html_dir, conf.env_dir)
    assert dirs == ("benchmarks", "results", "html", "env")  # asv reads them from DIR
    assert conf.launch_method == "forkserver"
    envs = [env.name for env in environment.get_environments(conf, None)]
    assert envs == [f"virtualenv-py{HERE}"]
    # the same suite as the harness's own history: same files, explicit versions kept
    copied = sorted(p.name for p in (history / "benchmarks").glob("*.py"))
    assert copied == sorted(p.name for p in (ROOT / "benchmarks").glob("*.py"))
    assert (history / "benchmarks" / "fit.py").read_text() == (
        ROOT / "benchmarks" / "fit.py"
    ).read_text()


def test_init_installs_the_commit_then_the_harness_wheel(history):
    conf = load_json(str(history / "asv.conf.json"), js_comments=True)
    commit, requirements, harness = (
        command.replace("{conf_dir}", str(history)) for command in conf["install_command"]
    )
    assert commit == "in-dir={env_dir} python -m pip install {wheel_file}"
    assert conf["uninstall_command"] == ["return-code=any python -m pip uninstall -y {project}"]
    wheel = Path(harness.split()[-1])
    assert "--no-deps" in harness and wheel.is_file() and wheel.parent.parent == history / "harness"
    assert wheel.parent.name == conf["nemos_bench"]["wheel"].split("/")[0]
    with zipfile.ZipFile(wheel) as archive:
        assert "nemos_bench/solvers/_compat.py" in archive.namelist()
    needs = Path(requirements.split()[-1]).read_text().split()
    assert "jax" in needs and "pandas>=2.0" in needs
    assert not [line for line in needs if line.lower().startswith("nemos")]


def test_init_refuses_an_existing_config_and_force_keeps_results(history, nemos_repo, capsys):
    args = ["asv", "init", "--nemos-repo", str(nemos_repo), "--dir", str(history)]
    before = (history / "asv.conf.json").read_text()
    assert main(args) == 2
    assert "already holds an asv.conf.json; pass --force" in capsys.readouterr().err
    assert (history / "asv.conf.json").read_text() == before
    (history / "results").mkdir(exist_ok=True)
    (history / "results" / "kept.json").write_text("{}")
    assert main([*args, "--force", "--branch", "main~1"]) == 0
    assert (history / "results" / "kept.json").read_text() == "{}"
    assert Config.load(str(history / "asv.conf.json")).branches == ["main~1"]
    assert len(list((history / "harness").glob("*/*.whl"))) == 1  # the old wheel is gone


def _not_nemos(tmp_path):
    repo = tmp_path / "other"
    repo.mkdir()
    (repo / "pyproject.toml").write_text('[project]\nname = "other"\n')
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "x")
    return repo


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "is not a directory"),
        ("not-git", "is not a git repository"),
        ("subdir", "is inside the git repository"),
        ("not-nemos", "names the project 'other', not 'nemos'"),
        ("branch", "--branch 'nope' is not a branch of"),
        ("python", "--python '3.x' is not a version like 3.12"),
        ("python-absent", "--python 3.99: no python3.99 on PATH"),
        ("python-broken", "does not run as Python 3.98"),
        ("dir-file", "is a file; pass a directory"),
        ("harness", "is not a nemos-bench source checkout"),
        ("detached", "has a detached HEAD"),
    ],
)
def test_init_bad_input_is_one_sentence_and_writes_nothing(
    case, message, nemos_repo, tmp_path, capsys, monkeypatch
):
    repo, target, extra = nemos_repo, tmp_path / "dir", []
    if case == "missing":
        repo = tmp_path / "nowhere"
    elif case == "not-git":
        repo = tmp_path / "plain"
        repo.mkdir()
    elif case == "subdir":
        repo = nemos_repo / "nemos"
    elif case == "not-nemos":
        repo = _not_nemos(tmp_path)
    elif case == "branch":
        extra = ["--branch", "nope"]
    elif case in ("python", "python-absent"):
        extra = ["--python", "3.x" if case == "python" else "3.99"]
    elif case == "python-broken":  # e.g. a pyenv shim of a version pyenv does not activate
        shim = tmp_path / "bin" / "python3.98"
        shim.parent.mkdir()
        shim.write_text("#!/bin/sh\necho 'pyenv: python3.98: command not found' >&2\nexit 127\n")
        shim.chmod(0o755)
        monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
        extra = ["--python", "3.98"]
    elif case == "dir-file":
        target.write_text("")
    elif case == "harness":
        extra = ["--harness", str(tmp_path)]
    elif case == "detached":
        repo = tmp_path / "clone"
        subprocess.run(["git", "clone", "-q", str(nemos_repo), str(repo)], check=True)
        git(repo, "checkout", "-q", "--detach", "HEAD")
    code = main(["asv", "init", "--nemos-repo", str(repo), "--dir", str(target), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("nemos-bench asv: error: ") and message in err
    assert len(err.splitlines()) == 1
    assert not target.is_dir()


def test_compare_resolves_refs_in_the_configs_repository(nemos_repo, tmp_path, capsys):
    config = tmp_path / "asv.conf.json"
    config.write_text(json.dumps({"repo": str(nemos_repo), "results_dir": "results"}))
    assert asv_repo_dir(config) == nemos_repo
    head = git(nemos_repo, "rev-parse", "HEAD~1")
    # `main~1` exists in the harness checkout too: it must be NeMoS's commit that is looked up
    with pytest.raises(CompareSourceError, match=f"No asv results for commit {head[:8]}"):
        load_asv_commit("main~1", config=config)
    with pytest.raises(CompareSourceError, match=f"nor a commit of {nemos_repo}"):
        load_asv_commit("no-such-ref", config=config)
    assert main(["compare", "main~1", "main", "--config", str(tmp_path / "nope.json")]) == 2
    assert "No asv configuration at" in capsys.readouterr().err


@pytest.fixture
def fresh_harness():
    common._import_harness.cache_clear()
    yield
    common._import_harness.cache_clear()


def test_a_nemos_older_than_supported_skips_with_its_version(fresh_harness, monkeypatch):
    monkeypatch.setattr(nemos, "__version__", "0.2.5")
    with pytest.raises(NotImplementedError, match="nemos 0.2.5 at this commit is older than"):
        common.prepare_fit("LBFGS", QUICK, 1e-4)
    assert "0.2.5" in common.run_grid(["LBFGS"], [QUICK], [1e-4])["missing"]
    monkeypatch.setattr(nemos, "__version__", "0.3.0.dev2")  # newer: tried, not refused
    common._import_harness.cache_clear()
    assert not isinstance(common._import_harness(), str)


def test_a_nemos_that_does_not_import_skips_with_the_error(fresh_harness, monkeypatch):
    monkeypatch.setitem(sys.modules, "nemos", None)
    with pytest.raises(NotImplementedError, match="nemos cannot be imported at this commit"):
        common.harness(scipy=False)


def test_scipy_solvers_that_cannot_register_skip_while_native_ones_run(fresh_harness, monkeypatch):
    found, fitted = common._import_harness(), []

    def refuse():
        raise TypeError("validate_solver_class() got an unexpected keyword")

    def run_one(problem, reference, solver, tol, settings):
        fitted.append(solver)
        return types.SimpleNamespace(summary={"status": "ok", "reason": ""})

    monkeypatch.setattr(found, "register_scipy_solvers", refuse)
    monkeypatch.setattr(found, "run_one", run_one)
    cells = common.run_grid(["LBFGS[scipy]", "LBFGS"], [QUICK], [1e-4])["cells"]
    assert fitted == ["LBFGS"]
    scipy = cells[common.cell_key("LBFGS[scipy]", QUICK, 1e-4)]
    assert scipy["status"] == "skipped" and "cannot be registered" in scipy["reason"]
    assert cells[common.cell_key("LBFGS", QUICK, 1e-4)]["status"] == "ok"
    with pytest.raises(NotImplementedError, match="unexpected keyword"):
        common.cell_row({"cells": cells}, "LBFGS[scipy]", QUICK, 1e-4)
    with pytest.raises(NotImplementedError, match="unexpected keyword"):
        common.prepare_fit("BFGS[scipy]", QUICK, 1e-4)


def test_the_grid_narrows_through_environment_variables(monkeypatch):
    for name in (common.SOLVERS_ENV_VAR, common.PROBLEMS_ENV_VAR, common.TOLS_ENV_VAR):
        monkeypatch.delenv(name, raising=False)
    from benchmarks import fit

    default = (list(common.SOLVERS), list(common.QUICK_PROBLEMS), list(common.TOLS))
    assert importlib.reload(fit).TimeFit.params == default  # history keys unchanged
    two = f"{common.QUICK_PROBLEMS[1]}, {QUICK}"
    monkeypatch.setenv(common.SOLVERS_ENV_VAR, " LBFGS ,BFGS")
    monkeypatch.setenv(common.PROBLEMS_ENV_VAR, two)
    monkeypatch.setenv(common.TOLS_ENV_VAR, "1e-8")
    params = importlib.reload(fit).TrackFit.params
    assert params == (["LBFGS", "BFGS"], [common.QUICK_PROBLEMS[1], QUICK], [1e-8])
    assert fit.PeakMemFit.params == (["LBFGS", "BFGS"], [common.QUICK_PROBLEMS[1], QUICK])
    for name, value in (
        (common.TOLS_ENV_VAR, "1e-8,-1"),
        (common.TOLS_ENV_VAR, "tight"),
        (common.PROBLEMS_ENV_VAR, "poisson[n=10"),
        (common.SOLVERS_ENV_VAR, "LBFGS,,BFGS"),
    ):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=name):
            importlib.reload(fit)
        monkeypatch.setenv(name, {common.TOLS_ENV_VAR: "1e-8"}.get(name, "LBFGS"))
    for name in (common.SOLVERS_ENV_VAR, common.PROBLEMS_ENV_VAR, common.TOLS_ENV_VAR):
        monkeypatch.delenv(name)
    importlib.reload(fit)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_gate_flags_the_planted_nemos_commit_and_not_the_clean_one(tmp_path):
    """The Done-when test: asv over three NeMoS commits; compare flags only the planted one."""
    repo, home = tmp_path / "nemos", tmp_path / "home"
    repo.mkdir()
    home.mkdir()
    commits = make_nemos_repo(repo)
    assert PLANTED[1] in (repo / PLANTED_FILE).read_text()
    target = tmp_path / "history"
    assert main(["asv", "init", "--nemos-repo", str(repo), "--dir", str(target)]) == 0
    config = str(target / "asv.conf.json")
    env = dict(os.environ, HOME=str(home))  # asv's machine file goes to HOME
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))  # keep pip's cache
    env.pop("PYTHONPATH", None)
    env.update(
        {
            common.SOLVERS_ENV_VAR: "LBFGS",
            common.PROBLEMS_ENV_VAR: QUICK,
            common.TOLS_ENV_VAR: "1e-8",
        }
    )
    asv = [sys.executable, "-m", "asv"]

    def run(*args):
        return subprocess.run(
            [*asv, *args], env=env, capture_output=True, text=True, timeout=1800, cwd=tmp_path
        )

    assert run("machine", "--yes", "--machine", "box", "--config", config).returncode == 0
    ran = run("run", "--config", config, "--quick", "--machine", "box", "--show-stderr", "main")
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-4000:]
    files = sorted((target / "results" / "box").glob("*-virtualenv-*.json"))
    assert {f.name[:8] for f in files} == {c[:8] for c in commits}

    gate = ["--config", config, "--machine", "box", "--no-time"]
    cells = load_asv_commit("main~2", config=config, machine="box").frame
    assert list(cells["solver"]) == ["LBFGS"] and list(cells["status"]) == ["ok"]
    assert cells["fit_s"].notna().all() and cells["suboptimality"].notna().all()
    assert main(["compare", "main~2", "main~1", *gate]) == 0  # the clean commit passes
    from nemos_bench.compare import compare

    planted = compare("main~1", "main", config=config, machine="box", check_time=False)
    assert [cell.solver for cell in planted.regressions] == ["LBFGS"]
    assert "suboptimality grew" in " ".join(planted.regressions[0].reasons)
    assert main(["compare", "main~1", "main", *gate]) == 1

    published = main(["asv", "publish", "--config", config])
    assert published == 0
    graphs = list((target / "html" / "graphs").glob("**/fit.TrackFit.track_suboptimality.json"))
    assert graphs and len(json.loads(graphs[0].read_text())) == 3  # one point per commit
