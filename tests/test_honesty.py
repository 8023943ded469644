"""Cells that would mislead: caching and warm-starting solvers, fits that hit maxiter,
numbers that must be auditable from the stored parameters, compile time independent of order."""

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from nemos_bench.cli import main
from nemos_bench.measure import CellSettings
from nemos_bench.measure._honesty import control_counts
from nemos_bench.problems import ProblemSpec, load_problem, load_reference, objective
from nemos_bench.report import build_report
from nemos_bench.results import PARAMS_DIR, RunStore, read_meta, read_params, read_summary
from nemos_bench.results._params import params_path
from nemos_bench.sweep import SweepConfig, run_sweep
from nemos_bench.verify import verify_run

SPEC = ProblemSpec(n_samples=300, n_features=3, n_outputs=1)


def _config(solvers, tols=(1e-8,), classes=(), **settings):
    return SweepConfig(
        suite="custom",
        problems=(SPEC,),
        solvers=tuple(solvers),
        tols=tols,
        settings=CellSettings(time_budget=0.05, **settings),
        solver_classes=tuple(classes),
    )


@pytest.fixture(scope="module")
def honest_and_not(tmp_path_factory):
    """One sweep: LBFGS[scipy] (honest), a caching, a warm-starting and a
    nondeterministic (honest) user solver.

    Run as a user would, from the repository root, in its own process (which also keeps the
    misbehaving classes out of this process's solver registry).
    """
    root = tmp_path_factory.mktemp("honesty")
    (root / "sweep.toml").write_text(
        'solvers = ["LBFGS[scipy]"]\ntols = [1e-4, 1e-8]\ntime_budget = 0.05\n'
        "[[problems]]\nn_samples = 300\nn_features = 3\n"
    )
    argv = ["run", "--config", str(root / "sweep.toml"), "--out", str(root / "run")]
    argv += ["--in-process", "--no-report"]
    for name in ("CachingLBFGS", "WarmStartLBFGS", "JitteryLBFGS"):
        argv += ["--solver-class", f"tests.example_solvers:{name}"]
    proc = subprocess.run(
        [sys.executable, "-m", "nemos_bench.cli", *argv],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr  # the two misbehaving solvers' cells failed
    return root / "run"


def test_a_caching_solver_fails_with_its_sentence_and_no_time(honest_and_not):
    summary = read_summary(honest_and_not)
    rows = summary[summary.solver == "CachingLBFGS[custom]"]
    assert len(rows) == 2 and set(rows.status) == {"failed"}
    for reason in rows.reason:
        assert reason.startswith(
            "A control run on other data of the same shape returned the first fit's "
            "parameters: the solver returns a cached answer"
        )
    assert rows[["fit_s", "compile_s", "end_to_end_s", "fit_s_ci_low"]].isna().all().all()
    assert rows.fit_s_samples.isna().all()


def test_a_warm_starting_solver_fails_with_its_sentence_and_no_time(honest_and_not):
    summary = read_summary(honest_and_not)
    rows = summary[summary.solver == "WarmStartLBFGS[custom]"]
    assert len(rows) == 2 and set(rows.status) == {"failed"}
    honest = summary[summary.solver == "LBFGS[scipy]"].set_index("tol")
    for row in rows.itertuples():
        first = honest.loc[row.tol, "n_steps"]  # the same method from the same start
        assert f"where the first fit took {first} from the same starting point" in row.reason
        assert "warm-starts from its previous answer" in row.reason
        assert row.reason.startswith("Repeat 1 took ")  # on the first fit's own data
        assert "as did every other of 3 repeats on the same data, while 3 fresh" in row.reason
    assert rows.fit_s.isna().all() and rows.compile_s.isna().all()


def test_the_honest_solver_passes_and_its_numbers_are_stored(honest_and_not):
    summary = read_summary(honest_and_not)
    rows = summary[summary.solver == "LBFGS[scipy]"]
    assert set(rows.status) == {"ok"} and set(rows.outcome) == {"converged"}
    for row in rows.itertuples():
        samples = np.array(row.fit_s_samples.split(), dtype=float)
        assert row.n_repeats == row.repeat == samples.size >= 6
        assert row.fit_s == np.median(samples)
        assert row.fit_s_ci_low <= row.fit_s <= row.fit_s_ci_high
        assert (row.fit_s_min, row.fit_s_max) == (samples.min(), samples.max())
        coef, intercept = read_params(honest_and_not, (row.problem_id, row.solver, row.tol))
        assert objective(load_problem(SPEC), (coef, intercept)) == row.objective
    # every ok cell stores its parameters, failed cells none
    ok = summary[summary.status == "ok"]
    assert set(ok.solver) == {"LBFGS[scipy]", "JitteryLBFGS[custom]"}
    names = {p.name for p in (honest_and_not / PARAMS_DIR).iterdir()}
    assert names == {params_path(honest_and_not, key).name for key in
                     zip(ok.problem_id, ok.solver, ok.tol, strict=True)}  # fmt: skip
    assert read_meta(honest_and_not)["config"]["n_cells"] == 8


def test_control_counts_are_other_data_of_the_same_shape():
    problem, reference = load_problem(SPEC), load_reference(SPEC)
    y2 = control_counts(problem, reference)
    assert y2.shape == problem.y.shape and np.all(y2 == np.round(y2)) and np.all(y2 >= 0)
    assert np.mean(y2 != problem.y) > 0.3
    assert abs(y2.mean() - problem.y.mean()) < 0.2 * problem.y.mean()  # same rates


def _max_steps_run(tmp_path, capsys):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        'solvers = ["LBFGS[scipy]"]\ntols = [1e-4, 1e-12]\nmaxiter = 6\n'
        "time_budget = 0.05\n[[problems]]\nn_samples = 300\nn_features = 3\n"
    )
    out = tmp_path / "run"
    code = main(["run", "--config", str(sweep), "--out", str(out), "--in-process", "--no-report"])
    return code, out, capsys.readouterr().out


def test_a_max_steps_cell_shows_its_outcome_everywhere(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, printed = _max_steps_run(tmp_path, capsys)
    assert code == 0  # status ok: the fits returned finite parameters
    summary = read_summary(out)
    tight = summary[summary.tol == 1e-12].iloc[0]
    assert (tight.status, tight.outcome, tight.n_steps) == ("ok", "max_steps", 6)
    assert summary[summary.tol == 1e-4].outcome.tolist() == ["converged"]
    with open(out / "summary.csv", newline="") as handle:
        raw = list(csv.DictReader(handle))
    assert {r["tol"]: r["outcome"] for r in raw}["1e-12"] == "max_steps"
    # the CLI table, printed to a pipe, is not cut at 80 columns and names the outcome
    assert "converged 1, max_steps 1" in printed and "LBFGS[scipy]" in printed
    assert max(len(line) for line in printed.splitlines()) > 80
    assert "warning: LBFGS[scipy] tol=1e-12 on poisson[n=300" in printed
    assert "ended ok but max_steps" in printed
    # the report: a warnings section, no "every fit ended ok", a distinct marker
    from nemos_bench.report import build_report

    index = build_report(out, tmp_path / "report", dpi=30)
    html = index.read_text()
    warnings = html.split('id="warnings"', 1)[1].split("</section>", 1)[0]
    assert "1 ok fit(s) did not converge" in warnings and "max_steps" in warnings
    failures = html.split('id="failures"', 1)[1].split("</section>", 1)[0]
    assert "Every fit ended ok" not in html
    assert "1 ok fit(s) did not converge" in failures and "ok: max_steps" in failures
    assert "of the ok fits did not converge" in html.split('id="warnings"', 1)[0]


def test_verify_passes_on_a_fresh_run_and_names_a_hand_edited_row(honest_and_not, tmp_path, capsys):
    assert verify_run(honest_and_not).passed
    assert main(["verify", str(honest_and_not)]) == 0
    assert "Verified 4 ok rows of 8" in capsys.readouterr().out
    # hand-edit the objective of one ok row
    edited = tmp_path / "edited"
    edited.mkdir()
    for item in honest_and_not.iterdir():
        target = edited / item.name
        if item.is_dir():
            target.mkdir()
            for f in item.iterdir():
                (target / f.name).write_bytes(f.read_bytes())
        else:
            target.write_bytes(item.read_bytes())
    rows = list(csv.reader(io.StringIO((edited / "summary.csv").read_text())))
    header = rows[0]
    line = next(i for i, r in enumerate(rows) if r[header.index("status")] == "ok")
    old = float(rows[line][header.index("objective")])
    rows[line][header.index("objective")] = repr(old + 1e-6)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    (edited / "summary.csv").write_text(buffer.getvalue())
    result = verify_run(edited)
    assert not result.passed
    (bad,) = result.mismatches
    solver, tol = rows[line][header.index("solver")], float(rows[line][header.index("tol")])
    assert (bad.solver, bad.tol, bad.column) == (solver, tol, "objective")
    assert main(["verify", str(edited)]) == 1
    printed = capsys.readouterr().out
    assert f"MISMATCH {solver} tol={tol:g}" in printed and "objective is" in printed
    # a run directory without stored parameters cannot be verified: bad input
    (edited / PARAMS_DIR / next((edited / PARAMS_DIR).iterdir()).name).unlink()
    assert any("no stored parameters" in m.note for m in verify_run(edited).mismatches)
    for f in (edited / PARAMS_DIR).iterdir():
        f.unlink()
    (edited / PARAMS_DIR).rmdir()
    assert main(["verify", str(edited)]) == 2
    assert "holds no stored parameters" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "nope")]) == 2


def test_orphan_parameter_files_are_removed_when_the_run_is_reopened(tmp_path):
    config = {"suite": "t"}
    row = {"problem_id": SPEC.problem_id, "solver": "S", "tol": 1e-6, "status": "ok"}
    with RunStore(tmp_path / "run", config, {}) as store:
        store.append_cell(row, [], (np.ones(3), np.zeros(1)))
    kept = params_path(tmp_path / "run", (SPEC.problem_id, "S", 1e-6))
    # a crash after the parameter file of a second cell, before its summary row
    from nemos_bench.results._params import write_params

    orphan = write_params(tmp_path / "run", (SPEC.problem_id, "T", 1e-6), np.ones(3), np.ones(1))
    (orphan.parent / ".x.npz.123.tmp").write_bytes(b"half")
    RunStore(tmp_path / "run", config, {}).close()
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]
    coef, intercept = read_params(tmp_path / "run", (SPEC.problem_id, "S", 1e-6))
    assert coef.tolist() == [1.0, 1.0, 1.0] and intercept.tolist() == [0.0]


def test_a_run_directory_of_an_older_version_is_refused_with_a_reason(tmp_path):
    config = _config(["LBFGS[scipy]"])
    from nemos_bench.sweep import plan_cells
    from nemos_bench.sweep._sweep import config_record

    record = config_record(config, plan_cells(config))
    old = {k: v for k, v in record.items() if k not in ("max_repeats", "time_budget",
                                                         "ci_target", "n_cells")}  # fmt: skip
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "meta.json").write_text(json.dumps({"config": old}))
    from nemos_bench.results import RunDirectoryError

    with pytest.raises(RunDirectoryError, match="written by an older nemos-bench, which did not"):
        run_sweep(config, tmp_path / "run")


# Fits each solver once in a fresh process after the harness's per-problem load (its
# untimed warm-up), printing each first fit's process CPU seconds (compilation included).
FIRST_FITS = """
import json, sys, time
from nemos_bench.cli._main import _setup_jax
_setup_jax()
from nemos_bench.problems import ProblemSpec
from nemos_bench.measure import make_model
from nemos_bench.sweep._execute import ProblemCache
spec = ProblemSpec(n_samples=300, n_features=3, n_outputs=1)
cache = ProblemCache()
assert cache.load(spec) is None
problem = cache._entry[0]
cpu = {}
for solver in sys.argv[1:]:
    start = time.process_time()
    make_model(spec, solver, 1e-8, 1000).fit(problem.X, problem.y)
    cpu[solver] = time.process_time() - start
print(json.dumps(cpu))
"""


@pytest.mark.slow  # two fresh processes' first fits; CI's slow leg runs it
def test_first_solvers_compile_time_does_not_depend_on_run_order():
    """The problem's one-time costs are paid by the untimed warm-up of each fresh process,
    so a solver's first fit (its compilation) costs the same first or second.

    Judged on process CPU time, which a busy machine barely moves (wall time did: 0.24 vs
    0.60 s at load 7-10): measured first/second ratios 0.92-1.09 idle and with two busy
    processes on 2 cores; without the warm-up the first solver pays 5-10 times more.
    """
    solvers = ["NonlinearCG[optimistix]", "BFGS[scipy]"]
    cpu = {}
    for order in (solvers, solvers[::-1]):
        proc = subprocess.run(
            [sys.executable, "-c", FIRST_FITS, *order],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        for solver, seconds in json.loads(proc.stdout.splitlines()[-1]).items():
            cpu.setdefault(solver, []).append(seconds)
    for solver, (first, second) in cpu.items():
        assert 0.5 < first / second < 2.0, (solver, first, second)


def test_a_nondeterministic_solver_keeps_its_time_with_a_note(honest_and_not, tmp_path):
    summary = read_summary(honest_and_not)
    rows = summary[summary.solver == "JitteryLBFGS[custom]"]
    assert len(rows) == 2 and set(rows.status) == {"ok"}
    for row in rows.itertuples():
        # some repeats differ (then a note says so), or all and a fresh instance too
        assert 1 <= row.repeats_differ <= row.n_repeats
        assert row.fit_s > 0 and row.fit_s_ci_low <= row.fit_s <= row.fit_s_ci_high
        if row.repeats_differ < row.n_repeats:
            assert row.reason.startswith(
                f"Not deterministic here: {row.repeats_differ} of {row.n_repeats} timed "
                "repeats did not redo the first fit exactly"
            )
        else:
            assert row.reason.startswith("Not deterministic here: every timed repeat differ")
        # then: some untimed repeats on the first fit's own data redid it, or none did and
        # a fresh instance differed too (a warm start would redo it on a fresh instance)
        assert re.search(r"while [1-3] of 3 repeats on the same data did", row.reason) or (
            "and so did every one of 3 repeats on the same data, and so did a fresh instance "
            "of the solver" in row.reason
        )
    assert (summary.loc[summary.solver == "LBFGS[scipy]", "repeats_differ"] == 0).all()
    html = build_report(honest_and_not, tmp_path / "report", dpi=30).read_text()
    assert "2 fit(s) whose repeats were not all identical" in html
    assert "No warnings" not in html


def _state(steps):
    from types import SimpleNamespace

    return SimpleNamespace(stats=SimpleNamespace(converged=True, num_steps=steps))


_PARAMS, _OTHER = (jnp.ones(3), jnp.zeros(1)), (2 * jnp.ones(3), jnp.zeros(1))


def _record(*outputs):
    """A RepeatRecord of ``outputs`` against a first fit of _PARAMS in 25 steps."""
    from nemos_bench.measure._honesty import RepeatRecord

    rec = RepeatRecord(None, np.concatenate([np.ones(3), np.zeros(1)]), _state(25))
    for i, out in enumerate(outputs):
        rec(i, out)
    return rec


def test_repeats_are_judged_together_and_against_fresh_instances():
    # a warm start makes every repeat differ while fresh instances redo the first fit; a
    # solver that is not deterministic (trust-krylov at tol 1e-10 took 25, 5 or 27 steps
    # from one start) differs on some repeats only, or on fresh instances too
    from nemos_bench.measure._honesty import NotRepeatable, judge_repeats

    params, other, record = _PARAMS, _OTHER, _record

    calls = []

    def fresh(result):
        def fit():
            calls.append(1)
            return result

        return fit

    same = record((params, _state(25)), (params, _state(25)))
    assert same.differing(2) == [] and judge_repeats(same, 2, fresh((params, 25))) == ""
    some = record((params, _state(25)), (params, _state(5)), (other, _state(25)))
    assert [i for i, _ in some.differing(3)] == [1, 2]
    note = judge_repeats(some, 3, fresh((params, 25)))
    assert note.startswith("Not deterministic here: 2 of 3 timed repeats did not redo the "
                           "first fit exactly (repeat 2 took 5 steps where the first fit "
                           "took 25) while the others did")  # fmt: skip
    assert calls == []  # no fresh instance needed
    every = record((params, _state(20)), (params, _state(20)))
    with pytest.raises(NotRepeatable, match="Timed repeat 1 took 20 steps where the first fit "
                       "took 25 from the same starting point and data, as did every other "
                       "repeat, while 3 fresh instances"):  # fmt: skip
        judge_repeats(every, 2, fresh((params, 25)))
    assert len(calls) == 3
    note = judge_repeats(every, 2, fresh((other, 25)))
    assert "and so did a fresh instance of the solver (it returned parameters that differ" in note


def test_timed_repeats_on_other_arrays_are_judged_on_repeats_on_the_same_data():
    # the timed repeats run on sign-flipped copies (see measure/_fresh.py), where a warm start
    # shows erratically; untimed repeats on the first fit's own data decide, and the
    # sentence says which repeats it counts
    from nemos_bench.measure._honesty import NotRepeatable, judge_repeats

    params, other, record = _PARAMS, _OTHER, _record

    timed = record((params, _state(25)), (params, _state(30)), (other, _state(25)))
    redone = record((params, _state(25)), (params, _state(25)), (params, _state(1)))
    note = judge_repeats(timed, 3, fresh_fit=None, rerun=lambda: redone)
    assert note.startswith(
        "Not deterministic here: 2 of 3 timed repeats did not redo the first fit exactly "
        "(repeat 2 took 30 steps where the first fit took 25), while 2 of 3 repeats on the "
        "same data did"
    )
    warm = record((params, _state(1)), (params, _state(1)), (params, _state(1)))
    with pytest.raises(NotRepeatable, match="Repeat 1 took 1 steps where the first fit took 25 "
                       "from the same starting point and data, as did every other of 3 repeats "
                       "on the same data, while 3 fresh instances"):  # fmt: skip
        judge_repeats(timed, 3, lambda: (params, 25), rerun=lambda: warm)
    note = judge_repeats(timed, 3, lambda: (params, 24), rerun=lambda: warm)
    assert note.startswith("Not deterministic here: 2 of 3 timed repeats did not redo")
    assert "and so did every one of 3 repeats on the same data, and so did a fresh instance " \
        "of the solver (it took 24 steps where the first fit took 25)" in note  # fmt: skip
