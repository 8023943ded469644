"""What limits a verdict comes first: different machines, and a busy machine (contention)."""

import re

import numpy as np
import pytest
from test_compare import BASE_ROWS, F_STAR, PROBLEM, replace, row, write_run

from nemos_bench.compare import compare
from nemos_bench.compare.__main__ import main as compare_main
from nemos_bench.compare._sources import load_cells

BASE_THREADS = "blas=2 xla=default cpus=2"
HEAD_THREADS = "blas=1 xla=eigen_off cpus=2"
NOT_JUDGED = (
    "Time not judged: BASE ran with blas=2 xla=default and HEAD with blas=1 xla=eigen_off; "
    "pass --judge-time-anyway to judge it."
)


def on(rows, threads, **machine):
    where = {"host": "node1", "cpu_model": "Xeon", "threads": threads, **machine}
    return [dict(r, **where) for r in rows]


def first_line(capsys, *argv):
    code = compare_main([str(a) for a in argv])
    return code, capsys.readouterr().out.splitlines()[0]


def test_different_threads_are_not_judged_on_time_and_the_first_line_says_so(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "80")  # the first line is one line even in a narrow terminal
    base = write_run(tmp_path / "base", on(BASE_ROWS, BASE_THREADS))
    same = write_run(tmp_path / "same", on(BASE_ROWS, HEAD_THREADS))
    assert first_line(capsys, base, same) == (0, NOT_JUDGED)
    # a 3x slowdown at HEAD is not judged either, unless asked
    slow_rows = replace(BASE_ROWS, "LBFGS[scipy]", fit_s=0.3)
    slow = write_run(tmp_path / "slow", on(slow_rows, HEAD_THREADS))
    result = compare(base, slow)
    assert result.passed and result.machines
    assert all(c.time_not_judged == "machines" and not c.time_judged for c in result.cells)
    assert first_line(capsys, base, slow) == (0, NOT_JUDGED)
    code, line = first_line(capsys, base, slow, "--judge-time-anyway")
    assert code == 1 and line == (
        "Time judged although the machines differ: BASE ran with blas=2 xla=default and HEAD "
        "with blas=1 xla=eigen_off."
    )
    (cell,) = compare(base, slow, judge_time_anyway=True).regressions
    assert cell.reasons[0].startswith("3.00x slower")
    # loss and convergence are judged as always
    worse_rows = replace(BASE_ROWS, "BFGS[scipy]", objective=F_STAR + 1e-3)
    worse = write_run(tmp_path / "worse", on(worse_rows, HEAD_THREADS))
    assert first_line(capsys, base, worse) == (1, NOT_JUDGED)
    # the same machine and settings: no such line, and the slowdown fails
    slow_here = write_run(tmp_path / "slow_here", on(slow_rows, BASE_THREADS))
    code, line = first_line(capsys, base, slow_here)
    assert code == 1 and line.startswith("FAIL: 1 of 6 matched cells regressed")


def test_machine_differences_are_named_and_unknown_settings_are_not_a_difference(tmp_path):
    base = write_run(tmp_path / "base", on(BASE_ROWS, BASE_THREADS))
    gpu = write_run(tmp_path / "gpu", on(BASE_ROWS, BASE_THREADS, device="gpu"))
    other = write_run(tmp_path / "other", on(BASE_ROWS, BASE_THREADS, cpu_model="EPYC"))
    plain = write_run(tmp_path / "plain", [dict(r, device="cpu") for r in BASE_ROWS])
    assert compare(base, gpu).machines == ""  # BASE records no device: unknown
    assert compare(plain, gpu).machines == "BASE ran with device=cpu and HEAD with device=gpu"
    assert (
        compare(base, other).machines == "BASE ran with cpu_model=Xeon and HEAD with cpu_model=EPYC"
    )
    assert compare(base, write_run(tmp_path / "old", BASE_ROWS)).machines == ""
    # pooled runs on two thread settings name both
    pooled = tmp_path / "pooled"
    write_run(pooled / "run-1", on(BASE_ROWS, BASE_THREADS))
    write_run(pooled / "run-2", on(BASE_ROWS, HEAD_THREADS))
    assert load_cells(pooled).frame["threads"][0] == f"{BASE_THREADS} | {HEAD_THREADS}"
    assert compare(base, pooled).machines == (
        "BASE ran with blas=2 xla=default and HEAD with blas=2/1 xla=default/eigen_off"
    )


def timed(wall, cpu, solver="LBFGS[scipy]", n=8, seed=0, **changes):
    """A row with ``n`` wall and CPU samples around the medians ``wall`` and ``cpu``."""
    rng = np.random.default_rng(seed)
    walls = wall * (1 + 0.04 * rng.uniform(-1, 1, n))
    cpus = cpu * (1 + 0.04 * rng.uniform(-1, 1, n))
    values = dict(
        fit_s=float(np.median(walls)),
        fit_s_samples=" ".join(map(repr, walls.tolist())),
        fit_cpu_s=float(np.median(cpus)),
        fit_cpu_s_samples=" ".join(map(repr, cpus.tolist())),
    )
    return row(solver, **{**values, **changes})


def test_a_slowdown_of_wall_time_alone_is_not_judged_machine_busy(tmp_path, capsys):
    # scipy's path uses 2 threads: 10 ms of wall time, 15 ms of CPU time
    base = write_run(tmp_path / "base", [timed(0.010, 0.015), timed(0.02, 0.02, "LBFGS")])
    head_rows = [timed(0.025, 0.0165, seed=1, load_start=3.9, load_end=4.2, usable_cores=2)]
    head = write_run(tmp_path / "head", head_rows + [timed(0.02, 0.02, "LBFGS", seed=1)])
    result = compare(base, head)
    assert result.passed and len(result.machine_busy) == 1
    (cell,) = result.machine_busy
    assert not cell.time_judged and not cell.regressed and cell.time_ratio > 2.3
    assert cell.time_evidence.startswith("not judged on time: machine busy (wall 2.")
    cpu_ratio = cell.head_fit_cpu_s / cell.base_fit_cpu_s
    assert cpu_ratio < 1.15 and f"CPU {cpu_ratio:.2f}x" in cell.time_evidence
    assert "steps 12 -> 12" in cell.time_evidence
    assert "load average HEAD 4.2 (2 cores)" in cell.time_evidence
    assert compare_main([str(base), str(head)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "1 of 2 cells not judged on time: machine busy (wall time beyond 1.5x, but not the "
        "CPU time or, under load, the fastest samples, nor the steps; evidence below)."
    )
    assert lines[1].startswith("PASS: 0 of 2 matched cells regressed, 1 not judged on time")
    assert any(
        line.startswith(f"warning: LBFGS[scipy] tol=1e-08 on {PROBLEM}: not judged on time")
        for line in lines
    )


def test_real_extra_work_fails_with_its_cpu_time(tmp_path):
    base = write_run(tmp_path / "base", [timed(0.010, 0.015)])
    twice = write_run(tmp_path / "twice", [timed(0.020, 0.030, seed=1)])  # each fit done twice
    (cell,) = compare(base, twice).regressions
    cpu_ratio = cell.head_fit_cpu_s / cell.base_fit_cpu_s
    assert cell.time_judged and cell.time_ratio > 1.9 and cpu_ratio > 1.9
    assert cell.reasons[0].endswith(f"CPU time {cpu_ratio:.2f}x).")
    # wall time alone, but twice the steps: work, not contention
    steps = write_run(tmp_path / "steps", [timed(0.025, 0.0165, seed=1, n_steps=30)])
    (cell,) = compare(base, steps).regressions
    assert "HEAD took 30 steps, BASE 12" in cell.reasons[0]
    # CPU time significantly beyond the factor confirms the wall-time slowdown
    beyond = write_run(tmp_path / "beyond", [timed(0.025, 0.0255, seed=1)])  # CPU 1.7x
    (cell,) = compare(base, beyond).regressions
    assert "CPU time 1.6" in cell.reasons[0]
    # CPU time that did not grow beyond the factor does not confirm it: machine busy
    near = write_run(tmp_path / "near", [timed(0.025, 0.021, seed=1)])  # CPU 1.4x
    (cell,) = compare(base, near).machine_busy
    assert "CPU 1.38x, not beyond 1.5x" in cell.time_evidence


def test_cpu_time_too_noisy_to_confirm_a_slowdown_is_not_judged(tmp_path):
    # under load, CPU samples spread widely although their median did not move (1.0x)
    base = write_run(tmp_path / "base", [timed(0.010, 0.015)])
    spread = (0.015 * np.array([0.5, 0.7, 0.9, 1.0, 1.0, 1.2, 1.6, 2.2])).tolist()
    noisy = timed(0.025, 0.015, seed=1, fit_cpu_s_samples=" ".join(map(repr, spread)))
    head = write_run(tmp_path / "head", [noisy])
    result = compare(base, head)
    assert result.passed and len(result.machine_busy) == 1
    # with too few CPU samples for the rank test, the CPU ratio alone decides
    few = {"fit_cpu_s_samples": "0.03 0.031", "fit_cpu_s": 0.0305}
    twice = write_run(tmp_path / "twice", [timed(0.025, 0.03, seed=1, **few)])
    (cell,) = compare(base, twice).regressions
    assert "CPU time 2.0" in cell.reasons[0]


def test_sources_without_cpu_time_keep_the_wall_time_rule(tmp_path):
    base = write_run(tmp_path / "base", [timed(0.010, 0.015, fit_cpu_s=None, fit_cpu_s_samples="")])
    head = write_run(tmp_path / "head", [timed(0.025, 0.0165, seed=1)])
    (cell,) = compare(base, head).regressions
    assert "CPU" not in cell.reasons[0] and cell.time_judged


@pytest.mark.parametrize("head_cpu, busy", [(0.0165, True), (0.030, False)])
def test_pooled_runs_apply_the_same_cpu_test(tmp_path, head_cpu, busy):
    base, head = tmp_path / "base", tmp_path / "head"
    for i in range(3):
        write_run(base / f"run-{i}", [timed(0.010, 0.015, seed=10 + i)])
        write_run(head / f"run-{i}", [timed(0.025, head_cpu, seed=20 + i)])
    pooled = load_cells(head).frame.iloc[0]
    assert len(pooled["fit_cpu_s_samples"].split()) == 24
    assert pooled["fit_cpu_s"] == pytest.approx(head_cpu, rel=0.05)
    result = compare(base, head)
    assert len(result.machine_busy) == int(busy) and result.passed == busy


BUSY = dict(load_start=3.6, load_end=3.8, usable_cores=2)


def spun(wall, cpu, seed, **changes):
    """A busy run whose every sample waited and spun: wall and CPU time both doubled."""
    return timed(2 * wall, 2 * cpu, seed=seed, **BUSY, **changes)


def test_cpu_time_that_spun_is_contention_when_the_fastest_samples_did_not_move(tmp_path):
    # BASE: 3 runs with quiet samples (its load average busy). HEAD, the same code beside
    # busy processes: two runs' samples all waited and their threads spun (CPU time
    # doubled too); one run had quiet samples.
    base, head = tmp_path / "base", tmp_path / "head"
    for i in range(3):
        write_run(base / f"run-{i}", [timed(0.010, 0.015, seed=10 + i, **BUSY)])
    write_run(head / "run-0", [spun(0.010, 0.015, seed=20)])
    write_run(head / "run-1", [spun(0.010, 0.015, seed=21)])
    write_run(head / "run-2", [timed(0.010, 0.015, seed=22, **BUSY)])
    result = compare(base, head)
    assert result.passed and len(result.machine_busy) == 1
    (cell,) = result.machine_busy
    assert cell.head_fit_cpu_s / cell.base_fit_cpu_s > 1.5  # CPU time confirms the wall time
    evidence = cell.time_evidence
    assert ", beyond 1.5x (Mann-Whitney" in evidence
    fastest = re.search(
        r"fastest of all samples \S+ s -> \S+ s, ([\d.]+)x, not beyond 1.25x", evidence
    )
    assert fastest and 0.9 < float(fastest.group(1)) < 1.1
    # on a quiet machine (no load recorded) the same numbers fail: CPU time doubled
    quiet = tmp_path / "quiet"
    for i, rows in enumerate([[timed(0.02, 0.03, seed=30)]] * 2 + [[timed(0.01, 0.015, seed=32)]]):
        write_run(quiet / f"run-{i}", rows)
    plain_base = tmp_path / "plain_base"
    for i in range(3):
        write_run(plain_base / f"run-{i}", [timed(0.010, 0.015, seed=10 + i)])
    (cell,) = compare(plain_base, quiet).regressions
    assert "fastest of all samples" not in cell.reasons[0]


@pytest.mark.parametrize("base_floor", [1.0, 1.3])
def test_real_extra_work_on_a_busy_machine_moves_the_fastest_samples_and_fails(
    tmp_path, base_floor
):
    # each fit done twice at HEAD: every sample doubles, the fastest too, even when all of
    # BASE's samples waited a little (its fastest 1.3x its quiet time)
    base, head = tmp_path / "base", tmp_path / "head"
    for i in range(3):
        write_run(base / f"run-{i}", [timed(0.010 * base_floor, 0.015, seed=10 + i, **BUSY)])
        write_run(head / f"run-{i}", [timed(0.020, 0.030, seed=20 + i, **BUSY)])
    (cell,) = compare(base, head).regressions
    ratio = 2 / base_floor
    match = re.search(
        r"CPU time [\d.]+x; fastest of all samples ([\d.]+)x; load average", cell.reasons[0]
    )
    assert match and float(match.group(1)) == pytest.approx(ratio, rel=0.1)
