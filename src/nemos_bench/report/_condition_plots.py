"""Figure across problems: cost to reach ε against the Hessian's condition number at f*."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ._config import DEFAULT_EPSILON, check_epsilon
from ._metrics import condition_numbers, time_to_epsilon
from ._style import footnote, new_figure, note_figure, solver_colors

__all__ = ["plot_condition"]


def plot_condition(
    summary: pd.DataFrame,
    epsilon: float = DEFAULT_EPSILON,
    *,
    colors: dict[str, str] | None = None,
) -> Figure:
    """Time and iterations to ε against the condition number of the Hessian at f*.

    Two log-log panels, one line per solver through the problems it solves to ε, in order
    of condition number: left, time to ε (the smallest ``fit_s`` among the solver's ``ok``
    rows with ``suboptimality <= epsilon * max(1, |f*|)``); right, iterations to ε (the
    fewest ``n_steps`` among those rows). A problem the solver does not solve to ε is marked
    ``x`` on the top edge of both panels, at its condition number.

    Parameters
    ----------
    summary : DataFrame
        ``summary.csv`` rows, with the ``condition_number`` column.
    epsilon : float
        Relative accuracy target.
    colors : dict, optional
        Solver → colour.

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": ["p", "q", "p", "q"], "solver": ["A", "A", "B", "B"],
    ...     "status": "ok", "fit_s": [0.1, 1.0, 0.2, 0.3], "n_steps": [10, 100, 5, 8],
    ...     "suboptimality": [0.0, 0.0, 0.0, 1.0], "reference_objective": 1.0,
    ...     "condition_number": [10.0, 1e6, 10.0, 1e6]})
    >>> time_ax, iter_ax = plot_condition(s).axes[:2]
    >>> line = time_ax.get_lines()[0]
    >>> line.get_xdata().tolist(), line.get_ydata().tolist()
    ([10.0, 1000000.0], [0.1, 1.0])
    >>> iter_ax.get_lines()[0].get_ydata().tolist()
    [10.0, 100.0]
    """
    epsilon = check_epsilon(epsilon)
    title = f"Cost to reach ε = {epsilon:g} (relative) against the condition number at f*"
    cond = condition_numbers(summary)
    cond = cond[np.isfinite(cond) & (cond > 0)]
    if cond.empty:
        return note_figure(
            title,
            "No condition number is recorded in this run (it predates the condition_number "
            "column, or no problem's reference was available).",
        )
    times = time_to_epsilon(summary, epsilon).loc[cond.index]
    iters = time_to_epsilon(summary, epsilon, "n_steps").loc[cond.index]
    colors = colors or solver_colors(times.columns)
    order = cond.sort_values(kind="stable").index
    fig = new_figure(11.0, 4.4)
    ax_time, ax_iter = fig.subplots(1, 2, sharex=True)
    missed = {}
    for solver in times.columns:
        reached = order[np.isfinite(times.loc[order, solver].to_numpy())]
        style = {"color": colors.get(solver), "marker": "o", "ms": 4, "lw": 1.4}
        x = cond.loc[reached].to_numpy(dtype=float)
        ax_time.plot(x, times.loc[reached, solver].to_numpy(dtype=float), label=solver, **style)
        ax_iter.plot(x, iters.loc[reached, solver].to_numpy(dtype=float), **style)
        not_reached = order.difference(reached, sort=False)
        if len(not_reached):
            missed[solver] = len(not_reached)
            for ax in (ax_time, ax_iter):
                ax.plot(
                    cond.loc[not_reached].to_numpy(dtype=float),
                    np.ones(len(not_reached)),
                    "x",
                    color=colors.get(solver),
                    transform=ax.get_xaxis_transform(),
                    clip_on=False,
                    ms=6,
                )
    for ax, ylabel in (
        (ax_time, "time to ε: steady-state fit_s (s)"),
        (ax_iter, "iterations to ε: n_steps"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log", nonpositive="mask")
        ax.set_xlabel("condition number of the Hessian at f* (log)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="major", alpha=0.3)
    fig.suptitle(title, fontsize=10)
    handles, labels = ax_time.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right center", fontsize=8, frameon=False)
    note = f"{len(cond)} problems; lines join the problems a solver solves, by condition number."
    if missed:
        listed = ", ".join(f"{s} ({n})" for s, n in missed.items())
        note += f" x on the top edge: not solved to ε by {listed}."
    footnote(fig, note)
    return fig
