"""The regression gate on run directories: planted regressions fail, identical inputs pass."""

import io
import re

import numpy as np
import pytest
from rich.console import Console

from nemos_bench.compare import EXIT_PASS, EXIT_REGRESSED, CompareSourceError, compare, gate
from nemos_bench.compare.__main__ import main as compare_main
from nemos_bench.compare._sources import load_run_dir
from nemos_bench.results import RunStore

PROBLEM = "poisson[n=2000,p=10,k=1,noise=0.0,reg=UnRegularized,lam=0.0,seed=0]"
RIDGE = "poisson[n=1000,p=5,k=3,noise=0.0,reg=Ridge,lam=0.001,seed=0]"
F_STAR = 0.75


def row(solver, tol=1e-8, problem=PROBLEM, **changes):
    base = {
        "problem_id": problem,
        "n_samples": 2000,
        "n_features": 10,
        "n_outputs": 1,
        "regularizer": "UnRegularized",
        "regularizer_strength": 0.0,
        "solver": solver,
        "tol": tol,
        "maxiter": 5000,
        "repeat": 3,
        "status": "ok",
        "reason": "",
        "compile_s": 1.0,
        "fit_s": 0.1,
        "end_to_end_s": 1.1,
        "compiles_in_timed": 0,
        "n_steps": 12,
        "objective": F_STAR + 1e-12,
        "reference_objective": F_STAR,
        "suboptimality": 1e-12,
        "rel_suboptimality": 1e-12,
        "grad_norm": 1e-9,
        "converged": True,
        "reached_max_steps": False,
    }
    return with_changes(base, changes)


def with_changes(summary, changes):
    summary = dict(summary, **changes)
    if "objective" in changes and "suboptimality" not in changes:
        objective = summary["objective"]
        summary["suboptimality"] = (
            None if objective is None else objective - summary["reference_objective"]
        )
    return summary


BASE_ROWS = [
    row("LBFGS[scipy]"),
    row("BFGS[scipy]"),
    row("LBFGS"),
    row("NonlinearCG"),
    row("GradientDescent", fit_s=0.001),
    row("LBFGS", tol=1e-4, problem=RIDGE, objective=2.0, reference_objective=2.0),
]


def write_run(path, rows):
    store = RunStore(path, {"suite": "test"}, {"test": True})
    for summary in rows:
        store.append_cell(summary, [])
    return path


def replace(rows, solver, tol=1e-8, **changes):
    out = []
    for r in rows:
        out.append(with_changes(r, changes) if (r["solver"], r["tol"]) == (solver, tol) else r)
    return out


@pytest.fixture
def base_dir(tmp_path):
    return write_run(tmp_path / "base", BASE_ROWS)


def by_solver(comparison):
    return {(c.solver, c.tol): c for c in comparison.regressions}


def test_identical_runs_pass(base_dir, tmp_path):
    head = write_run(tmp_path / "head", BASE_ROWS)
    result = compare(base_dir, head)
    assert result.passed
    assert len(result.cells) == len(BASE_ROWS)
    assert result.only_base == result.only_head == ()
    assert compare(base_dir, base_dir).passed


def test_each_planted_regression_is_caught(base_dir, tmp_path):
    rows = replace(BASE_ROWS, "LBFGS[scipy]", fit_s=0.3)  # slower
    rows = replace(rows, "BFGS[scipy]", objective=F_STAR + 1e-3)  # less accurate
    rows = replace(rows, "LBFGS", converged=False, reached_max_steps=True)  # stops converging
    rows = replace(rows, "NonlinearCG", status="failed", reason="boom", objective=None)
    head = write_run(tmp_path / "head", rows)

    result = compare(base_dir, head)
    failed = by_solver(result)
    assert not result.passed
    assert set(failed) == {
        ("LBFGS[scipy]", 1e-8),
        ("BFGS[scipy]", 1e-8),
        ("LBFGS", 1e-8),
        ("NonlinearCG", 1e-8),
    }
    assert "3.00x slower" in failed["LBFGS[scipy]", 1e-8].reasons[0]
    assert failed["LBFGS[scipy]", 1e-8].time_ratio == pytest.approx(3.0)
    assert failed["BFGS[scipy]", 1e-8].reasons[0].startswith("objective worse by 0.001")
    assert failed["LBFGS", 1e-8].reasons == (
        "no longer converges (outcome converged -> max_steps).",
    )
    assert failed["NonlinearCG", 1e-8].reasons == ("status went from ok to failed.",)


def test_gate_exit_code_and_table(base_dir, tmp_path):
    head = write_run(tmp_path / "head", replace(BASE_ROWS, "BFGS[scipy]", fit_s=0.5))
    out = io.StringIO()
    console = Console(file=out, width=250)
    assert gate(base_dir, head, console=console) == EXIT_REGRESSED
    text = out.getvalue()
    assert "FAIL: 1 of 6 matched cells regressed" in text
    assert "5.00x slower" in text
    out.truncate(0)
    assert gate(base_dir, base_dir, console=console) == EXIT_PASS
    assert "PASS: 0 of 6" in out.getvalue()


def test_no_floor_hides_small_cells_unless_asked(base_dir, tmp_path):
    head = write_run(tmp_path / "head", replace(BASE_ROWS, "GradientDescent", fit_s=0.004))
    result = compare(base_dir, head)  # 4x slower at 4 ms: judged (no spread: ratio alone)
    assert [c.solver for c in result.regressions] == ["GradientDescent"]
    assert "no spread recorded on both sides: ratio alone" in result.regressions[0].reasons[0]
    assert compare(base_dir, head, time_floor=0.005).passed  # an explicit floor still works


def test_time_factor_is_configurable_and_time_can_be_ignored(base_dir, tmp_path):
    head = write_run(tmp_path / "head", replace(BASE_ROWS, "LBFGS[scipy]", fit_s=0.14))
    assert compare(base_dir, head).passed  # 1.4x < 1.5x
    assert not compare(base_dir, head, time_factor=1.2).passed
    slow = write_run(tmp_path / "slow", replace(BASE_ROWS, "LBFGS[scipy]", fit_s=10.0))
    assert compare(base_dir, slow, check_time=False).passed
    with pytest.raises(ValueError, match="time_factor"):
        compare(base_dir, head, time_factor=0.5)


def test_objective_tolerance_is_relative_to_max_one_abs_f_star(base_dir, tmp_path):
    # within 1e-6 x max(1, 0.75) = 1e-6: passes
    tiny = write_run(tmp_path / "tiny", replace(BASE_ROWS, "LBFGS[scipy]", objective=F_STAR + 5e-7))
    assert compare(base_dir, tiny, subopt_factor=1e9).passed
    # ... but a suboptimality 5e5 times larger is an accuracy loss of its own
    lost = compare(base_dir, tiny)
    assert not lost.passed
    assert lost.regressions[0].reasons[0].startswith("suboptimality grew from 1e-12 to 5")
    # the Ridge cell has f* = 2: 1.5e-6 is within 1e-6 x 2, 2.5e-6 is not
    ok = replace(BASE_ROWS, "LBFGS", tol=1e-4, objective=2.0 + 1.5e-6)
    assert compare(base_dir, write_run(tmp_path / "ok", ok), subopt_factor=1e9).passed
    bad = replace(BASE_ROWS, "LBFGS", tol=1e-4, objective=2.0 + 2.5e-6)
    result = compare(base_dir, write_run(tmp_path / "bad", bad))
    assert [(c.solver, c.tol) for c in result.regressions] == [("LBFGS", 1e-4)]
    assert result.regressions[0].scale == 2.0
    loose = compare(
        base_dir, write_run(tmp_path / "bad2", bad), objective_rtol=1e-5, subopt_factor=1e9
    )
    assert loose.passed


def test_worse_suboptimality_alone_is_caught(base_dir, tmp_path):
    # same objective, but HEAD's reference optimum is lower: the cell is further from f*
    rows = replace(BASE_ROWS, "LBFGS[scipy]", reference_objective=F_STAR - 1e-3, suboptimality=1e-3)
    result = compare(base_dir, write_run(tmp_path / "head", rows))
    assert result.regressions[0].reasons[0].startswith("suboptimality worse")


def test_improvements_and_cells_not_ok_on_both_sides_pass(tmp_path):
    base_rows = replace(BASE_ROWS, "NonlinearCG", status="failed", objective=None, converged=None)
    base = write_run(tmp_path / "base", base_rows)
    rows = replace(base_rows, "LBFGS[scipy]", fit_s=0.01, objective=F_STAR)  # faster, better
    rows = replace(rows, "NonlinearCG", status="diverged", objective=None)
    assert compare(base, write_run(tmp_path / "head", rows)).passed


def test_a_solver_missing_from_head_fails_unless_allowed(base_dir, tmp_path):
    rows = [r for r in BASE_ROWS if r["solver"] != "NonlinearCG"] + [row("TrustNCG[scipy]")]
    head = write_run(tmp_path / "head", rows)
    result = compare(base_dir, head)
    assert not result.passed and result.regressions == ()  # no matched cell regressed ...
    assert result.missing == (("", PROBLEM, "NonlinearCG", 1e-8),)  # ... but one went missing
    assert result.only_head == (("", PROBLEM, "TrustNCG[scipy]", 1e-8),)  # new: not failed
    out = io.StringIO()
    assert gate(base_dir, head, console=Console(file=out, width=250)) == EXIT_REGRESSED
    text = out.getvalue()
    assert "1 cell(s) of BASE missing from HEAD" in text and "missing from HEAD" in text
    assert "only in HEAD" in text
    allowed = compare(base_dir, head, allow_missing=True)
    assert allowed.passed and allowed.only_base == (("", PROBLEM, "NonlinearCG", 1e-8),)
    out = io.StringIO()
    assert gate(base_dir, head, console=Console(file=out, width=250), allow_missing=True) == 0
    assert "only in BASE" in out.getvalue()


def test_load_run_dir_reads_the_summary(base_dir):
    cells = load_run_dir(base_dir)
    assert list(cells.frame["solver"]) == [r["solver"] for r in BASE_ROWS]
    assert cells.frame["converged"].dtype == "boolean"
    assert set(cells.frame["env"]) == {""}


def test_module_entry_point_exit_codes(base_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # one line per cell
    head = write_run(tmp_path / "head", replace(BASE_ROWS, "LBFGS", converged=False))
    assert compare_main([str(base_dir), str(base_dir)]) == 0
    assert compare_main([str(base_dir), str(head), "--failures-only"]) == 1
    assert "no longer converges (outcome converged -> not_converged)" in capsys.readouterr().out
    fewer = write_run(tmp_path / "fewer", [r for r in BASE_ROWS if r["solver"] != "LBFGS"])
    assert compare_main([str(base_dir), str(fewer)]) == 1
    assert compare_main([str(base_dir), str(fewer), "--allow-missing"]) == 0
    (tmp_path / "bare").mkdir()  # neither a run directory nor a directory of them
    assert compare_main([str(base_dir), str(tmp_path / "bare")]) == 2
    assert "without summary.csv and without run directories" in capsys.readouterr().err


def test_unknown_source_says_what_to_pass(base_dir, tmp_path):
    with pytest.raises(CompareSourceError, match="neither a run directory"):
        compare(base_dir, "not-a-dir-or-commit!")
    with pytest.raises(CompareSourceError, match="No asv results for commit deadbeef"):
        compare(base_dir, "deadbeef", results_dir=tmp_path)


def samples(median, spread, n=12, seed=0):
    """``n`` timing samples around ``median`` (relative spread ``spread``), as stored."""
    rng = np.random.default_rng(seed)
    values = median * (1 + spread * rng.uniform(-1, 1, n))
    return " ".join(repr(float(v)) for v in values), float(np.median(values))


def timed(solver, text_and_median, **changes):
    text, median = text_and_median
    return row(solver, fit_s=median, fit_s_samples=text, n_repeats=len(text.split()), **changes)


def test_significant_slowdown_of_a_millisecond_cell_fails_on_its_samples(tmp_path):
    base = write_run(tmp_path / "base", [timed("LBFGS[scipy]", samples(0.003, 0.05))])
    head = write_run(tmp_path / "head", [timed("LBFGS[scipy]", samples(0.006, 0.05, seed=1))])
    result = compare(base, head)
    (cell,) = result.regressions
    assert cell.time_ratio == pytest.approx(2.0, rel=0.05)
    assert "Mann-Whitney p=" in cell.reasons[0] and "on 12 vs 12 samples" in cell.reasons[0]
    assert compare(base, head, time_factor=2.5).passed  # 2x is within a 2.5x limit


def test_noisy_ratio_above_the_factor_without_significance_passes(tmp_path):
    # the same wide distribution on both sides: HEAD's median lands 1.6x higher by chance,
    # but its samples are not significantly above 1.5 x BASE's
    base_values = [0.004, 0.0041, 0.0042, 0.0043, 0.0044, 0.0045, 0.012, 0.013, 0.014]
    head_values = [0.004, 0.0041, 0.0042, 0.0067, 0.0069, 0.012, 0.013, 0.014, 0.015]
    fmt_ = " ".join
    base = write_run(
        tmp_path / "base",
        [row("LBFGS[scipy]", fit_s=0.0044, fit_s_samples=fmt_(map(repr, base_values)))],
    )
    head = write_run(
        tmp_path / "head",
        [row("LBFGS[scipy]", fit_s=0.0069, fit_s_samples=fmt_(map(repr, head_values)))],
    )
    result = compare(base, head)
    assert result.cells[0].time_ratio > 1.5
    assert result.passed
    assert "Mann-Whitney" in result.cells[0].time_evidence


def test_runs_without_samples_fall_back_to_intervals_then_ranges(tmp_path):
    def one(name, fit_s, low, high, columns):
        spread = dict(zip(columns, (low, high), strict=True))
        return write_run(tmp_path / name, [row("LBFGS", fit_s=fit_s, **spread)])

    # intervals (no samples): overlapping after scaling -> pass; apart -> fail
    ci = ("fit_s_ci_low", "fit_s_ci_high")
    base = one("base", 0.1, 0.09, 0.11, ci)
    assert compare(base, one("close", 0.16, 0.12, 0.2, ci)).passed
    (cell,) = compare(base, one("far", 0.3, 0.28, 0.32, ci)).regressions
    assert "HEAD's interval is above 1.5x BASE's" in cell.reasons[0]
    # a run directory written before intervals: the min..max range of its repeats
    old = ("fit_s_min", "fit_s_max")
    base = one("old_base", 0.1, 0.09, 0.12, old)
    apart = one("old_far", 0.3, 0.25, 0.35, old)
    # 0.17 < 1.5 x 0.12: not beyond the factor
    assert compare(base, one("old_head", 0.2, 0.17, 0.25, old)).passed
    (cell,) = compare(base, apart).regressions
    assert "fastest repeat is slower than 1.5x BASE's slowest" in cell.reasons[0]


def test_outcome_converged_to_max_steps_fails_while_status_stays_ok(base_dir, tmp_path):
    rows = replace(BASE_ROWS, "BFGS[scipy]", converged=False, reached_max_steps=True,
                   outcome="max_steps")  # fmt: skip
    result = compare(base_dir, write_run(tmp_path / "head", rows))
    (cell,) = result.regressions
    assert cell.head_status == "ok" and cell.head_outcome == "max_steps"
    assert cell.reasons == ("no longer converges (outcome converged -> max_steps).",)
    # the same converged fit, now named as stopped at float64 precision: not a regression
    floor = replace(BASE_ROWS, "BFGS[scipy]", outcome="float64_precision")
    assert compare(base_dir, write_run(tmp_path / "floor", floor)).passed


def test_gate_does_not_judge_time_when_base_and_head_ran_on_different_devices(base_dir, tmp_path):
    here = {"host": "node1", "cpu_model": "Xeon", "device": "cpu", "threads": "blas=1 xla=1"}
    base = write_run(tmp_path / "cpu", [dict(r, **here) for r in BASE_ROWS])
    gpu = dict(here, device="gpu", device_kind="NVIDIA H200")
    head = write_run(tmp_path / "gpu", [dict(r, **gpu) for r in BASE_ROWS])
    out = io.StringIO()
    gate(base, head, console=Console(file=out, width=400))
    assert out.getvalue().splitlines()[0] == (
        "Time not judged: BASE ran with device=cpu and HEAD with device=gpu; pass "
        "--judge-time-anyway to judge it."
    )
    out.truncate(0)
    out.seek(0)
    gate(base, base, console=Console(file=out, width=400))
    assert "Time not judged" not in out.getvalue() and "warning" not in out.getvalue()
    out.truncate(0)
    out.seek(0)
    gate(base_dir, head, console=Console(file=out, width=400))  # BASE predates the columns
    assert "Time not judged" not in out.getvalue() and "warning" not in out.getvalue()


def test_a_burst_that_lifts_every_sample_but_not_the_fastest_passes(tmp_path):
    # HEAD's samples all sit above 1.5x BASE's median (one run-long burst of load), so the
    # rank test alone is significant, but HEAD's fastest sample is only 1.3x BASE's fastest
    base_values = [0.0100, 0.0101, 0.0102, 0.0103, 0.0104, 0.0105, 0.0106, 0.0107]
    head_values = [0.0130, 0.0160, 0.0161, 0.0162, 0.0163, 0.0164, 0.0165, 0.0166]
    rows = []
    for values in (base_values, head_values):
        text = " ".join(map(repr, values))
        rows.append(row("LBFGS[scipy]", fit_s=float(np.median(values)), fit_s_samples=text))
    base = write_run(tmp_path / "base", [rows[0]])
    head = write_run(tmp_path / "head", [rows[1]])
    result = compare(base, head)
    (cell,) = result.cells
    assert cell.time_ratio > 1.5 and result.passed
    p_value = float(re.search(r"Mann-Whitney p=([0-9.e-]+)", cell.time_evidence).group(1))
    assert p_value < 0.01  # significantly above 1.5x: only the fastest samples clear it
    assert "fastest samples 1.30x" in cell.time_evidence
    # the same samples all doubled (the fastest too) fail
    doubled = " ".join(repr(2 * v) for v in head_values)
    worse = write_run(
        tmp_path / "worse",
        [row("LBFGS[scipy]", fit_s=2 * float(np.median(head_values)), fit_s_samples=doubled)],
    )
    (failed,) = compare(base, worse).regressions
    assert "fastest samples 2.60x" in failed.reasons[0]
