"""Solvers that compile on every call: a measured fit everywhere, and a regression when new."""

import io
from types import SimpleNamespace

import numpy as np
import pandas as pd
from rich.console import Console
from test_compare import PROBLEM, RIDGE, row, write_run

from nemos_bench.cli._table import summary_table
from nemos_bench.compare import compare, gate
from nemos_bench.compare.__main__ import main as compare_main
from nemos_bench.compare._sources import load_cells
from nemos_bench.problems import ProblemSpec, grad_norm, load_problem, load_reference, objective
from nemos_bench.report._metrics import failures_table, ok_rows
from nemos_bench.report._sections import failures_section
from nemos_bench.report._warnings import warnings_section
from nemos_bench.results import RunStore, read_summary, recompile_sentence
from nemos_bench.verify import verify_run

NEWTON = "Newton[nemos]"
SENTENCE = recompile_sentence(NEWTON, 1.46, 1.62)  # "... 1.5 s of each 1.6 s fit ..."


def jitted(**changes):
    """A Newton cell whose steady-state calls compile nothing."""
    return row(NEWTON, compiles_per_call=0.0, compile_s=1.2, fit_s=0.004, **changes)


def recompiling(**changes):
    """A Newton cell whose every steady-state call compiles (1.46 s of each 1.62 s call)."""
    values = dict(status="recompiles", compiles_per_call=1.0, compiles_in_timed=6)
    values.update(compile_s=1.46, fit_s=1.62, fit_s_min=1.6, fit_s_max=1.7)
    return row(NEWTON, **{**values, **changes})


def printed(base, head, **kwargs):
    out = io.StringIO()
    code = gate(base, head, console=Console(file=out, width=300), **kwargs)
    return code, out.getvalue()


def test_a_cell_that_starts_recompiling_fails_with_the_sentence_whatever_its_time(tmp_path):
    base = write_run(tmp_path / "base", [jitted(), row("LBFGS")])
    head = write_run(tmp_path / "head", [recompiling(), row("LBFGS")])
    expected = f"compiles on every call now (BASE 0 compilations per call, HEAD 1): {SENTENCE}"
    for kwargs in ({}, {"check_time": False}):
        (cell,) = compare(base, head, **kwargs).regressions
        assert cell.solver == NEWTON and cell.reasons[0] == expected
        assert (cell.base_compiles_per_call, cell.head_compiles_per_call) == (0.0, 1.0)
    assert compare(base, head, check_time=False).regressions[0].reasons == (expected,)
    # ... and when the machines differ, so that time is not judged at all
    threads = [dict(r, threads="blas=1 xla=default") for r in (recompiling(), row("LBFGS"))]
    other = write_run(tmp_path / "other", threads)
    based = write_run(tmp_path / "based", [dict(r, threads="blas=2 xla=default") for r in
                                           (jitted(), row("LBFGS"))])  # fmt: skip
    result = compare(based, other)
    assert result.machines and [c.reasons for c in result.regressions] == [(expected,)]
    code, text = printed(based, other)
    assert code == 1 and text.splitlines()[0].startswith("Time not judged: BASE ran with blas=2")
    assert f"warning: HEAD: {SENTENCE} Cell: tol=1e-08 on {PROBLEM}." in text
    # a row written before compiles_per_call: compiles_in_timed 0 says the same
    old = write_run(tmp_path / "old", [row(NEWTON, compile_s=1.2, fit_s=0.004)])
    assert compare(old, head, check_time=False).regressions[0].reasons == (expected,)
    # but a BASE whose timed calls compiled (a broken measurement) did not compile 0 times
    broken = write_run(tmp_path / "broken", [row(NEWTON, compiles_in_timed=3, fit_s=0.004)])
    assert compare(broken, head, check_time=False).passed


def test_the_reverse_passes_and_says_it_is_an_improvement(tmp_path):
    base = write_run(tmp_path / "base", [recompiling()])
    head = write_run(tmp_path / "head", [jitted()])
    result = compare(base, head)
    assert result.passed
    (cell,) = result.cells
    assert cell.notes == (
        "no longer compiles on every call (HEAD 0 compilations per call; an improvement); "
        f"at BASE: {SENTENCE}",
    )
    code, text = printed(base, head)
    assert code == 0
    assert f"note: {NEWTON} tol=1e-08 on {PROBLEM}: no longer compiles on every call" in text
    assert "warning: HEAD" not in text  # HEAD compiles nothing per call: no sentence
    # a HEAD that stops fitting at all fails, naming both statuses
    failed = write_run(tmp_path / "failed", [recompiling(status="failed", objective=None)])
    assert compare(base, failed).regressions[0].reasons == (
        "status went from recompiles to failed.",
    )


def test_two_recompiling_sides_are_judged_on_time_as_usual(tmp_path):
    base = write_run(tmp_path / "base", [recompiling(fit_s_min=None, fit_s_max=None)])
    same = write_run(tmp_path / "same", [recompiling(fit_s_min=None, fit_s_max=None)])
    result = compare(base, same)
    assert result.passed and result.cells[0].notes == ()
    code, text = printed(base, same)
    assert code == 0
    assert f"warning: HEAD: {SENTENCE} Cell: tol=1e-08 on {PROBLEM}." in text
    slow = write_run(tmp_path / "slow", [recompiling(fit_s=4.86, fit_s_min=None, fit_s_max=None)])
    (cell,) = compare(base, slow).regressions
    assert len(cell.reasons) == 1 and cell.reasons[0].startswith("3.00x slower")


def test_three_samples_a_side_are_judged_on_their_ranges(tmp_path):
    # a solver that compiles on every call takes 3 samples: the rank test cannot reach
    # p < 0.01 on 3 vs 3, so the ranges of the samples decide
    def three(values, **changes):
        text = " ".join(map(repr, values))
        return recompiling(fit_s=values[1], fit_s_samples=text, fit_s_min=min(values),
                           fit_s_max=max(values), **changes)  # fmt: skip

    base = write_run(tmp_path / "base", [three([1.60, 1.62, 1.65])])
    slow = write_run(tmp_path / "slow", [three([3.2, 3.3, 3.4], compile_s=3.0)])
    (cell,) = compare(base, slow).regressions
    assert "too few samples for Mann-Whitney at p < 0.01 (3 vs 3)" in cell.reasons[0]
    assert "HEAD's fastest repeat is slower than 1.5x BASE's slowest" in cell.reasons[0]
    close = write_run(tmp_path / "close", [three([1.9, 2.6, 2.7])])  # overlaps 1.5x BASE
    assert compare(base, close).passed


def test_one_sentence_per_solver_where_the_numbers_agree(tmp_path):
    base = write_run(tmp_path / "base", [jitted(), jitted(tol=1e-4)])
    agree = write_run(tmp_path / "agree", [recompiling(), recompiling(tol=1e-4, compile_s=1.48)])
    comparison = compare(base, agree)
    assert comparison.recompiles == (f"{SENTENCE} The same in each of its 2 cells that recompile.",)
    assert len(comparison.regressions) == 2
    # 0.9 s of compilation reads differently: one line per cell, each naming it
    differ = write_run(tmp_path / "differ", [recompiling(), recompiling(tol=1e-4, compile_s=0.9)])
    lines = compare(base, differ).recompiles
    assert lines == (
        f"{SENTENCE} Cell: tol=1e-08 on {PROBLEM}.",
        f"{recompile_sentence(NEWTON, 0.9, 1.62)} Cell: tol=0.0001 on {PROBLEM}.",
    )


def test_pooled_runs_with_one_recompiling_run_are_a_recompiles_cell(tmp_path):
    runs = tmp_path / "head"
    write_run(runs / "run-1", [jitted()])
    write_run(runs / "run-2", [recompiling(compile_s=1.0, fit_s=1.2)])
    cell = load_cells(runs).frame.iloc[0]
    assert cell["status"] == "recompiles" and cell["recompile_runs"] == 1
    assert cell["compile_s"] == 1.0 and cell["recompile_fit_s"] == 1.2
    assert cell["compiles_per_call"] == 1.0
    base = tmp_path / "base"
    write_run(base / "run-1", [jitted()])
    write_run(base / "run-2", [jitted()])
    (failed,) = compare(base, runs, check_time=False).regressions
    sentence = recompile_sentence(NEWTON, 1.0, 1.2)
    assert failed.reasons == (
        f"compiles on every call now (BASE 0 compilations per call, HEAD 1): {sentence}",
    )
    assert compare(base, runs).recompiles == (
        f"{sentence} Cell: tol=1e-08 on {PROBLEM} (in 1 of its 2 runs).",
    )
    # a run without a fit still decides the pooled status
    write_run(runs / "run-3", [jitted(status="timeout", objective=None)])
    assert load_cells(runs).frame.iloc[0]["status"] == "timeout"


def test_cli_table_counts_a_recompiles_row_as_a_fit_and_prints_its_sentence(tmp_path):
    rows = [
        recompiling(),
        recompiling(tol=1e-4),
        row("LBFGS", compiles_in_timed=2),  # an ok row whose timed calls compiled: broken
        row("BFGS", status="failed", objective=None),
    ]
    store = SimpleNamespace(path=write_run(tmp_path / "run", rows))
    table, without_fit, warnings = summary_table(store)
    assert without_fit == 1  # the failed row only
    assert f"{SENTENCE} The same in each of its 2 cells that recompile." in warnings
    inside = [w for w in warnings if "inside the timed repeats" in w]
    assert inside == [f"LBFGS tol=1e-08 on {PROBLEM}: 2 compilation(s) inside the timed repeats"]
    out = io.StringIO()
    Console(file=out, width=300).print(table)
    assert "cells fitted" in out.getvalue() and "2/2 (2 recompiles)" in out.getvalue()


def test_report_ranks_recompiles_rows_and_warns_with_the_sentence(tmp_path):
    rows = [recompiling(), row("LBFGS", fit_s=2.0), row("BFGS", status="failed", objective=None)]
    summary = read_summary(write_run(tmp_path / "run", rows))
    assert set(ok_rows(summary)["solver"]) == {NEWTON, "LBFGS"}
    assert list(failures_table(summary)["solver"]) == ["BFGS"]
    html = warnings_section(summary, {})
    assert "1 fit(s) of solvers that compile on every run" in html
    assert f"{SENTENCE} Cell: tol=1e-08 on {PROBLEM}." in html
    assert "compiled inside the timed repeats" not in html  # not a broken measurement
    broken = read_summary(write_run(tmp_path / "broken", [row("LBFGS", compiles_in_timed=2)]))
    assert "compiled inside the timed repeats" in warnings_section(broken, {})
    assert "compile on every run" not in warnings_section(broken, {})
    assert "Every fit ended ok or recompiles and converged" in failures_section(
        summary[summary["status"] != "failed"]
    )


def test_verify_recomputes_a_recompiles_row_like_an_ok_row(tmp_path):
    spec = ProblemSpec(n_samples=300, n_features=3, regularizer="Ridge", regularizer_strength=1e-3)
    problem, reference = load_problem(spec), load_reference(spec)
    coef = reference.coef + 1e-3
    params = (coef, reference.intercept)
    f, f_star = objective(problem, params), reference.objective
    numbers = dict(
        problem_id=spec.problem_id, objective=f, reference_objective=f_star,
        suboptimality=f - f_star, rel_suboptimality=(f - f_star) / max(1.0, abs(f_star)),
        grad_norm=grad_norm(problem, params),
    )  # fmt: skip
    run = tmp_path / "run"
    with RunStore(run, {"suite": "test"}, {"test": True}) as store:
        store.append_cell(recompiling(**numbers), [], params=params)
        store.append_cell(row("LBFGS", **numbers), [], params=params)
    result = verify_run(run)
    assert result.passed and (result.n_checked, result.n_recompiles) == (2, 1)
    assert result.checked_text() == "2 fitted rows (1 ok, 1 recompiles)"
    # a recompiles row whose objective does not recompute is named
    edited = tmp_path / "edited"
    with RunStore(edited, {"suite": "test"}, {"test": True}) as store:
        store.append_cell(recompiling(**dict(numbers, objective=f + 1e-6)), [], params=params)
    (bad,) = verify_run(edited).mismatches
    assert (bad.solver, bad.column) == (NEWTON, "objective")


def test_recompiles_cells_keep_their_ridge_key_and_compare_through_the_cli(tmp_path, capsys):
    base = write_run(tmp_path / "base", [jitted(problem=RIDGE)])
    head = write_run(tmp_path / "head", [recompiling(problem=RIDGE)])
    assert compare_main([str(base), str(head), "--failures-only"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert SENTENCE in out and "FAIL: 1 of 1 matched cells regressed" in out
    frame = compare(base, head).to_frame()
    assert frame.loc[0, "head_compiles_per_call"] == 1.0
    assert np.isnan(pd.to_numeric(frame.loc[0, "head_fit_cpu_s"]))
