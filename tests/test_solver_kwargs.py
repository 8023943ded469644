"""Solver settings as a sweep axis: labels ``Algo[backend]{key=value}``, rows and refusals."""

import math
from dataclasses import replace

import nemos as nmo
import pytest

from nemos_bench.measure import CellSettings, make_model
from nemos_bench.measure._nemos_model import refused_settings
from nemos_bench.problems import ProblemSpec, load_problem
from nemos_bench.results import read_summary, read_trace
from nemos_bench.solvers import (
    SolverLabelError,
    UnknownSolverError,
    parse_solver_label,
    resolve_solvers,
    settings_text,
    solver_label,
    split_solver_list,
)
from nemos_bench.solvers._compat import optim_info
from nemos_bench.solvers._labels import LABEL_SYNTAX
from nemos_bench.sweep import (
    SweepConfig,
    build_config,
    in_process,
    load_sweep_file,
    plan_cells,
    run_sweep,
)

TINY = ProblemSpec(200, 3)
LBFGS = "LBFGS[optax+optimistix]"
#: A native solver of 0.2.8, 0.2.9 and the snapshot that compiles fast, and two settings its
#: class accepts (``get_accepted_arguments``).
SOLVER = "GradientDescent[optimistix]"
SETTINGS = ({"acceleration": True}, {"acceleration": False})


def _config(solvers, tols, **kw):
    return SweepConfig(
        suite="custom",
        problems=(TINY,),
        solvers=tuple(solvers),
        tols=tols,
        settings=CellSettings(maxiter=300, repeats=2, max_repeats=3, max_trace_points=20),
        **kw,
    )


@pytest.mark.parametrize(
    "settings",
    [
        {"autodiff": True},
        {"jit": False, "autodiff": True},
        {"rtol": 1e-6, "memory_size": 3, "method": 'polak "ribiere", x'},
        {"stepsize": -0.5, "big": 10**20, "far": math.inf, "name": "é{}"},
    ],
)
def test_labels_round_trip_with_sorted_keys(settings):
    label = solver_label("Newton[nemos]", settings)
    assert parse_solver_label(label) == ("Newton[nemos]", settings)
    assert label == f"Newton[nemos]{{{settings_text(settings)}}}"
    assert list(parse_solver_label(label)[1]) == sorted(settings)  # canonical: sorted keys


def test_no_settings_keep_the_bare_registry_name():
    assert solver_label("LBFGS[scipy]", {}) == "LBFGS[scipy]"
    assert parse_solver_label("LBFGS[scipy]{}") == ("LBFGS[scipy]", {})
    assert resolve_solvers(["LBFGS[scipy]{}", "LBFGS[scipy]"]) == ["LBFGS[scipy]"]
    assert settings_text("LBFGS[scipy]") == ""


def test_resolve_keeps_settings_and_resolves_the_name():
    short = resolve_solvers(["LBFGS{memory_size=5 , rtol=1e-3}"])
    assert short == [f"{LBFGS}{{memory_size=5,rtol=0.001}}"]
    with pytest.raises(UnknownSolverError, match="Unknown solver 'LBFG'"):
        resolve_solvers(["LBFG{memory_size=5}"])
    with pytest.raises(SolverLabelError, match="outside baseline that takes none"):
        resolve_solvers(["IRLS[glum]{alpha=1}"])


def test_comma_separated_lists_split_between_labels_only():
    text = 'LBFGS[scipy], Newton[nemos]{autodiff=true,jit=false},X[y]{m="a,}b"},,'
    assert split_solver_list(text) == [
        "LBFGS[scipy]",
        "Newton[nemos]{autodiff=true,jit=false}",
        'X[y]{m="a,}b"}',
    ]
    assert parse_solver_label('X[y]{m="a,}b"}') == ("X[y]", {"m": "a,}b"})


@pytest.mark.parametrize(
    ("label", "why"),
    [
        ("LBFGS[scipy]{autodiff}", "its settings are not TOML key=value pairs"),
        ("LBFGS[scipy]{autodiff=yes}", "its settings are not TOML key=value pairs"),
        ("LBFGS[scipy]{a=1}{b=2}", "its settings are not TOML key=value pairs"),
        ("LBFGS[scipy]{autodiff=true", "its settings do not end with '}'"),
        ("LBFGS[scipy]autodiff=true}", "a '}' without its '{'"),
        ("{autodiff=true}", "no solver name before '{'"),
        (
            "LBFGS[scipy]{a=[1, 2]}",
            "the value of 'a' is an array, not true/false, a number or a string",
        ),
        (
            "LBFGS[scipy]{a.b=1}",
            "the value of 'a' is a table, not true/false, a number or a string",
        ),
        ('LBFGS[scipy]{"a b"=1}', "key 'a b' is not a Python identifier"),
    ],
)
def test_malformed_labels_name_the_label_and_the_syntax(label, why):
    with pytest.raises(SolverLabelError) as err:
        parse_solver_label(label)
    assert str(err.value) == f"Solver label {label!r} is malformed ({why}); give {LABEL_SYNTAX}."


@pytest.mark.parametrize("key", ["tol", "maxiter"])
def test_sweep_axes_cannot_be_settings(key):
    with pytest.raises(SolverLabelError, match=f"sets {key}, which the sweep sets .*--{key}"):
        parse_solver_label(f"LBFGS[scipy]{{{key}=3}}")


def test_make_model_passes_settings_beside_tol_and_maxiter():
    model = make_model(TINY, f"{LBFGS}{{memory_size=3}}", 1e-7, 42)
    assert nmo.solvers.get_solver(model.solver_name).full_name == LBFGS  # 0.2.9: "LBFGS"
    assert model.solver_kwargs == {"memory_size": 3, "tol": 1e-7, "maxiter": 42}
    assert make_model(TINY, LBFGS, 1e-7, 42).solver_kwargs == {"tol": 1e-7, "maxiter": 42}


def test_refusal_blames_the_settings_only_when_the_bare_solver_builds():
    assert refused_settings(TINY, f"{SOLVER}{{bogus=1}}", 1e-6, 10).startswith(
        f"NeMoS refuses the settings bogus=1 of {SOLVER}: "
    )
    assert refused_settings(TINY, f"{SOLVER}{{acceleration=false}}", 1e-6, 10) is None
    assert refused_settings(TINY, "Nope[none]{bogus=1}", 1e-6, 10) is None  # not the settings


def test_settings_reach_the_solver():
    problem, steps = load_problem(TINY), []
    for settings in SETTINGS:
        model = make_model(TINY, solver_label(SOLVER, settings), 1e-8, 300)
        model.fit(problem.X, problem.y)
        steps.append(int(optim_info(model._solver, model.solver_state_).num_steps))
    assert steps[0] != steps[1]  # accelerated and plain gradient descent stop apart


def test_sweep_file_table_expands_into_one_label_per_settings(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(
        'solvers = ["LBFGS[scipy]"]\n'
        "[solver_kwargs]\n"
        f'"{LBFGS}" = [{{}}, {{memory_size = 3}}]\n'
        '"BFGS[optimistix]" = {use_inverse = false}\n'
    )
    solvers = load_sweep_file(path)["solvers"]
    assert solvers == [
        "LBFGS[scipy]",
        LBFGS,
        f"{LBFGS}{{memory_size=3}}",
        "BFGS[optimistix]{use_inverse=false}",
    ]
    config = build_config(load_sweep_file(path), problems=(TINY,), tols=(1e-6,))
    assert [cell.solver for cell in plan_cells(config)] == solvers
    cli = build_config(load_sweep_file(path), problems=(TINY,), solvers=["LBFGS[scipy]"])
    assert cli.solvers == ("LBFGS[scipy]",)  # the command line's --solvers wins


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ('"Newton[nemos]" = "autodiff"', "give a solver name without braces"),
        ('"Newton[nemos]{jit=true}" = [{}]', "give a solver name without braces"),
        ('"Newton[nemos]" = [{tol = 1e-3}]', "sets tol, which the sweep sets"),
        ('"Newton[nemos]" = [{options = {a = 1}}]', "the value of 'options' is a table"),
    ],
)
def test_bad_sweep_file_settings_name_the_file(tmp_path, entry, fragment):
    path = tmp_path / "sweep.toml"
    path.write_text(f"[solver_kwargs]\n{entry}\n")
    with pytest.raises(ValueError, match=r"^Sweep file '.*sweep\.toml'") as err:
        load_sweep_file(path)
    assert fragment in str(err.value)


def test_two_settings_give_two_labelled_rows_per_cell_and_a_refused_one_is_skipped(tmp_path):
    labels = [solver_label(SOLVER, s) for s in SETTINGS]
    bogus = f"{SOLVER}{{bogus=1}}"
    config = _config([SOLVER, *labels, bogus], tols=(1e-4, 1e-8))
    cells = [replace(c, trace=c.solver == labels[0] and c.trace) for c in plan_cells(config)]
    store = run_sweep(config, tmp_path / "run", executor=in_process, cells=cells)
    rows = read_summary(store.path)
    assert len(rows) == 4 * 2 and not rows.duplicated(["problem_id", "solver", "tol"]).any()
    for label, settings in zip(labels, SETTINGS, strict=True):
        mine = rows[rows.solver == label]
        assert sorted(mine.tol) == sorted(config.tols)
        assert "skipped" not in set(mine.status), mine.reason.tolist()  # NeMoS took them
        assert set(mine.solver_kwargs) == {settings_text(settings)}
    bare = rows[rows.solver == SOLVER]  # no settings: the registry name, as before
    assert len(bare) == 2 and bare.solver_kwargs.isna().all()
    assert "skipped" not in set(bare.status)
    assert set(read_trace(store.path).solver) == {labels[0]}  # trace rows carry the label
    with pytest.raises(Exception) as nemos_err:  # NeMoS's own reason for the refusal
        nmo.glm.GLM(solver_name=SOLVER, solver_kwargs={"bogus": 1})
    refused = rows[rows.solver == bogus]
    assert len(refused) == 2 and set(refused.status) == {"skipped"}
    assert set(refused.solver_kwargs) == {"bogus=1"}
    for reason in refused.reason:
        assert reason.startswith(f"NeMoS refuses the settings bogus=1 of {SOLVER}: ")
        assert str(nemos_err.value) in reason


# Slow (7-9 s: one worker process started for one refused cell): CI's slow leg runs it. The
# default run keeps labels in process (above), and a refused label in a worker process in
# tests/test_reliability.py's executor test.
@pytest.mark.slow
def test_labels_travel_to_worker_processes(tmp_path):
    label = solver_label("BFGS[optimistix]", {"bogus": 1})  # refused: no fit, no compile
    config = _config([label], tols=(1e-6,), isolate=True)
    rows = read_summary(run_sweep(config, tmp_path / "run").path)
    assert rows.solver.tolist() == [label] and rows.status.tolist() == ["skipped"]
    assert rows.reason[0].startswith("NeMoS refuses the settings bogus=1 of BFGS[optimistix]: ")
    assert rows.solver_kwargs.tolist() == ["bogus=1"]
