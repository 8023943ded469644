"""``build_report``: read a run directory, draw every figure, write the HTML page atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path

from nemos_bench.results import FITTED_STATUSES, read_workloads

from ._advice import advice_section
from ._captions import heading, intro, not_converged_count, overhead_note
from ._condition_plots import plot_condition
from ._config import DEFAULT_EPSILON, ReportConfig
from ._html import FigureEntry, page
from ._index import build_index
from ._load import load_run, run_started
from ._matrix import matrix_section
from ._metrics import condition_numbers, problem_order
from ._problem_plots import FLOOR_NOTE, plot_convergence, plot_work_precision
from ._run_plots import plot_compile_vs_fit, plot_performance_profile, plot_scaling
from ._sections import failures_section, fastest_section, provenance_section
from ._style import default_lbfgs, note_of, problem_slug, solver_colors
from ._target import MARKER_FILE, earlier_report, report_target
from ._tol_notes import tol_note
from ._warnings import planned_cells, warning_headlines, warnings_section
from ._workloads import plot_workload_time, workload_intro, workload_table

__all__ = ["build_report"]


def _figure(fig, directory: Path, name: str, dpi: int, title: str, caption: str) -> FigureEntry:
    """Save ``fig`` as ``name``, or, for a figure with nothing to draw, keep only its note."""
    note = note_of(fig)
    if note is not None:
        return FigureEntry(None, title, caption, note)
    fig.savefig(directory / name, dpi=dpi, facecolor="white")
    return FigureEntry(name, title, caption)


def _overview(summary, meta, colors, tmp: Path, cfg: ReportConfig) -> list[FigureEntry]:
    eps, dpi = cfg.epsilon, cfg.dpi
    return [
        _figure(
            plot_performance_profile(summary, eps, colors=colors),
            tmp,
            "performance_profile.png",
            dpi,
            "Performance profile",
            f"Dolan–Moré profile over all problems: for each solver, the fraction of "
            f"problems it solves to ε = {eps:g} (f − f* ≤ ε·max(1,|f*|)) within τ times "
            "the fastest solver's time; t is the smallest fit_s among its ok tolerance "
            "rows reaching ε (∞ if none). Higher and further left is better.",
        ),
        _figure(
            plot_condition(summary, eps, colors=colors),
            tmp,
            "condition.png",
            dpi,
            "Cost to ε against conditioning",
            f"Time to ε = {eps:g} (smallest steady-state fit_s among a solver's ok rows with "
            "f − f* ≤ ε·max(1,|f*|)) and iterations to ε (fewest n_steps among them) against "
            "the condition number of the Hessian at f* (largest over outputs), one line per "
            "solver. The problems also differ in size and design: read it as how each solver "
            "copes as problems get harder, not as a pure conditioning experiment.",
        ),
        _figure(
            plot_compile_vs_fit(summary, colors=colors),
            tmp,
            "compile_vs_fit.png",
            dpi,
            "Compile vs steady-state time",
            "Median compile_s (first-call overhead = end_to_end_s - fit_s: tracing, JIT "
            "compilation, input checks and the host-to-device copy that every new model.fit "
            "pays; on recompiles rows, the compilation inside each call) against median "
            "steady-state fit_s of fitted rows (ok, and recompiles with their compilation); "
            "n/a where no positive compile_s is recorded, as for outside baselines "
            "(scikit-learn, glum), which compile nothing.",
        ),
        _figure(
            plot_scaling(summary, eps, colors=colors),
            tmp,
            "scaling.png",
            dpi,
            "Scaling",
            f"Time to ε = {eps:g}: per problem, each solver's smallest fit_s among its fitted "
            "rows (ok or recompiles) with f − f* ≤ ε·max(1,|f*|), whatever tol it was given "
            "(a problem it does not solve to ε has no point), against problem size, other "
            "sizes held fixed; lines are least-squares power laws in log-log space with their "
            "exponent in the legend. " + tol_note(summary, meta),
        ),
    ]


def _problem_figures(problem, summary, trace, meta, colors, tmp, dpi) -> list[FigureEntry]:
    slug = problem_slug(problem)
    return [
        _figure(
            plot_convergence(trace, problem, summary=summary, colors=colors),
            tmp,
            f"convergence_{slug}.png",
            dpi,
            f"Convergence {problem}",
            "Suboptimality of the traced fit (each solver's tightest tolerance) per "
            f"iteration and per second (log axes where values span decades; the "
            f"starting point is then not drawn; × ends a fit that hit maxiter, □ one "
            f"that stopped unconverged); {FLOOR_NOTE}. " + overhead_note(summary, problem),
        ),
        _figure(
            plot_work_precision(summary, problem, colors=colors),
            tmp,
            f"work_precision_{slug}.png",
            dpi,
            f"Work-precision {problem}",
            "Steady-state fit_s (median; error bars: its 95% interval) against achieved "
            "suboptimality, one point per tolerance of the ladder (ok fits only; × "
            f"marks a fit that hit maxiter, □ one that stopped unconverged); {FLOOR_NOTE}. "
            + tol_note(summary[summary["problem_id"] == problem], meta),
        ),
    ]


def _workload_section(run_dir: Path, sections: list, colors, tmp: Path, dpi) -> list:
    """Append the workloads section when the run has a workloads.csv; return its figures."""
    rows = read_workloads(run_dir)
    if rows is None or rows.empty:
        return []
    colors = {**solver_colors(sorted(rows["solver"].unique())), **colors}
    figure = _figure(
        plot_workload_time(rows, colors=colors),
        tmp,
        "workload_time.png",
        dpi,
        "Workload time: compiling vs iterating",
        "Median seconds per workload run, split into time spent tracing, lowering and "
        "compiling (hatched; JAX's monitoring events) and the rest (solid: iterating, "
        "scoring and Python overhead), per solver; the label gives the sum and the median "
        "number of compilations per run.",
    )
    html = workload_intro(rows) + workload_table(rows) + figure.to_html()
    sections.append(("workloads", "Workloads: path and cross-validation", html))
    return [figure]


def _render(run_dir: Path, data: tuple, tmp: Path, cfg: ReportConfig) -> dict:
    summary, trace, meta = data
    solvers = sorted(set(summary["solver"]) | set(trace["solver"]))
    colors = solver_colors(solvers)
    base = default_lbfgs(summary["solver"], cfg.baseline)
    eps = cfg.epsilon
    overview = _overview(summary, meta, colors, tmp, cfg)
    per_problem = [
        (problem, _problem_figures(problem, summary, trace, meta, colors, tmp, cfg.dpi))
        for problem in problem_order(summary)
    ]
    anchors = {problem: f"problem-{i}" for i, (problem, _) in enumerate(per_problem)}
    # the answer first (it fits the first screen), then what qualifies it
    sections = [
        (
            "advice",
            "Recommendation",
            advice_section(summary, eps, cfg.defaults, meta, read_workloads(run_dir)),
        ),
        ("fastest", "Fastest solver per problem", fastest_section(summary, eps, base, anchors)),
        ("warnings", "Warnings", warnings_section(summary, meta)),
        ("overview", "Across problems", "".join(f.to_html() for f in overview)),
        ("matrix", "Model × regularizer × solver", matrix_section(summary)),
    ]
    workload_figures = _workload_section(run_dir, sections, colors, tmp, cfg.dpi)
    conds = condition_numbers(summary)
    for problem, figures in per_problem:
        inner = '<div class="row">' + "".join(f.to_html() for f in figures) + "</div>"
        sections.append((anchors[problem], heading(problem, conds.get(problem)), inner))
    sections += [
        ("failures", "Failures and skips", failures_section(summary, meta)),
        ("provenance", "Provenance", provenance_section(meta, run_dir)),
    ]
    title = f"nemos-bench report — {run_dir.resolve().name}"
    opening = intro(run_dir, summary, meta, cfg, base, warning_headlines(summary, meta))
    html = page(title, opening, sections, folded=list(anchors.values()))
    (tmp / "index.html").write_text(html, encoding="utf-8")
    started = run_started(meta)
    figures = overview + workload_figures + [f for _, figs in per_problem for f in figs]
    files = [f.file for f in figures if f.file is not None]
    return {
        "run_id": run_dir.resolve().name,
        "run_dir": str(run_dir.resolve()),
        "started_at": started.isoformat() if started else None,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "epsilon": eps,
        "baseline": base,
        "suite": (meta.get("config") or {}).get("suite") if isinstance(meta, dict) else None,
        "n_problems": int(summary["problem_id"].nunique()),
        "solvers": sorted(summary["solver"].unique()),
        "n_fits": len(summary),
        "n_not_ok": int((~summary["status"].isin(FITTED_STATUSES)).sum()),  # no fit
        "n_not_converged": not_converged_count(summary),
        "n_planned": planned_cells(meta),
        "figures": files,
        "summary_mtime": (run_dir / "summary.csv").stat().st_mtime,
    }


def build_report(
    run_dir,
    out_dir=None,
    *,
    epsilon: float = DEFAULT_EPSILON,
    baseline: str | None = None,
    reports_root="reports",
    dpi: int = 110,
    on_replace: Callable[[dict], object] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> Path:
    """Write the HTML report of a run: ``index.html`` plus one PNG per figure.

    Parameters
    ----------
    run_dir : path-like
        A run directory (``summary.csv``, ``trace.csv``, ``meta.json``).
    out_dir : path-like, optional
        Where to write; by default ``<reports_root>/<run-id>/`` (``run-id`` being the run
        directory's name), or ``<reports_root>/<run-id>-eps<ε>/`` when ``epsilon`` is not
        the default (e.g. ``run-1-eps1e-08``), so that reports of one run at different ε
        sit side by side. A previous report there is replaced (see ``on_replace``); any
        other non-empty directory is refused.
    epsilon : float
        Accuracy target, relative: ``f − f* <= epsilon * max(1, |f*|)`` (default 1e-6).
    baseline : str, optional
        Solver that speed-ups are measured against (default: the native LBFGS, i.e. the
        ``LBFGS[...]`` solver whose backend is not scipy).
    reports_root : path-like
        Root of all reports, relative to the working directory (default ``reports``).
    dpi : int
        PNG resolution.
    on_replace : callable, optional
        Called, once the new report is in place, with the ``report.json`` record of the
        report it replaced (``{}`` when that was unreadable); not called when there was none.
    defaults : mapping, optional
        Problem id -> NeMoS's default solver for that problem's model, named with its
        speed-up in the recommendation (the report does not import NeMoS; the CLI passes
        them).

    Returns
    -------
    Path
        The report's ``index.html``, which works opened from disk (PNGs by relative path).

    Raises
    ------
    ReportError
        Missing or empty run directory, bad ``epsilon`` or ``baseline``, or an output
        directory that is not a report.

    Notes
    -----
    The report is drawn into a temporary sibling directory that then replaces ``out_dir``
    by renames, so an interrupted build never leaves a half-written report. When
    ``out_dir`` is not given, the landing page ``<reports_root>/index.html`` is refreshed
    too (:func:`build_index`).
    """
    cfg = ReportConfig(
        epsilon=epsilon,
        baseline=baseline,
        reports_root=reports_root,
        dpi=dpi,
        defaults=dict(defaults or {}),
    )
    run_dir = Path(run_dir)
    data = load_run(run_dir)  # fail fast, before touching the output directory
    default_lbfgs(data[0]["solver"], cfg.baseline)  # a bad baseline fails here too
    target = report_target(run_dir, out_dir, cfg)
    earlier = earlier_report(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    old = None
    try:
        record = _render(run_dir, data, tmp, cfg)
        (tmp / MARKER_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
        os.chmod(tmp, 0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old)  # onto an empty directory: allowed, atomic
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not target.exists():
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    if out_dir is None:
        build_index(cfg.reports_root)
    if earlier is not None and on_replace is not None:
        on_replace(earlier)
    return target / "index.html"
