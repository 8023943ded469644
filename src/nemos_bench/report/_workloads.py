"""The report's workload section: solvers compared on whole user workflows (workloads.csv).

Drawn only when the run has a ``workloads.csv``; a run without one reports as before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nemos_bench.results import WORKLOAD_COLUMNS, column_names

from ._html import esc, fmt, table
from ._style import new_figure, note_figure, solver_colors

__all__ = ["plot_workload_time", "workload_intro", "workload_table"]

_TITLE = "Where a workload's time goes"


def _all_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with every workloads.csv column (those an older file lacks are empty)."""
    return rows.reindex(columns=column_names(WORKLOAD_COLUMNS))


def _ok(rows: pd.DataFrame) -> pd.DataFrame:
    rows = _all_columns(rows)
    return rows[rows["status"] == "ok"]


def plot_workload_time(rows: pd.DataFrame, *, colors: dict[str, str] | None = None) -> Figure:
    """Stacked horizontal bars per solver: median compile time, then median iterate time.

    One panel per (problem, workload); the bar's full length is the sum of the two medians
    (near the median wall time: each is a median over the same runs).

    Examples
    --------
    >>> rows = pd.DataFrame({"problem_id": "p", "workload": "cv", "solver": ["A", "B"],
    ...     "status": "ok", "compile_s": [2.0, 1.0], "iterate_s": [0.5, 0.25],
    ...     "n_fits": 10, "compiles": [30.0, 20.0]})
    >>> fig = plot_workload_time(rows)
    >>> sorted(round(float(b.get_width()), 2) for b in fig.axes[0].patches)
    [0.25, 0.5, 1.0, 2.0]
    """
    ok = _ok(rows)
    if ok.empty:
        return note_figure(_TITLE, "No workload ran to the end (see the table).")
    colors = colors or solver_colors(sorted(ok["solver"].unique()))
    groups = list(ok.groupby(["problem_id", "workload"], sort=True))
    heights = [0.9 + 0.45 * len(g) for _, g in groups]
    fig = new_figure(8.5, 0.6 + sum(heights))
    axes = fig.subplots(len(groups), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, ((problem, kind), group) in zip(axes, groups, strict=True):
        group = group.sort_values("solver")
        pos = np.arange(len(group))[::-1]
        comp = group["compile_s"].to_numpy(dtype=float)
        iterate = np.clip(group["iterate_s"].to_numpy(dtype=float), 0.0, None)
        for y, solver, c, it, n in zip(
            pos, group["solver"], comp, iterate, group["compiles"], strict=True
        ):
            color = colors.get(solver)
            ax.barh(y, c, 0.6, color=color, alpha=0.45, hatch="//", edgecolor=color)
            ax.barh(y, it, 0.6, left=c, color=color)
            ax.text(c + it, y, f" {c + it:.3g} s ({n:g} compilations)", va="center", fontsize=7)
        ax.set_yticks(pos, list(group["solver"]), fontsize=8)
        ax.set_xlim(0, float(np.nanmax(comp + iterate)) * 1.45)
        fits = int(group["n_fits"].iloc[0])
        ax.set_title(f"{kind}, {fits} fits: {problem}", fontsize=8)
        ax.grid(True, axis="x", alpha=0.3)
    axes[-1].set_xlabel("median seconds per workload: hatched = compiling, solid = iterating")
    fig.suptitle(_TITLE, fontsize=10)
    return fig


def workload_table(rows: pd.DataFrame) -> str:
    """HTML table: per problem, workload and solver, time, compilations and accuracy.

    Examples
    --------
    >>> rows = pd.DataFrame({"problem_id": "p", "workload": ["cv"], "solver": "A",
    ...     "status": "skipped", "reason": "no.", "n_fits": 10})
    >>> "skipped: no." in workload_table(rows)
    True
    """
    out = []
    rows = _all_columns(rows)
    for rec in rows.sort_values(["problem_id", "workload", "wall_s"]).itertuples(index=False):
        row = rec._asdict()
        if row["status"] != "ok":
            empty = [""] * 6
            out.append(
                [
                    rec.problem_id,
                    rec.workload,
                    rec.solver,
                    f"{rec.n_fits}",
                    *empty,
                    f"{rec.status}: {row.get('reason') or ''}",
                ]
            )
            continue
        walls = [float(v) for v in str(row["wall_s_samples"]).split()]
        spread = f"{fmt(min(walls))}–{fmt(max(walls))} s" if len(walls) > 1 else "—"
        certified = row["certified_fits"]
        reached = f"{row['fits_reached']} of {rec.n_fits}"
        if certified != rec.n_fits:
            reached += f" ({certified} certified)"
        out.append(
            [
                rec.problem_id,
                rec.workload,
                rec.solver,
                f"{rec.n_fits}",
                fmt(row["wall_s"], " s"),
                spread,
                f"{row['compiles']:g}",
                fmt(row["compile_s"], " s"),
                fmt(row["iterate_s"], " s"),
                f"{reached} (ε = {row['epsilon']:g}); worst {row['max_rel_subopt']:.2g}",
                row.get("reason") or "",
            ]
        )
    header = [
        "problem",
        "workload",
        "solver",
        "fits",
        "wall (median)",
        "range",
        "compilations",
        "compiling",
        "iterating",
        "fits reaching ε (worst (f−f*)/max(1,|f*|))",
        "note",
    ]
    return table(header, out, numeric=(3, 4, 6, 7, 8), ids=(0,), wide=(9, 10))


def workload_intro(rows: pd.DataFrame) -> str:
    """One paragraph saying what the workload rows measure."""
    repeats = sorted({int(r) for r in rows["repeats"].dropna() if r})
    runs = ", ".join(str(r) for r in repeats) or "no"
    return (
        "<p>"
        + esc(
            "A workload is what a NeMoS user pays end to end, compilation included: 'path' "
            "fits the regularizer strengths in sequence (one new GLM each), 'cv' is "
            "scikit-learn's GridSearchCV over strengths x folds plus its refit on all data. "
            f"Each was run {runs} time(s), each run after jax.clear_caches(); times are "
            "medians over the runs, compilations come from JAX's compile log, and each fit is "
            "judged against the certified optimum of its own rows and strength."
        )
        + "</p>"
    )
