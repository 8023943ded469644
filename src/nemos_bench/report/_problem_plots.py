"""Per-problem figures: convergence (per iteration and per second) and work-precision."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nemos_bench.results import FITTED_STATUSES

from ._metrics import ok_rows
from ._style import (
    OUTCOME_MARKERS,
    SUBOPT_FLOOR,
    clip_suboptimality,
    footnote,
    log_if_spread,
    mark_outcomes,
    new_figure,
    note_figure,
    solver_colors,
    wrap_title,
)
from ._uncertainty import fit_intervals, outcomes

__all__ = ["plot_convergence", "plot_work_precision"]

FLOOR_NOTE = (
    f"suboptimality ≤ {SUBOPT_FLOOR:.0e}·max(1,|f*|) (e.g. ≤ 0 at the optimum, from rounding) "
    "is drawn at that floor"
)


def _traced_cells(summary, problem_id: str, per_solver: dict) -> dict[str, dict]:
    """Solver → its traced cell's row (its tightest tol when it has no trace)."""
    if summary is None:
        return {}
    out = {}
    rows = summary[summary["problem_id"] == problem_id]
    rows = rows.assign(outcome=outcomes(rows))
    for solver, group in rows.groupby("solver"):
        tol = per_solver[solver]["tol"].iloc[0] if solver in per_solver else group["tol"].min()
        cell = group[group["tol"] == tol]
        out[solver] = cell.iloc[0].to_dict() if len(cell) else {"status": "not in summary"}
    return out


def _why_untraced(cell: dict) -> str:
    status = str(cell.get("status"))
    if status not in FITTED_STATUSES:
        return status
    reason = cell.get("reason")
    see = ": see Warnings" if isinstance(reason, str) and reason else ""
    return f"{status}, no trace{see}"


def _legend(fig: Figure, axes, extra=()) -> None:
    handles, labels = axes.get_legend_handles_labels()
    for handle in extra:
        handles.append(handle)
        labels.append(handle.get_label())
    if handles:
        fig.legend(handles, labels, loc="outside right center", fontsize=8, frameon=False)


def traced_rows(trace: pd.DataFrame, problem_id: str) -> dict[str, pd.DataFrame]:
    """Solver → its trace rows on ``problem_id`` at its tightest traced tol, by iteration."""
    rows = trace[trace["problem_id"] == problem_id]
    out = {}
    for solver, group in rows.groupby("solver", sort=True):
        tight = group[group["tol"] == group["tol"].min()]
        out[solver] = tight.sort_values("iteration", kind="stable")
    return out


def plot_convergence(
    trace: pd.DataFrame,
    problem_id: str,
    *,
    summary: pd.DataFrame | None = None,
    colors: dict[str, str] | None = None,
) -> Figure:
    """Suboptimality against iteration and against wall-clock time, one line per solver.

    Uses each solver's trace at its tightest traced tolerance. Suboptimality is drawn with
    :func:`clip_suboptimality` (floor ``1e-16·max(1, |f*|)``, ``f* = objective −
    suboptimality``) on a log axis; x axes are logarithmic when values span two decades or
    more (the starting point, iteration 0 at time 0, is then not drawn).

    Parameters
    ----------
    trace : DataFrame
        ``trace.csv`` rows (any problems).
    problem_id : str
        The problem to draw.
    summary : DataFrame, optional
        ``summary.csv`` rows, used to mark solvers whose fit did not end ``ok``.
    colors : dict, optional
        Solver → colour; :func:`solver_colors` of the traced solvers by default.

    Examples
    --------
    >>> trace = pd.DataFrame({"problem_id": "p", "solver": "A", "tol": 1e-8,
    ...     "iteration": [0, 1, 2], "time_s": [0.0, 0.1, 0.2],
    ...     "objective": [3.0, 2.5, 2.0], "suboptimality": [1.0, 0.5, 0.0]})
    >>> fig = plot_convergence(trace, "p")
    >>> fig.axes[0].get_lines()[0].get_ydata().tolist()
    [1.0, 0.5, 2e-16]
    """
    per_solver = traced_rows(trace, problem_id)
    cells = _traced_cells(summary, problem_id, per_solver)
    status = {solver: str(cell.get("status")) for solver, cell in cells.items()}
    untraced = {k: _why_untraced(v) for k, v in cells.items() if k not in per_solver}
    missing = "; ".join(f"{s} ({st})" for s, st in untraced.items())
    title = f"Convergence — {problem_id}"
    if not per_solver:
        note = "No trajectory was recorded for this problem" + (
            f": {missing}. See the failures table." if missing else "."
        )
        return note_figure(title, note)
    colors = colors or solver_colors(per_solver)
    fig = new_figure(10.5, 4.0)
    ax_it, ax_t = fig.subplots(1, 2, sharey=True)
    ended = set()
    for solver, rows in per_solver.items():
        sub = rows["suboptimality"].to_numpy(dtype=float)
        f_star = rows["objective"].to_numpy(dtype=float) - sub
        f_star = np.nanmedian(f_star) if np.isfinite(f_star).any() else 0.0
        y = clip_suboptimality(sub, f_star)
        label = solver + (f" ({status[solver]})" if status.get(solver, "ok") != "ok" else "")
        style = {"color": colors.get(solver), "label": label, "lw": 1.6}
        x_it, x_t = rows["iteration"].to_numpy(dtype=float), rows["time_s"].to_numpy(dtype=float)
        ax_it.plot(x_it, y, **style)
        ax_t.plot(x_t, y, **style)
        outcome = cells.get(solver, {}).get("outcome")
        for ax, x in ((ax_it, x_it), (ax_t, x_t)):
            ended |= mark_outcomes(ax, x[-1:], y[-1:], [outcome], colors.get(solver))
    for ax, column, xlabel in (
        (ax_it, "iteration", "iteration"),
        (ax_t, "time_s", "wall-clock time since start of fit (s)"),
    ):
        values = np.concatenate([r[column].to_numpy(dtype=float) for r in per_solver.values()])
        if log_if_spread(values):
            ax.set_xscale("log", nonpositive="mask")
        ax.set_xlabel(xlabel)
        ax.grid(True, which="major", alpha=0.3)
    ax_it.set_yscale("log")
    ax_it.set_ylabel("suboptimality f − f* (objective units)")
    ax_it.set_title("per iteration", fontsize=10)
    ax_t.set_title("per second (traced run)", fontsize=10)
    fig.suptitle(wrap_title(title, 120), fontsize=10)
    _legend(fig, ax_it, [OUTCOME_MARKERS[o][1] for o in sorted(ended)])
    note = FLOOR_NOTE + (f". No trajectory recorded: {missing}" if missing else "")
    footnote(fig, note)
    return fig


def plot_work_precision(
    summary: pd.DataFrame, problem_id: str, *, colors: dict[str, str] | None = None
) -> Figure:
    """Steady-state time ``fit_s`` against achieved suboptimality through the tol ladder.

    One line per solver through its fitted rows (``ok``, ``recompiles``) on ``problem_id``,
    points in order of decreasing ``tol`` (loose to tight), with vertical error bars from
    each row's 95% interval of ``fit_s`` (:func:`fit_intervals`). Fits that did not converge
    are marked (× at maxiter, □ stopped unconverged). Suboptimality is clipped as in
    :func:`plot_convergence`. Rows without a fit are listed under the axes.

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": "p", "solver": "A", "tol": [1e-4, 1e-8],
    ...     "status": "ok", "fit_s": [0.1, 0.3], "suboptimality": [1e-3, 1e-9],
    ...     "reference_objective": 2.0})
    >>> line = plot_work_precision(s, "p").axes[0].get_lines()[0]
    >>> line.get_xdata().tolist(), line.get_ydata().tolist()
    ([0.001, 1e-09], [0.1, 0.3])
    """
    rows = summary[summary["problem_id"] == problem_id]
    good = ok_rows(rows)
    title = f"Work-precision — {problem_id}"
    bad = rows[~rows["status"].isin(FITTED_STATUSES)].sort_values(["solver", "status", "tol"])
    bad_note = "; ".join(
        f"{solver} {status} at tol " + ", ".join(f"{t:g}" for t in group["tol"])
        for (solver, status), group in bad.groupby(["solver", "status"], sort=True)
    )
    if good.empty:
        return note_figure(
            title, f"No fit of this problem ended ok: {bad_note}. See the failures table."
        )
    colors = colors or solver_colors(rows["solver"])
    fig = new_figure(7.5, 4.2)
    ax = fig.add_subplot()
    ended = set()
    for solver, group in good.groupby("solver", sort=True):
        group = group.sort_values("tol", ascending=False, kind="stable")
        x = clip_suboptimality(group["suboptimality"], group["reference_objective"])
        y = group["fit_s"].to_numpy(dtype=float)
        low, high = fit_intervals(group)
        color = colors.get(solver)
        ax.plot(x, y, "o-", color=color, label=solver, ms=4, lw=1.4)
        yerr = np.vstack([np.clip(y - low, 0, None), np.clip(high - y, 0, None)])
        ax.errorbar(x, y, yerr=yerr, fmt="none", ecolor=color, elinewidth=1.0, alpha=0.7)
        ended |= mark_outcomes(ax, x, y, outcomes(group).tolist(), color)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("achieved suboptimality f − f* (objective units; log)")
    ax.set_ylabel("steady-state fit time fit_s (s)")
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title("one point per tolerance; lower left is better", fontsize=9)
    fig.suptitle(wrap_title(title, 90), fontsize=10)
    _legend(fig, ax, [OUTCOME_MARKERS[o][1] for o in sorted(ended)])
    if bad_note:
        footnote(fig, f"not drawn (no fit): {bad_note}", color="firebrick", width=110)
    return fig
