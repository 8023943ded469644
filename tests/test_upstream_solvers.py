"""Solvers from NeMoS's development line: found in the registry, with no code change here."""

import importlib

import nemos as nmo
import pytest

from nemos_bench.cli import main
from nemos_bench.measure import CellSettings
from nemos_bench.problems import SUITES, ProblemSpec, load_problem
from nemos_bench.results import FITTED_STATUSES, read_summary
from nemos_bench.solvers import available_solvers, register_scipy_solvers
from nemos_bench.sweep import SweepConfig, build_config, plan_cells, run_sweep
from nemos_bench.sweep._sweepconfig import SUITE_EXCLUDED_ALGOS

REGULARIZERS = ("UnRegularized", "Ridge", "Lasso", "GroupLasso", "ElasticNet")


def _has_newton() -> bool:
    return any(spec.algo_name == "Newton" for spec in nmo.solvers.list_available_solvers())


def _skip_without_newton():
    if not _has_newton():
        pytest.skip(
            f"nemos {nmo.__version__} has no Newton[nemos] solver (NeMoS's development line "
            "added it after 0.2.9)."
        )


@pytest.fixture
def registry_sandbox(monkeypatch):
    """Undo, after the test, every registration and ``allow_solver`` it makes."""
    register_scipy_solvers()  # before the copy: what the test adds is all that is undone
    registry = importlib.import_module("nemos.solvers._solver_registry")
    by_algo = {algo: dict(backends) for algo, backends in registry._registry.items()}
    monkeypatch.setattr(registry, "_registry", by_algo)
    monkeypatch.setattr(registry, "_defaults", dict(registry._defaults))
    for name in REGULARIZERS:
        cls = getattr(nmo.regularizer, name)
        monkeypatch.setattr(cls, "_allowed_solvers", cls._allowed_solvers)


def test_newton_is_planned_wherever_nemos_allows_it():
    _skip_without_newton()
    for regularizer in REGULARIZERS:
        allowed = "Newton" in getattr(nmo.regularizer, regularizer)().allowed_solvers
        assert ("Newton[nemos]" in available_solvers(regularizer)) == allowed
    for suite in SUITES:
        if "Newton" in SUITE_EXCLUDED_ALGOS.get(suite, ()):
            continue  # a suite that leaves Newton out on purpose (README says why)
        cells = plan_cells(build_config(suite=suite))
        with_newton = {c.spec.problem_id for c in cells if c.solver == "Newton[nemos]"}
        allowing = {
            c.spec.problem_id
            for c in cells
            if "Newton" in getattr(nmo.regularizer, c.spec.regularizer)().allowed_solvers
        }
        assert allowing and allowing <= with_newton, suite


def test_a_solver_newly_in_the_registry_is_listed_and_run(registry_sandbox, capsys, tmp_path):
    # a stand-in for NeMoS's coming ProximalNewton: a proximal solver under a new name,
    # registered as NeMoS registers its own and allowed for Lasso only
    base = nmo.solvers.get_solver("ProximalGradient").implementation
    stand_in = type("ProximalNewtonStandIn", (base,), {})
    nmo.solvers.register("ProximalNewton", stand_in, backend="nemos", validate=True)
    nmo.regularizer.Lasso.allow_solver("ProximalNewton")
    assert "ProximalNewton[nemos]" in available_solvers("Lasso")
    assert "ProximalNewton[nemos]" not in available_solvers("Ridge")

    assert main(["list"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "ProximalNewton" in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells == ["ProximalNewton[nemos]", "-", "-", "yes", "-", "-"]

    spec = ProblemSpec(300, 3, regularizer="Lasso", regularizer_strength=1e-2)
    config = SweepConfig(
        suite="custom", problems=(spec,), tols=(1e-8,), settings=CellSettings(repeats=3)
    )
    planned = plan_cells(config)
    assert "ProximalNewton[nemos]" in {cell.solver for cell in planned}
    # the planned cells of the new solver and of the one it is checked against (the others,
    # e.g. ProxSVRG's, would cost seconds and are not what this test is about)
    ran = ("ProximalNewton[nemos]", "ProximalGradient[optimistix]")
    cells = [cell for cell in planned if cell.solver in ran]
    summary = read_summary(run_sweep(config, tmp_path / "run", cells=cells).path)
    mine = summary[summary.solver == "ProximalNewton[nemos]"].iloc[0]
    reference = summary[summary.solver == "ProximalGradient[optimistix]"].iloc[0]
    assert mine.status == "ok" and mine.suboptimality < 1e-6
    assert mine.objective == pytest.approx(reference.objective, rel=1e-6)


def test_negative_binomial_with_newton_is_a_failed_row_and_the_sweep_goes_on(tmp_path):
    _skip_without_newton()
    spec = ProblemSpec(
        300, 3, observation="NegativeBinomial", regularizer="Ridge", regularizer_strength=1e-3
    )
    problem = load_problem(spec)
    model = nmo.glm.GLM(
        observation_model="NegativeBinomial",
        regularizer="Ridge",
        regularizer_strength=1e-3,
        solver_name="Newton",
    )
    try:  # NeMoS's own answer, asked directly
        model.fit(problem.X, problem.y)
        error = None
    except Exception as err:  # noqa: BLE001 - whatever NeMoS raises is what the row quotes
        error = err
    config = SweepConfig(
        suite="custom",
        problems=(spec,),
        solvers=("Newton[nemos]", "LBFGS[scipy]"),
        tols=(1e-6,),
        settings=CellSettings(repeats=3),
    )
    summary = read_summary(run_sweep(config, tmp_path / "run").path).set_index("solver")
    newton = summary.loc["Newton[nemos]"]
    if error is None:  # a NeMoS whose Newton fits this model (e.g. an autodiff Hessian)
        assert newton.status in FITTED_STATUSES
    else:
        assert newton.status == "failed"
        assert newton.reason.startswith(f"{type(error).__name__}: ")
        assert " ".join(str(error).split())[:100] in newton.reason
    assert summary.loc["LBFGS[scipy]"].status == "ok"  # the cell after it still ran
