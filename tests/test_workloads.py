"""Workloads (issue 24): path and GridSearchCV timed end to end, fits certified per fold."""

import math

import numpy as np
import pytest
import scipy.optimize
from jax import monitoring

from nemos_bench.problems import ProblemSpec, make_problem, reference_solution
from nemos_bench.report._config import DEFAULT_EPSILON
from nemos_bench.results import WORKLOAD_COLUMNS, append_workload_rows, read_workloads
from nemos_bench.solvers import register_scipy_solvers
from nemos_bench.workloads import WorkloadError, make_workload, run_workload
from nemos_bench.workloads._certify import certify_fits, fit_problem
from nemos_bench.workloads._fits import ALL_ROWS, FitRecord, run_fits
from nemos_bench.workloads._spec import WORKLOAD_EPSILON

SPEC = ProblemSpec(300, 5, regularizer="Ridge", regularizer_strength=1e-2)
BACKEND_COMPILE = "/jax/core/compile/backend_compile_duration"


@pytest.fixture(scope="module")
def problem():
    return make_problem(SPEC)


class _BackendCompiles:
    """Counts XLA backend compilations with a jax.monitoring listener (not the compile log)."""

    def __init__(self):
        self.count, self.on = 0, False
        monitoring.register_event_duration_secs_listener(self._event)

    def _event(self, event, duration, **kwargs):
        if self.on and event == BACKEND_COMPILE:
            self.count += 1

    def __enter__(self):
        self.count, self.on = 0, True
        return self

    def __exit__(self, *exc):
        self.on = False


def test_default_strengths_are_log_spaced_around_the_problems_strength():
    w = make_workload("cv", SPEC)
    assert np.allclose(w.strengths, [1e-3, 1e-2, 1e-1])
    assert w.folds == 3 and w.n_fits == 3 * 3 + 1  # GridSearchCV's refit counts
    assert make_workload("path", SPEC, strengths=4).n_fits == 4
    # an UnRegularized problem's path needs a penalty: Ridge around Ridge's default strength
    free = make_workload("path", ProblemSpec(300, 5))
    assert free.regularizer == "Ridge" and np.isclose(free.strengths[1], 1e-3)


@pytest.mark.parametrize(
    ("kind", "strengths", "folds", "message"),
    [
        ("grid", None, None, "Unknown workload 'grid'; choose one of path, cv."),
        ("cv", 1, None, "--strengths 1 is too few"),
        ("cv", [0.1, 0.1], None, "at least 2 distinct"),
        ("cv", [0.1, -1.0], None, "Regularizer strength -1.0 is not a positive"),
        ("cv", None, 1, "--folds 1 is not a whole number >= 2"),
        ("cv", None, 301, "--folds 301 exceeds the 300 samples"),
    ],
)
def test_bad_workload_values_are_one_sentence(kind, strengths, folds, message):
    with pytest.raises(WorkloadError) as err:
        make_workload(kind, SPEC, strengths, folds)
    assert message in str(err.value)
    assert str(err.value).count(". ") == 0 and str(err.value).endswith(".")


def test_workload_epsilon_is_the_reports_default():
    assert WORKLOAD_EPSILON == DEFAULT_EPSILON


def _fold_objective(X, y, lam):
    """The fold's own objective, written independently: mean Poisson loss + 0.5 lam |w|^2."""

    def f(theta):
        w, b = theta[:-1], theta[-1]
        eta = X @ w + b
        rate = np.exp(eta)
        value = np.mean(rate - y * eta) + 0.5 * lam * w @ w
        r = (rate - y) / len(y)
        return value, np.append(X.T @ r + lam * w, r.sum())

    return f


@pytest.mark.parametrize("fold", [0, 1, 2, ALL_ROWS])
def test_certified_optimum_of_each_fold_matches_an_independent_solve(problem, fold):
    w = make_workload("cv", SPEC)
    n = SPEC.n_samples
    held_out = np.arange(n)[fold * 100 : (fold + 1) * 100] if fold != ALL_ROWS else []
    rows = np.setdiff1d(np.arange(n), held_out)  # KFold(3) of 300 rows: blocks of 100
    for strength in range(len(w.strengths)):
        sub = fit_problem(problem, w, fold, strength)
        np.testing.assert_array_equal(sub.X, problem.X[rows])
        ref = reference_solution(sub)
        f = _fold_objective(problem.X[rows], problem.y[rows], w.strengths[strength])
        res = scipy.optimize.minimize(
            f, np.zeros(6), jac=True, method="BFGS", options={"gtol": 1e-12, "maxiter": 1000}
        )
        assert abs(ref.objective - res.fun) <= 1e-8 * max(1.0, abs(res.fun))
    # the fold's optimum is not the whole problem's: the rows differ (mean over other rows)
    if fold != ALL_ROWS:
        whole = reference_solution(fit_problem(problem, w, ALL_ROWS, 0)).objective
        assert not math.isclose(
            reference_solution(fit_problem(problem, w, fold, 0)).objective, whole
        )


def test_certify_fits_counts_fits_that_miss_epsilon(problem):
    w = make_workload("path", SPEC, strengths=2)
    refs = [reference_solution(fit_problem(problem, w, ALL_ROWS, s)) for s in range(2)]
    good = FitRecord(ALL_ROWS, 0, refs[0].coef, refs[0].intercept)
    bad = FitRecord(ALL_ROWS, 1, refs[1].coef + 0.1, refs[1].intercept)
    verdict = certify_fits(problem, w, [good, bad], epsilon=1e-6)
    assert (verdict.n_fits, verdict.certified, verdict.reached) == (2, 2, 1)
    assert verdict.max_rel_subopt > 1e-6


def test_cv_compilations_match_an_independent_count_and_show_per_clone_recompiles(problem):
    solver = "LBFGS"  # NeMoS's own, as users fit it
    register_scipy_solvers()
    w = make_workload("cv", SPEC, strengths=2, folds=2)  # 2x2+1 fits: compiling is the cost
    counter = _BackendCompiles()
    with counter:
        row = run_workload(problem, w, solver, tol=1e-10, maxiter=1000, repeats=1)
    assert row["status"] == "ok", row["reason"]
    assert row["compiles"] == counter.count
    assert 0 < row["compile_s"] < row["wall_s"]
    assert math.isclose(row["iterate_s"], row["wall_s"] - row["compile_s"])
    assert row["fits_reached"] == row["certified_fits"] == w.n_fits
    # caches warm now: GridSearchCV's clones still compile, fit after fit (NeMoS #547)
    with counter:
        records = run_fits(problem, w, solver, 1e-10, 1000)
    assert counter.count >= w.n_fits
    # GridSearchCV's fits: every (fold, strength), then the refit on all rows
    pairs = [(r.fold, r.strength) for r in records]
    assert sorted(pairs[:-1]) == [(k, s) for k in range(2) for s in range(2)]
    assert pairs[-1][0] == ALL_ROWS
    assert certify_fits(problem, w, records, 1e-6).reached == w.n_fits


def test_cv_says_when_gridsearchcv_clones_fit_another_solver_class(problem):
    from sklearn.base import clone

    from nemos_bench.workloads._fits import make_glm

    register_scipy_solvers()
    w = make_workload("cv", SPEC)
    glm = make_glm(SPEC, w, "LBFGS[scipy]", 0.1, 1e-8, 1000)
    keeps_backend = clone(glm).get_params()["solver_name"] == "LBFGS[scipy]"  # 0.2.8 yes
    row = run_workload(problem, w, "LBFGS[scipy]", tol=1e-8, maxiter=1000, repeats=1)
    if keeps_backend:
        assert row["status"] == "ok" and not row["reason"]
    else:  # NeMoS 0.2.9: solver_name reads "LBFGS", so every clone fits the native LBFGS
        assert row["status"] == "failed"
        assert row["reason"].startswith("10 of 10 fits ran OptimistixOptaxLBFGS, not LBFGS[scipy]")
        assert row["wall_s"] > 0  # the time a user pays is still recorded


def test_a_failing_solver_gives_a_failed_row(problem):
    w = make_workload("path", SPEC, strengths=2)
    row = run_workload(problem, w, "LBFGS{bogus=1}", tol=1e-6, maxiter=10, repeats=1)
    assert row["status"] == "failed" and row["reason"].startswith("run 1: ")


def test_workloads_csv_appends_rows_and_drops_a_torn_line(tmp_path):
    row = {"problem_id": "p", "workload": "cv", "solver": "A", "tol": 1e-6, "status": "ok"}
    append_workload_rows(tmp_path, [row])
    append_workload_rows(tmp_path, [{**row, "solver": "B", "wall_s": 2.5}])
    path = tmp_path / "workloads.csv"
    assert path.read_text().splitlines()[0].split(",") == [c.name for c in WORKLOAD_COLUMNS]
    with open(path, "a") as handle:
        handle.write('"p",cv,C,1e-06,')  # what kill -9 during an append leaves
    rows = read_workloads(tmp_path)
    assert rows["solver"].tolist() == ["A", "B"]
    assert rows["wall_s"].tolist()[1] == 2.5
    assert read_workloads(tmp_path / "nothing") is None


def test_cli_workload_writes_csv_and_the_report_draws_it(tmp_path):
    from nemos_bench.cli import main
    from nemos_bench.report import build_report

    out = tmp_path / "run"
    argv = [
        "run",
        "--problems",
        "poisson[n=300,p=5,reg=Ridge,lam=0.01]",
        "--solvers",
        "LBFGS[scipy],IRLS[glum]",
        "--tol",
        "1e-10",
        "--in-process",
        "--no-report",
        "--workload",
        "path",
        "--strengths",
        "0.01,0.1",
        "--workload-repeats",
        "2",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    rows = read_workloads(out)
    ok = rows[rows["solver"] == "LBFGS[scipy]"].iloc[0]
    assert ok["status"] == "ok" and ok["n_fits"] == 2 and len(ok["wall_s_samples"].split()) == 2
    assert ok["strengths"] == "0.01 0.1" and ok["fits_reached"] == 2
    assert len(ok["cpu_s_samples"].split()) == 2 and ok["cpu_s"] > 0  # process CPU time
    glum = rows[rows["solver"] == "IRLS[glum]"].iloc[0]
    assert glum["status"] == "skipped" and "outside baseline" in glum["reason"]
    report = build_report(out, tmp_path / "rep")
    assert (report.parent / "workload_time.png").exists()
    assert "Workloads: path and cross-validation" in report.read_text()
    assert "For the path workload on" in report.read_text()  # in the Recommendation
    (out / "workloads.csv").unlink()  # a run without workloads reports as before
    report = build_report(out, tmp_path / "rep2")
    assert not (report.parent / "workload_time.png").exists()
    assert "Workloads:" not in report.read_text()
    assert "workload on" not in report.read_text()


def _run_with_workload(root, name, **workload):
    """A run directory with one ok cell and one cv workload row (values given)."""
    from nemos_bench.results import RunStore

    cell = {"problem_id": "poisson[n=300]", "solver": "LBFGS", "tol": 1e-8, "status": "ok"}
    with RunStore(root / name, {"suite": "smoke"}, {}) as store:
        store.append_cell({**cell, "fit_s": 0.01, "objective": 1.0}, [])
    row = dict(
        problem_id="poisson[n=300]",
        workload="cv",
        solver="LBFGS",
        tol=1e-8,
        status="ok",
        n_fits=10,
        epsilon=1e-6,
        compiles=120,
        fits_reached=10,
        certified_fits=10,
        wall_s=10.0,
        wall_s_samples="10.0 10.5 9.5",
    )
    append_workload_rows(root / name, [{**row, **workload}])
    return root / name


@pytest.mark.parametrize(
    ("head", "fails", "says"),
    [
        ({}, False, "ok"),
        (
            {"wall_s": 40.0, "wall_s_samples": "40.0 41.0 39.0", "compiles": 480},
            True,
            "4.00x slower end to end",
        ),
        ({"wall_s": 12.0, "wall_s_samples": "12.0 12.5 11.5"}, False, "ok"),  # within 1.5x
        ({"fits_reached": 7, "max_rel_subopt": 1e-3}, True, "fewer fits reach epsilon"),
        ({"status": "failed", "reason": "boom"}, True, "status went from ok to failed"),
    ],
)
def test_the_gate_judges_workloads_like_cells(tmp_path, capsys, head, fails, says):
    from nemos_bench.compare import gate

    base = _run_with_workload(tmp_path, "base")
    other = _run_with_workload(tmp_path, "head", **head)
    assert gate(base, other) == (1 if fails else 0)
    line = [t for t in capsys.readouterr().out.splitlines() if "cv LBFGS tol=1e-08" in t][0]
    assert says in line and ("FAIL" in line) == fails
