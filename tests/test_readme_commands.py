"""Every shell command in README.md runs as written, or is listed here as long-running.

The commands are the lines of README's ```bash blocks (a heredoc is one command with its
body). A command not in ``LONG_RUNNING`` is run here, in an empty directory (or, for the
read-only commands of ``RUN_IN_CHECKOUT``, in the checkout) and must exit 0. A long one
must say why it is not run; its ``nemos-bench`` parts must still parse with the real
argument parser, so a renamed option cannot hide there.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nemos_bench.cli._parser import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_LINES = 200

#: Commands too long for a test, each with the reason.
LONG_RUNNING = {
    "python -m pip install -e . && nemos-bench run": (
        "installs the package, then the main job: every solver on the quick suite, about 90 s "
        "on 2 cores (benchmarks/quick_suite_check.py times it)"
    ),
    'python -m pip install -e ".[dev]" && python -m pytest -n 2': (
        "installs, then the whole test suite on two workers: minutes (.ci/run runs it on every leg)"
    ),
    "nemos-bench advise --data rec.nwb --out results/runs/rec": (
        "a sweep sized to five minutes on your recording; test_the_scientists_path (slow) "
        "runs it on a small generated recording with --budget 1.5 added"
    ),
    "nemos-bench report results/runs/rec": (
        "needs the run directory advise --data writes (test_the_scientists_path runs it)"
    ),
    'nemos-bench run --solvers "LBFGS[scipy],LBFGS" --out results/runs/first': (
        "a sweep of the quick suite with two solvers and its report, half a minute or more"
    ),
    'nemos-bench run --problems "poisson[n=2000,p=20,k=3,reg=Ridge,lam=0.001]" --solvers LBFGS': (
        "a sweep with its reference optimum and report, half a minute or more "
        "(tests/test_problem_text.py runs --problems on smaller problems)"
    ),
    'nemos-bench run --problems "poisson[n=2000,p=20,reg=Ridge,lam=0.01]" --solvers '
    '"LBFGS,BFGS" --workload cv --out results/runs/cv': (
        "two cells, then GridSearchCV's 10 fits x 3 cold runs per solver: a minute or more "
        "(tests/test_workloads.py runs --workload cv on a smaller problem)"
    ),
    "nemos-bench advise results/runs/first": (
        "needs the run directory the sweep before it writes (tests/test_advise.py runs it)"
    ),
    "nemos-bench report results/runs/first --epsilon 1e-8 --out reports/first-eps1e-8": (
        "needs the run directory the sweep before it writes"
    ),
    'nemos-bench run --solvers "LBFGS[scipy],LBFGS" --no-report --out results/runs/second': (
        "a second sweep of the quick suite, half a minute or more"
    ),
    "nemos-bench compare results/runs/first results/runs/second": (
        "needs the two run directories the sweeps before it write"
    ),
    (
        'nemos-bench run --solver-class my_solver:MyBFGS --solvers "MyBFGS[custom],LBFGS[scipy]" '
        "--out results/runs/mine"
    ): (
        "a sweep of the quick suite; the class it loads is checked by "
        "test_the_tour_solver_passes_nemos_validation"
    ),
    'python -m pip install -e ".[docs]" && sphinx-build -W docs docs/_build/html': (
        "installs Sphinx and its extensions from the package index, then builds the site, "
        "running the examples and a sweep: minutes (.ci/run runs it; "
        "tests/test_docs_site.py checks the site)"
    ),
    "python -m pytest -m slow -n 2": (
        "the slow tests: asv over a NeMoS history alone takes 7-8 minutes"
    ),
    ".ci/run": "CI itself: fresh virtual environments for every leg, the better part of an hour",
}
#: Commands that only read the checkout: run there rather than in an empty directory.
RUN_IN_CHECKOUT = {"ruff check . && ruff format --check src tests benchmarks"}


def readme_commands(text: str) -> list[str]:
    """The shell commands of ``text``'s ```bash blocks, one per line or heredoc."""
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            command = lines[i].strip()
            i += 1
            if not command or command.startswith("#"):
                continue
            while command.endswith("\\"):
                command = command[:-1] + lines[i].strip()
                i += 1
            heredoc = re.search(r"<<-?\s*'?\"?(\w+)", command)
            if heredoc:
                end = lines.index(heredoc.group(1), i)
                command = "\n".join([command, *lines[i : end + 1]])
                i = end + 1
            commands.append(command)
    return commands


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))
RUNNABLE = [c for c in COMMANDS if c not in LONG_RUNNING]


def _env():
    bindir = str(Path(sys.executable).parent)  # nemos-bench, ruff of this environment
    return dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))


def _run(command, cwd):
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300
    )


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_LINES, f"README.md has {len(lines)} lines; keep it to {MAX_LINES}"


def test_parser_finds_commands_and_heredocs():
    lines = ["x", "```bash", "# note", "a --b \\", "  c", "cat > f <<'EOF'", "body", "EOF", "d"]
    text = "\n".join([*lines, "```", "```toml", "e", "```", ""])
    assert readme_commands(text) == ["a --b c", "cat > f <<'EOF'\nbody\nEOF", "d"]


def test_every_long_running_command_is_in_readme_with_a_reason():
    stale = sorted(set(LONG_RUNNING) - set(COMMANDS))
    assert stale == [], "listed as long-running but no longer in README.md"
    assert all(len(reason.split()) >= 4 for reason in LONG_RUNNING.values())


@pytest.mark.parametrize("command", sorted(LONG_RUNNING))
def test_long_running_commands_parse(command):
    parser = build_parser()
    for part in command.split("&&"):
        argv = shlex.split(part)
        if argv[0] == "nemos-bench":
            parser.parse_args(argv[1:])  # exits 2 (SystemExit) on an unknown option


def test_some_commands_are_run_here():
    assert RUNNABLE, "every README command is listed as long-running: run the cheap ones"


@pytest.mark.parametrize("command", RUNNABLE)
def test_readme_command_runs(command, tmp_path):
    cwd = ROOT if command in RUN_IN_CHECKOUT else tmp_path
    done = _run(command, cwd)
    assert done.returncode == 0, f"{command!r} exited {done.returncode}:\n{done.stderr[-3000:]}"


def test_the_tour_solver_passes_nemos_validation(tmp_path):
    """README's own solver: the file it writes holds a class NeMoS's validator accepts."""
    (writer,) = [c for c in COMMANDS if c.startswith("cat > my_solver.py")]
    assert _run(writer, tmp_path).returncode == 0
    check = "from nemos_bench.solvers import load_solver_class as f; print(f('my_solver:MyBFGS'))"
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "MyBFGS[custom]"


@pytest.mark.slow  # the sweep is sized to 1.5 minutes, as its --budget asks
def test_the_scientists_path(tmp_path):
    """README's own-data path on a small recording: advise --data, then report."""
    from test_own_data import write_nwb

    rng = np.random.default_rng(0)  # three units firing at about 5 Hz for 20 s
    write_nwb(tmp_path / "rec.nwb", [np.sort(rng.uniform(0, 20, 100)) for _ in range(3)])
    (advise,) = [c for c in COMMANDS if c.startswith("nemos-bench advise --data rec.nwb")]
    (report,) = [c for c in COMMANDS if c.startswith("nemos-bench report results/runs/rec")]
    done = _run(advise + " --budget 1.5", tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.startswith("Plan: ") and "To reach ε = 1e-06 on " in done.stdout
    done = _run(report, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "To reach ε = 1e-06 on " in (tmp_path / "reports/rec/index.html").read_text()
