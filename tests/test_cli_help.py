"""Every default that `nemos-bench run --help` (and `report --help`) states is the code's."""

import inspect
import re
from pathlib import Path

import pytest

from nemos_bench.cli import main
from nemos_bench.problems import list_suites
from nemos_bench.sweep import build_config


def _help(capsys, monkeypatch, command: str) -> dict[str, str]:
    """Each option of ``command --help`` with its help text (one line each)."""
    monkeypatch.setenv("COLUMNS", "1000")
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    options, current = {}, None
    for line in text.split("options:", 1)[1].splitlines():
        if line.startswith("  -"):
            current = line.split()[0].rstrip(",")
            options[current] = " ".join(re.split(r"\s{2,}", line.strip())[1:])
        elif current and line.strip():
            options[current] = f"{options[current]} {line.strip()}".strip()
    return options


def _stated(text: str) -> str:
    """What follows "default" in a help text, up to the closing parenthesis."""
    match = re.search(r"\(default:? ?([^)]*)\)", text)
    assert match, text
    return match.group(1)


def _per_suite(stated: str, value_of, parse) -> None:
    """``"X; quick: Y; models: Z"``: Y and Z for the suites named, X for every other suite."""
    first, *named = stated.split("; ")
    named = dict(part.split(": ", 1) for part in named)
    for suite in list_suites():
        assert value_of(suite) == parse(named.get(suite, first)), suite


def _data_option_checks() -> dict:
    """The defaults of --data's options: data_spec's, and what a recording's spec resolves."""
    from nemos_bench.problems import DEFAULT_N_BASIS, ProblemSpec, data_spec

    given = inspect.signature(data_spec).parameters
    spec = ProblemSpec(1, 2, design="nwb", data="x.nwb", data_sha256="0" * 64)
    return {
        "--observation": lambda s: s == given["observation"].default,
        "--reg": lambda s: s == given["regularizer"].default,
        "--lam": lambda s: (
            s == "the regularizer's default" and given["regularizer_strength"].default is None
        ),
        "--bin-size": lambda s: s == f"{spec.bin_size:g} s" and given["bin_size"].default is None,
        "--window": lambda s: int(s) == spec.window and given["window"].default is None,
        "--n-basis": lambda s: int(s) == DEFAULT_N_BASIS and given["n_basis"].default is None,
    }


def _workload_option_checks() -> dict:
    """The defaults of --workload's options: make_workload's and run_workload's."""
    from nemos_bench.problems import ProblemSpec
    from nemos_bench.workloads import make_workload, run_workload
    from nemos_bench.workloads._spec import DEFAULT_FOLDS, DEFAULT_N_STRENGTHS

    spec = ProblemSpec(300, 5, regularizer="Ridge")
    cv = make_workload("cv", spec)
    repeats = inspect.signature(run_workload).parameters["repeats"].default
    return {
        "--strengths": lambda s: int(s) == len(cv.strengths) == DEFAULT_N_STRENGTHS,
        "--folds": lambda s: int(s) == cv.folds == DEFAULT_FOLDS,
        "--workload-repeats": lambda s: int(s) == repeats,
    }


def test_every_default_stated_by_run_help_is_what_the_code_uses(capsys, monkeypatch):
    from nemos_bench.cli._run import DEFAULT_ISOLATE, _default_out
    from nemos_bench.sweep import SHARED_MACHINE_THREADS

    options = _help(capsys, monkeypatch, "run")
    default = build_config()  # what a run with no option gets
    settings = default.settings
    tols = lambda text: tuple(float(t) for t in text.split(","))  # noqa: E731
    checks = {
        "--suite": lambda s: s == default.suite,
        "--solvers": lambda s: s == "all" and default.solvers is None,
        "--tol": lambda s: _per_suite(s, lambda x: build_config(suite=x).tols, tols) is None,
        "--repeats": lambda s: int(s) == settings.repeats,
        "--max-repeats": lambda s: int(s) == settings.max_repeats,
        "--time-budget": lambda s: float(s) == settings.time_budget,
        "--ci-target": lambda s: float(s) == settings.ci_target,
        "--rounds": lambda s: int(s.split(";")[0]) == settings.rounds,
        "--maxiter": lambda s: (
            _per_suite(s, lambda x: build_config(suite=x).settings.maxiter, int) is None
        ),
        "--out": lambda s: (
            Path(s.split("<")[0]) == _default_out("quick").parent
            and _default_out("quick").name.endswith("-quick")
            and s.endswith("<date-time>-<suite>")
        ),
        "--threads": lambda s: s == f"{SHARED_MACHINE_THREADS} when workers share a machine",
        "--dtype": lambda s: tuple(s.split(";")[0].split(",")) == default.dtypes,
        **_data_option_checks(),
        **_workload_option_checks(),
    }
    marked = {"--isolate": DEFAULT_ISOLATE, "--in-process": not DEFAULT_ISOLATE}
    with_default = {name for name, text in options.items() if "default" in text}
    assert with_default == set(checks) | {k for k, v in marked.items() if v}
    for name, check in checks.items():
        assert check(_stated(options[name])), (name, options[name])
    for name, is_default in marked.items():
        assert options[name].endswith("(default)") == is_default, options[name]
    # the mode the default run gets is the one marked
    assert build_config(isolate=DEFAULT_ISOLATE or None).isolated == DEFAULT_ISOLATE


def test_report_help_states_the_epsilon_build_report_uses(capsys, monkeypatch):
    from nemos_bench.report import build_report

    options = _help(capsys, monkeypatch, "report")
    epsilon = inspect.signature(build_report).parameters["epsilon"].default
    assert float(_stated(options["--epsilon"])) == epsilon


def test_quick_suite_maxiter_in_help_is_the_suites_cap(capsys, monkeypatch):
    # the case that was wrong: the help said 1000, the quick suite runs with 500
    options = _help(capsys, monkeypatch, "run")
    quick = build_config(suite="quick").settings.maxiter
    assert f"quick: {quick})" in options["--maxiter"]
