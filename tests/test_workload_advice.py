"""Advice for workloads (workloads.csv): each sentence true of its numbers, old runs unchanged."""

import pandas as pd
import pytest

from nemos_bench.cli import main
from nemos_bench.report import advise, workload_advice
from nemos_bench.report._advice import advice_section
from nemos_bench.results import RunStore, append_workload_rows, read_workloads

PROBLEM = "poisson[n=2000,p=20,k=1,noise=0.0,reg=Ridge,lam=0.001,seed=0]"


def wrow(solver, samples, *, compile_s=1.0, reached=10, certified=10, status="ok", **extra):
    """A cv workload row of 10 fits, its wall samples given."""
    walls = [float(v) for v in samples.split()]
    return dict(
        problem_id=PROBLEM, workload="cv", solver=solver, tol=1e-6, status=status, n_fits=10,
        fits_reached=reached, certified_fits=certified, wall_s=sorted(walls)[len(walls) // 2],
        wall_s_samples=samples, compile_s=compile_s, compiles=30, regularizer="Ridge", **extra,
    )  # fmt: skip


def sentences(*rows, default=None):
    ((problem, kind, found),) = workload_advice(
        pd.DataFrame(list(rows)), {PROBLEM: default} if default else None
    )
    assert (problem, kind) == (PROBLEM, "cv")
    return found


def test_a_clear_winner_is_significantly_faster_and_its_compilation_share_is_given():
    found = sentences(wrow("A", "1.9 2.0 2.1", compile_s=1.5), wrow("B", "5.9 6.0 6.1"))
    assert "use A at tol=1e-06 (median 2 s over 3 runs, range 1.9 s to 2.1 s)" in found[0]
    assert "faster end to end than every run of the runner-up B at tol=1e-06" in found[0]
    assert "ranges of their runs do not overlap" in found[0]
    assert found[1] == "Of A's median 2 s, 1.5 s (75%) was compilation (30 compilations per run)."


def test_the_sentence_names_the_epsilon_its_rows_were_judged_at():
    # a report built with --epsilon 1e-8 still shows rows judged at 1e-6: say which
    found = sentences(
        wrow("A", "1.9 2.0 2.1", epsilon=1e-6), wrow("B", "5.9 6.0 6.1", epsilon=1e-6)
    )
    assert found[0].startswith(f"For the cv workload on {PROBLEM}, 10 fits, ε = 1e-06, ")
    mixed = sentences(wrow("A", "1.9 2.0 2.1", epsilon=1e-6), wrow("B", "5 6 7", epsilon=1e-8))
    assert ", ε = 1e-08 or 1e-06, compilation included" in mixed[0]
    unknown = sentences(wrow("A", "1.9 2.0 2.1"))  # a row without the column: no number
    assert unknown[0].startswith(f"For the cv workload on {PROBLEM}, 10 fits, compilation")


def test_overlapping_ranges_are_a_tie():
    found = sentences(wrow("A", "1.8 2.0 2.3"), wrow("B", "2.05 2.1 2.2"), wrow("C", "9 9.5 10"))
    assert "A at tol=1e-06 (median 2 s" in found[0] and "and B at tol=1e-06" in found[0]
    assert (
        "are tied: the ranges of their runs overlap, so none is significantly faster" in (found[0])
    )
    assert "C at" not in found[0] and "faster end to end than every run" not in found[0]
    # the same medians without overlap are not a tie
    clear = sentences(wrow("A", "1.9 2.0 2.04"), wrow("B", "2.05 2.1 2.2"))
    assert "faster end to end than every run of the runner-up B" in clear[0]


def test_an_unconverged_or_uncertified_or_failed_fastest_row_is_never_advised():
    found = sentences(
        wrow("A", "0.9 1.0 1.1", reached=7, certified=10),
        wrow("F", "0.5 0.6 0.7", status="failed", reason="boom"),
        wrow("U", "1.2 1.3 1.4", certified=9, reached=9),
        wrow("B", "2.9 3.0 3.1"),
    )
    assert "use B at tol=1e-06" in found[0] and "the only solver in this run" in found[0]
    left = [s for s in found if s.startswith("Faster than the advised solver")]
    assert left == [
        "Faster than the advised solver but not advised: F at tol=1e-06 (600 ms: its status is "
        "failed: boom); A at tol=1e-06 (1 s: only 7 of its 10 fits reached ε (10 certified)); "
        "U at tol=1e-06 (1.3 s: only 9 of its 10 fits reached ε (9 certified))."
    ]
    # the same fastest row reaching ε with every fit: it is advised, nothing left out
    fine = sentences(wrow("A", "0.9 1.0 1.1"), wrow("B", "2.9 3.0 3.1"))
    assert "use A at" in fine[0] and not any("not advised" in s for s in fine)
    none = sentences(wrow("A", "0.9 1.0 1.1", reached=3))
    assert none[0].endswith("no solver's run had every fit reach ε: nothing is advised.")
    assert none[1].startswith("Left out: A at tol=1e-06 (1 s: only 3 of its 10 fits")


@pytest.mark.parametrize(
    ("default", "expected"),
    [
        ("A", "NeMoS's default for this model, A, is the fastest on this workload: keep it."),
        ("B", "is tied with A on this workload"),
        ("C", "is 5x slower end to end than A."),
        ("D", "NeMoS's default for this model, D, is not advised on this workload: only 4 of"),
        ("E", "NeMoS's default for this model, E, was not run on this workload."),
    ],
)
def test_nemos_default_solver_on_the_workload(default, expected):
    found = sentences(
        wrow("A", "1.8 2.0 2.3"),
        wrow("B", "2.05 2.1 2.2"),
        wrow("C", "9.9 10 10.1"),
        wrow("D", "0.1 0.2 0.3", reached=4),
        default=default,
    )
    assert expected in found[-1]
    assert sum("NeMoS's default" in s for s in found) == 1


def _run(tmp_path):
    import nemos

    run = tmp_path / "run"
    store = RunStore(run, {"suite": "test"}, {"versions": {"nemos": nemos.__version__}})
    cell = dict(problem_id=PROBLEM, solver="LBFGS[scipy]", tol=1e-4, status="ok", fit_s=0.01,
                fit_s_ci_low=0.009, fit_s_ci_high=0.011, outcome="converged", suboptimality=0.0,
                reference_objective=2.0, n_samples=2000, n_features=20, n_outputs=1,
                observation="Poisson", regularizer="Ridge", cpu_model="Xeon",
                device="cpu")  # fmt: skip
    store.append_cell(cell, [])
    return run


def test_a_run_without_workloads_advises_as_before_and_one_with_them_adds_sentences(
    tmp_path, capsys
):
    run = _run(tmp_path)
    summary = pd.DataFrame([r for r in pd.read_csv(run / "summary.csv").to_dict("records")])
    before_html = advice_section(summary, 1e-6, {}, {})
    assert advice_section(summary, 1e-6, {}, {}, read_workloads(run)) == before_html
    assert main(["advise", str(run)]) == 0
    before = capsys.readouterr().out
    assert "workload" not in before
    append_workload_rows(run, [wrow("LBFGS[scipy]", "1.9 2.0 2.1"), wrow("X", "5 6 7")])
    assert main(["advise", str(run)]) == 0
    after = capsys.readouterr().out
    assert "For the cv workload on" in after and "use LBFGS[scipy] at tol=1e-06" in " ".join(
        after.split()
    )
    from nemos_bench.solvers import nemos_default_solver

    default = nemos_default_solver("Poisson", "Ridge", 1)
    assert (
        f"NeMoS's default for this model, {default}"
        in " ".join(after.split()).split("For the cv workload")[1]
    )
    # the cell advice is untouched: the same sentences precede the workload's
    cells = [s for a in advise(summary, 1e-6) for s in a.sentences]
    assert all(" ".join(s.split()) in " ".join(after.split()) for s in cells)
    html = advice_section(summary, 1e-6, {}, {}, read_workloads(run))
    assert "For the cv workload on" in html and html != before_html


def test_workload_defaults_use_the_workloads_regularizer():
    from nemos_bench.cli._advise import workload_defaults
    from nemos_bench.report._workload_advice import same_model_defaults
    from nemos_bench.solvers import nemos_default_solver

    summary = pd.DataFrame({"problem_id": ["p"], "observation": ["Poisson"],
                            "regularizer": ["UnRegularized"], "n_outputs": [1]})  # fmt: skip
    workloads = pd.DataFrame({"problem_id": ["p"], "regularizer": ["Ridge"]})
    assert workload_defaults(summary, workloads) == {
        "p": nemos_default_solver("Poisson", "Ridge", 1)
    }
    # the report's defaults are the problem's own model's: not used for a Ridge workload
    assert same_model_defaults(summary, workloads, {"p": "GradientDescent"}) == {}
