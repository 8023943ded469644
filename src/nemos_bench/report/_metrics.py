"""Numbers behind the figures and tables: time to ε, performance ratios, power-law fits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nemos_bench.results import FITTED_STATUSES

from ._config import DEFAULT_EPSILON, check_epsilon

__all__ = [
    "condition_numbers",
    "best_rows",
    "failures_table",
    "fit_power_law",
    "performance_ratios",
    "problem_order",
    "profile_curve",
    "scaling_fits",
    "scaling_slice",
    "time_to_epsilon",
]


def _floats(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").astype(float).to_numpy()


def problem_order(summary: pd.DataFrame) -> list[str]:
    """Problem ids ordered by condition number, then size, regularizer and id.

    The condition number (Hessian at f*, column ``condition_number``) comes first where the
    run recorded it (runs that predate the column keep the size order); problems without one
    come last. Then n_samples, n_features, n_outputs, regularizer, its strength, id.

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": ["b", "a"], "n_samples": [500, 1000],
    ...     "n_features": 5, "n_outputs": 1, "regularizer": "Ridge",
    ...     "regularizer_strength": 1e-3})
    >>> problem_order(s)
    ['b', 'a']
    >>> problem_order(s.assign(condition_number=[1e6, 10.0]))
    ['a', 'b']
    """
    keys = ["n_samples", "n_features", "n_outputs", "regularizer", "regularizer_strength"]
    keys = [k for k in keys if k in summary.columns] + ["problem_id"]
    first = summary.drop_duplicates("problem_id")[keys].copy()
    if "condition_number" in summary.columns:
        cond = condition_numbers(summary).loc[first["problem_id"]].to_numpy()
        first.insert(0, "condition_number", cond)
        keys = ["condition_number", *keys]
    return first.sort_values(keys, kind="stable", na_position="last")["problem_id"].tolist()


def condition_numbers(summary: pd.DataFrame) -> pd.Series:
    """Condition number per problem id (NaN where no row of the problem recorded one).

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": ["p", "p", "q"], "condition_number": [None, 5.0, None]})
    >>> condition_numbers(s).to_dict()
    {'p': 5.0, 'q': nan}
    """
    ids = pd.Index(summary["problem_id"].drop_duplicates(), name="problem_id")
    if "condition_number" not in summary.columns:
        return pd.Series(np.nan, index=ids, name="condition_number")
    values = pd.to_numeric(summary["condition_number"], errors="coerce")
    found = values.groupby(summary["problem_id"]).max()
    return found.reindex(ids).astype(float).rename("condition_number")


def ok_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """Rows holding a fit (status ``ok`` or ``recompiles``) with a finite, positive ``fit_s``.

    A ``recompiles`` row's ``fit_s`` is what each call costs, compilation included: it is
    ranked and plotted like any other fit.
    """
    fit = _floats(summary["fit_s"])
    keep = summary["status"].isin(FITTED_STATUSES).to_numpy() & np.isfinite(fit) & (fit > 0)
    return summary[keep]


def best_rows(summary: pd.DataFrame, epsilon: float, column: str = "fit_s") -> pd.DataFrame:
    """Per (problem, solver): the ok row with the smallest ``column`` among those reaching ε."""
    rows = ok_rows(summary)
    sub = _floats(rows["suboptimality"])
    f_star = _floats(rows["reference_objective"])
    reached = rows[np.isfinite(sub) & (sub <= epsilon * np.maximum(1.0, np.abs(f_star)))]
    reached = reached.assign(_cost=_floats(reached[column]))
    reached = reached[np.isfinite(reached["_cost"])]
    if reached.empty:
        return reached.drop(columns="_cost")
    order = reached.sort_values("_cost", kind="stable")
    return order.drop_duplicates(["problem_id", "solver"], keep="first").drop(columns="_cost")


def time_to_epsilon(summary: pd.DataFrame, epsilon: float, column: str = "fit_s") -> pd.DataFrame:
    """Smallest ``fit_s`` (or ``column``) per (problem, solver) among rows that reach ε.

    A row reaches ε when it holds a fit (status ``ok`` or ``recompiles``) and
    ``suboptimality <= epsilon * max(1, |f*|)`` (``f*`` is ``reference_objective``).

    Parameters
    ----------
    summary : DataFrame
        ``summary.csv`` rows.
    epsilon : float
        Relative accuracy target.
    column : str
        The cost to minimize over the rows reaching ε: ``"fit_s"`` (time) or e.g.
        ``"n_steps"`` (iterations).

    Returns
    -------
    DataFrame
        Index ``problem_id`` (every problem of ``summary``), one column per solver, values in
        seconds (in ``column``'s unit); ``inf`` where no row of that solver reaches ε on that
        problem.

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": ["p", "p", "p"], "solver": ["A", "A", "B"],
    ...     "status": ["ok"] * 3, "fit_s": [1.0, 2.0, 3.0], "n_steps": [5, 40, 9],
    ...     "suboptimality": [1e-3, 1e-9, 1e-9], "reference_objective": [5.0] * 3})
    >>> time_to_epsilon(s, 1e-6).loc["p"].tolist()
    [2.0, 3.0]
    >>> time_to_epsilon(s, 1e-6, "n_steps").loc["p"].tolist()
    [40.0, 9.0]
    """
    epsilon = check_epsilon(epsilon)
    problems = problem_order(summary)
    solvers = sorted(summary["solver"].unique())
    table = pd.DataFrame(np.inf, index=pd.Index(problems, name="problem_id"), columns=solvers)
    best = best_rows(summary, epsilon, column)
    for problem, solver, cost in zip(best["problem_id"], best["solver"], best[column], strict=True):
        table.loc[problem, solver] = float(cost)
    table.columns.name = "solver"
    return table


def performance_ratios(summary: pd.DataFrame, epsilon: float) -> pd.DataFrame:
    """Dolan–Moré performance ratios ``t[p, s] / min_s t[p, s]`` of :func:`time_to_epsilon`.

    ``inf`` where the solver does not reach ε on the problem, and for every solver of a
    problem that no solver solves.

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": ["p", "p"], "solver": ["A", "B"],
    ...     "status": ["ok", "ok"], "fit_s": [1.0, 4.0], "suboptimality": [0.0, 0.0],
    ...     "reference_objective": [1.0, 1.0]})
    >>> performance_ratios(s, 1e-6).loc["p"].tolist()
    [1.0, 4.0]
    """
    times = time_to_epsilon(summary, epsilon)
    best = times.min(axis=1).replace(np.inf, np.nan)
    ratios = times.div(best, axis=0)
    return ratios.fillna(np.inf)


def profile_curve(ratios: pd.Series, n_problems: int, tau_max: float):
    """Step curve ``(tau, rho)`` of one solver: fraction of problems with ratio ≤ tau.

    ``tau`` starts at 1 and ends at ``tau_max``; each finite ratio adds a step.

    Examples
    --------
    >>> tau, rho = profile_curve(pd.Series([1.0, 2.0, np.inf]), 3, 4.0)
    >>> tau.tolist(), [round(float(r), 3) for r in rho]
    ([1.0, 1.0, 2.0, 4.0], [0.0, 0.333, 0.667, 0.667])
    """
    finite = np.sort(ratios[np.isfinite(ratios)].to_numpy(dtype=float))
    tau = np.concatenate([[1.0], finite, [tau_max]])
    rho = np.concatenate([[0.0], np.arange(1, finite.size + 1), [finite.size]]) / n_problems
    return tau, rho


def fit_power_law(x, y) -> tuple[float, float]:
    """Least-squares fit of ``y = c * x**a`` in log-log space; returns ``(a, c)``.

    Examples
    --------
    >>> a, c = fit_power_law([10, 100, 1000], [0.02, 0.2, 2.0])
    >>> round(a, 6), round(c, 6)
    (1.0, 0.002)
    """
    log_x, log_y = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    if np.unique(log_x).size < 2:
        raise ValueError("a power law needs at least two distinct sizes.")
    slope, intercept = np.polyfit(log_x, log_y, 1)
    return float(slope), float(np.exp(intercept))


_SIZES = ("n_samples", "n_features", "n_outputs")
_FIXED = {"n_samples": "n", "n_features": "p", "n_outputs": "k"}


def scaling_slice(
    summary: pd.DataFrame, by: str, epsilon: float = DEFAULT_EPSILON
) -> tuple[pd.DataFrame, dict]:
    """Rows for a scaling plot along ``by``, at a fixed accuracy and fixed other sizes.

    The accuracy is the same for every solver, ε: per (problem, solver) the row of
    :func:`best_rows`, i.e. the fastest fit (``ok`` or ``recompiles``) with
    ``f − f* <= epsilon * max(1, |f*|)``, whatever ``tol`` it was given (``tol`` means
    different tests to different solvers). A problem a solver does not solve to ε drops its
    point. The problems are the group sharing every other size and the regularizer that
    spans the most distinct values of ``by`` (first such group in sorted order on ties).

    Returns
    -------
    rows : DataFrame
        The kept summary rows.
    fixed : dict
        The values held fixed (column → value); empty when nothing is kept.
    """
    if by not in _SIZES:
        raise ValueError(f"by must be one of {list(_SIZES)}, got {by!r}.")
    others = [c for c in _SIZES if c != by] + ["regularizer", "regularizer_strength"]
    if summary.empty:
        return summary, {}
    spans = summary.groupby(others, dropna=False)[by].nunique()
    key = spans.sort_values(ascending=False, kind="stable").index[0]
    fixed = dict(zip(others, key if isinstance(key, tuple) else (key,), strict=True))
    mask = np.ones(len(summary), dtype=bool)
    for column, value in fixed.items():
        mask &= (summary[column] == value).fillna(False).to_numpy(dtype=bool)
    return best_rows(summary[mask], check_epsilon(epsilon)), fixed


def scaling_fits(
    summary: pd.DataFrame, by: str = "n_samples", epsilon: float = DEFAULT_EPSILON
) -> pd.DataFrame:
    """Power-law exponent of time to ε along ``by`` per solver, on :func:`scaling_slice`.

    Returns
    -------
    DataFrame
        Columns ``solver``, ``n_sizes``, ``exponent``, ``prefactor``; exponent and prefactor
        are NaN for a solver with fewer than two distinct sizes.
    """
    rows, _ = scaling_slice(summary, by, epsilon)
    records = []
    for solver, group in rows.groupby("solver", sort=True):
        x, y = _floats(group[by]), _floats(group["fit_s"])
        n_sizes = int(np.unique(x).size)
        a, c = fit_power_law(x, y) if n_sizes >= 2 else (np.nan, np.nan)
        records.append({"solver": solver, "n_sizes": n_sizes, "exponent": a, "prefactor": c})
    return pd.DataFrame(records, columns=["solver", "n_sizes", "exponent", "prefactor"])


def failures_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Rows without a fit (not ``ok``, not ``recompiles``): problem, solver, tol, status, reason."""
    columns = ["problem_id", "solver", "tol", "status", "reason"]
    bad = summary[~summary["status"].isin(FITTED_STATUSES)][columns]
    return bad.sort_values(["status", "solver", "problem_id", "tol"]).reset_index(drop=True)
