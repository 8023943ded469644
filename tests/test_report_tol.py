"""The report never lines solvers up by tol: it compares achieved suboptimality, and says
what each solver's tol stops on (from the tol_stops_on column; old runs: from the table)."""

import html
import math

import numpy as np
import pandas as pd
import pytest

from nemos_bench.report import build_report, plot_work_precision
from nemos_bench.report._metrics import scaling_fits
from nemos_bench.report._run_plots import plot_scaling
from nemos_bench.results import RunStore, column_names, read_summary
from nemos_bench.results._schema import SUMMARY_COLUMNS
from nemos_bench.solvers import known_tol_meaning

GRAD, STEP = "gradient norm: ||grad f||_2 <= tol", "step and f change: ||dx|| < tol"
A, B = "LBFGS[scipy]", "BFGS[optimistix]"
F_STAR = -1.5


def row(n, solver, tol, fit_s, sub, **extra):
    return {
        "problem_id": f"poisson[n={n},p=5,k=1,noise=0.0,reg=Ridge,lam=0.001,seed=0]",
        "n_samples": n, "n_features": 5, "n_outputs": 1, "regularizer": "Ridge",
        "regularizer_strength": 1e-3, "solver": solver, "tol": tol, "maxiter": 100,
        "repeat": 6, "status": "ok", "reason": "", "fit_s": fit_s, "compile_s": 0.5,
        "end_to_end_s": fit_s + 0.5, "objective": F_STAR + sub, "reference_objective": F_STAR,
        "suboptimality": sub, "n_steps": 10, "converged": True, "reached_max_steps": False,
        **extra,
    }  # fmt: skip


def ladder_rows(meanings=True):
    """A reaches 1e-6 already at tol 1e-4 (fast); its tol 1e-10 fits are slower.
    B's tightest tol 1e-10 misses 1e-6 on the big problem, its looser tol too."""
    rows = []
    for n, scale in ((1000, 1.0), (4000, 4.0)):
        a = {"tol_stops_on": GRAD} if meanings else {}
        b = {"tol_stops_on": STEP} if meanings else {}
        rows.append(row(n, A, 1e-4, 0.01 * scale, 1e-9, **a))
        rows.append(row(n, A, 1e-10, 0.05 * scale, 0.0, **a))
        rows.append(row(n, B, 1e-4, 0.02 * scale, 1e-3, **b))
        rows.append(row(n, B, 1e-10, 0.03 * scale, 1e-9 if n == 1000 else 1e-4, **b))
    return rows


def test_scaling_compares_time_to_epsilon_not_the_tightest_tol():
    summary = pd.DataFrame(ladder_rows())
    fits = scaling_fits(summary, "n_samples", epsilon=1e-6).set_index("solver")
    assert fits.loc[A, "exponent"] == pytest.approx(1.0)  # through A's tol 1e-4 rows
    assert fits.loc[A, "prefactor"] == pytest.approx(0.01 / 1000)
    assert fits.loc[B, "n_sizes"] == 1 and math.isnan(fits.loc[B, "exponent"])  # 4000: no ε
    fig = plot_scaling(summary, 1e-6)
    ax = fig.axes[0]
    points = {tuple(line.get_xdata()): list(line.get_ydata()) for line in ax.get_lines()}
    assert points[(1000.0, 4000.0)] == pytest.approx([0.01, 0.04])  # A: time to ε
    assert points[(1000.0,)] == pytest.approx([0.03])  # B: its only fit reaching ε
    assert "tol" not in ax.get_xlabel() and "time to ε" in ax.get_ylabel()


def test_work_precision_puts_achieved_suboptimality_on_the_x_axis():
    summary = pd.DataFrame(ladder_rows())
    problem = summary["problem_id"].iloc[0]
    ax = plot_work_precision(summary, problem).axes[0]
    assert "suboptimality" in ax.get_xlabel() and "tol" not in ax.get_xlabel()
    xs = sorted(x for line in ax.get_lines() for x in np.atleast_1d(line.get_xdata()))
    assert 1e-9 in xs and 1e-4 not in xs  # suboptimality values, not the tols


def _write_run(path, rows):
    config = {"suite": "custom", "solvers": [A, B], "tols": [1e-4, 1e-10], "repeats": 6}
    meta = {"versions": {"nemos": "0.2.8"}, "started_at": "2024-05-01T12:00:00+00:00"}
    with RunStore(path, config, meta) as store:
        for r in rows:
            store.append_cell(r, [])
    return path


def _captions(index) -> str:
    return html.unescape(index.read_text())


def test_captions_say_what_each_solvers_tol_stops_on(tmp_path):
    run = _write_run(tmp_path / "run", ladder_rows())
    text = _captions(build_report(run, tmp_path / "report"))
    sentence = f"{B} stops on {STEP}; {A} on {GRAD}."  # solvers in name order
    assert text.count(sentence) >= 3  # scaling and both work-precision figures
    assert "predates the tol_stops_on column" not in text


def test_old_runs_without_the_column_get_the_table_meaning(tmp_path):
    run = _write_run(tmp_path / "run", ladder_rows(meanings=False))
    summary_file = run / "summary.csv"
    frame = pd.read_csv(summary_file, dtype=str, keep_default_na=False)
    names = column_names(SUMMARY_COLUMNS)
    old = names[: names.index("tol_stops_on")]  # the header an older nemos-bench wrote
    frame[old].to_csv(summary_file, index=False)
    assert "tol_stops_on" not in read_summary(run) or read_summary(run)["tol_stops_on"].isna().all()
    text = _captions(build_report(run, tmp_path / "report"))
    assert f"{B} stops on {known_tol_meaning(B, '0.2.8')}; {A} on " in text
    assert f"{A} on {known_tol_meaning(A, '0.2.8')}." in text
    assert known_tol_meaning(A) != known_tol_meaning(B)  # the case differs
    assert f"the meaning for {B}, {A} is nemos-bench's table" in text
