"""Problems from the command line: `run --problems` takes the problem-id syntax, fields optional."""

import json

import pandas as pd
import pytest

from nemos_bench.cli import main
from nemos_bench.cli._listing import problem_statuses
from nemos_bench.problems import (
    ProblemSpec,
    get_suite,
    list_suites,
    parse_problem,
    split_problems,
)


def test_every_suite_id_parses_back_to_its_spec():
    specs = {spec for suite in list_suites() for spec in get_suite(suite)}
    assert len(specs) > 20
    for spec in specs:
        assert parse_problem(spec.problem_id) == spec


def test_fields_in_any_order_and_left_out_take_the_spec_defaults():
    spec = parse_problem("poisson[reg=Ridge,p=20,n=2000, k=3]")
    assert spec == ProblemSpec(2000, 20, n_outputs=3, regularizer="Ridge")
    assert spec.regularizer_strength == ProblemSpec(10, 2, regularizer="Ridge").regularizer_strength
    history = parse_problem(
        "poisson[n=50000,p=100,k=20,reg=Ridge,lam=0.001,design=spike_history,rate=0.05]"
    )
    assert (history.design, history.rate, history.n_basis) == ("spike_history", 0.05, 5)
    assert parse_problem("gamma[n=300,p=4]").observation == "Gamma"


@pytest.mark.parametrize(
    "text, names",
    [
        ("poisson[n=2000]", ["lacks p=", "n (samples) and p (features)"]),
        ("poisson[n=2e3,p=20]", ["n='2e3'", "a positive integer (samples)"]),
        ("poisson[n=20,p=2,lam=-1,reg=Ridge]", ["regularizer_strength", "-1"]),
        ("spikes[n=20,p=2]", ["unknown model 'spikes'", "poisson"]),
        ("poisson[n=20,p=2,size=3]", ["'size=3'", "accepted keys: n, p, k"]),
        ("poisson[n=20,p=2,p=3]", ["gives p twice"]),
        ("poisson[n=20,p=2,design=weird]", ["`design`", "'weird'", "spike_history"]),
        ("n=20,p=2", ["not of the form model[key=value,...]"]),
    ],
)
def test_a_bad_field_is_one_sentence_naming_it(text, names):
    with pytest.raises(ValueError) as info:
        parse_problem(text)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"Problem {text!r}")
    assert all(name in message for name in names), message


def test_lists_split_at_commas_outside_brackets():
    assert split_problems("poisson[n=10,p=2],gamma[n=30,p=3,k=2] ,") == [
        "poisson[n=10,p=2]",
        "gamma[n=30,p=3,k=2]",
    ]


def test_reference_progress_names_each_step(tmp_path):
    spec = ProblemSpec(400, 3, n_outputs=3, regularizer="Ridge")
    steps = []
    problem_statuses(
        [spec], True, cache_dir=tmp_path, on_step=lambda s, text: steps.append((s, text))
    )
    assert [text for _, text in steps] == [
        "generating or reading the data",
        "certifying output 1 of 3",
        "certifying output 2 of 3",
        "certifying output 3 of 3",
    ]
    assert {s for s, _ in steps} == {spec}
    steps.clear()  # cached now: nothing to compute, no steps
    problem_statuses([spec], True, cache_dir=tmp_path, on_step=lambda s, t: steps.append(t))
    assert steps == []


def test_run_problems_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEMOS_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "300")
    out = tmp_path / "run"
    text = "poisson[n=400,p=5,k=2,reg=Ridge,lam=0.001],poisson[p=3,n=300]"
    code = main(
        ["run", "--problems", text, "--solvers", "LBFGS[scipy]", "--tol", "1e-6",
         "--in-process", "--repeats", "6", "--max-repeats", "6", "--out", str(out),
         "--no-report"]
    )  # fmt: skip
    printed = " ".join(capsys.readouterr().out.split())
    assert code == 0
    assert "Computing 2 reference optima that are not cached yet" in printed
    assert "Computed 2 reference optima in" in printed
    summary = pd.read_csv(out / "summary.csv")
    assert sorted(summary["problem_id"]) == sorted(
        [
            "poisson[n=400,p=5,k=2,noise=0.0,reg=Ridge,lam=0.001,seed=0]",
            "poisson[n=300,p=3,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0]",
        ]
    )
    assert set(summary["status"]) == {"ok"}
    assert json.loads((out / "meta.json").read_text())["config"]["suite"] == "custom"


def test_a_bad_problem_on_the_command_line_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "--problems", "poisson[n=400,q=5]", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists()
    assert err.count("\n") == 0 and "'q=5'" in err and "accepted keys" in err
