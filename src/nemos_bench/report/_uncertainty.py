"""Numbers with their uncertainty: fit intervals, ties for "fastest", how fits ended."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nemos_bench.results import FITTED_STATUSES

from ._metrics import best_rows, problem_order

__all__ = ["fastest_table", "fit_intervals", "outcomes", "warnings_tables"]


def _floats(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").astype(float).to_numpy()


def outcomes(summary: pd.DataFrame) -> pd.Series:
    """How each fit (status ``ok`` or ``recompiles``) ended; ``None`` for rows without a fit.

    The ``outcome`` column, or (for runs written before it existed) ``converged``,
    ``max_steps`` or ``not_converged`` from the solver's flags.

    Examples
    --------
    >>> s = pd.DataFrame({"status": ["ok", "ok", "failed"], "converged": [True, False, None],
    ...     "reached_max_steps": [False, True, None]})
    >>> outcomes(s).tolist()
    ['converged', 'max_steps', None]
    """
    out = []
    for row in summary.to_dict("records"):
        value = row.get("outcome")
        if row.get("status") not in FITTED_STATUSES:
            value = None
        elif not isinstance(value, str) or not value:
            converged = row.get("converged")
            if converged is None or converged is pd.NA or converged != converged:
                value = None
            elif bool(converged):
                value = "converged"
            else:
                at_max = row.get("reached_max_steps")
                value = "max_steps" if at_max is True or at_max == 1 else "not_converged"
        out.append(value)
    return pd.Series(out, index=summary.index, dtype=object)


def fit_intervals(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Low and high ends of each row's ``fit_s`` interval.

    The 95% interval of the median (``fit_s_ci_low``/``fit_s_ci_high``) where recorded;
    else the range of repeats (``fit_s_min``/``fit_s_max``, runs written before intervals
    were, or cells with fewer than 6 samples); else ``fit_s`` itself (no spread known).

    Examples
    --------
    >>> rows = pd.DataFrame({"fit_s": [1.0, 2.0, 3.0], "fit_s_ci_low": [0.9, None, None],
    ...     "fit_s_ci_high": [1.1, None, None], "fit_s_min": [0.8, 1.5, None],
    ...     "fit_s_max": [1.3, 2.5, None]})
    >>> [a.tolist() for a in fit_intervals(rows)]
    [[0.9, 1.5, 3.0], [1.1, 2.5, 3.0]]
    """
    fit = _floats(rows["fit_s"])
    low, high = fit.copy(), fit.copy()
    for lo_col, hi_col in (("fit_s_min", "fit_s_max"), ("fit_s_ci_low", "fit_s_ci_high")):
        if lo_col in rows and hi_col in rows:
            lo, hi = _floats(rows[lo_col]), _floats(rows[hi_col])
            have = np.isfinite(lo) & np.isfinite(hi)
            low, high = np.where(have, lo, low), np.where(have, hi, high)
    return low, high


def fastest_table(summary: pd.DataFrame, epsilon: float, baseline: str | None) -> pd.DataFrame:
    """Per problem: the fastest solver to ε, or the solvers tied with it, and the speed-up.

    A solver's time to ε is its smallest ``fit_s`` among its fitted rows (``ok``,
    ``recompiles``: compilation included) reaching ε; that row's
    interval (:func:`fit_intervals`) is its uncertainty. The solver with the smallest time
    is "fastest" only when its interval lies entirely below every other solver's; otherwise
    the solvers whose intervals overlap its interval are tied with it.

    Columns ``problem_id``; ``fastest`` (the solver with the smallest time, ``None`` when no
    solver reaches ε); ``tied`` (tuple of the solvers statistically tied with it, itself
    first; one name when it is the clear winner); ``time_s``, ``time_low``, ``time_high``
    (its time and interval); ``runner_up``, ``runner_up_s``; ``baseline_s`` and ``speedup``
    (``baseline_s / time_s``; NaN when the baseline does not reach ε); ``baseline_tied``
    (the baseline is among the tied solvers: its speed-up is not significant).

    Examples
    --------
    >>> s = pd.DataFrame({"problem_id": "p", "solver": ["A", "B", "C"], "status": "ok",
    ...     "fit_s": [1.0, 1.05, 3.0], "fit_s_ci_low": [0.9, 1.0, 2.9],
    ...     "fit_s_ci_high": [1.1, 1.2, 3.1], "suboptimality": 0.0,
    ...     "reference_objective": 1.0})
    >>> row = fastest_table(s, 1e-6, "C").iloc[0]
    >>> row.fastest, row.tied, float(row.speedup)
    ('A', ('A', 'B'), 3.0)
    """
    best = best_rows(summary, epsilon)
    low, high = fit_intervals(best) if len(best) else (np.array([]), np.array([]))
    best = best.assign(_low=low, _high=high)
    records = []
    for problem in problem_order(summary):
        rows = best[best["problem_id"] == problem].sort_values("fit_s", kind="stable")
        record = dict.fromkeys(_FASTEST_COLUMNS)
        record.update(problem_id=problem, tied=(), baseline_tied=False)
        for name in ("time_s", "time_low", "time_high", "runner_up_s", "baseline_s", "speedup"):
            record[name] = np.nan
        if len(rows):
            first = rows.iloc[0]
            overlapping = rows[rows["_low"] <= first["_high"]]
            record.update(
                fastest=first["solver"],
                tied=tuple(overlapping["solver"]),
                time_s=float(first["fit_s"]),
                time_low=float(first["_low"]),
                time_high=float(first["_high"]),
            )
            if len(rows) > 1:
                record.update(runner_up=rows.iloc[1]["solver"], runner_up_s=rows.iloc[1]["fit_s"])
            base = rows[rows["solver"] == baseline]
            if len(base):
                record["baseline_s"] = float(base["fit_s"].iloc[0])
                record["speedup"] = record["baseline_s"] / record["time_s"]
                record["baseline_tied"] = baseline in record["tied"]
        records.append(record)
    return pd.DataFrame(records, columns=list(_FASTEST_COLUMNS))


_FASTEST_COLUMNS = (
    "problem_id",
    "fastest",
    "tied",
    "time_s",
    "time_low",
    "time_high",
    "runner_up",
    "runner_up_s",
    "baseline_s",
    "speedup",
    "baseline_tied",
)


def warnings_tables(summary: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Rows a reader must not overlook, by kind.

    Fitted rows have status ``ok`` or ``recompiles``. ``not_converged``: fits whose outcome
    is not ``converged`` (they hit ``maxiter`` or stopped without claiming convergence),
    with ``reference_objective``;
    ``compiles``: ``ok`` fits with ``compiles_in_timed > 0`` (their ``fit_s`` may include
    compilation: a broken measurement); ``recompiles``: fits of a solver that compiles on
    every call (``fit_s`` includes it, as a user pays it; ``compile_s`` is the compilation
    inside each call); ``no_trace``: fits whose trace was asked for but could not be
    recorded, with the full reason; ``trace_mismatch``: traces that do not end where the
    timed run ends; ``not_deterministic``: fits whose timed repeats did not all redo the
    first fit exactly (``repeats_differ > 0``), with the note saying why they stand.
    """
    ok = summary[summary["status"].isin(FITTED_STATUSES)].assign(outcome=outcomes(summary))
    key = ["problem_id", "solver", "tol"]
    not_conv = ok[ok["outcome"].notna() & (ok["outcome"] != "converged")]
    compiles = pd.to_numeric(ok.get("compiles_in_timed"), errors="coerce").fillna(0)
    compiles = compiles.where(ok["status"] == "ok", 0)
    reasons = ok["reason"].fillna("").astype(str)
    matches = ok["trace_matches_run"] if "trace_matches_run" in ok else pd.Series(dtype=object)
    mismatch = ok[matches.astype("boolean").fillna(True).eq(False).to_numpy(dtype=bool)]
    differ = (
        pd.to_numeric(ok["repeats_differ"], errors="coerce")
        if "repeats_differ" in ok
        else pd.Series(0, index=ok.index)
    )
    recompiling = ok[(ok["status"] == "recompiles").to_numpy(dtype=bool)]
    return {
        "not_converged": not_conv.reindex(
            columns=[
                *key,
                "outcome",
                "n_steps",
                "maxiter",
                "suboptimality",
                "status",
                "reference_objective",
            ]
        ),  # fmt: skip
        "compiles": ok[compiles.to_numpy() > 0][[*key, "compiles_in_timed", "fit_s"]],
        "recompiles": recompiling.reindex(
            columns=[*key, "compiles_per_call", "compile_s", "fit_s"]
        ),
        # a recompiles row's reason starts with its sentence, then any "No trace: ..." note
        "no_trace": ok[reasons.str.contains("No trace", regex=False).to_numpy(dtype=bool)][
            [*key, "reason"]
        ],
        "trace_mismatch": mismatch[key],
        "not_deterministic": ok[differ.fillna(0).to_numpy() > 0].reindex(
            columns=[*key, "repeats_differ", "n_repeats", "reason"]
        ),
    }
