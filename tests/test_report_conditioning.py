"""Report: problems ordered and titled by condition number, cost to ε against conditioning."""

import math

import numpy as np
import pandas as pd
import pytest
from test_report import GD, NATIVE, SCIPY, SOLVERS, TOLS, refs, summary_row

from nemos_bench.report import build_report, time_to_epsilon
from nemos_bench.report._condition_plots import plot_condition
from nemos_bench.report._metrics import condition_numbers, problem_order
from nemos_bench.results import RunStore, read_summary

# (problem id, n_samples, condition number): the biggest problem is the best conditioned, so
# ordering by condition number differs from the size order.
PROBLEMS = (
    ("poisson[n=1000,p=20,k=1,noise=0.0,reg=Ridge,lam=0.001,seed=0,rank=2,tail=0.01]", 1000, 3e5),
    ("poisson[n=2000,p=20,k=1,noise=0.0,reg=Ridge,lam=0.001,seed=0]", 2000, 12.0),
    ("poisson[n=4000,p=20,k=1,noise=0.0,reg=Ridge,lam=0.001,seed=0]", 4000, 4.0),
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "run-cond"
    config = {"suite": "smoke", "solvers": list(SOLVERS), "tols": list(TOLS), "repeats": 3}
    with RunStore(path, config, {"started_at": "2024-05-01T12:00:00+00:00"}) as store:
        for problem, n, cond in PROBLEMS:
            for solver in SOLVERS:
                for tol in TOLS:
                    row = summary_row(problem, n, 1, solver, tol, condition_number=cond)
                    if cond > 1e3 and solver == GD:  # GD never gets within 1e-6 there
                        row.update(suboptimality=1e-3, objective=row["objective"] + 1e-3)
                    if cond > 1e3 and tol == TOLS[0]:  # a failed row keeps its condition number
                        row.update(status="failed", reason="boom.", fit_s=math.nan)
                    store.append_cell(row, [])
    return path


def test_problems_are_ordered_and_titled_by_condition_number(run_dir, tmp_path):
    summary = read_summary(run_dir)
    by_cond = [pid for pid, _, _ in sorted(PROBLEMS, key=lambda p: p[2])]
    assert problem_order(summary) == by_cond
    assert condition_numbers(summary).to_dict() == {pid: c for pid, _, c in PROBLEMS}
    index = build_report(run_dir, tmp_path / "report")
    text = index.read_text()
    headings = [text.index(f"{pid} — condition number {c:.3g}") for pid, _, c in PROBLEMS]
    assert [PROBLEMS[i][0] for i in np.argsort(headings)] == by_cond
    assert "condition.png" in refs(index).images
    assert (tmp_path / "report" / "condition.png").stat().st_size > 5000


def test_old_runs_without_condition_numbers_keep_the_size_order(run_dir):
    summary = read_summary(run_dir).drop(columns="condition_number")
    by_size = [pid for pid, _, _ in sorted(PROBLEMS, key=lambda p: p[1])]
    assert problem_order(summary) == by_size
    fig = plot_condition(summary)
    assert not any(ax.get_lines() for ax in fig.axes)  # a note, no axes with data
    assert "predates the condition_number column" in " ".join(
        t.get_text() for ax in fig.axes for t in ax.texts
    )


def test_condition_figure_draws_each_solvers_cost_to_epsilon(run_dir):
    summary = read_summary(run_dir)
    fig = plot_condition(summary, 1e-6)
    time_ax, iter_ax = fig.axes[:2]
    times = time_to_epsilon(summary, 1e-6)
    iters = time_to_epsilon(summary, 1e-6, "n_steps")
    conds = condition_numbers(summary)
    data_lines = [ln for ln in time_ax.get_lines() if ln.get_linestyle() != "None"]
    iter_lines = [ln for ln in iter_ax.get_lines() if ln.get_linestyle() != "None"]
    assert [ln.get_label() for ln in data_lines] == sorted(SOLVERS)
    for line, iter_line in zip(data_lines, iter_lines, strict=True):
        solver = line.get_label()
        solved = times.index[np.isfinite(times[solver])]
        order = conds.loc[solved].sort_values().index
        assert line.get_xdata().tolist() == conds.loc[order].tolist()
        assert iter_line.get_xdata().tolist() == conds.loc[order].tolist()
        assert line.get_ydata().tolist() == times.loc[order, solver].tolist()
        assert iter_line.get_ydata().tolist() == iters.loc[order, solver].tolist()
    # GD never reaches ε on the ill-conditioned problem: an x at its condition number, on
    # the top edge (axes coordinates), in both panels
    for ax in (time_ax, iter_ax):
        marks = [ln for ln in ax.get_lines() if ln.get_marker() == "x"]
        assert len(marks) == 1 and marks[0].get_xdata().tolist() == [3e5]
        assert marks[0].get_ydata().tolist() == [1.0]
    note = fig.get_supxlabel()
    assert f"not solved to ε by {GD} (1)" in note.replace("\n", " ")
    assert math.isinf(times.loc[PROBLEMS[0][0], GD])
    assert np.isfinite(times.loc[PROBLEMS[0][0], [NATIVE, SCIPY]]).all()


def test_time_to_epsilon_by_iterations_takes_the_fewest_steps():
    s = pd.DataFrame(
        {
            "problem_id": "p", "solver": "A", "status": "ok", "fit_s": [2.0, 1.0, 0.5],
            "n_steps": [30, 40, 3], "suboptimality": [0.0, 0.0, 1.0],
            "reference_objective": 1.0,
        }
    )  # fmt: skip
    assert time_to_epsilon(s, 1e-6).loc["p", "A"] == 1.0
    assert time_to_epsilon(s, 1e-6, "n_steps").loc["p", "A"] == 30.0
