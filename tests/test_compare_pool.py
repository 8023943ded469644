"""The gate on several runs per side: pooled cells, and the test that pooled samples allow."""

import numpy as np
import pandas as pd
import pytest
from test_compare import row, write_run

from nemos_bench.compare import CompareSourceError, compare
from nemos_bench.compare.__main__ import main as compare_main
from nemos_bench.compare._sources import load_cells
from nemos_bench.results import parse_samples


def timed(values, solver="LBFGS[scipy]", **changes):
    """A row whose samples are ``values`` (seconds) and whose ``fit_s`` is their median."""
    text = " ".join(repr(float(v)) for v in values)
    return row(solver, fit_s=float(np.median(values)), fit_s_samples=text, **changes)


def around(median, n=8, spread=0.04, seed=0):
    rng = np.random.default_rng(seed)
    return median * (1 + spread * rng.uniform(-1, 1, n))


def runs(root, *rows_per_run):
    """A directory holding one run directory per item of ``rows_per_run``."""
    for i, rows in enumerate(rows_per_run):
        write_run(root / f"run-{i + 1}", rows)
    return root


def test_pooled_cells_concatenate_samples_and_keep_the_worst_status_and_outcome(tmp_path):
    first, second = around(0.010, seed=1), around(0.014, seed=2)
    side = runs(
        tmp_path / "side",
        [timed(first), timed(first, solver="LBFGS", n_steps=10)],
        [
            timed(second, objective=0.75 + 3e-12, compile_s=3.0),
            timed(second, solver="LBFGS", converged=False, reached_max_steps=True, n_steps=14),
            timed(second, solver="BFGS", status="failed"),
        ],
    )
    cells = load_cells(side)
    assert cells.label == f"2 runs pooled under {side}"
    frame = cells.frame.set_index("solver")
    pooled = parse_samples(frame.loc["LBFGS[scipy]", "fit_s_samples"])
    assert pooled.tolist() == pytest.approx(list(first) + list(second))
    assert frame.loc["LBFGS[scipy]", "fit_s"] == pytest.approx(np.median(pooled))
    low, high = frame.loc["LBFGS[scipy]", ["fit_s_ci_low", "fit_s_ci_high"]]
    assert low <= np.median(pooled) <= high
    assert frame.loc["LBFGS[scipy]", "compile_s"] == pytest.approx(2.0)  # median of 1 and 3
    assert frame.loc["LBFGS[scipy]", "objective"] == pytest.approx(0.75 + 2e-12)
    assert frame.loc["LBFGS[scipy]", "runs"] == 2
    # one run that did not converge decides the pooled outcome
    assert frame.loc["LBFGS", "outcome"] == "max_steps"
    assert not frame.loc["LBFGS", "converged"] and frame.loc["LBFGS", "reached_max_steps"]
    assert frame.loc["LBFGS", "n_steps"] == 12
    assert frame.loc["LBFGS", "n_steps_runs"] == "10 14"
    medians = parse_samples(frame.loc["LBFGS[scipy]", "fit_s_run_medians"])
    assert medians.tolist() == pytest.approx([np.median(first), np.median(second)])
    # a cell of one run only keeps that run's values
    assert frame.loc["BFGS", "status"] == "failed" and frame.loc["BFGS", "runs"] == 1


def test_a_list_of_run_directories_pools_like_a_directory_of_them(tmp_path):
    side = runs(tmp_path / "side", [timed(around(0.01, seed=3))], [timed(around(0.02, seed=4))])
    listed = load_cells([side / "run-1", side / "run-2"])
    assert listed.label.startswith("2 runs pooled: ")
    pd.testing.assert_frame_equal(listed.frame, load_cells(side).frame)
    single = load_cells([side / "run-1"])
    assert single.label == str(side / "run-1") and int(single.frame["runs"][0]) == 1
    lone = runs(tmp_path / "lone", [timed(around(0.01, seed=3))])
    assert load_cells(lone).label == f"1 run under {lone}"


def test_one_slow_run_of_the_same_code_is_outvoted_by_the_pooled_runs(tmp_path):
    # HEAD's second run came in a slow spell of the machine: all its samples 1.7x. Alone
    # against BASE's first run it fails; pooled with HEAD's other run it does not.
    base = runs(tmp_path / "base", [timed(around(0.010, seed=5))], [timed(around(0.010, seed=6))])
    head = runs(tmp_path / "head", [timed(around(0.010, seed=7))], [timed(around(0.017, seed=8))])
    assert not compare(base / "run-1", head / "run-2").passed
    result = compare(base, head)
    assert result.passed, result.regressions
    (cell,) = result.cells
    assert "of 2 vs 2 runs" in cell.time_evidence and "(HEAD vs BASE)" in cell.time_evidence


def test_a_slowdown_in_every_run_fails_where_single_runs_cannot_tell(tmp_path):
    # a real 1.8x slowdown, each run's samples spread +-30%: one run against one is not
    # significantly beyond 1.5x, every pair of pooled runs is significantly slower at all
    def side(name, median, seeds):
        return runs(tmp_path / name, *[[timed(around(median, 8, 0.3, s))] for s in seeds])

    base, head = side("base", 0.010, (10, 11, 12)), side("head", 0.018, (13, 14, 15))
    alone = compare(base / "run-1", head / "run-1")
    assert alone.passed and "(HEAD vs 1.5x BASE)" in alone.cells[0].time_evidence
    (cell,) = compare(base, head).regressions
    assert cell.time_ratio > 1.5
    assert "of 3 vs 3 runs" in cell.reasons[0]
    # the same pooled runs with no slowdown pass
    assert compare(base, side("same", 0.010, (16, 17, 18))).passed


def test_one_lucky_head_run_does_not_hide_a_slowdown_in_the_others(tmp_path):
    # HEAD is 2x slower, but one of its runs came in a fast spell and matched BASE: the
    # fastest samples of all runs are then equal, while the median of each run's fastest
    # sample (and the pooled medians, and the runs' geometric mean) show the slowdown
    base = runs(tmp_path / "base", *[[timed(around(0.010, seed=s))] for s in (40, 41, 42)])
    head_runs = [around(0.0101, seed=43), around(0.020, seed=44), around(0.020, seed=45)]
    head = runs(tmp_path / "head", *[[timed(values)] for values in head_runs])
    (cell,) = compare(base, head).regressions
    assert "median of the runs' fastest samples 2.0" in cell.reasons[0]
    assert "runs' medians 1.5" in cell.reasons[0]  # (1 x 2 x 2) ** (1/3) = 1.59
    pooled = load_cells(head).frame.iloc[0]
    fastest = parse_samples(pooled["fit_s_run_fastest"])
    assert fastest.tolist() == pytest.approx([v.min() for v in head_runs])


def test_a_cell_in_its_slow_mode_in_every_head_run_is_judged_run_by_run(tmp_path):
    # Some cells run in a fast or a slow mode for a whole process (1.55x apart). BASE's
    # runs: fast, slow, fast; HEAD's: slow three times. The pooled medians (BASE's are its
    # majority, the fast mode) and the runs' fastest samples are 1.55x apart, significant
    # on the samples; each run counted once, the two sides differ by 1.34x only.
    fast, slow = 0.010, 0.0155
    base_runs = [around(m, seed=50 + i) for i, m in enumerate((fast, slow, fast))]
    head_runs = [around(slow, seed=60 + i) for i in range(3)]
    base = runs(tmp_path / "base", *[[timed(values)] for values in base_runs])
    head = runs(tmp_path / "head", *[[timed(values)] for values in head_runs])
    result = compare(base, head)
    assert result.passed, result.regressions
    (cell,) = result.cells
    assert cell.time_ratio > 1.5
    by_run = np.exp(
        np.mean([np.log(np.median(v)) for v in head_runs])
        - np.mean([np.log(np.median(v)) for v in base_runs])
    )
    assert 1.3 < by_run < 1.4
    assert f"runs' medians {by_run:.2f}x (geometric means)" in cell.time_evidence
    fastest = np.median([v.min() for v in head_runs]) / np.median([v.min() for v in base_runs])
    assert fastest > 1.5
    assert f"median of the runs' fastest samples {fastest:.2f}x" in cell.time_evidence
    # with a third mode-matched HEAD run twice as slow, the runs differ by 1.5x+ and it fails
    doubled = runs(
        tmp_path / "doubled",
        *[[timed(around(2 * m, seed=70 + i))] for i, m in enumerate((fast, slow, fast))],
    )
    (failed,) = compare(base, doubled).regressions
    assert "runs' medians 1.9" in failed.reasons[0]  # 2x, within the samples' +-4%


def test_a_cell_whose_steps_differ_between_runs_of_one_side_is_not_judged_on_time(
    tmp_path, capsys, monkeypatch
):
    # scipy's trust-krylov at a tight tolerance takes 5 steps in some processes and 25-28
    # in others (the same code): pooled times then compare different work
    def side(name, pairs, seed):
        return runs(
            tmp_path / name,
            *[[timed(around(t, seed=seed + i), n_steps=n)] for i, (t, n) in enumerate(pairs)],
        )

    base = side("base", [(0.048, 25), (0.029, 5), (0.031, 5)], 80)
    head = side("head", [(0.065, 25), (0.073, 28), (0.055, 28)], 90)
    result = compare(base, head)
    assert result.passed
    (cell,) = result.not_judged_on_time
    assert not cell.time_judged and not cell.regressed
    assert "(BASE 25, 5, 5; HEAD 25, 28, 28)" in cell.time_evidence
    assert "different amounts of work" in cell.time_evidence
    monkeypatch.setenv("COLUMNS", "300")
    assert compare_main([str(base), str(head)]) == 0
    out = capsys.readouterr().out
    assert "warning: 1 cell(s) not judged on time" in out and "LBFGS[scipy] tol=1e-08" in out
    # the same times with the same steps in every run are judged, and fail
    steady = side("steady", [(0.065, 25), (0.073, 25), (0.055, 25)], 90)
    base_steady = side("base_steady", [(0.024, 25), (0.029, 25), (0.031, 25)], 80)
    (failed,) = compare(base_steady, steady).regressions
    assert failed.time_judged and " slower (" in failed.reasons[0] and failed.time_ratio > 2
    # a single run a side is judged, and the sentence says the steps differ
    (alone,) = compare(base / "run-2", head / "run-2").regressions
    assert "HEAD took 28 steps, BASE 5" in alone.reasons[0]
    assert compare(base_steady / "run-1", steady / "run-1").cells[0].time_judged


def test_pooled_runs_through_the_cli_and_bad_directories(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    base = runs(tmp_path / "base", [row("LBFGS")], [row("LBFGS")])
    head = runs(tmp_path / "head", [row("LBFGS")], [row("LBFGS", converged=False)])
    assert compare_main([str(base), str(base)]) == 0
    assert "2 runs pooled under" in capsys.readouterr().out
    assert compare_main([str(base), str(head)]) == 1
    assert "no longer converges" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    assert compare_main([str(base), str(tmp_path / "empty")]) == 2
    assert "without run directories in it" in capsys.readouterr().err
    with pytest.raises(CompareSourceError, match="empty list of runs"):
        load_cells([])


@pytest.fixture
def gate_script():
    """benchmarks/gate_false_alarms.py, loaded as a module."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "gate_false_alarms.py"
    spec = importlib.util.spec_from_file_location("gate_false_alarms", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_false_alarm_script_judges_pooled_pairs(tmp_path, gate_script):
    import json

    from nemos_bench.problems import get_suite

    module = gate_script
    problem = get_suite("quick")[0].problem_id
    pair = tmp_path / "pair-00"
    for k, seed in ((1, 20), (2, 30)):
        for side, planted in (("base", 0.010), ("head", 0.020)):
            rows = [
                timed(around(planted, seed=seed), solver=module.PLANTED, problem=problem),
                timed(around(0.005, seed=seed + 1), solver="BFGS[scipy]", problem=problem),
            ]
            write_run(pair / side / f"run-{k}", rows)
            seed += 2
    argv = ["--pairs", "1", "--judge-only", "--out", str(tmp_path)]
    assert module.main(argv + ["--runs-per-side", "2"]) == 0
    verdict = json.loads((tmp_path / "gate_false_alarms.json").read_text())
    assert verdict["runs_per_side"] == 2 and verdict["pairs_caught"] == 1
    (cell,) = verdict["details"][0]["planted_cells"]
    assert "of 2 vs 2 runs" in cell["evidence"]
    # the first run of each side alone
    module.main(argv + ["--runs-per-side", "1"])
    verdict = json.loads((tmp_path / "gate_false_alarms.json").read_text())
    assert "HEAD vs 1.5x BASE" in verdict["details"][0]["planted_cells"][0]["evidence"]
    assert verdict["pairs_with_false_alarms"] == 0


def test_the_false_alarm_script_counts_a_plant_within_the_factor_as_the_same_code(
    tmp_path, capsys, gate_script
):
    import json

    from nemos_bench.problems import get_suite

    module = gate_script
    problem = get_suite("quick")[0].problem_id
    for side, planted in (("base", 0.010), ("head", 0.020)):
        rows = [timed(around(planted, seed=7), solver=module.PLANTED, problem=problem)]
        write_run(tmp_path / "pair-00" / side, rows)
    argv = ["--pairs", "1", "--judge-only", "--runs-per-side", "1", "--out", str(tmp_path)]
    # HEAD's planted cell 2x slower, but --plant-factor 1 says nothing was planted
    assert module.main([*argv, "--plant-factor", "1"]) == 1
    out = capsys.readouterr().out
    assert "(failed: a false alarm)" in out and "MISSED" not in out and "caught" not in out
    assert "no slowdown beyond the gate's 1.5x was planted (--plant-factor 1)" in out
    verdict = json.loads((tmp_path / "gate_false_alarms.json").read_text())
    assert verdict["pairs_with_false_alarms"] == 1
    # the same cells with a 2x plant: caught, and no false alarm
    assert module.main(argv) == 0
    out = capsys.readouterr().out
    assert "(caught)" in out and "caught in 1 of 1 pairs" in out
