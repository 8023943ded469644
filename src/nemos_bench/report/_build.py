"""``build_report``: read a run directory, draw every figure, write the HTML page atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from nemos_bench.results import FITTED_STATUSES

from ._captions import heading, intro, not_converged_count, overhead_note
from ._condition_plots import plot_condition
from ._config import DEFAULT_EPSILON, ReportConfig, ReportError
from ._html import FigureEntry, page
from ._index import build_index
from ._load import load_run, run_started
from ._matrix import matrix_section
from ._metrics import condition_numbers, problem_order
from ._problem_plots import FLOOR_NOTE, plot_convergence, plot_work_precision
from ._run_plots import plot_compile_vs_fit, plot_performance_profile, plot_scaling
from ._sections import (
    failures_section,
    fastest_section,
    planned_cells,
    provenance_section,
    warnings_section,
)
from ._style import default_lbfgs, problem_slug, solver_colors
from ._tol_notes import tol_note

__all__ = ["MARKER_FILE", "build_report", "load_run", "run_started"]

#: File that marks a directory as a report (and feeds the landing page).
MARKER_FILE = "report.json"


def _target(run_dir: Path, out_dir, cfg: ReportConfig) -> Path:
    run_id = run_dir.resolve().name
    target = Path(out_dir) if out_dir is not None else cfg.reports_root / run_id
    resolved, run_resolved = target.resolve(), run_dir.resolve()
    if resolved == run_resolved or run_resolved.is_relative_to(resolved):
        raise ReportError(
            f"Output directory {str(target)!r} would replace the run directory itself; "
            "choose a directory outside the run, e.g. reports/<run-id>."
        )
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / MARKER_FILE).is_file())
    ):
        raise ReportError(
            f"Output directory {str(target)!r} exists and is not a nemos-bench report; "
            "choose an empty or new directory (a previous report there is replaced)."
        )
    return target


def _save(fig, directory: Path, name: str, dpi: int) -> str:
    fig.savefig(directory / name, dpi=dpi, facecolor="white")
    return name


def _render(run_dir: Path, data: tuple, tmp: Path, cfg: ReportConfig) -> dict:
    summary, trace, meta = data
    solvers = sorted(set(summary["solver"]) | set(trace["solver"]))
    colors = solver_colors(solvers)
    base = default_lbfgs(summary["solver"], cfg.baseline)
    eps, dpi = cfg.epsilon, cfg.dpi
    overview = [
        FigureEntry(
            _save(
                plot_performance_profile(summary, eps, colors=colors),
                tmp,
                "performance_profile.png",
                dpi,
            ),
            "Performance profile",
            f"Dolan–Moré profile over all problems: for each solver, the fraction of "
            f"problems it solves to ε = {eps:g} (f − f* ≤ ε·max(1,|f*|)) within τ times "
            "the fastest solver's time; t is the smallest fit_s among its ok tolerance "
            "rows reaching ε (∞ if none). Higher and further left is better.",
        ),
        FigureEntry(
            _save(plot_condition(summary, eps, colors=colors), tmp, "condition.png", dpi),
            "Cost to ε against conditioning",
            f"Time to ε = {eps:g} (smallest steady-state fit_s among a solver's ok rows with "
            "f − f* ≤ ε·max(1,|f*|)) and iterations to ε (fewest n_steps among them) against "
            "the condition number of the Hessian at f* (largest over outputs), one line per "
            "solver. The problems also differ in size and design: read it as how each solver "
            "copes as problems get harder, not as a pure conditioning experiment.",
        ),
        FigureEntry(
            _save(plot_compile_vs_fit(summary, colors=colors), tmp, "compile_vs_fit.png", dpi),
            "Compile vs steady-state time",
            "Median compile_s (first-call overhead = end_to_end_s - fit_s: tracing, JIT "
            "compilation, input checks and the host-to-device copy that every new model.fit "
            "pays; on recompiles rows, the compilation inside each call) against median "
            "steady-state fit_s of fitted rows (ok, and recompiles with their compilation).",
        ),
        FigureEntry(
            _save(plot_scaling(summary, eps, colors=colors), tmp, "scaling.png", dpi),
            "Scaling",
            f"Time to ε = {eps:g}: per problem, each solver's smallest fit_s among its fitted "
            "rows (ok or recompiles) with f − f* ≤ ε·max(1,|f*|), whatever tol it was given "
            "(a problem it does not solve to ε has no point), against problem size, other "
            "sizes held fixed; lines are least-squares power laws in log-log space with their "
            "exponent in the legend. " + tol_note(summary, meta),
        ),
    ]
    per_problem = []
    for problem in problem_order(summary):
        slug = problem_slug(problem)
        conv = plot_convergence(trace, problem, summary=summary, colors=colors)
        wp = plot_work_precision(summary, problem, colors=colors)
        figures = [
            FigureEntry(
                _save(conv, tmp, f"convergence_{slug}.png", dpi),
                f"Convergence {problem}",
                "Suboptimality of the traced fit (each solver's tightest tolerance) per "
                f"iteration and per second (log axes where values span decades; the "
                f"starting point is then not drawn; × ends a fit that hit maxiter, □ one "
                f"that stopped unconverged); {FLOOR_NOTE}. " + overhead_note(summary, problem),
            ),
            FigureEntry(
                _save(wp, tmp, f"work_precision_{slug}.png", dpi),
                f"Work-precision {problem}",
                "Steady-state fit_s (median; error bars: its 95% interval) against achieved "
                "suboptimality, one point per tolerance of the ladder (ok fits only; × "
                f"marks a fit that hit maxiter, □ one that stopped unconverged); {FLOOR_NOTE}. "
                + tol_note(summary[summary["problem_id"] == problem], meta),
            ),
        ]
        per_problem.append((problem, figures))
    anchors = {problem: f"problem-{i}" for i, (problem, _) in enumerate(per_problem)}
    sections = [
        ("warnings", "Warnings", warnings_section(summary, meta)),
        ("fastest", "Fastest solver per problem", fastest_section(summary, eps, base, anchors)),
        ("overview", "Across problems", "".join(f.to_html() for f in overview)),
        ("matrix", "Model × regularizer × solver", matrix_section(summary)),
    ]
    conds = condition_numbers(summary)
    for problem, figures in per_problem:
        inner = '<div class="row">' + "".join(f.to_html() for f in figures) + "</div>"
        sections.append((anchors[problem], heading(problem, conds.get(problem)), inner))
    sections += [
        ("failures", "Failures and skips", failures_section(summary, meta)),
        ("provenance", "Provenance", provenance_section(meta, run_dir)),
    ]
    title = f"nemos-bench report — {run_dir.resolve().name}"
    html = page(title, intro(run_dir, summary, meta, cfg, base), sections)
    (tmp / "index.html").write_text(html, encoding="utf-8")
    started = run_started(meta)
    files = [f.file for f in overview] + [f.file for _, figs in per_problem for f in figs]
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
) -> Path:
    """Write the HTML report of a run: ``index.html`` plus one PNG per figure.

    Parameters
    ----------
    run_dir : path-like
        A run directory (``summary.csv``, ``trace.csv``, ``meta.json``).
    out_dir : path-like, optional
        Where to write; ``<reports_root>/<run-id>/`` by default, ``run-id`` being the run
        directory's name. A previous report there is replaced; any other non-empty
        directory is refused.
    epsilon : float
        Accuracy target, relative: ``f − f* <= epsilon * max(1, |f*|)`` (default 1e-6).
    baseline : str, optional
        Solver that speed-ups are measured against (default: the native LBFGS, i.e. the
        ``LBFGS[...]`` solver whose backend is not scipy).
    reports_root : path-like
        Root of all reports, relative to the working directory (default ``reports``).
    dpi : int
        PNG resolution.

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
    cfg = ReportConfig(epsilon=epsilon, baseline=baseline, reports_root=reports_root, dpi=dpi)
    run_dir = Path(run_dir)
    data = load_run(run_dir)  # fail fast, before touching the output directory
    default_lbfgs(data[0]["solver"], cfg.baseline)  # a bad baseline fails here too
    target = _target(run_dir, out_dir, cfg)
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
    return target / "index.html"
