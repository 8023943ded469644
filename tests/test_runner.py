"""Measure and sweep: a small run and the full quick-suite sweep (slow) from the command line, the
report's device warning on a run's rows, traces against run's iterates, user solvers, resume."""

import jax.numpy as jnp
import nemos as nmo
import numpy as np
import pandas as pd
import pytest

from nemos_bench.measure import CellSettings, make_model, run_one
from nemos_bench.measure._trace import trace_solver
from nemos_bench.problems import (
    ProblemSpec,
    get_suite,
    load_problem,
    load_reference,
    objective,
)
from nemos_bench.report._warnings import warnings_section
from nemos_bench.results import FITTED_STATUSES, RunStore, read_meta, read_summary, read_trace
from nemos_bench.solvers import (
    SolverClassError,
    available_solvers,
    load_solver_class,
    nemos_default_solver,
)
from nemos_bench.solvers._compat import coef_intercept, initial_params, optim_info
from nemos_bench.sweep import SweepConfig, build_config, plan_cells, run_sweep
from nemos_bench.sweep._sweepconfig import SUITE_EXCLUDED_ALGOS

QUICK = get_suite("quick")
# The two problems of the first `quick` suite: small and well conditioned, so a few dozen
# iterations reach the optimum (the tests below rely on that).
CLASSIC = (
    ProblemSpec(2_000, 10, 1),
    ProblemSpec(1_000, 5, 3, regularizer="Ridge", regularizer_strength=1e-3),
)


def _assert_run_is_consistent(run_dir, specs):
    """What every run directory must hold, whatever its size: each planned cell once, f* and
    the problem's facts on every row, objectives never below f*, intervals around the
    median, compile times, honest reasons, traces that end where `run` ends, and meta."""
    summary, trace = read_summary(run_dir), read_trace(run_dir)
    config = read_meta(run_dir)["config"]
    got = set(zip(summary.problem_id, summary.solver, summary.tol, strict=True))
    assert len(got) == len(summary)  # each cell once
    for spec in specs:
        rows = summary[summary.problem_id == spec.problem_id]
        assert len(rows) == len(config["tols"]) * rows.solver.nunique() > 0
        reference = load_reference(spec)
        f_star = reference.objective
        assert np.all(rows.reference_objective == f_star)
        assert np.all(rows.condition_number == reference.condition_number)
        assert np.all(rows.design == spec.design)
        np.testing.assert_allclose(rows.mean_rate, load_problem(spec).y.mean(), rtol=1e-15)
        fitted = rows[rows.status.isin(FITTED_STATUSES)]
        assert len(fitted) >= len(rows) - 4  # only the SVRG variants may fail at tight tol
        np.testing.assert_allclose(fitted.suboptimality, fitted.objective - f_star, rtol=0, atol=0)
        # nothing beats the certified optimum beyond rounding
        assert np.all(fitted.objective >= f_star - 1e-12 * max(1.0, abs(f_star)))
        assert np.all(fitted.fit_s > 0) and np.all(fitted.end_to_end_s > 0)
        in_ci = (fitted.fit_s_ci_low <= fitted.fit_s) & (fitted.fit_s <= fitted.fit_s_ci_high)
        # a cell that compiles on every call takes too few samples for a 95% interval
        no_ci = (fitted.status == "recompiles") & fitted.fit_s_ci_low.isna()
        assert np.all(in_ci | (no_ci & fitted.fit_s_ci_high.isna()))
        # compile_s is the first call's excess over the steady state (never negative: on a
        # busy machine a cheap-to-compile fit's median can exceed its first call)
        ok = rows[rows.status == "ok"]
        np.testing.assert_allclose(
            ok.compile_s, np.maximum(ok.end_to_end_s - ok.fit_s, 0.0), rtol=1e-12, atol=1e-12
        )
        assert np.all(ok.compiles_in_timed == 0)
        # a solver that compiles on every call (Newton[nemos] on NeMoS's development line,
        # whose `run` is not jitted) is measured with its compilations, and says so
        recompiles = rows[rows.status == "recompiles"]
        assert np.all(recompiles.compiles_per_call >= 1)
        assert set(recompiles.solver) <= {"Newton[nemos]"}
        not_fitted = rows[~rows.status.isin(FITTED_STATUSES)]
        assert all(isinstance(r, str) and r for r in not_fitted.reason)
    # traced cells: the tightest tolerance of every ok (problem, solver)
    tight = min(config["tols"])
    traced = summary[(summary.tol == tight) & (summary.status == "ok")]
    # a solver whose `update` cannot be stepped on its own (NeMoS SVRG needs a full gradient
    # set first) keeps its fit row, says why it has no trace, and has no trace rows
    untraced = traced[traced.trace_matches_run.isna()]
    assert all(r.startswith("No trace:") for r in untraced.reason)
    assert set(untraced.solver) <= {"SVRG[nemos]", "ProxSVRG[nemos]"}
    traced = traced[traced.trace_matches_run.notna()]
    assert len(traced) >= 1
    # A traced path ends where `run` ends, except possibly for a solver stalled at maxiter on
    # an ill-conditioned problem: its iterates wander along flat directions, where rounding
    # (e.g. scipy trust-krylov under another trace mode) moves the parameters by ~1e-6
    # relative; for a cell whose own timed repeats differ (`repeats_differ` > 0, e.g.
    # scipy trust-krylov at tol 1e-10 near the float64 floor): the trace is one more fit of
    # it; or for a fit at the float64 floor (the trace steps on a fresh copy or row
    # permutation of the data, whose rounding moves the parameters along the problem's
    # flattest directions: scipy trust-krylov at 1e-10 on the spike-history problem, condition
    # number 1.1e3, 28 steps to 1e-14 of f*, on NeMoS 0.2.9). The objective still agrees
    # (checked below for every traced cell).
    mismatched = traced[~traced.trace_matches_run.astype(bool)]
    at_floor = mismatched.rel_suboptimality <= 1e-12
    explained = mismatched.reached_max_steps.astype(bool) | (mismatched.repeats_differ > 0)
    explained |= at_floor
    assert explained.all(), mismatched[["problem_id", "solver", "repeats_differ"]]
    assert len(mismatched) <= 2
    for _, row in traced.iterrows():
        rows = trace[(trace.problem_id == row.problem_id) & (trace.solver == row.solver)]
        assert rows.iteration.iloc[0] == 0 and rows.iteration.is_monotonic_increasing
        assert rows.time_s.is_monotonic_increasing
        assert rows.objective.iloc[-1] == pytest.approx(row.objective, rel=1e-9, abs=1e-12)
        np.testing.assert_allclose(rows.suboptimality, rows.objective - row.reference_objective)
    meta = read_meta(run_dir)
    assert meta["x64"] is True and meta["versions"]["nemos"] == nmo.__version__
    assert {"jax", "jaxlib", "scipy", "numpy", "scikit-learn"} <= set(meta["versions"])
    assert meta["cpu_count"] >= 1 and "git_commit" in meta
    assert meta["trace_overhead"]  # median traced/untraced time per solver
    return summary, config


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """The main job's path (`nemos-bench run`, default executor) on one small Ridge problem:
    NeMoS's own L-BFGS, ours, and NeMoS's default for Ridge where it is another solver (on
    the development line, Newton[nemos], whose rows say it compiles on every run)."""
    from nemos_bench.cli import main

    spec = ProblemSpec(300, 3, 1, regularizer="Ridge", regularizer_strength=1e-2)
    solvers = {"LBFGS[optax+optimistix]", "LBFGS[scipy]"}
    default = nemos_default_solver("Poisson", "Ridge", 1)  # 0.2.8 GradientDescent, dev Newton
    solvers.add(default if default in available_solvers("Ridge") else "BFGS[optimistix]")
    out = tmp_path_factory.mktemp("small") / "run"
    argv = ["run", "--problems", spec.problem_id, "--solvers", ",".join(sorted(solvers))]
    assert main([*argv, "--tol", "1e-4,1e-8", "--no-report", "--out", str(out)]) == 0
    return out, spec, solvers


def test_a_small_run_from_the_command_line_is_complete_and_consistent(small_run):
    out, spec, solvers = small_run
    summary, config = _assert_run_is_consistent(out, [spec])
    assert set(summary.solver) == solvers and config["tols"] == [1e-4, 1e-8]
    assert set(summary.status) <= set(FITTED_STATUSES)
    newton = summary[summary.solver == "Newton[nemos]"]
    assert len(newton) == (2 if "Newton[nemos]" in solvers else 0)
    assert newton.status.eq("recompiles").all()


def test_report_warns_when_times_come_from_several_devices(small_run):
    summary = read_summary(small_run[0])
    assert "different machines or devices" not in warnings_section(summary, {})
    mixed = summary.copy()
    mixed.loc[mixed.index[::2], "device"] = "gpu"
    text = warnings_section(mixed, {})
    assert "Times come from 2 different machines or devices" in text
    old = summary.drop(columns=["host", "cpu_model", "threads", "device", "device_kind"])
    assert "different machines" not in warnings_section(pd.DataFrame(old), {})


# Slow (64 s of the default run's 6 min on 2 idle cores: the whole quick suite, 48 cells):
# CI's slow leg runs it. The default run keeps the same path on one small problem above
# (conftest's quick_run fixture, `nemos-bench run` with no options, has no other reader).
@pytest.mark.slow
def test_quick_sweep_is_complete_and_consistent(quick_run):
    summary, config = _assert_run_is_consistent(quick_run, QUICK)
    # every allowed native and scipy solver, every problem, every tolerance
    expected = {
        (spec.problem_id, solver, tol)
        for spec in QUICK
        for solver in available_solvers(spec.regularizer)
        if solver.split("[")[0] not in SUITE_EXCLUDED_ALGOS["quick"]
        for tol in config["tols"]
    }
    assert not any(s.startswith(("SVRG[", "ProxSVRG[")) for s in summary.solver)
    assert config["maxiter"] == 500 and set(summary.maxiter) == {500}
    got = set(zip(summary.problem_id, summary.solver, summary.tol, strict=True))
    assert got == expected and len(summary) == len(expected)
    assert any(s.endswith("[scipy]") for s in summary.solver)
    assert any(not s.endswith("[scipy]") for s in summary.solver)
    assert config["suite"] == "quick"
    # the ill-conditioned problem separates solvers: at tol 1e-4 some end >= 1e-6 above f*
    hard = max(QUICK, key=lambda spec: load_reference(spec).condition_number)
    assert load_reference(hard).condition_number >= 1e4
    loose = summary[(summary.problem_id == hard.problem_id) & (summary.tol == 1e-4)]
    assert (loose.rel_suboptimality >= 1e-6).any() and (loose.rel_suboptimality < 1e-8).any()
    tight = summary[(summary.tol == min(config["tols"])) & (summary.status == "ok")]
    tight = tight[tight.trace_matches_run.notna()]
    assert len(tight) >= 2 * 10  # traced cells: the tightest tolerance of every ok pair


def test_run_one_objective_is_recomputed_at_the_returned_parameters():
    spec = CLASSIC[1]
    problem, reference = load_problem(spec), load_reference(spec)
    result = run_one(problem, reference, "LBFGS[scipy]", 1e-6, CellSettings(repeats=3))
    row = result.summary
    model = make_model(spec, "LBFGS[scipy]", 1e-6, 5000).fit(problem.X, problem.y)
    f = objective(problem, (np.asarray(model.coef_), np.asarray(model.intercept_)))
    assert row["objective"] == pytest.approx(f, rel=1e-12)
    assert row["suboptimality"] == row["objective"] - reference.objective
    assert row["repeat"] == row["n_repeats"] >= 3
    assert row["fit_s_min"] <= row["fit_s"] <= row["fit_s_max"]
    assert len(row["fit_s_samples"].split()) == row["n_repeats"]
    assert result.params is not None and row["outcome"] == "converged"
    assert row["nfev"] >= row["n_steps"] >= 1 and result.trace == []


@pytest.mark.filterwarnings("ignore")
def test_steps_and_convergence_are_the_timed_fits_not_the_control_runs():
    # NeMoS 0.2.8's optimistix solvers answer get_optim_info from their last run, whatever
    # state they are given; the control run on other counts (fewer steps here) comes last.
    spec = next(s for s in QUICK if s.design == "spike_history")
    problem, reference = load_problem(spec), load_reference(spec)
    solver = "BFGS[optimistix]"
    row = run_one(problem, reference, solver, 1e-10, CellSettings(maxiter=1000)).summary
    model = make_model(spec, solver, 1e-10, 1000).fit(problem.X, problem.y)
    X, y = jnp.asarray(problem.X), jnp.asarray(problem.y)
    _, state, _ = model._solver.run(initial_params(model, X, y), X, y)
    info = optim_info(model._solver, state)
    assert row["n_steps"] == int(info.num_steps)
    assert row["converged"] == bool(info.converged)


def _run_with_maxiter(spec, solver, k):
    problem = load_problem(spec)
    model = make_model(spec, solver, 1e-12, k)
    X, y = jnp.asarray(problem.X), jnp.asarray(problem.y)
    model.fit(problem.X, problem.y)
    params, state, _ = model._solver.run(initial_params(model, X, y), X, y)
    return [np.asarray(p) for p in coef_intercept(params)], optim_info(model._solver, state)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(
    "solver", ["LBFGS[optax+optimistix]", "GradientDescent[optimistix]", "LBFGS[scipy]"]
)
def test_trace_reproduces_the_iterates_of_run(solver):
    """Iterate k of the trace is where `run` stops when capped at k iterations."""
    spec = CLASSIC[1]
    problem = load_problem(spec)
    model = make_model(spec, solver, 1e-12, 5000).fit(problem.X, problem.y)
    X, y = jnp.asarray(problem.X), jnp.asarray(problem.y)
    params0 = initial_params(model, X, y)
    _, state, _ = model._solver.run(params0, X, y)
    n_steps = int(optim_info(model._solver, state).num_steps)
    traj = trace_solver(model._solver, params0, (X, y), n_steps)
    assert traj.iterations == tuple(range(n_steps + 1))
    for k in (1, 2, 5):
        capped, info = _run_with_maxiter(spec, solver, k)
        assert int(info.num_steps) == k
        for got, want in zip(traj.params[k], capped, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_scipy_trace_is_one_run_not_restarted_updates():
    spec = CLASSIC[0]
    problem = load_problem(spec)
    model = make_model(spec, "LBFGS[scipy]", 1e-12, 5000).fit(problem.X, problem.y)
    X, y = jnp.asarray(problem.X), jnp.asarray(problem.y)
    solver, params0 = model._solver, initial_params(model, X, y)
    traj = trace_solver(solver, params0, (X, y), n_steps=0)
    # one L-BFGS run reaches the optimum in a handful of iterations ...
    assert len(traj.iterations) < 30
    f_run = [objective(problem, p) for p in traj.params]
    assert f_run[-1] == pytest.approx(load_reference(spec).objective, rel=1e-10)
    # ... while restarting it at every step (one `update` per iteration) is another path
    p, s = params0, solver.init_state(params0, X, y)
    for _ in range(len(traj.iterations) - 1):
        p, s, _ = solver.update(p, s, X, y)
    f_restarted = objective(problem, tuple(np.asarray(a) for a in coef_intercept(p)))
    assert abs(f_restarted - f_run[-1]) > 1e-9


def test_user_solver_class_is_loaded_validated_and_benchmarked(tmp_path):
    name = load_solver_class("example_solvers:MyBFGS")
    assert name == "MyBFGS[custom]" and nmo.solvers.get_solver(name).backend == "custom"
    config = build_config(
        suite="quick",
        solvers=["LBFGS[scipy]"],
        solver_classes=["example_solvers:MyBFGS"],
        tols=(1e-8,),
        repeats=3,
    )
    config = SweepConfig(**{**config.__dict__, "problems": CLASSIC[:1]})
    store = run_sweep(config, tmp_path / "run")
    summary = read_summary(store.path)
    assert set(summary.solver) == {"LBFGS[scipy]", "MyBFGS[custom]"}
    mine = summary[summary.solver == "MyBFGS[custom]"].iloc[0]
    assert mine.status == "ok" and mine.suboptimality < 1e-9


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("example_solvers:WrongSignature", "failed NeMoS's validation"),
        ("example_solvers:NotReturningTriples", "failed NeMoS's validation"),
        ("example_solvers:Missing", "has no class named 'Missing'"),
        ("example_solvers:NOT_A_CLASS", "has no class named 'NOT_A_CLASS'"),
        ("no_such_module_xyz:Solver", "Cannot import module 'no_such_module_xyz'"),
        ("example_solvers.MyBFGS", "not of the form 'package.module:ClassName'"),
    ],
)
def test_bad_user_solver_classes_are_rejected_before_any_fit(tmp_path, path, fragment):
    with pytest.raises(SolverClassError, match=fragment.replace("(", r"\(")):
        load_solver_class(path)
    config = build_config(suite="quick", solvers=["LBFGS[scipy]"], solver_classes=[path])
    with pytest.raises(SolverClassError):
        run_sweep(config, tmp_path / "run")
    assert not (tmp_path / "run" / "summary.csv").exists()


def _small_config(**kw):
    spec = ProblemSpec(n_samples=300, n_features=3, n_outputs=2, regularizer="Ridge")
    base = dict(
        suite="custom",
        problems=(spec,),
        solvers=("LBFGS[scipy]", "BFGS[scipy]"),
        tols=(1e-4, 1e-8),
        settings=CellSettings(repeats=3),
    )
    base.update(kw)
    return SweepConfig(**base)


def _snapshot(path):
    return {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}


def test_resume_finished_run_writes_nothing_and_partial_run_completes(tmp_path):
    config = _small_config()
    full = run_sweep(config, tmp_path / "full")
    before = _snapshot(full.path)
    seen = []
    run_sweep(config, full.path, on_cell=lambda cell, result: seen.append(result))
    assert seen == [None] * len(plan_cells(config))  # every cell reported as done before
    assert _snapshot(full.path) == before

    # a partial run: keep the header and the first two summary rows, and their trace rows
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "meta.json").write_bytes(before["meta.json"])
    lines = before["summary.csv"].decode().splitlines(keepends=True)
    (partial / "summary.csv").write_text("".join(lines[:3]))
    (partial / "trace.csv").write_bytes(before["trace.csv"])  # includes rows of later cells
    ran = []
    run_sweep(config, partial, on_cell=lambda cell, result: ran.append(result is not None))
    assert ran.count(True) == len(plan_cells(config)) - 2
    a, b = read_summary(full.path), read_summary(partial)
    key = ["problem_id", "solver", "tol"]
    assert sorted(map(tuple, a[key].values)) == sorted(map(tuple, b[key].values))
    assert not b.duplicated(key).any()
    ta, tb = read_trace(full.path), read_trace(partial)
    assert sorted(map(tuple, ta[key + ["iteration"]].values)) == sorted(
        map(tuple, tb[key + ["iteration"]].values)
    )


def test_store_refuses_another_runs_directory(tmp_path):
    run_sweep(_small_config(tols=(1e-4,)), tmp_path / "run")
    from nemos_bench.results import RunDirectoryError

    with pytest.raises(RunDirectoryError, match="holds another run's results"):
        RunStore(tmp_path / "run", {"suite": "other"}, {})


def test_solver_not_allowed_for_the_regularizer_is_a_skipped_row():
    from example_solvers import MyBFGS

    nmo.solvers.register("NotAllowedAlgo", MyBFGS, backend="custom", replace=True)
    spec = CLASSIC[0]
    row = run_one(load_problem(spec), load_reference(spec), "NotAllowedAlgo[custom]", 1e-6).summary
    assert row["status"] == "skipped"
    assert row["reason"] == (
        "NeMoS does not allow NotAllowedAlgo[custom] with the UnRegularized regularizer."
    )
    assert row.get("objective") is None and row["reference_objective"] > 0


def test_quick_leaves_out_svrg_unless_named_and_caps_iterations_at_500():
    quick = build_config(suite="quick")
    assert quick.settings.maxiter == 500
    assert build_config(suite="quick", maxiter=5000).settings.maxiter == 5000
    assert build_config(suite="standard").settings.maxiter == 5000
    planned = {cell.solver for cell in plan_cells(quick)}
    assert "SVRG[nemos]" in available_solvers() and "ProxSVRG[nemos]" in available_solvers()
    assert not planned & {"SVRG[nemos]", "ProxSVRG[nemos]"}
    natives = {s for s in available_solvers() if s.endswith(("[optimistix]", "[scipy]"))}
    assert len(natives) >= 10 and natives <= planned
    named = build_config(suite="quick", solvers=["SVRG[nemos]", "LBFGS[scipy]"])
    assert {cell.solver for cell in plan_cells(named)} == {"SVRG[nemos]", "LBFGS[scipy]"}
    standard = build_config(suite="standard")
    assert "SVRG[nemos]" in {cell.solver for cell in plan_cells(standard)}
