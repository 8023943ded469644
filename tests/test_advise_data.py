"""`nemos-bench advise --data`: a sweep sized to a budget on the user's data, then advice."""

import re
import time

import numpy as np
import pytest
import test_own_data_errors as bad

from nemos_bench.cli import main
from nemos_bench.cli._advise_plan import Costs, choose_plan, plan_sentences
from nemos_bench.results import read_summary
from nemos_bench.solvers import available_solvers, nemos_default_solver
from nemos_bench.sweep import DEFAULT_TOLS, SUITE_TOLS
from nemos_bench.verify import verify_run

LADDERS = (DEFAULT_TOLS, SUITE_TOLS["quick"], (1e-8,))


def poisson_npz(path, n=400, p=6, seed=0):
    """Poisson counts of a known design and weights, saved as X and y."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = rng.poisson(np.exp(X @ (0.3 * rng.normal(size=p)) - 0.2)).astype(float)
    np.savez(path, X=X, y=y)
    return path


# Slow (15-24 s: a pilot, then a sweep in a worker process): CI's slow leg runs it. The
# default run keeps the plan and its sentences (below), `run --data` on .npz and .nwb files
# (tests/test_own_data.py) and `advise RUN_DIR` (tests/test_advise.py).
@pytest.mark.slow
def test_advise_data_plans_runs_a_verifiable_run_and_advises_a_converged_solver(tmp_path, capsys):
    path, out = poisson_npz(tmp_path / "rec.npz"), tmp_path / "run"
    capsys.readouterr()
    start = time.perf_counter()
    code = main(["advise", "--data", str(path), "--budget", "1", "--out", str(out)])
    wall = time.perf_counter() - start
    text = capsys.readouterr().out
    assert code == 0, text
    lines = text.splitlines()
    plan = next(line for line in lines if line.startswith("Plan: "))
    assert lines.index(plan) < next(i for i, s in enumerate(lines) if s.startswith("Running "))
    assert f"The run directory is {out}." in lines
    rows = read_summary(out)
    n_cells = int(re.search(r"= (\d+) cells", plan).group(1))
    assert len(rows) == n_cells
    # a budget of 1 min cannot hold every default solver at every default tolerance
    (reduced,) = [line for line in lines if line.startswith("To fit the budget it")]
    left_out = re.search(r"leaves out (.*)\.$", reduced)
    named = set(left_out.group(1).split(", ")) if left_out else set()
    assert named == set(available_solvers()) - set(rows["solver"])
    assert len(set(rows["tol"])) == len(re.search(r"tolerances? \(([^)]*)\)", plan)[1].split(","))
    assert verify_run(out).passed  # a normal run directory
    # the recommendation names solvers of the run (one advised, or tied) whose fits converged
    advice = next(line for line in lines if line.startswith("To reach ε = 1e-06 on "))
    assert ": use " in advice or " are tied: " in advice
    named = re.findall(r"(\S+) at tol=(\S+) \(", advice.split(": ", 1)[1])
    assert named
    for solver, tol in named:
        row = rows[(rows["solver"] == solver) & np.isclose(rows["tol"], float(tol))]
        assert list(row["outcome"]) == ["converged"], (solver, tol)
    assert any(line.startswith("This advice holds for what was measured") for line in lines)
    # the elapsed time it prints is the time it took
    took = re.search(r"took ([\d.]+) (s|min) in all, against an estimate of [\d.]+ (s|min)", text)
    seconds = float(took[1]) * (60 if took[2] == "min" else 1)
    assert abs(seconds - wall) <= 2 + 0.1 * wall


def test_the_budget_changes_the_plan_and_the_sentences_say_how():
    solvers = available_solvers()
    default = nemos_default_solver("Poisson", "UnRegularized", 1)
    costs = Costs(evaluation_s=4e-6, compile_s=1.5, start_s=8.0, n_samples=400)
    big = choose_plan(solvers, default, costs, 3600, LADDERS)
    assert big.fits and big.solvers == tuple(solvers) and big.tols == DEFAULT_TOLS
    assert big.maxiter == 5000 and big.seconds <= 3600
    assert len(plan_sentences(big, 3600, costs, "p")) == 1  # nothing reduced, nothing said
    small = choose_plan(solvers, default, costs, 30, LADDERS)
    assert small.fits and small.seconds <= 30 and default in small.solvers
    assert len(small.solvers) * len(small.tols) < len(big.solvers) * len(big.tols)
    plan, reduced = plan_sentences(small, 30, costs, "p")
    assert f"= {len(small.solvers) * len(small.tols)} cells on p" in plan
    assert reduced.startswith("To fit the budget it ")
    assert f"lowers maxiter from 5000 to {small.maxiter}" in reduced
    assert f"runs {len(small.tols)} of the {len(DEFAULT_TOLS)} default tolerances" in reduced
    assert reduced.endswith(f"leaves out {', '.join(small.dropped)}.")
    assert set(small.dropped) == set(solvers) - set(small.solvers)
    none = choose_plan(solvers, default, costs, 5, LADDERS)
    assert not none.fits and "over the budget" in plan_sentences(none, 5, costs, "p")[0]


def test_a_budget_too_small_for_any_sweep_is_refused_before_anything_is_written(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    poisson_npz(tmp_path / "rec.npz")
    capsys.readouterr()
    assert main(["advise", "--data", "rec.npz", "--budget", "0.01"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "even the smallest sweep" in err and "over the budget of 0.01 min" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.npz"]


ADVISE_CASES = {
    case: argv
    for case, (_, argv) in bad.CASES.items()
    if argv[0] == "--data" and "--suite" not in argv
}


@pytest.mark.parametrize("case", sorted(ADVISE_CASES))
def test_bad_data_gets_run_datas_sentence(case, tmp_path, monkeypatch, capsys):
    setup, argv = bad.CASES[case]
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    capsys.readouterr()
    assert main(["advise", *argv]) == 2
    out, err = capsys.readouterr()
    message = bad._documented()[case].replace("…", str(tmp_path.resolve()))
    assert out == "" and err == f"nemos-bench advise: error: {message}\n"
    assert not (tmp_path / "results").exists()
