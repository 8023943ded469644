"""Timing rounds: further windows of each ok cell, taken after its problem's cells ran once."""

import statistics

import numpy as np
import pytest

import nemos_bench.sweep._execute as execute
from nemos_bench.measure import CellSettings
from nemos_bench.problems import ProblemSpec
from nemos_bench.results import median_ci, parse_samples, read_meta, read_summary
from nemos_bench.sweep import IsolatedExecutor, SweepConfig, run_sweep

SPECS = (
    ProblemSpec(300, 3, 2, regularizer="Ridge"),
    ProblemSpec(200, 2),
)
SOLVERS = ("LBFGS[scipy]", "BFGS")


def _config(rounds: int) -> SweepConfig:
    # exactly 6 samples per window, so the sample counts are known
    settings = CellSettings(repeats=6, max_repeats=6, rounds=rounds)
    return SweepConfig(
        suite="custom", problems=SPECS, solvers=SOLVERS, tols=(1e-4, 1e-8), settings=settings
    )


@pytest.fixture(scope="module")
def one_window_run(tmp_path_factory):
    """The run directory of a sweep of one timing window (the default)."""
    return run_sweep(_config(1), tmp_path_factory.mktemp("r1") / "run").path


@pytest.fixture(scope="module")
def one_window(one_window_run):
    return read_summary(one_window_run)


@pytest.fixture(scope="module")
def spied_three_windows(tmp_path_factory):
    """An in-process sweep of three timing windows, watched as it runs.

    Returns its run directory, the executor's events in order (``("cell", n_samples)`` per
    cell run, ``("windows", n_cells, rounds)`` per further-windows call) and, per delivered
    row, the number of events seen when it was delivered. Read by the pooling test and the
    ordering test below (one sweep for both).
    """
    events, delivered = [], []
    run_one, take_windows = execute.run_one, execute.take_windows

    def spy_run_one(problem, *args, **kwargs):
        events.append(("cell", problem.spec.n_samples))
        return run_one(problem, *args, **kwargs)

    def spy_take_windows(windows, rounds):
        events.append(("windows", len(windows), rounds))
        return take_windows(windows, rounds)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(execute, "run_one", spy_run_one)
        patch.setattr(execute, "take_windows", spy_take_windows)
        store = run_sweep(
            _config(3),
            tmp_path_factory.mktemp("r3") / "run",
            on_cell=lambda cell, result: delivered.append((len(events), result.summary)),
        )
    return store.path, events, delivered


# The isolated variant runs in CI's slow leg; the default run covers the isolated executor
# end to end on a small run (tests/test_runner.py) and the rounds in process here.
@pytest.mark.parametrize(
    "isolated",
    [False, pytest.param(True, marks=pytest.mark.slow)],
    ids=["in-process", "isolated"],
)
def test_rounds_pool_every_windows_samples_and_change_no_fit(
    isolated, one_window, tmp_path, request
):
    if isolated:
        path = run_sweep(_config(3), tmp_path / "run", executor=IsolatedExecutor()).path
    else:
        path = request.getfixturevalue("spied_three_windows")[0]
    rows, key = read_summary(path), ["problem_id", "solver", "tol"]
    assert (rows.status == "ok").all() and len(rows) == len(one_window) == 8
    assert (rows.timing_windows == 3).all() and (one_window.timing_windows == 1).all()
    assert (rows.n_repeats == 18).all() and (one_window.n_repeats == 6).all()
    for _, row in rows.iterrows():
        samples = parse_samples(row.fit_s_samples)
        assert len(samples) == 18
        assert row.fit_s == statistics.median(samples)
        assert (row.fit_s_min, row.fit_s_max) == (samples.min(), samples.max())
        assert (row.fit_s_ci_low, row.fit_s_ci_high) == median_ci(samples)
        assert row.compile_s == pytest.approx(max(row.end_to_end_s - row.fit_s, 0.0))
    merged = rows.merge(one_window, on=key, suffixes=("", "_1"))
    assert len(merged) == 8
    np.testing.assert_array_equal(merged.objective, merged.objective_1)
    np.testing.assert_array_equal(merged.n_steps, merged.n_steps_1)
    assert read_meta(path)["config"]["rounds"] == 3


def test_one_round_keeps_the_sweeps_identity_of_older_runs(one_window_run):
    assert "rounds" not in read_meta(one_window_run)["config"]  # older runs still resume


def test_further_windows_come_after_every_cell_of_the_problem(spied_three_windows):
    _, events, delivered = spied_three_windows
    cells = [("cell", 300)] * 4 + [("windows", 4, 3)] + [("cell", 200)] * 4 + [("windows", 4, 3)]
    assert events == cells
    # each problem's rows are written once its further windows are in, never before
    assert [n for n, _ in delivered] == [5] * 4 + [10] * 4
    assert all(row["timing_windows"] == 3 for _, row in delivered)


def test_outside_baselines_take_their_further_windows_too(tmp_path):
    config = SweepConfig(
        suite="custom",
        problems=SPECS[1:],
        solvers=("NewtonCholesky[sklearn]",),
        tols=(1e-8,),
        settings=CellSettings(repeats=6, max_repeats=6, rounds=2),
    )
    rows = read_summary(run_sweep(config, tmp_path / "run").path)
    assert list(rows.status) == ["ok"] and list(rows.timing_windows) == [2]
    assert list(rows.n_repeats) == [12] and len(parse_samples(rows.fit_s_samples[0])) == 12
    assert rows.compile_s.isna().all()  # scikit-learn compiles nothing, in every window
