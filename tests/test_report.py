"""Report generator: figures show the stored numbers, the page is complete, errors are clear."""

import json
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nemos_bench.report import (
    ReportError,
    build_index,
    build_report,
    clip_suboptimality,
    plot_convergence,
    plot_work_precision,
    solver_colors,
    time_to_epsilon,
)
from nemos_bench.report._metrics import fit_power_law, performance_ratios, scaling_fits
from nemos_bench.report._run_plots import (
    plot_compile_vs_fit,
    plot_performance_profile,
    plot_scaling,
)
from nemos_bench.report._style import default_lbfgs, problem_slug
from nemos_bench.results import RunStore, read_summary, read_trace

NATIVE, SCIPY, GD = "LBFGS[optax+optimistix]", "LBFGS[scipy]", "GradientDescent[optimistix]"
SOLVERS = (NATIVE, SCIPY, GD)
TOLS = (1e-4, 1e-7, 1e-10)
FAIL_REASON = "objective became NaN at iteration 37 (line search overflow)."
SKIP_REASON = "scipy tol 1e-4 is looser than the suite's minimum accuracy."


def pid(n, k=1):
    return f"poisson[n={n},p=20,k={k},noise=0.0,reg=Ridge,lam=0.001,seed=0]"


PROBLEMS = (pid(1000), pid(4000))
# steady-state time per solver at n=1000 and its per-tol multiplier; subopt reached per tol
SPEED = {NATIVE: 0.02, SCIPY: 0.005, GD: 0.05}
SUBOPT = {NATIVE: (1e-3, 1e-7, 0.0), SCIPY: (1e-4, 1e-9, -2e-15), GD: (1e-2, 1e-5, 1e-8)}


def summary_row(problem, n, k, solver, tol, **overrides):
    i = TOLS.index(tol)
    f_star = -1.7 * k
    fit = SPEED[solver] * (n / 1000) * (1 + i)
    sub = SUBOPT[solver][i]
    row = {
        "problem_id": problem, "n_samples": n, "n_features": 20, "n_outputs": k,
        "regularizer": "Ridge", "regularizer_strength": 1e-3, "solver": solver, "tol": tol,
        "maxiter": 1000, "repeat": 3, "status": "ok", "reason": "",
        "compile_s": 1.2 if solver != SCIPY else 0.3, "fit_s": fit, "fit_s_min": 0.9 * fit,
        "fit_s_max": 1.1 * fit, "end_to_end_s": fit + 1.2, "compiles_in_timed": 0,
        "n_steps": 10 * (i + 1), "nfev": 12 * (i + 1), "njev": 12 * (i + 1), "nhev": 0,
        "objective": f_star + sub, "reference_objective": f_star, "suboptimality": sub,
        "rel_suboptimality": sub / max(1, abs(f_star)), "grad_norm": 1e-3 / (i + 1),
        "converged": True, "reached_max_steps": False, "trace_overhead": 1.1,
    }  # fmt: skip
    row.update(overrides)
    return row


def trace_rows(problem, solver, tol, f_star, n_iter, rate, dt, last=None):
    rows = []
    for it in range(n_iter + 1):
        sub = 2.0 * rate**it if (last is None or it < n_iter) else last
        rows.append(
            {"problem_id": problem, "solver": solver, "tol": tol, "iteration": it,
             "time_s": it * dt, "objective": f_star + sub, "suboptimality": sub,
             "grad_norm": sub**0.5 if sub > 0 else 0.0}
        )  # fmt: skip
    return rows


META = {
    "versions": {"nemos": "0.2.8", "jax": "0.4.38", "jaxlib": "0.4.38", "scipy": "1.14.1",
                 "numpy": "2.2.0", "scikit-learn": "1.6.0"},
    "device": "cpu", "x64": True, "cpu_count": 2, "git_commit": "0123abc",
    "command": ["nemos-bench", "run", "--suite", "smoke"],
}  # fmt: skip


def make_run(path, *, started_at="2024-05-01T12:00:00+00:00", all_failed_problem=False):
    """2 problems × 3 solvers × 3 tols; GD fails on the big problem at the tightest tol,
    LBFGS[scipy] is skipped at the loosest tol of the big problem. Optionally a third
    problem on which every fit failed."""
    config = {"suite": "smoke", "solvers": list(SOLVERS), "tols": list(TOLS), "repeats": 3}
    with RunStore(path, config, {**META, "started_at": started_at}) as store:
        if all_failed_problem:
            for solver in SOLVERS:
                for tol in TOLS:
                    row = summary_row(pid(500, 3), 500, 3, solver, tol, status="failed",
                                      reason=f"{solver} raised XlaRuntimeError: out of memory.",
                                      fit_s=math.nan, suboptimality=math.nan)  # fmt: skip
                    store.append_cell(row, [])
        for problem, n in zip(PROBLEMS, (1000, 4000), strict=True):
            for solver in SOLVERS:
                for tol in TOLS:
                    row = summary_row(problem, n, 1, solver, tol)
                    trace = []
                    if solver == GD and n == 4000 and tol == TOLS[-1]:
                        row.update(status="failed", reason=FAIL_REASON, fit_s=math.nan,
                                   suboptimality=math.nan, objective=math.nan)  # fmt: skip
                    elif solver == SCIPY and n == 4000 and tol == TOLS[0]:
                        row.update(status="skipped", reason=SKIP_REASON, fit_s=math.nan,
                                   compile_s=math.nan, suboptimality=math.nan)  # fmt: skip
                    elif tol == TOLS[-1]:
                        n_iter = {NATIVE: 30, SCIPY: 25, GD: 400}[solver]
                        rate = {NATIVE: 0.4, SCIPY: 0.35, GD: 0.96}[solver]
                        last = SUBOPT[solver][-1] if solver != GD else None
                        dt = row["fit_s"] / n_iter
                        trace = trace_rows(problem, solver, tol, -1.7, n_iter, rate, dt, last)
                    store.append_cell(row, trace)
    return Path(path)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("results") / "run-smoke")


@pytest.fixture(scope="module")
def report(run_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    index = build_report(run_dir, reports_root=root)
    return index


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.tables = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag == "a" and not attrs.get("href", "#").startswith("#"):
            self.links.append(attrs["href"])


def refs(path):
    parser = _Refs()
    parser.feed(Path(path).read_text())
    return parser


# ---------------------------------------------------------------- figures show the data


def test_convergence_lines_equal_trace_after_clipping(run_dir):
    trace, summary = read_trace(run_dir), read_summary(run_dir)
    fig = plot_convergence(trace, PROBLEMS[0], summary=summary)
    ax_iter, ax_time = fig.axes[:2]
    assert ax_iter.get_yscale() == "log"
    lines = {line.get_label(): line for line in ax_iter.get_lines()}
    time_lines = {line.get_label(): line for line in ax_time.get_lines()}
    assert set(lines) == set(SOLVERS)
    for solver in SOLVERS:
        rows = trace[(trace.problem_id == PROBLEMS[0]) & (trace.solver == solver)]
        expected = np.maximum(rows["suboptimality"].to_numpy(), 1e-16 * 1.7)
        np.testing.assert_allclose(lines[solver].get_xdata(), rows["iteration"].to_numpy())
        np.testing.assert_allclose(lines[solver].get_ydata(), expected, rtol=1e-12)
        np.testing.assert_allclose(time_lines[solver].get_xdata(), rows["time_s"].to_numpy())
    # the rounding-negative final suboptimality of LBFGS[scipy] is drawn at the floor
    assert lines[SCIPY].get_ydata()[-1] == pytest.approx(1.7e-16)


def test_convergence_marks_a_failed_solver_without_trajectory(run_dir):
    fig = plot_convergence(read_trace(run_dir), PROBLEMS[1], summary=read_summary(run_dir))
    labels = {line.get_label() for line in fig.axes[0].get_lines()}
    assert labels == {NATIVE, SCIPY}
    notes = " ".join(" ".join(t.get_text() for t in fig.texts).split())  # unwrap lines
    assert f"No trajectory recorded: {GD} (failed)" in notes


def test_convergence_of_a_problem_without_any_trace_is_a_note():
    summary = pd.DataFrame([summary_row(pid(10), 10, 1, NATIVE, 1e-4, status="failed")])
    trace = pd.DataFrame(columns=["problem_id", "solver", "tol", "iteration", "time_s",
                                  "objective", "suboptimality", "grad_norm"])  # fmt: skip
    fig = plot_convergence(trace, pid(10), summary=summary)
    text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "No trajectory" in text and NATIVE in text and "failed" in text


def test_work_precision_lines_equal_summary_ok_rows(run_dir):
    summary = read_summary(run_dir)
    fig = plot_work_precision(summary, PROBLEMS[1])
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert set(lines) == set(SOLVERS)
    for solver in SOLVERS:
        rows = summary[(summary.problem_id == PROBLEMS[1]) & (summary.solver == solver)]
        rows = rows[rows.status == "ok"].sort_values("tol", ascending=False)
        expected = np.maximum(rows["suboptimality"].to_numpy(), 1.7e-16)
        np.testing.assert_allclose(lines[solver].get_xdata(), expected)
        np.testing.assert_allclose(lines[solver].get_ydata(), rows["fit_s"].to_numpy())
    assert len(lines[GD].get_xdata()) == 2  # its failed tightest-tol row is not drawn
    assert len(lines[SCIPY].get_xdata()) == 2  # nor its skipped loosest one


def test_work_precision_of_an_all_failed_problem_is_a_note():
    rows = [summary_row(pid(10), 10, 1, s, 1e-4, status="failed", reason="boom") for s in SOLVERS]
    fig = plot_work_precision(pd.DataFrame(rows), pid(10))
    text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "No fit of this problem ended ok" in text and GD in text


def test_performance_profile_matches_hand_computation():
    # problem p: A 1 s, B 2 s, C never reaches eps; q: A 4 s, B 1 s, C 2 s; r: nobody.
    rows = []
    for problem, solver, fit, sub in [
        ("p", "A", 1.0, 0.0), ("p", "B", 2.0, 1e-9), ("p", "C", 0.5, 1e-2),
        ("q", "A", 4.0, 0.0), ("q", "B", 1.0, 0.0), ("q", "C", 2.0, 5e-7),
        ("q", "C", 0.1, 1e-3), ("r", "A", 1.0, 1.0),
    ]:  # fmt: skip
        rows.append({"problem_id": problem, "solver": solver, "status": "ok", "fit_s": fit,
                     "suboptimality": sub, "reference_objective": -1.0})  # fmt: skip
    summary = pd.DataFrame(rows)
    ratios = performance_ratios(summary, 1e-6)
    expected = pd.DataFrame(
        {"A": [1.0, 4.0, np.inf], "B": [2.0, 1.0, np.inf], "C": [np.inf, 2.0, np.inf]},
        index=["p", "q", "r"],
    )
    np.testing.assert_array_equal(ratios.to_numpy(), expected.to_numpy())
    fig = plot_performance_profile(summary, epsilon=1e-6)
    lines = {line.get_label().split(" (")[0]: line for line in fig.axes[0].get_lines()}
    # fraction of the 3 problems with ratio <= tau, steps after each ratio
    np.testing.assert_allclose(lines["A"].get_xdata(), [1, 1, 4, 6])
    np.testing.assert_allclose(lines["A"].get_ydata(), [0, 1 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(lines["C"].get_xdata(), [1, 2, 6])
    np.testing.assert_allclose(lines["C"].get_ydata(), [0, 1 / 3, 1 / 3])
    assert [line.get_label() for line in fig.axes[0].get_lines()][2] == "C (solved 1/3)"
    # a looser epsilon lets C's faster, less accurate row count on q
    assert time_to_epsilon(summary, 1e-2).loc["q", "C"] == 0.1


def test_scaling_exponent_recovers_planted_power_law():
    rows = []
    for n in (1000, 2000, 4000, 8000):
        for solver, power in ((NATIVE, 1.0), (GD, 1.5)):
            rows.append(summary_row(pid(n), n, 1, solver, 1e-10, fit_s=1e-5 * n**power))
        rows.append(summary_row(pid(n), n, 1, NATIVE, 1e-4, fit_s=1.0))  # looser: ignored
    rows.append(summary_row(pid(1000), 1000, 1, SCIPY, 1e-10, fit_s=0.01))  # one size only
    summary = pd.DataFrame(rows)
    fits = scaling_fits(summary, "n_samples").set_index("solver")
    assert fits.loc[NATIVE, "exponent"] == pytest.approx(1.0, abs=1e-9)
    assert fits.loc[GD, "exponent"] == pytest.approx(1.5, abs=1e-9)
    assert math.isnan(fits.loc[SCIPY, "exponent"])
    fig = plot_scaling(summary)
    assert len(fig.axes) == 1  # n_outputs does not vary: no empty panel
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert f"{NATIVE}: ∝ n^1.00" in labels and f"{GD}: ∝ n^1.50" in labels
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert f"{SCIPY}: n: not fitted (< 2 sizes)" in legend
    assert "n_outputs takes a single value" in " ".join(t.get_text() for t in fig.texts)
    assert fit_power_law([1, 10, 100], [3, 30, 300])[0] == pytest.approx(1.0)


def test_compile_vs_fit_bars_are_medians(run_dir):
    summary = read_summary(run_dir)
    fig = plot_compile_vs_fit(summary)
    widths = sorted(round(float(p.get_width()), 12) for p in fig.axes[0].patches)
    ok = summary[summary.status == "ok"]
    expected = [ok[ok.solver == s]["fit_s"].median() for s in SOLVERS]
    expected += [summary[summary.solver == s]["compile_s"].median() for s in SOLVERS]
    assert widths == sorted(round(float(v), 12) for v in expected)


def test_colours_are_one_stable_map_across_figures(run_dir):
    summary, trace = read_summary(run_dir), read_trace(run_dir)
    colors = solver_colors(reversed(SOLVERS))
    assert colors == solver_colors(SOLVERS) and len(set(colors.values())) == 3
    figs = [plot_convergence(trace, PROBLEMS[0]), plot_work_precision(summary, PROBLEMS[0])]
    for fig in figs:
        for line in fig.axes[0].get_lines():
            assert line.get_color() == colors[line.get_label()]


def test_clipping_and_default_baseline():
    assert clip_suboptimality([-1.0, 0.5], -200.0).tolist() == [2e-14, 0.5]
    assert default_lbfgs(SOLVERS) == NATIVE
    assert default_lbfgs(SOLVERS, override=SCIPY) == SCIPY
    with pytest.raises(ReportError, match=r"'BFGS\[x\]' is not in this run"):
        default_lbfgs(SOLVERS, override="BFGS[x]")


def test_unknown_baseline_is_refused_before_writing(run_dir, tmp_path):
    with pytest.raises(ReportError, match=r"baseline solver 'SVRG\[nemos\]' is not in this run"):
        build_report(run_dir, tmp_path / "out", baseline="SVRG[nemos]")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the HTML report


def test_report_references_every_png_and_they_exist(report):
    out = report.parent
    assert report.name == "index.html" and out.name == "run-smoke"
    images = refs(report).images
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert sorted(images) == pngs
    # the run records no condition number: that figure is a line of text, not an empty frame
    assert len(pngs) == 3 + 2 * len(PROBLEMS) and "condition.png" not in pngs
    assert "<strong>Cost to ε against conditioning</strong>: not drawn: No condition number" in (
        report.read_text()
    )
    for name in images:
        assert (out / name).stat().st_size > 5000
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp dirs


def test_report_tables(report):
    text = report.read_text()
    failures = text.split('id="failures"', 1)[1].split("</section>", 1)[0]
    assert GD in failures and "failed" in failures and FAIL_REASON in failures
    assert SKIP_REASON.replace("'", "&#x27;") in failures
    fastest = text.split('id="fastest"', 1)[1].split("</section>", 1)[0]
    # problem 0: to 1e-6 relative, scipy and native both first reach it at tol 1e-7, in
    # 0.01 s and 0.04 s: speed-up 4x.
    assert "0.01 s" in fastest and "0.04 s" in fastest and "4×" in fastest
    provenance = text.split('id="provenance"', 1)[1]
    for value in ("0.2.8", "scikit-learn", "0123abc", "nemos-bench run --suite smoke"):
        assert value in provenance
    record = json.loads((report.parent / "report.json").read_text())
    assert record["started_at"].startswith("2024-05-01") and record["n_not_ok"] == 2


def test_rebuild_replaces_report_and_refuses_foreign_directory(report, run_dir, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(report.parent, out)
    (out / "stale.png").write_bytes(b"x")
    build_report(run_dir, out, epsilon=1e-3, dpi=30)
    assert not (out / "stale.png").exists()
    assert json.loads((out / "report.json").read_text())["epsilon"] == 1e-3
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ReportError, match="is not a nemos-bench report"):
        build_report(run_dir, foreign)
    assert (foreign / "notes.txt").read_text() == "mine"


def test_landing_page_newest_first_and_asv_link(report):
    root = report.parent.parent  # the fixture's report was built with the default out dir
    assert refs(root / "index.html").links == ["run-smoke/index.html"]
    # two more reports: copies with other start times, and one without report.json (dated
    # by its modification time, i.e. now: the newest)
    for name, started in (("old-run", "2023-01-01T00:00:00"), ("new-run", "2024-06-01T00:00")):
        shutil.copytree(report.parent, root / name)
        record = json.loads((root / name / "report.json").read_text())
        (root / name / "report.json").write_text(json.dumps({**record, "started_at": started}))
    shutil.copytree(report.parent, root / "undated")
    (root / "undated" / "report.json").unlink()
    (root / ".hidden-tmp").mkdir()
    landing = build_index(root)
    links = refs(landing).links
    expected = ["undated", "new-run", "run-smoke", "old-run"]  # run-smoke: 2024-05-01
    assert links == [f"{name}/index.html" for name in expected]
    assert all((root / link).is_file() for link in links)
    (root / "asv").mkdir()
    build_index(root)
    assert "asv/index.html" not in refs(landing).links  # no dashboard published yet
    (root / "asv" / "index.html").write_text("<html></html>")
    assert refs(build_index(root)).links[0] == "asv/index.html"
    for name in ("old-run", "new-run", "undated", "asv", ".hidden-tmp"):
        shutil.rmtree(root / name)
    build_index(root)


def test_default_out_dir_is_reports_under_cwd_and_no_pyplot_figures_leak(
    run_dir, tmp_path, monkeypatch
):
    from matplotlib import pyplot

    before = pyplot.get_fignums()
    monkeypatch.chdir(tmp_path)
    index = build_report(run_dir, dpi=30)
    assert index.resolve() == (tmp_path / "reports" / "run-smoke" / "index.html").resolve()
    assert refs(tmp_path / "reports" / "index.html").links == ["run-smoke/index.html"]
    assert pyplot.get_fignums() == before


# ---------------------------------------------------------------- errors


def test_missing_run_dir(tmp_path):
    with pytest.raises(ReportError, match=r"'.*nope' does not exist"):
        build_report(tmp_path / "nope", tmp_path / "out")


def test_run_dir_without_summary_rows(tmp_path):
    RunStore(tmp_path / "empty", {"suite": "smoke"}, {}).close()
    with pytest.raises(ReportError, match="has no summary rows"):
        build_report(tmp_path / "empty", tmp_path / "out")
    (tmp_path / "bare").mkdir()
    with pytest.raises(ReportError, match="has no summary.csv"):
        build_report(tmp_path / "bare", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad", [0, -1e-6, float("nan"), float("inf"), "1e-6", True, None])
def test_bad_epsilon(run_dir, tmp_path, bad):
    with pytest.raises(ReportError, match=re.escape(f"got {bad!r}")) as err:
        build_report(run_dir, tmp_path / "out", epsilon=bad)
    assert "positive finite number" in str(err.value)
    assert isinstance(err.value, ValueError)
    assert not (tmp_path / "out").exists()


def test_interrupted_build_leaves_previous_report_intact(report, run_dir, tmp_path, monkeypatch):
    import nemos_bench.report._build as build_module

    out = tmp_path / "reports" / "run-smoke"
    shutil.copytree(report.parent, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "plot_scaling", crash)
    with pytest.raises(KeyboardInterrupt):
        build_report(run_dir, out, dpi=30)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir()] == ["run-smoke"]  # no temp dirs left
    with pytest.raises(KeyboardInterrupt):
        build_report(run_dir, tmp_path / "fresh", dpi=30)
    assert not (tmp_path / "fresh").exists()


def test_problem_with_every_fit_failed_renders_with_notes(tmp_path):
    run = make_run(tmp_path / "run-bad", all_failed_problem=True)
    index = build_report(run, tmp_path / "out", dpi=30)
    text = index.read_text()
    assert pid(500, 3) in text.split('id="fastest"', 1)[1].split("</section>", 1)[0]
    assert "none reached ε" in text
    failures = text.split('id="failures"', 1)[1].split("</section>", 1)[0]
    for solver in SOLVERS:
        assert f"{solver} raised XlaRuntimeError: out of memory." in failures
    images = refs(index).images
    # the all-failed problem has neither trajectory nor fit: two notes instead of two frames
    assert len(images) == 3 + 2 * 2 and all((index.parent / i).is_file() for i in images)
    assert not [i for i in images if problem_slug(pid(500, 3)) in i]
    assert "not drawn: No trajectory was recorded for this problem" in text
    assert "not drawn: No fit of this problem ended ok" in text


# ---------------------------------------------------------------- decision-grade tables


def _tie_summary(b_low):
    """Problem p: A 1.0 s [0.9, 1.1]; B 1.2 s [b_low, 1.3]; C 3 s; all reach eps."""
    rows = []
    for solver, fit, low, high in (("A", 1.0, 0.9, 1.1), ("B", 1.2, b_low, 1.3),
                                   ("C", 3.0, 2.9, 3.1)):  # fmt: skip
        rows.append({"problem_id": "p", "solver": solver, "status": "ok", "fit_s": fit,
                     "fit_s_ci_low": low, "fit_s_ci_high": high, "suboptimality": 0.0,
                     "reference_objective": 1.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_fastest_is_named_only_when_its_interval_is_below_the_runner_ups():
    from nemos_bench.report._sections import fastest_section
    from nemos_bench.report._uncertainty import fastest_table

    tied = fastest_table(_tie_summary(1.05), 1e-6, "C").iloc[0]
    assert tied.fastest == "A" and tied.tied == ("A", "B") and tied.runner_up == "B"
    html = fastest_section(_tie_summary(1.05), 1e-6, "C", {})
    assert "tie: A, B (intervals overlap)" in html and "3×" in html
    clear = fastest_table(_tie_summary(1.15), 1e-6, "C").iloc[0]
    assert clear.tied == ("A",)
    html = fastest_section(_tie_summary(1.15), 1e-6, "B", {})
    assert "<td>A</td>" in html and "tie:" not in html
    # a speed-up over a baseline tied with the fastest is not significant
    assert "(not significant: tied)" in fastest_section(_tie_summary(1.05), 1e-6, "B", {})


def test_partial_run_and_non_converged_fits_are_said_and_never_every_fit_ok(tmp_path):
    config = {"suite": "smoke", "n_cells": 20}
    with RunStore(tmp_path / "run", config, META) as store:
        for i, tol in enumerate(TOLS):
            outcome = "max_steps" if i == 2 else "converged"
            row = summary_row(PROBLEMS[0], 1000, 1, SCIPY, tol, outcome=outcome,
                              converged=i != 2, reached_max_steps=i == 2)  # fmt: skip
            if i == 0:
                row["reason"] = (
                    "No trace: stepping the solver failed (ValueError: " + "x" * 150 + ")."
                )
            store.append_cell(row, [])
    html = build_report(tmp_path / "run", tmp_path / "out", dpi=30).read_text()
    assert "Every fit ended ok" not in html
    intro, rest = html.split("<nav>", 1)
    assert "a partial run: 3 of 20 planned cells" in intro
    assert "1 of the ok fits did not converge" in intro
    warnings = rest.split('id="warnings"', 1)[1].split("</section>", 1)[0]
    assert "Partial run: it holds 3 of 20 planned cells" in warnings
    assert "1 ok fit(s) did not converge" in warnings and "max_steps" in warnings
    assert "x" * 150 in warnings  # the full reason of the missing trace
    failures = rest.split('id="failures"', 1)[1].split("</section>", 1)[0]
    assert "1 ok fit(s) did not converge and the run holds 3 of 20 planned cells" in failures


def test_every_fit_ok_is_said_only_when_every_fit_converged(tmp_path):
    with RunStore(tmp_path / "run", {"suite": "smoke", "n_cells": 1}, META) as store:
        store.append_cell(summary_row(PROBLEMS[0], 1000, 1, SCIPY, TOLS[0]), [])
    html = build_report(tmp_path / "run", tmp_path / "out", dpi=30).read_text()
    assert "Every fit ended ok and converged" in html
    assert "No warnings: every cell that ran has a fit" in html and "every ok fit converged" in html


def test_colours_depend_on_the_name_alone():
    alone = solver_colors(["Mine[custom]"])
    crowd = solver_colors([*SOLVERS, "Mine[custom]", "Other[custom]"])
    assert alone["Mine[custom]"] == crowd["Mine[custom]"]
    from nemos_bench.report._style import KNOWN_SOLVERS

    builtin = solver_colors(KNOWN_SOLVERS)
    assert len(set(builtin.values())) == len(KNOWN_SOLVERS)  # reserved, distinct
    assert builtin[SCIPY] == solver_colors([SCIPY, NATIVE])[SCIPY]


def test_work_precision_points_carry_intervals_and_outcome_markers():
    rows = [
        summary_row(PROBLEMS[0], 1000, 1, SCIPY, tol, fit_s_ci_low=0.8 * fit,
                    fit_s_ci_high=1.3 * fit, fit_s=fit, outcome=outcome)
        for tol, fit, outcome in ((1e-4, 0.01, "converged"), (1e-7, 0.02, "converged"),
                                  (1e-10, 0.03, "max_steps"))
    ]  # fmt: skip
    fig = plot_work_precision(pd.DataFrame(rows), PROBLEMS[0])
    ax = fig.axes[0]
    from matplotlib.collections import LineCollection, PathCollection

    (bars,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    spans = sorted((seg[0][1], seg[1][1]) for seg in bars.get_segments())
    np.testing.assert_allclose(spans, [(0.008, 0.013), (0.016, 0.026), (0.024, 0.039)])
    (marker,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(marker.get_offsets()[0][1], 0.03)  # on the max_steps point
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "hit maxiter (max_steps)" in legend
