"""Figures over the whole run: scaling, performance profile, compile vs steady-state time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from nemos_bench.results import FITTED_STATUSES

from ._config import DEFAULT_EPSILON, check_epsilon
from ._metrics import fit_power_law, performance_ratios, profile_curve, scaling_slice
from ._style import (
    OUTCOME_MARKERS,
    footnote,
    mark_outcomes,
    new_figure,
    note_figure,
    solver_colors,
)
from ._uncertainty import outcomes

__all__ = ["plot_compile_vs_fit", "plot_performance_profile", "plot_scaling"]

_SYMBOL = {"n_samples": "n", "n_outputs": "k", "n_features": "p"}


def _legend(fig: Figure, ax) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right center", fontsize=8, frameon=False)


def _scaling_panel(
    ax, rows: pd.DataFrame, fixed: dict, by: str, colors, ended: set
) -> dict[str, str]:
    """Draw one scaling panel; return solver → legend text of its fit along ``by``."""
    sym = _SYMBOL[by]
    fits = {}
    for solver, group in rows.groupby("solver", sort=True):
        group = group.sort_values(by)
        x, y = group[by].to_numpy(dtype=float), group["fit_s"].to_numpy(dtype=float)
        color = colors.get(solver)
        ax.plot(x, y, "o", color=color, ms=4)
        ended |= mark_outcomes(ax, x, y, outcomes(group).tolist(), color)
        if np.unique(x).size < 2:
            fits[solver] = f"{sym}: not fitted (< 2 sizes)"
            continue
        a, c = fit_power_law(x, y)
        grid = np.geomspace(x.min(), x.max(), 20)
        ax.plot(grid, c * grid**a, "-", color=color, lw=1.3, label=f"{solver}: ∝ {sym}^{a:.2f}")
        fits[solver] = f"∝ {sym}^{a:.2f}"
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"{by} ({sym}; log)")
    ax.set_ylabel("time to ε: fastest fit_s reaching it (s)")
    ax.grid(True, which="major", alpha=0.3)
    held = ", ".join(
        f"{_SYMBOL.get(k, k)}={v:g}" if k != "regularizer" else str(v)
        for k, v in fixed.items()
        if k != "regularizer_strength"
    )
    ax.set_title(f"time to ε vs {by} (fixed: {held})", fontsize=9)
    return fits


def plot_scaling(
    summary: pd.DataFrame,
    epsilon: float = DEFAULT_EPSILON,
    *,
    colors: dict[str, str] | None = None,
) -> Figure:
    """Log-log time to ε against ``n_samples`` and against ``n_outputs``, per solver.

    One panel per size that varies in the run. Each solver contributes, per problem of
    :func:`scaling_slice` (the other sizes and the regularizer held fixed), its fastest fit
    that reaches ``f − f* <= epsilon * max(1, |f*|)``: solvers are lined up by the accuracy
    they achieve, not by the ``tol`` they were given, which means different tests to
    different solvers. Lines are the least-squares power law in log-log space; exponents
    are in the legend. A solver with fewer than two distinct sizes is drawn as points and
    marked "not fitted".

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": ["a", "b"], "solver": "A", "tol": 1e-8,
    ...     "status": "ok", "fit_s": [0.1, 1.0], "n_samples": [100, 1000], "n_features": 5,
    ...     "n_outputs": 1, "regularizer": "Ridge", "regularizer_strength": 1e-3,
    ...     "suboptimality": 0.0, "reference_objective": 2.0})
    >>> plot_scaling(s).axes[0].get_legend_handles_labels()[1]
    ['A: ∝ n^1.00']
    """
    epsilon = check_epsilon(epsilon)
    colors = colors or solver_colors(summary["solver"])
    title = f"Scaling of the time to ε = {epsilon:g} (fastest fit with f − f* ≤ ε·max(1, |f*|))"
    panels, notes = [], []
    for by in ("n_samples", "n_outputs"):
        rows, fixed = scaling_slice(summary, by, epsilon)
        values = sorted(set(summary[by].dropna().astype(int)))
        if len(values) < 2:
            notes.append(f"{by} takes a single value in this run ({values}): no scaling along it.")
        elif rows[by].nunique() < 2:
            notes.append(
                f"{by} ({values}) never varies with the other sizes held fixed and at least "
                f"two fits reaching ε = {epsilon:g}: no scaling along it."
            )
        else:
            panels.append((by, rows, fixed))
    if not panels:
        return note_figure(title, " ".join(notes))
    fig = new_figure(4.0 + 4.2 * len(panels), 4.2)
    fits: dict[str, list[str]] = {}
    ended: set[str] = set()
    for ax, (by, rows, fixed) in zip(
        np.atleast_1d(fig.subplots(1, len(panels))), panels, strict=True
    ):
        for solver, text in _scaling_panel(ax, rows, fixed, by, colors, ended).items():
            fits.setdefault(solver, []).append(text)
    handles = [Line2D([], [], color=colors.get(s), marker="o", ms=4) for s in fits]
    labels = [f"{s}: " + "; ".join(texts) for s, texts in fits.items()]
    for outcome in sorted(ended):
        handles.append(OUTCOME_MARKERS[outcome][1])
        labels.append(OUTCOME_MARKERS[outcome][1].get_label())
    fig.legend(handles, labels, loc="outside right center", fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    if notes:
        footnote(fig, " ".join(notes))
    return fig


def plot_performance_profile(
    summary: pd.DataFrame,
    epsilon: float = DEFAULT_EPSILON,
    *,
    colors: dict[str, str] | None = None,
) -> Figure:
    """Dolan–Moré performance profile of time to ε over all problems.

    For solver ``s`` and problem ``p``, ``t[p, s]`` is the smallest ``fit_s`` among its
    ``ok`` rows with ``suboptimality <= epsilon * max(1, |f*|)`` (∞ if none), and the ratio
    is ``t[p, s] / min_s t[p, s]``. The curve is the fraction of all problems with ratio
    ``<= tau`` (see :func:`profile_curve`); its value at ``tau = 1`` is the share of
    problems where the solver is fastest, its right end the share it solves at all.

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": ["p", "p", "q", "q"], "solver": ["A", "B"] * 2,
    ...     "status": "ok", "fit_s": [1.0, 2.0, 3.0, 1.0], "suboptimality": 0.0,
    ...     "reference_objective": 1.0})
    >>> line = plot_performance_profile(s).axes[0].get_lines()[0]
    >>> line.get_xdata().tolist(), line.get_ydata().tolist()
    ([1.0, 1.0, 3.0, 4.5], [0.0, 0.5, 1.0, 1.0])
    """
    epsilon = check_epsilon(epsilon)
    ratios = performance_ratios(summary, epsilon)
    colors = colors or solver_colors(ratios.columns)
    n_problems = len(ratios)
    finite = ratios.to_numpy()[np.isfinite(ratios.to_numpy())]
    title = f"Performance profile: time to ε = {epsilon:g} (relative), {n_problems} problems"
    if finite.size == 0:
        return note_figure(
            title,
            f"No solver reached suboptimality ≤ {epsilon:g}·max(1,|f*|) "
            "on any problem: try a larger --epsilon.",
        )
    tau_max = max(2.0, float(finite.max()) * 1.5)
    fig = new_figure(8.0, 4.5)
    ax = fig.add_subplot()
    styles = ("-", "--", "-.", ":")  # overlapping steps stay visible
    for i, solver in enumerate(ratios.columns):
        tau, rho = profile_curve(ratios[solver], n_problems, tau_max)
        solved = int(np.isfinite(ratios[solver]).sum())
        ax.step(
            tau,
            rho,
            where="post",
            color=colors.get(solver),
            lw=2.0,
            ls=styles[i % len(styles)],
            label=f"{solver} (solved {solved}/{n_problems})",
        )
    ax.set_xscale("log")
    ax.set_xlim(1 / 1.06, tau_max)
    ax.set_ylim(-0.04, 1.04)
    ax.set_xlabel("τ: time to ε relative to the fastest solver on the problem (log)")
    ax.set_ylabel("fraction of problems with ratio ≤ τ")
    ax.grid(True, which="both", alpha=0.25)
    unsolved = int((~np.isfinite(ratios).any(axis=1)).sum())
    if unsolved:
        ax.set_title(
            f"{unsolved} problem(s) reached ε by no solver (counted as unsolved)",
            fontsize=8,
            color="firebrick",
        )
    fig.suptitle(title, fontsize=10)
    _legend(fig, ax)
    return fig


def plot_compile_vs_fit(summary: pd.DataFrame, *, colors: dict[str, str] | None = None) -> Figure:
    """Median first-call overhead ``compile_s`` beside median steady-state ``fit_s``, per solver.

    Medians over all rows with a finite, positive value (``fit_s`` over rows holding a fit
    only: ``ok`` and ``recompiles``, whose ``fit_s`` includes each call's compilation);
    horizontal bars on a log axis: what a user pays once (JIT compilation) against what
    each further fit costs.

    Examples
    --------
    >>> s = pd.DataFrame({"solver": ["A", "A"], "status": "ok", "compile_s": [1.0, 3.0],
    ...     "fit_s": [0.1, 0.2]})
    >>> [round(float(b.get_width()), 3) for b in plot_compile_vs_fit(s).axes[0].patches]
    [2.0, 0.15]
    """
    solvers = sorted(summary["solver"].unique())
    colors = colors or solver_colors(solvers)
    rows = []
    for solver in solvers:
        group = summary[summary["solver"] == solver]
        comp = group["compile_s"].to_numpy(dtype=float, na_value=np.nan)
        fitted = group["status"].isin(FITTED_STATUSES)
        fit = group.loc[fitted, "fit_s"].to_numpy(dtype=float, na_value=np.nan)
        comp, fit = comp[np.isfinite(comp) & (comp > 0)], fit[np.isfinite(fit) & (fit > 0)]
        rows.append(
            (
                solver,
                np.median(comp) if comp.size else np.nan,
                np.median(fit) if fit.size else np.nan,
            )
        )
    title = "Compile (first call) vs steady-state time per solver"
    if all(np.isnan(c) and np.isnan(f) for _, c, f in rows):
        return note_figure(title, "No solver has a recorded compile_s or an ok fit_s.")
    fig = new_figure(8.0, 1.2 + 0.45 * len(solvers))
    ax = fig.add_subplot()
    pos = np.arange(len(rows))[::-1]
    for y, (solver, comp, fit) in zip(pos, rows, strict=True):
        color = colors.get(solver)
        if np.isfinite(comp):
            ax.barh(y + 0.2, comp, 0.38, color=color, alpha=0.45, hatch="//", edgecolor=color)
        if np.isfinite(fit):
            ax.barh(y - 0.2, fit, 0.38, color=color)
    finite = [v for _, c, f in rows for v in (c, f) if np.isfinite(v)]
    low = min(finite) / 2
    for y, (_, comp, fit) in zip(pos, rows, strict=True):
        for yy, value in ((y + 0.2, comp), (y - 0.2, fit)):
            text = f" {value:.3g} s" if np.isfinite(value) else " n/a"
            ax.text(value if np.isfinite(value) else low, yy, text, va="center", fontsize=7)
    ax.set_yticks(pos, [r[0] for r in rows], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("median time (s; log): hatched = compile_s (first call), solid = fit_s")
    ax.grid(True, axis="x", which="major", alpha=0.3)
    ax.set_xlim(low, max(finite) * 4)
    fig.suptitle(title, fontsize=10)
    return fig
