"""`nemos-bench advise`: one recommendation per problem, each sentence true of its numbers."""

import json

import pandas as pd
import pytest

from nemos_bench.cli import main
from nemos_bench.report import advise, scope_sentence
from nemos_bench.results import RunStore

PROBLEM = "poisson[n=2000,p=20,k=1,noise=0.0,reg=Ridge,lam=0.001,seed=0]"


def rows(*fits):
    """Summary rows: (solver, tol, fit_s, half-width of its interval, outcome, subopt)."""
    records = []
    for solver, tol, fit, half, outcome, sub in fits:
        records.append(
            dict(problem_id=PROBLEM, solver=solver, tol=tol, status="ok", fit_s=fit,
                 fit_s_ci_low=fit - half, fit_s_ci_high=fit + half, outcome=outcome,
                 suboptimality=sub, reference_objective=2.0, n_samples=2000, n_features=20,
                 n_outputs=1, observation="Poisson", regularizer="Ridge", cpu_model="Xeon",
                 device="cpu")
        )  # fmt: skip
    return pd.DataFrame(records)


def one(summary, default=None, epsilon=1e-6):
    (found,) = advise(summary, epsilon, {PROBLEM: default} if default else None)
    return found


def test_a_clear_winner_is_called_significantly_faster_and_a_tie_is_called_a_tie():
    clear = one(rows(("A", 1e-4, 0.010, 0.001, "converged", 0.0),
                     ("B", 1e-8, 0.030, 0.002, "converged", 0.0)))  # fmt: skip
    assert clear.solver == "A" and clear.tol == 1e-4 and clear.tied == ("A",)
    assert "use A at tol=0.0001 (10 ms, interval 9 ms to 11 ms)" in clear.sentences[0]
    assert "significantly faster than the runner-up B at tol=1e-08" in clear.sentences[0]
    tie = one(rows(("A", 1e-4, 0.010, 0.003, "converged", 0.0),
                   ("B", 1e-8, 0.012, 0.003, "converged", 0.0),
                   ("C", 1e-8, 0.050, 0.003, "converged", 0.0)))  # fmt: skip
    assert tie.solver == "A" and tie.tied == ("A", "B")
    assert "A at tol=0.0001 (10 ms, interval 7 ms to 13 ms) and B at tol=1e-08" in tie.sentences[0]
    assert "are tied: their intervals overlap, so none is significantly faster" in tie.sentences[0]
    assert "C at" not in tie.sentences[0]


def test_an_unconverged_fastest_fit_is_never_advised():
    found = one(rows(("A", 1e-4, 0.005, 0.0005, "max_steps", 1e-9),
                     ("B", 1e-8, 0.010, 0.001, "converged", 0.0)))  # fmt: skip
    assert found.solver == "B"
    assert found.sentences[1] == (
        "A at tol=0.0001 reached ε faster (5 ms) but did not converge (outcome max_steps), "
        "so it is not advised."
    )
    # the same fit, converged: it is advised, and no such sentence
    found = one(rows(("A", 1e-4, 0.005, 0.0005, "converged", 1e-9),
                     ("B", 1e-8, 0.010, 0.001, "converged", 0.0)))  # fmt: skip
    assert found.solver == "A" and not any("not advised" in s for s in found.sentences)


def test_a_fit_that_did_not_reach_epsilon_is_not_advised():
    found = one(rows(("A", 1e-4, 0.005, 0.0005, "converged", 1e-3),
                     ("B", 1e-8, 0.010, 0.001, "converged", 0.0)))  # fmt: skip
    assert found.solver == "B" and "the only solver in this run" in found.sentences[0]
    none = one(rows(("A", 1e-4, 0.005, 0.0005, "converged", 1e-3)))
    assert none.solver is None and "nothing is advised" in none.sentences[0]


@pytest.mark.parametrize(
    "default, expected",
    [
        ("A", "NeMoS's default for this model, A, is the advised solver: keep it."),
        ("B", "is tied with it"),
        ("C", "is 5x slower than A."),
        ("D", "NeMoS's default for this model, D, did not reach ε with a converged fit"),
        ("E", "NeMoS's default for this model, E, was not part of this run."),
    ],
)
def test_nemos_default_solver_with_its_speedup(default, expected):
    found = one(
        rows(("A", 1e-4, 0.010, 0.003, "converged", 0.0),
             ("B", 1e-8, 0.012, 0.003, "converged", 0.0),
             ("C", 1e-8, 0.050, 0.003, "converged", 0.0),
             ("D", 1e-8, 0.001, 0.0001, "not_converged", 1e-2)),
        default=default,
    )  # fmt: skip
    assert expected in found.sentences[-1]


def test_scope_names_sizes_models_and_machine():
    summary = rows(("A", 1e-4, 0.010, 0.001, "converged", 0.0))
    text = scope_sentence(summary, {"cpu_count": 2, "versions": {"nemos": "0.2.8"}})
    assert "1 problem size (n 2000, p 20, k 1), Poisson with Ridge, on Xeon (cpu, 2 CPUs)" in text
    assert "nemos 0.2.8" in text


def test_advise_command_prints_the_advice_of_a_run(tmp_path, capsys):
    import nemos

    run = tmp_path / "run"
    store = RunStore(run, {"suite": "test"}, {"versions": {"nemos": nemos.__version__}})
    fits = rows(("LBFGS[scipy]", 1e-4, 0.010, 0.001, "converged", 0.0),
                ("GradientDescent[optimistix]", 1e-8, 0.200, 0.01, "converged", 0.0))  # fmt: skip
    for record in fits.to_dict("records"):
        store.append_cell(record, [])
    assert json.loads((run / "meta.json").read_text())["versions"]["nemos"] == nemos.__version__
    assert main(["advise", str(run)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"To reach ε = 1e-06 on {PROBLEM}: use LBFGS[scipy] at tol=0.0001" in out
    from nemos_bench.solvers import nemos_default_solver

    default = nemos_default_solver("Poisson", "Ridge", 1)
    assert f"NeMoS's default for this model, {default}" in out
    assert "This advice holds for what was measured" in out
    assert "whose defaults may differ" not in out  # same NeMoS as the run
    assert main(["advise", str(tmp_path / "nowhere")]) == 2
