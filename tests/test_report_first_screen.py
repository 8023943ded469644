"""Issue 27, the report: the answer first, every warning said, numbers at rounding level as 0.

The fastest-solver table opens the page; timeouts and failures are warnings; warning rows
are grouped by solver and outcome and folded; problem ids wrap with the full id on hover;
figures with nothing to draw are a line of text; ``f - f*`` at rounding level reads "at f*";
a report at another ε gets its own folder; ``asv publish`` refreshes the landing page.
"""

import html
import json
import math
import re
import shutil

import pandas as pd
import pytest
from test_report import GD, META, NATIVE, PROBLEMS, SCIPY, TOLS, make_run, pid, summary_row

from nemos_bench.cli import main
from nemos_bench.report import build_report, suboptimality_text
from nemos_bench.report._matrix import model_matrix
from nemos_bench.report._rounding import ROUNDING_RTOL
from nemos_bench.report._target import default_report_dir
from nemos_bench.report._warnings import warnings_section
from nemos_bench.results import RunStore, read_summary

LONG = "poisson[n=50000,p=100,k=20,noise=0.0,reg=Ridge,lam=0.001,design=spike_history,rate=0.05]"
TIMEOUT_REASON = "Timed out after 60 s (the cell's timeout); the worker was restarted."


def section(html: str, anchor: str) -> str:
    return html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def write_run(path, rows):
    with RunStore(path, {"suite": "custom", "n_cells": len(rows)}, META) as store:
        for row in rows:
            store.append_cell(row, [])
    return path


@pytest.fixture(scope="module")
def timed_out(tmp_path_factory):
    """Two ok cells, one timed out, one failed; the long id and a long reason."""
    rows = [
        summary_row(PROBLEMS[0], 1000, 1, SCIPY, TOLS[0]),
        summary_row(LONG, 50000, 20, NATIVE, TOLS[0]),
        summary_row(LONG, 50000, 20, SCIPY, TOLS[0], status="timeout", reason=TIMEOUT_REASON,
                    fit_s=math.nan, suboptimality=math.nan, objective=math.nan),
        summary_row(PROBLEMS[0], 1000, 1, GD, TOLS[0], status="failed", reason="boom " * 40,
                    fit_s=math.nan, suboptimality=math.nan, objective=math.nan),
    ]  # fmt: skip
    run = write_run(tmp_path_factory.mktemp("results") / "run-timeout", rows)
    return build_report(run, tmp_path_factory.mktemp("out") / "report", dpi=30).read_text()


def test_a_timed_out_cell_is_listed_under_warnings_and_no_warnings_is_not_said(timed_out):
    warnings = section(timed_out, "warnings")
    assert "2 cells without a fit (1 timed out, 1 failed)" in warnings
    assert f"<summary>{SCIPY} — timeout: 1 cell on 1 problem</summary>" in warnings
    assert html.escape(TIMEOUT_REASON) in warnings and "No warnings" not in timed_out
    intro = timed_out.split("<nav>", 1)[0]
    assert 'Warnings: 2 cells without a fit (1 timed out, 1 failed); see <a href="#warnings">' in (
        intro
    )


def test_no_warnings_only_when_true(tmp_path):
    ok = summary_row(PROBLEMS[0], 1000, 1, SCIPY, TOLS[0])
    skipped = summary_row(PROBLEMS[0], 1000, 1, GD, TOLS[0], status="skipped", reason="Lasso.")
    run = write_run(tmp_path / "run", [ok, skipped])  # a skip is not a warning
    html = build_report(run, tmp_path / "out", dpi=30).read_text()
    assert "No warnings: every cell that ran has a fit (none failed, diverged or timed out)" in (
        section(html, "warnings")
    )
    assert "Warnings:" not in html.split("<nav>", 1)[0]


def test_the_fastest_table_comes_first_and_the_navigation_folds_the_problems(timed_out):
    order = [timed_out.index(f'<section id="{a}"') for a in ("fastest", "warnings", "overview")]
    assert order == sorted(order)
    nav = timed_out.split("<nav>", 1)[1].split("</nav>", 1)[0]
    main_links, folded = nav.split("<details>", 1)
    assert "problem-" not in main_links and "<summary>Problems (2)</summary>" in folded
    fastest = section(timed_out, "fastest")
    assert fastest.index("<table>") < fastest.index("Time to ε is the smallest")


def test_problem_ids_wrap_and_show_the_full_id_on_hover(timed_out):
    for anchor in ("fastest", "warnings", "failures"):
        html = section(timed_out, anchor)
        assert f'title="{LONG}"' in html
        assert "n=50000,<wbr>p=100,<wbr>k=20" in html
    failures = section(timed_out, "failures")
    assert '<td class="wide">boom boom' in failures  # the reason keeps a readable width
    assert timed_out.count('<div class="scroll"><table>') == timed_out.count("<table>")


def test_warning_rows_are_grouped_by_solver_and_outcome_and_folded(tmp_path):
    rows = [
        summary_row(pid(n), n, 1, solver, tol, outcome=outcome, converged=False,
                    reached_max_steps=outcome == "max_steps", suboptimality=-1.2e-16)
        for n in (1000, 2000, 4000)
        for solver, outcome in ((NATIVE, "max_steps"), (SCIPY, "not_converged"))
        for tol in TOLS[:2]
    ]  # fmt: skip
    text = warnings_section(read_summary(write_run(tmp_path / "run", rows)), {})
    summaries = re.findall(r"<summary>(.*?)</summary>", text)
    assert summaries == [
        f"{NATIVE} — max_steps: 6 fits on 3 problems",
        f"{SCIPY} — not_converged: 6 fits on 3 problems",
    ]
    assert text.count("<details>") == 2 and "12 ok fit(s) did not converge" in text
    assert "0 (at f*)" in text and "e-16" not in text


def test_suboptimality_at_rounding_level_reads_at_f_star():
    assert suboptimality_text(-1.2e-16, -1.7) == "0 (at f*)"
    assert suboptimality_text(3e-13, -1.7) == "0 (at f*)"
    assert suboptimality_text(-5e-9, -1.7) == "-5e-09 (below f*)"  # beyond rounding: said
    assert suboptimality_text(2e-9, -1.7) == "2e-09"
    rows = pd.DataFrame({"observation": "Poisson", "regularizer": "Ridge",
                         "solver": ["A", "B", "C"], "status": "ok", "reason": "",
                         "rel_suboptimality": [-1.2e-16, 2e-9, -5e-9]})  # fmt: skip
    cells = model_matrix(rows)[0].iloc[0].tolist()
    assert cells == ["ok (at f*)", "ok (best 2.0e-09)", "ok (best -5.0e-09: below f*)"]


def test_rounding_level_is_the_tolerance_verify_and_compare_use():
    from nemos_bench.compare import GateSettings
    from nemos_bench.verify import ATOL

    assert ROUNDING_RTOL == ATOL == GateSettings().subopt_floor


def test_a_one_size_run_draws_no_empty_scaling_frame(tmp_path):
    rows = [summary_row(PROBLEMS[0], 1000, 1, s, t) for s in (NATIVE, SCIPY) for t in TOLS]
    index = build_report(write_run(tmp_path / "run", rows), tmp_path / "out", dpi=30)
    html = index.read_text()
    assert not (index.parent / "scaling.png").exists() and "scaling.png" not in html
    assert "<strong>Scaling</strong>: not drawn: n_samples takes a single value" in html
    assert (index.parent / "performance_profile.png").is_file()  # it has something to draw
    record = json.loads((index.parent / "report.json").read_text())
    assert sorted(record["figures"]) == sorted(p.name for p in index.parent.glob("*.png"))


def test_another_epsilon_gets_its_own_folder_and_a_replacement_is_said(
    tmp_path, monkeypatch, capsys
):
    run = make_run(tmp_path / "results" / "run-eps")
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(run)]) == 0
    assert main(["report", str(run), "--epsilon", "1e-8"]) == 0
    out = capsys.readouterr().out
    default, other = default_report_dir("run-eps", 1e-6), default_report_dir("run-eps", 1e-8)
    assert f"Report: {other / 'index.html'}" in out and "replaced" not in out
    for folder, eps in ((default, 1e-6), (other, 1e-8)):
        assert json.loads((tmp_path / folder / "report.json").read_text())["epsilon"] == eps
    landing = (tmp_path / "reports" / "index.html").read_text()
    assert "run-eps/index.html" in landing and "run-eps-eps1e-08/index.html" in landing
    # an explicit --out holding a report at another epsilon: replaced, and said
    assert main(["report", str(run), "--out", "mine"]) == 0
    assert "replaced" not in capsys.readouterr().out
    assert main(["report", str(run), "--out", "mine"]) == 0
    assert "It replaced the earlier report in mine (same ε = 1e-06)." in capsys.readouterr().out
    assert main(["report", str(run), "--out", "mine", "--epsilon", "1e-3"]) == 0
    said = capsys.readouterr().out
    assert "It replaced the earlier report in mine (ε = 1e-06; this one: ε = 0.001)." in said


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_asv_publish_refreshes_the_landing_page(tmp_path, monkeypatch, capsys):
    from test_asv_offline import asv_project, closed_port_url

    from nemos_bench.asv_tools._vendored import REGISTRY_ENV_VAR

    monkeypatch.setenv("NEMOS_BENCH_CACHE", str(tmp_path / "user-cache"))
    monkeypatch.setenv(REGISTRY_ENV_VAR, closed_port_url())
    repo = asv_project(tmp_path)
    build_report(make_run(tmp_path / "run-a"), reports_root=repo / "reports", dpi=30)
    landing = repo / "reports" / "index.html"
    assert "No asv dashboard yet" in landing.read_text()
    assert main(["asv", "publish", "--config", str(repo / "asv.conf.json")]) == 0
    assert "No asv dashboard yet" not in landing.read_text()
    assert 'href="asv/index.html"' in landing.read_text()
    assert 'href="run-a/index.html"' in landing.read_text()  # the reports stay listed
    assert f"Landing page: {landing} (now links the dashboard)." in capsys.readouterr().out


def test_a_solver_that_compiles_nothing_shows_no_compile_time(tmp_path):
    import io
    from types import SimpleNamespace

    from rich.console import Console

    from nemos_bench.cli._table import summary_table

    rows = [
        summary_row(PROBLEMS[0], 1000, 1, NATIVE, TOLS[0], compile_s=1.25),
        {**summary_row(PROBLEMS[0], 1000, 1, SCIPY, TOLS[0], compile_s=math.nan),
         "solver": "NewtonCholesky[sklearn]"},
    ]  # fmt: skip
    table, _, _ = summary_table(SimpleNamespace(path=write_run(tmp_path / "run", rows)))
    out = io.StringIO()
    Console(file=out, width=300).print(table)
    lines = {line.split()[1]: line for line in out.getvalue().splitlines() if "[" in line}
    assert " 1.25 " in lines[NATIVE]
    assert " - " in lines["NewtonCholesky[sklearn]"] and "nan" not in out.getvalue()
